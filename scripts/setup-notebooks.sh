#!/usr/bin/env bash
# Installs everything the notebooks need, from the package registries only, into the repository
# (all gitignored): idempotent, each step checks what is there first.
#   - .venv/: JupyterLab and nbclient from PyPI, every package pinned (kernels/requirements.txt)
#   - .cache/gonb/bin/: GoNB v0.11.1 (built from the module cache: `go install` of it fails on the
#     module proxy's deprecation lookup), gopls v0.23.0 and goimports (golang.org/x/tools v0.48.0)
#   - .cache/jupyter/: three GoNB kernel specs, one per backend (see kernels/README.md), and the
#     signatures that make the committed notebooks trusted
#   - kernels/browser_test/node_modules: playwright-core (npm, exact version in package-lock.json),
#     and Debian's chromium through apt, for the browser test; these two are optional: when they
#     cannot be installed the browser test says so and is skipped
# Usage: bash scripts/setup-notebooks.sh              install or repair
#        bash scripts/setup-notebooks.sh --uninstall  remove all of the above (not apt's chromium)
set -euo pipefail

GONB_VERSION="v0.11.1"
GOPLS_VERSION="v0.23.0"
TOOLS_VERSION="v0.48.0" # golang.org/x/tools, for goimports

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../kernels/env.sh
source "${repo_root}/kernels/env.sh"
browser_dir="${repo_root}/kernels/browser_test"

say() { printf 'setup-notebooks: %s\n' "$*"; }

if [ "${1:-}" = "--uninstall" ]; then
	rm -rf "${GOGAN_VENV}" "${repo_root}/.cache/gonb" "${repo_root}/.cache/jupyter" "${browser_dir}/node_modules"
	say "removed .venv, .cache/gonb, .cache/jupyter (kernel specs, signatures) and the browser test's node_modules"
	say "left in place: Debian's chromium (apt-get remove chromium), Go's module and build caches"
	exit 0
fi
[ $# -eq 0 ] || { say "unknown argument $1 (use --uninstall or nothing)" >&2; exit 2; }

install_jupyterlab() {
	if [ ! -x "${GOGAN_VENV}/bin/python" ]; then
		say "creating ${GOGAN_VENV} with /usr/bin/python3"
		/usr/bin/python3 -m venv "${GOGAN_VENV}"
	fi
	# pip compares the pinned set with what is installed, so a rerun downloads nothing.
	"${GOGAN_VENV}/bin/pip" install --quiet --disable-pip-version-check --no-input -r "${repo_root}/kernels/requirements.txt"
	say "JupyterLab $("${GOGAN_VENV}/bin/jupyter-lab" --version) in ${GOGAN_VENV}"
}

# has_module BINARY MODULE VERSION: the Go binary was built from that module version.
has_module() {
	[ -x "$1" ] && go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+(mod|dep)[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

install_go_tools() {
	mkdir -p "${GOGAN_TOOLS}"
	if [ "$("${GOGAN_TOOLS}/gonb" -V 2>/dev/null)" != "${GONB_VERSION}" ]; then
		say "building GoNB ${GONB_VERSION}"
		go mod download "github.com/janpfeifer/gonb@${GONB_VERSION}"
		(cd "$(go env GOMODCACHE)/github.com/janpfeifer/gonb@${GONB_VERSION}" && go build -o "${GOGAN_TOOLS}/gonb" .)
	fi
	if ! has_module "${GOGAN_TOOLS}/gopls" golang.org/x/tools/gopls "${GOPLS_VERSION}"; then
		say "installing gopls ${GOPLS_VERSION}"
		GOBIN="${GOGAN_TOOLS}" go install "golang.org/x/tools/gopls@${GOPLS_VERSION}"
	fi
	if ! has_module "${GOGAN_TOOLS}/goimports" golang.org/x/tools "${TOOLS_VERSION}"; then
		say "installing goimports from golang.org/x/tools ${TOOLS_VERSION}"
		GOBIN="${GOGAN_TOOLS}" go install "golang.org/x/tools/cmd/goimports@${TOOLS_VERSION}"
	fi
	say "GoNB $("${GOGAN_TOOLS}/gonb" -V), gopls ${GOPLS_VERSION}, goimports ${TOOLS_VERSION} in ${GOGAN_TOOLS}"
}

install_kernels() {
	local kernels="${JUPYTER_DATA_DIR}/kernels"
	rm -rf "${kernels}/gonb" "${kernels}"/gogan-*
	# GoNB writes its own spec (argv, logo); each backend's spec is derived from it.
	"${GOGAN_TOOLS}/gonb" --install --raw_error --logtostderr 2>/dev/null
	# The CUDA kernel runs the pip-installed plugin where pip put it, with its NVIDIA libraries
	# (scripts/cuda-env.sh); without one, it names xla:cuda, and engine.New's error says what to
	# install. Found again at every set-up.
	local cuda_lines=""
	cuda_lines="$(env -u LD_LIBRARY_PATH -u XLA_FLAGS bash -c 'source "$1" && cuda_env 2>/dev/null &&
		printf "%s\n%s\n%s\n" "${GOMLX_BACKEND}" "${XLA_FLAGS:-}" "${LD_LIBRARY_PATH:-}"' _ "${repo_root}/scripts/cuda-env.sh")" || cuda_lines=""
	if [ -n "${cuda_lines}" ]; then
		say "XLA CUDA kernel: $(head -1 <<<"${cuda_lines}")"
	else
		say "XLA CUDA kernel: no CUDA plugin found (pip install jax-cuda13-pjrt==0.11.2 'jax-cuda13-plugin[with-cuda]==0.11.2', then rerun this set-up)"
	fi
	GOGAN_CUDA_ENV="${cuda_lines}" "${GOGAN_VENV}/bin/python" - "${kernels}" "${repo_root}" "${GOGAN_TOOLS}" "$(dirname "$(command -v go)")" \
		"$(go env GOPATH)" "$(go env GOCACHE)" "$(go env GOMODCACHE)" "${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}" <<'PY'
import json, os, shutil, sys

kernels, repo, tools, gobin, gopath, gocache, gomodcache, home = sys.argv[1:]
base = os.path.join(kernels, "gonb")
with open(os.path.join(base, "kernel.json")) as f:
    spec = json.load(f)
# Cells compile with go and GoNB's helpers and may run shell commands: an explicit PATH, and the
# Go caches of the user who installed, so cells reuse the module and build caches offline.
common = {
    "PATH": ":".join([tools, gobin, "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
    "GOPATH": gopath, "GOCACHE": gocache, "GOMODCACHE": gomodcache, "HOME": home,
    # A named XLA plugin must never be fetched at run time (ganlib/engine also forbids it).
    "GOMLX_NO_AUTO_INSTALL": "1",
    # Cells compile the pure-Go backend's SIMD kernels, as scripts/test.sh and train.sh do;
    # without it they run the portable kernels, several times slower (docs/BENCHMARKS.md).
    "GOEXPERIMENT": "simd",
}
backends = [
    ("gogan-go", "Go (GAN, pure Go)", {"GOMLX_BACKEND": "go"}),
    ("gogan-xla-cpu", "Go (GAN, XLA CPU)",
     {"GOMLX_BACKEND": "xla:cpu", "PJRT_PLUGIN_LIBRARY_PATH": os.path.join(repo, ".xla", "cpu")}),
    ("gogan-xla-cuda", "Go (GAN, XLA CUDA)",
     {"GOMLX_BACKEND": "xla:cuda", "PJRT_PLUGIN_LIBRARY_PATH": os.path.join(repo, ".xla", "cuda")}),
]
# Lines: GOMLX_BACKEND, XLA_FLAGS, LD_LIBRARY_PATH (the shell drops trailing empty ones).
cuda = os.environ.get("GOGAN_CUDA_ENV", "").split("\n") + ["", ""]
if cuda[0]:
    env = backends[-1][2]
    env.clear()
    env.update(GOMLX_BACKEND=cuda[0], GOPJRT_CUDA_CHECKS="0")
    env.update({k: v for k, v in (("XLA_FLAGS", cuda[1]), ("LD_LIBRARY_PATH", cuda[2])) if v})
# GoNB copies its own binary into the spec folder when it runs from under /tmp (a clone there,
# say): the kernels run the one in .cache/gonb/bin instead, and take only the logos.
spec["argv"][0] = os.path.join(tools, "gonb")
for name, display, env in backends:
    target = os.path.join(kernels, name)
    shutil.copytree(base, target, ignore=lambda folder, files: [f for f in files if not f.startswith("logo")])
    spec.update(display_name=display, env={**common, **env})
    with open(os.path.join(target, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
shutil.rmtree(base)
PY
	say "kernels: $(cd "${kernels}" && echo gogan-*) in ${kernels}"
	# Signatures live in JUPYTER_DATA_DIR: sign the committed notebooks (outputs this project made)
	# so JupyterLab shows their SVG and HTML outputs.
	local notebook
	for notebook in "${repo_root}"/notebooks/*.ipynb; do
		[ -f "${notebook}" ] && "${GOGAN_VENV}/bin/jupyter" trust "${notebook}" >/dev/null
	done
	return 0
}

# The browser test's tools are optional: failures here are reported, and the test skips.
install_browser_test_tools() {
	if [ ! -x /usr/bin/chromium ]; then
		if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
			say "apt-get install chromium (for the browser test)"
			export DEBIAN_FRONTEND=noninteractive
			apt-get install -y -q --no-install-recommends chromium >/dev/null ||
				{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; } ||
				say "chromium could not be installed: the browser test will be skipped"
		else
			say "no /usr/bin/chromium and no root apt-get: the browser test will be skipped (apt-get install chromium)"
		fi
	fi
	if ! command -v npm >/dev/null; then
		say "npm not found: the browser test will be skipped (apt-get install npm)"
		return 0
	fi
	local want have=""
	want="$(node -p "require('${browser_dir}/package-lock.json').packages['node_modules/playwright-core'].version")"
	[ -f "${browser_dir}/node_modules/playwright-core/package.json" ] &&
		have="$(node -p "require('${browser_dir}/node_modules/playwright-core/package.json').version")"
	if [ "${have}" != "${want}" ]; then
		say "npm ci in kernels/browser_test (playwright-core ${want})"
		npm ci --prefix "${browser_dir}" --no-audit --no-fund --loglevel=error ||
			say "npm ci failed: the browser test will be skipped"
	fi
	return 0
}

install_jupyterlab
install_go_tools
install_kernels
install_browser_test_tools
say "done: start JupyterLab with bash kernels/lab.sh"
