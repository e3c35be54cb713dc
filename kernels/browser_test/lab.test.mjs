// Browser test of the notebook side: JupyterLab on 127.0.0.1 with the project's kernels, driven
// by headless Debian chromium through playwright-core. It opens the quickstart, clears its saved
// outputs, runs its first cells on the pure-Go kernel (the workspace header, the summary and the
// real-digits grid) and checks the pixels of the grid image the page shows against the grey
// levels kernels/browser_test/gridpixels computes from the same samples; the screenshot is kept
// in .cache/artifacts/. Run by scripts/run-notebooks.sh (which sources kernels/env.sh); when
// chromium or playwright-core is missing it is skipped with the reason, or fails where every
// dependency is required (GOGAN_REQUIRE_DEPS=1, the test command).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromiumPath = '/usr/bin/chromium';
const artifacts = join(repo, '.cache', 'artifacts');

// Why the test cannot run here, or '' when it can.
function skipReason() {
  if (!existsSync(chromiumPath)) return `${chromiumPath} not installed (apt-get install chromium)`;
  if (!existsSync(join(repo, 'kernels', 'browser_test', 'node_modules', 'playwright-core'))) {
    return 'playwright-core not installed (bash scripts/setup-notebooks.sh)';
  }
  if (!process.env.GOGAN_VENV || !process.env.JUPYTER_DATA_DIR) return 'kernels/env.sh not sourced (run bash scripts/run-notebooks.sh)';
  if (!existsSync(join(process.env.JUPYTER_DATA_DIR, 'kernels', 'gogan-go', 'kernel.json'))) return 'gogan-go kernel not installed';
  return '';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls JupyterLab's status API until it answers (startup takes a few seconds).
async function waitForServer(lab, base, token, deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (lab.exitCode !== null) throw new Error(`JupyterLab exited with status ${lab.exitCode} before answering`);
    try {
      const res = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`JupyterLab did not answer at ${base} within ${deadlineMs / 1000}s`);
}

// Stops JupyterLab: its kernels through the API first (they run in sessions of their own), then
// the server with SIGTERM, then SIGKILL on its process group if it lingers.
async function stopLab(lab, base, token) {
  const headers = { Authorization: `token ${token}` };
  try {
    const kernels = await (await fetch(`${base}/api/kernels`, { headers })).json();
    for (const k of kernels) await fetch(`${base}/api/kernels/${k.id}`, { method: 'DELETE', headers });
  } catch {
    // The server is already gone: nothing to ask it.
  }
  if (lab.exitCode !== null || lab.signalCode !== null) return;
  const exited = new Promise((r) => lab.once('exit', r));
  lab.kill('SIGTERM');
  const timer = new Promise((r) => setTimeout(() => r('timeout'), 20000));
  if ((await Promise.race([exited, timer])) === 'timeout') process.kill(-lab.pid, 'SIGKILL');
}

test('quickstart: a cell run on the pure-Go kernel in JupyterLab shows its image', { timeout: 540000 }, async (t) => {
  const reason = skipReason();
  if (reason) {
    if (process.env.GOGAN_REQUIRE_DEPS === '1') assert.fail(`the browser test cannot run: ${reason} (GOGAN_REQUIRE_DEPS=1 requires it)`);
    t.skip(reason);
    return;
  }
  // The grey levels the grid must show, computed in Go from the data set (not from the image).
  const expected = JSON.parse(execFileSync('go', ['run', './kernels/browser_test/gridpixels'], { cwd: repo, encoding: 'utf8' }));
  const { chromium } = await import('playwright-core');
  // JupyterLab serves a copy inside the repository (so the notebook's header still finds the
  // working copy), and keeps its settings and workspaces in the scratch folder: the test never
  // edits the committed notebook (autosave) or the user's JupyterLab state.
  const scratch = join(repo, '.cache', 'browser-test');
  rmSync(scratch, { recursive: true, force: true });
  const served = join(scratch, 'notebooks');
  mkdirSync(served, { recursive: true });
  copyFileSync(join(repo, 'notebooks', 'quickstart.ipynb'), join(served, 'quickstart.ipynb'));
  // JupyterLab would ask whether to fetch news (a toast over the notebook): the answer is no.
  const notificationSettings = join(scratch, 'settings', '@jupyterlab', 'apputils-extension');
  mkdirSync(notificationSettings, { recursive: true });
  writeFileSync(join(notificationSettings, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  for (const name of ['browser-quickstart.png', 'browser-quickstart-failed.png']) rmSync(join(artifacts, name), { force: true });
  const userData = mkdtempSync(join(tmpdir(), 'gogan-chromium-'));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const base = `http://127.0.0.1:${port}`;
  const lab = spawn(join(process.env.GOGAN_VENV, 'bin', 'jupyter'), [
    'lab', '--no-browser', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${served}`,
    '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    // CI runs as root, which JupyterLab refuses unless told.
    ...(process.getuid() === 0 ? ['--allow-root'] : []),
  ], {
    env: { ...process.env, JUPYTERLAB_SETTINGS_DIR: join(scratch, 'settings'), JUPYTERLAB_WORKSPACES_DIR: join(scratch, 'workspaces') },
    detached: true, // its own process group, so a stuck server can be killed whole
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let labLog = '';
  lab.stderr.on('data', (d) => { labLog = (labLog + d).slice(-20000); });
  let context;
  try {
    await waitForServer(lab, base, token, 60000);
    context = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 1000 },
    });
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(`${base}/lab/tree/quickstart.ipynb?token=${token}`);
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await notebook.locator('.jp-Cell').first().waitFor({ timeout: 60000 });
    // The notebook's own kernel spec picks the pure-Go kernel.
    // (GoNB reports no status before its first execution: the cells' outputs below are the check.)
    await page.locator('.jp-Toolbar-kernelName', { hasText: 'Go (GAN, pure Go)' }).first().waitFor({ timeout: 60000 });
    // The committed notebook is what JupyterLab would save: opening it (and the kernel telling
    // its language_info) must not mark it modified, or autosave would rewrite it.
    for (let waited = 0; waited < 10000; waited += 500) {
      assert.equal(await page.locator('.lm-TabBar-tab.jp-mod-dirty').count(), 0,
        'opening quickstart.ipynb marked it modified: save it from JupyterLab (or execute it with scripts/run-notebooks.sh --full) and commit that');
      await new Promise((r) => setTimeout(r, 500));
    }

    // Clear the committed outputs, so the image checked below is this run's.
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.getByRole('menuitem', { name: /Clear Outputs of All Cells/ }).click();
    const cells = notebook.locator('.jp-Notebook .jp-Cell');
    const gridCell = cells.nth(4);
    await assert.doesNotReject(gridCell.locator('.jp-OutputArea-output img').waitFor({ state: 'detached', timeout: 10000 }));

    // Run the header (cell 1), the summary (2), the markdown (3) and the digits grid (4).
    await cells.nth(1).locator('.jp-InputArea-editor').click();
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+Enter');
    const img = gridCell.locator('.jp-OutputArea-output img');
    await img.waitFor({ state: 'visible', timeout: 240000 });
    assert.equal(await img.getAttribute('alt'), 'real MNIST digits, 16x16');
    const size = await img.evaluate((el) => [el.complete, el.naturalWidth, el.naturalHeight]);
    // 8 x 4 tiles of 16x16 with 2-pixel gaps: 146 x 74 pixels.
    assert.deepEqual(size, [true, 146, 74]);
    assert.deepEqual([expected.width, expected.height], [146, 74]);
    // The decoded image, drawn to a canvas at its natural size: RGBA bytes.
    const rgba = await img.evaluate((el) => {
      const canvas = document.createElement('canvas');
      canvas.width = el.naturalWidth;
      canvas.height = el.naturalHeight;
      const g = canvas.getContext('2d');
      g.drawImage(el, 0, 0);
      return Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data);
    });
    const wrong = [];
    for (let i = 0; i < expected.grey.length; i++) {
      const [r, gr, b, a] = rgba.slice(4 * i, 4 * i + 4);
      const want = expected.grey[i];
      if (a !== 255 || Math.abs(r - want) > 1 || Math.abs(gr - want) > 1 || Math.abs(b - want) > 1) wrong.push(`(${i % 146}, ${Math.floor(i / 146)}): ${[r, gr, b, a]} want ${want}`);
    }
    assert.equal(wrong.length, 0, `${wrong.length} of ${expected.grey.length} pixels differ from the digits, first: ${wrong.slice(0, 5).join('; ')}`);
    // The expected digits themselves are not blank: bright strokes (426) on black (6607).
    const inked = expected.grey.filter((v) => v > 200).length, black = expected.grey.filter((v) => v === 0).length;
    assert.ok(inked > 300 && black > 4000, `the expected grid has ${inked} bright and ${black} black pixels: not digits`);
    await assert.doesNotReject(cells.nth(2).locator('.jp-OutputArea-output', { hasText: 'backend "go"' }).first().waitFor({ timeout: 10000 }),
      'the summary names the pure-Go backend');

    mkdirSync(artifacts, { recursive: true });
    await gridCell.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'browser-quickstart.png') });
  } catch (err) {
    if (context) {
      mkdirSync(artifacts, { recursive: true });
      await context.pages()[0]?.screenshot({ path: join(artifacts, 'browser-quickstart-failed.png') }).catch(() => {});
    }
    throw new Error(`${err.message}\nJupyterLab's log ends:\n${labLog.slice(-4000)}`, { cause: err });
  } finally {
    await context?.close();
    await stopLab(lab, base, token);
    rmSync(userData, { recursive: true, force: true });
  }
});
