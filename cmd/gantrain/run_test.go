package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ganlab/gogan/ganlib/render"
)

// These tests drive the real command as a subprocess, as a user does: the binary built once by
// TestMain, or the one GANTRAIN_BINARY names (to check another build against them).

var binary string

func TestMain(m *testing.M) {
	binary = os.Getenv("GANTRAIN_BINARY")
	if binary == "" {
		dir, err := os.MkdirTemp("", "gantrain-test-")
		if err != nil {
			panic(err)
		}
		binary = filepath.Join(dir, "gantrain")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building gantrain: %v\n%s", err, out)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
	}
	code := m.Run()
	os.Exit(code)
}

// tiny is a model and run small enough to train in about a second: MSG-ProGAN at 8x8, 8
// channels, batches of 8, a tick every 2 iterations.
const tiny = "msggan_resolution=8;msggan_channel_max=8;msggan_latent_dim=8;batch_size=8;tick_kimg=0.016;seed=3"

func settings(extra string) string { return tiny + ";" + extra }

// gantrain runs the command to its end and returns its output and exit status.
func gantrain(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return string(out), exit.ExitCode()
		}
		t.Fatalf("running gantrain %v: %v", args, err)
	}
	return string(out), 0
}

// mustTrain runs gantrain, failing t unless it exits 0.
func mustTrain(t *testing.T, args ...string) string {
	t.Helper()
	out, code := gantrain(t, args...)
	if code != 0 {
		t.Fatalf("gantrain %v exited %d:\n%s", args, code, out)
	}
	return out
}

// runFolders lists the run folders under root.
func runFolders(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// runFolder returns the i-th run folder under root, failing t if there is none. (A build that
// writes a run into -out itself, as gantrain once did, gets root as its only folder: the tests
// then fail on what they check, not on the layout.)
func runFolder(t *testing.T, root string, i int) string {
	t.Helper()
	folders := runFolders(t, root)
	if _, err := os.Stat(filepath.Join(root, "stats.jsonl")); err == nil && i == 0 && len(folders) == 0 {
		return root
	}
	if i >= len(folders) {
		t.Fatalf("run folders under %s: %v, want at least %d (each run in a numbered folder of its own)", root, folders, i+1)
	}
	return filepath.Join(root, folders[i])
}

type tick struct {
	Kimg           float64            `json:"kimg"`
	Terms          map[string]float64 `json:"terms"`
	Metrics        map[string]float64 `json:"metrics"`
	SkippedSamples int                `json:"skipped_samples"`
	Warnings       []string           `json:"warnings"`
}

func readTicks(t *testing.T, dir string) []tick {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "stats.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ticks []tick
	for s := bufio.NewScanner(f); s.Scan(); {
		var tk tick
		if err := json.Unmarshal(s.Bytes(), &tk); err != nil {
			t.Fatalf("stats.jsonl line %q: %v", s.Text(), err)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// assertTicksOnce fails t unless the ticks' kimg only grow (each tick once, in order).
func assertTicksOnce(t *testing.T, ticks []tick) {
	t.Helper()
	for i := 1; i < len(ticks); i++ {
		if ticks[i].Kimg <= ticks[i-1].Kimg {
			t.Fatalf("stats.jsonl goes from kimg %g to %g at line %d: ticks repeated or mixed", ticks[i-1].Kimg, ticks[i].Kimg, i+1)
		}
	}
}

// TestRunsGetFoldersOfTheirOwn (defect 1): two runs with the same -out get one numbered folder
// each, whose stats.jsonl holds that run's ticks only; -resume latest continues the newest.
func TestRunsGetFoldersOfTheirOwn(t *testing.T) {
	root := t.TempDir()
	for range 2 {
		mustTrain(t, "-out", root, "-set", settings("kimg=0.048;snapshot_kimg=0.048"))
	}
	folders := runFolders(t, root)
	if !slices.Equal(folders, []string{"00000-msggan-msg-progan-32-mnist", "00001-msggan-msg-progan-32-mnist"}) {
		t.Fatalf("run folders %v, want 00000-... and 00001-...", folders)
	}
	for _, f := range folders {
		ticks := readTicks(t, filepath.Join(root, f))
		assertTicksOnce(t, ticks)
		if len(ticks) != 3 {
			t.Errorf("%s holds %d ticks, want its own 3", f, len(ticks))
		}
	}
	out := mustTrain(t, "-out", root, "-resume", "latest", "-set", "kimg=0.08")
	if !strings.Contains(out, "00001-msggan-msg-progan-32-mnist/snapshot-kimg000000.048.gob") {
		t.Errorf("-resume latest did not continue the newest run:\n%s", out)
	}
	if ticks := readTicks(t, filepath.Join(root, folders[1])); len(ticks) != 5 || ticks[4].Kimg != 0.08 {
		t.Errorf("the resumed run has %d ticks, want 5 up to kimg 0.08", len(ticks))
	}
}

// start starts gantrain and returns it with its output so far.
func start(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &out
}

// waitFor polls until ready holds (at most a minute).
func waitFor(t *testing.T, what string, ready func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ready() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// ticksSoFar counts the lines of the run's stats.jsonl.
func ticksSoFar(root string) int {
	matches, _ := filepath.Glob(filepath.Join(root, "*", "stats.jsonl"))
	if len(matches) == 0 {
		matches, _ = filepath.Glob(filepath.Join(root, "stats.jsonl"))
	}
	if len(matches) != 1 {
		return 0
	}
	data, _ := os.ReadFile(matches[0])
	return bytes.Count(data, []byte("\n"))
}

// TestSIGTERMSnapshotsThenExits (defect 2): SIGTERM finishes the step in progress, writes a
// snapshot there, says how to resume and exits non-zero; the resumed run goes on from that
// snapshot with each tick once.
func TestSIGTERMSnapshotsThenExits(t *testing.T) {
	root := t.TempDir()
	cmd, out := start(t, "-out", root, "-set", settings("kimg=20;snapshot_kimg=10"))
	waitFor(t, "two ticks", func() bool { return ticksSoFar(root) >= 2 })
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	exit, _ := err.(*exec.ExitError)
	if exit == nil || exit.ExitCode() == 0 {
		t.Fatalf("after SIGTERM: %v, want a non-zero exit:\n%s", err, out)
	}
	dir := runFolder(t, root, 0)
	snapshots, _ := filepath.Glob(filepath.Join(dir, "snapshot-kimg*.gob"))
	if len(snapshots) != 1 || !strings.Contains(out.String(), snapshots[0]) || !strings.Contains(out.String(), "-resume "+dir) {
		t.Fatalf("snapshots %v; the output must name the one written at the signal and how to resume:\n%s", snapshots, out)
	}
	ticks := readTicks(t, dir)
	last := ticks[len(ticks)-1].Kimg
	if want := fmt.Sprintf("snapshot-kimg%010.3f.gob", last); filepath.Base(snapshots[0]) != want {
		t.Errorf("snapshot %s, want one at the last tick, %s", filepath.Base(snapshots[0]), want)
	}
	resumed := mustTrain(t, "-out", root, "-resume", dir, "-set", fmt.Sprintf("kimg=%g", last+0.032))
	if !strings.Contains(resumed, "resumed from "+snapshots[0]) {
		t.Errorf("resume did not start from the signal's snapshot:\n%s", resumed)
	}
	assertTicksOnce(t, readTicks(t, dir))
}

// TestKillThenResumeKeepsTicksOnceAndExact (defect 3): after kill -9 past a snapshot, resuming
// drops the ticks written after it, so stats.jsonl holds each tick once, and the run ends as an
// uninterrupted one does (the same losses at every tick). With no snapshot yet, -resume latest
// is refused instead of starting afresh on top of the old statistics.
func TestKillThenResumeKeepsTicksOnceAndExact(t *testing.T) {
	straight, killed := t.TempDir(), t.TempDir()
	mustTrain(t, "-out", straight, "-set", settings("kimg=0.16;snapshot_kimg=0.032"))
	cmd, _ := start(t, "-out", killed, "-set", settings("kimg=20;snapshot_kimg=0.032"))
	waitFor(t, "ticks past a snapshot", func() bool { return ticksSoFar(killed) >= 5 })
	cmd.Process.Kill()
	cmd.Wait()
	mustTrain(t, "-out", killed, "-resume", "latest", "-set", "kimg=0.16")
	got := readTicks(t, runFolder(t, killed, 0))
	want := readTicks(t, runFolder(t, straight, 0))
	assertTicksOnce(t, got)
	if len(got) != len(want) {
		t.Fatalf("%d ticks after kill and resume, %d uninterrupted", len(got), len(want))
	}
	for i := range want {
		for name, v := range want[i].Terms {
			if got[i].Terms[name] != v {
				t.Errorf("kimg %g %s = %g after kill and resume, %g uninterrupted", want[i].Kimg, name, got[i].Terms[name], v)
			}
		}
	}

	early := t.TempDir()
	cmd, _ = start(t, "-out", early, "-set", settings("kimg=20;snapshot_kimg=10"))
	waitFor(t, "a tick", func() bool { return ticksSoFar(early) >= 1 })
	cmd.Process.Kill()
	cmd.Wait()
	dir := runFolder(t, early, 0)
	before, _ := os.ReadFile(filepath.Join(dir, "stats.jsonl"))
	out, code := gantrain(t, "-out", early, "-resume", "latest")
	if code == 0 || !strings.Contains(out, "no snapshot") {
		t.Errorf("-resume latest of a run without a snapshot exited %d:\n%s", code, out)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "stats.jsonl")); !bytes.Equal(before, after) {
		t.Error("the refused resume changed stats.jsonl")
	}
}

// TestDamagedSnapshots (defect 4): a flipped bit in the newest snapshot (in the optimizer state,
// near its end) is refused naming the file; -resume latest passes over it with a warning and
// resumes from the previous one.
func TestDamagedSnapshots(t *testing.T) {
	root := t.TempDir()
	mustTrain(t, "-out", root, "-set", settings("kimg=0.064;snapshot_kimg=0.032"))
	dir := runFolder(t, root, 0)
	newest := filepath.Join(dir, "snapshot-kimg000000.064.gob")
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)*9/10] ^= 0x10
	if err := os.WriteFile(newest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := gantrain(t, "-out", root, "-resume", newest, "-set", "kimg=0.096")
	if code == 0 || !strings.Contains(out, newest) || !strings.Contains(out, "damaged") {
		t.Errorf("resuming a damaged snapshot exited %d:\n%s", code, out)
	}
	out = mustTrain(t, "-out", root, "-resume", "latest", "-set", "kimg=0.096")
	if !strings.Contains(out, "warning") || !strings.Contains(out, newest) || !strings.Contains(out, "resumed from "+filepath.Join(dir, "snapshot-kimg000000.032.gob")) {
		t.Errorf("-resume latest with a damaged newest snapshot:\n%s", out)
	}
}

// writeFolder writes n 16x16 RGB PNGs of distinct colours into a new folder and, if broken, one
// more whose header is valid and whose pixel data is not.
func writeFolder(t *testing.T, n int, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	encode := func(i int) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 16, 16))
		for p := range 16 * 16 {
			img.Set(p%16, p/16, color.RGBA{uint8(40 * i), uint8(p), uint8(255 - 30*i), 255})
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		return buf.Bytes()
	}
	for i := range n {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("img%02d.png", i)), encode(i), 0o644)
	}
	if broken {
		data := encode(99)
		for i := 60; i < len(data)-20; i++ {
			data[i] ^= 0x5a // the IDAT chunk: the header stays valid
		}
		os.WriteFile(filepath.Join(dir, "img99-broken.png"), data, 0o644)
	}
	return dir
}

// TestBadDataMidRun (defect 5): a file whose header is fine and body corrupt stops the run when
// it is read, after a snapshot, naming the file and the skip_bad setting; with skip_bad=true the
// run goes on and counts it in the log and in stats.jsonl.
func TestBadDataMidRun(t *testing.T) {
	data := writeFolder(t, 15, true)
	root := t.TempDir()
	out, code := gantrain(t, "-out", root, "-set", settings("kimg=0.064;snapshot_kimg=0.064;dataset=folder:"+data))
	if code == 0 || !strings.Contains(out, "img99-broken.png") || !strings.Contains(out, "skip_bad") {
		t.Fatalf("a corrupt image: exit %d:\n%s", code, out)
	}
	if snapshots, _ := filepath.Glob(filepath.Join(root, "*", "snapshot-kimg*.gob")); len(snapshots) != 1 || !strings.Contains(out, snapshots[0]) {
		t.Errorf("snapshots %v: want one written before the bad batch, named in the output", snapshots)
	}
	out = mustTrain(t, "-out", root, "-set", settings("kimg=0.064;snapshot_kimg=0.064;skip_bad=true;dataset=folder:"+data))
	ticks := readTicks(t, runFolder(t, root, 1))
	if ticks[len(ticks)-1].SkippedSamples != 1 || !strings.Contains(out, "skipped") {
		t.Errorf("with skip_bad: skipped %d in stats.jsonl, want 1, and the log saying so:\n%s", ticks[len(ticks)-1].SkippedSamples, out)
	}
}

// TestChannelsFollowTheData (defect 5): RGB data under the grey default preset trains in RGB,
// saying so; channels set explicitly against the data are an error.
func TestChannelsFollowTheData(t *testing.T) {
	data := writeFolder(t, 16, false)
	root := t.TempDir()
	out := mustTrain(t, "-out", root, "-set", settings("kimg=0.016;snapshot_kimg=0.016;dataset=folder:"+data))
	if !strings.Contains(out, "channels follow the data set: 3") || !strings.Contains(out, "8x8x3") {
		t.Errorf("RGB data under the grey preset:\n%s", out)
	}
	out, code := gantrain(t, "-out", root, "-set", settings("kimg=0.016;msggan_image_channels=1;dataset=folder:"+data))
	if code == 0 || !strings.Contains(out, "msggan_image_channels=1") || !strings.Contains(out, "3 channels") {
		t.Errorf("explicit grey channels on RGB data: exit %d:\n%s", code, out)
	}
}

// TestRunFilesReadable (defect 6): a run's snapshots, sample grids and statistics are readable
// as the umask allows (0644 under 022).
func TestRunFilesReadable(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	root := t.TempDir()
	mustTrain(t, "-out", root, "-set", settings("kimg=0.016;snapshot_kimg=0.016"))
	files, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	if len(files) != 3 {
		t.Fatalf("run files %v, want a snapshot, a sample grid and stats.jsonl", files)
	}
	for _, f := range files {
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, %v; want -rw-r--r--", filepath.Base(f), info.Mode(), err)
		}
	}
}

// TestErrorsAreClearAndEarly (defect 7): an error is one message without stack frames (-debug
// adds them), a bad setting is reported before any data is read, the backend error names the
// flag that sets it, a resume with other model settings is refused listing them, and resuming a
// finished run says it is complete.
func TestErrorsAreClearAndEarly(t *testing.T) {
	root := t.TempDir()
	out, code := gantrain(t, "-out", root, "-set", settings("optimizer=adamw"))
	if code == 0 || !strings.Contains(out, `optimizer="adamw"`) || strings.Contains(out, ".go:") || strings.Contains(out, "data mnist") {
		t.Errorf("an unknown optimizer: exit %d; want one line naming it, before the data is read, without stack frames:\n%s", code, out)
	}
	if out, _ := gantrain(t, "-debug", "-out", root, "-set", settings("optimizer=adamw")); !strings.Contains(out, ".go:") {
		t.Errorf("-debug shows no stack frames:\n%s", out)
	}
	out, code = gantrain(t, "-out", root, "-backend", "gpu", "-set", settings("kimg=0.016"))
	if code == 0 || !strings.Contains(out, "-backend=") || strings.Contains(out, "--set=backend") {
		t.Errorf("an unknown backend: exit %d:\n%s", code, out)
	}
	mustTrain(t, "-out", root, "-set", settings("kimg=0.032;snapshot_kimg=0.032"))
	out, code = gantrain(t, "-out", root, "-resume", "latest", "-set", "msggan_channel_max=16")
	if code == 0 || !strings.Contains(out, "msggan_channel_max is 16 now, 8 in the snapshot") || strings.Contains(out, "requested to reuse variable") {
		t.Errorf("a resume with another model: exit %d:\n%s", code, out)
	}
	out = mustTrain(t, "-out", root, "-resume", "latest")
	if !strings.Contains(out, "complete") || !strings.Contains(out, "kimg") {
		t.Errorf("resuming a finished run:\n%s", out)
	}
}

// TestGrowingAndAblationSettingsAreCheckedEarly: a growing schedule the run does not finish, a
// fade-in of 0 kimg, batch sizes at a resolution the model lacks, a connection level or list the
// model cannot have, an unknown phi, mbstd placement or metric, an unknown StyleGAN2 config,
// architecture or phi, a truncation cutoff beyond the style latents, a path-length weight on a
// model without a mapping network: each stops gantrain with one line
// naming the setting and what it allows, before any data is read or graph compiled.
func TestGrowingAndAblationSettingsAreCheckedEarly(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct{ set, want string }{
		{"model=progan;kimg=10", `kimg=10 ends before ProGAN 32x32x1's growing schedule reaches its last stage "32x32", at kimg 18`},
		{"model=progan;progan_fade_kimg=0", "progan_fade_kimg=0: a fade-in must last"},
		{"model=progan;progan_batch_sizes=64:8", "progan_batch_sizes: batch size 8 at resolution 64: want positive sizes at resolutions 4 to 32"},
		{"msggan_resolution=8;msggan_connections=middle", "msggan_connections=middle: a 8x8 model has no middle resolution"},
		{"msggan_connections=4,64", "connection at resolution 64 not in [4 8 16] (msggan_connections)"},
		{"msggan_connections=corse", "neither a level nor a resolution: use all, none, coarse, middle, fine"},
		{"msggan_phi=concat", `msggan_phi: unknown phi "concat": use "simple", "lin_cat" or "cat_lin"`},
		{"msggan_mbstd=first", `msggan_mbstd="first": use "every_block"`},
		{"metrics=fid", `metrics="fid": no metric "fid"; the metrics are stability`},
		{"model=stylegan2;preset=G-32", `model stylegan2 has no preset "G-32": use one of E-32, A-32`},
		{"model=stylegan2;stylegan2_g_architecture=dense", `stylegan2_g_architecture="dense": use orig, skip, resnet`},
		{"model=stylegan2;preset=msg-stylegan-32;stylegan2_msg_phi=max", `stylegan2_msg_phi: unknown phi "max"`},
		{"model=stylegan2;stylegan2_truncation_cutoff=9", "stylegan2_truncation_cutoff=9: a 32x32 model has 8 style latents"},
		{"model=stylegan2;preset=A-32;kimg=10", `kimg=10 ends before StyleGAN2 32x32x1 (G orig, D orig)'s growing schedule reaches its last stage "32x32", at kimg 36`},
		{"pl_weight=2", "path-length regularization (pl_weight > 0) needs a style-based model with Mapping and Synthesis; MSG-ProGAN 32x32x1 has none"},
	} {
		out, code := gantrain(t, "-out", root, "-set", tc.set)
		if code == 0 || !strings.Contains(out, tc.want) || strings.Contains(out, "data mnist") || strings.Contains(out, ".go:") {
			t.Errorf("-set %q: exit %d; want one line with %q before the data is read:\n%s", tc.set, code, tc.want, out)
		}
	}
}

// TestHelpAndList (defect 8): -help points at -list, and -list gives every setting its meaning,
// allowed values and default (the msggan keys their real defaults).
func TestHelpAndList(t *testing.T) {
	help, _ := gantrain(t, "-help")
	if !strings.Contains(help, "-list") {
		t.Errorf("-help does not mention -list:\n%s", help)
	}
	list := mustTrain(t, "-list")
	for _, want := range []string{
		"wgan, ns (non-saturating logistic), hinge, lsgan or rahinge", // loss: allowed values
		"simple, lin_cat or cat_lin",                                  // msggan_phi
		"adam or rmsprop",                                             // optimizer
		"skip_bad",
		"divergence_bound",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("-list lacks %q", want)
		}
	}
	for _, line := range strings.Split(list, "\n") {
		if fields := strings.Fields(line); len(fields) >= 2 && strings.HasPrefix(fields[0], "msggan_") && (fields[1] == "0" || len(fields) < 3) {
			t.Errorf("-list line without a default or meaning: %q", line)
		}
	}
}

// TestQualityMetricsAtSnapshots: metrics=fd200-classifier,kid200-classifier,pplz100-classifier
// writes one metrics.jsonl line per metric and snapshot (values in stats.jsonl too), training the
// classifier and computing the real statistics once; ganmetrics then measures the finished run's
// latest snapshot again, appending its lines, with the same numbers (the same fixed latents).
func TestQualityMetricsAtSnapshots(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	quality := "fd200-classifier,kid200-classifier,pplz100-classifier"
	out := mustTrain(t, "-out", root, "-set", settings("kimg=0.032;snapshot_kimg=0.016;metrics="+quality+
		";metrics_classifier_steps=30;metrics_cache="+cache))
	dir := runFolder(t, root, 0)
	if n := strings.Count(out, "statistics of 200 real mnist images"); n != 1 || strings.Count(out, "classifier of mnist trained") != 1 {
		t.Errorf("real statistics computed %d times, the classifier trained %d times; want once each:\n%s", n, strings.Count(out, "classifier of mnist trained"), out)
	}
	type result struct {
		Metric    string  `json:"metric"`
		Value     float64 `json:"value"`
		Kimg      float64 `json:"kimg"`
		Snapshot  string  `json:"snapshot"`
		Extractor string  `json:"extractor"`
	}
	read := func() []result {
		data, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var results []result
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var r result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("metrics.jsonl line %q: %v", line, err)
			}
			results = append(results, r)
		}
		return results
	}
	results := read()
	if len(results) != 6 {
		t.Fatalf("%d lines in metrics.jsonl, want 3 metrics x 2 snapshots: %+v", len(results), results)
	}
	for i, r := range results {
		want := strings.Split(quality, ",")[i%3]
		if r.Metric != want || !(r.Value > 0) || r.Kimg != 0.016*float64(1+i/3) || !strings.Contains(r.Extractor, "classifier") || !strings.HasPrefix(r.Snapshot, "snapshot-kimg") {
			t.Errorf("line %d: %+v, want %s > 0 at kimg %g with its snapshot and extractor", i, r, want, 0.016*float64(1+i/3))
		}
	}
	if ticks := readTicks(t, dir); ticks[len(ticks)-1].Metrics["fd200-classifier"] != results[3].Value {
		t.Errorf("the last tick's metrics %v, want fd200-classifier = %g", ticks[len(ticks)-1].Metrics, results[3].Value)
	}

	measure := filepath.Join(t.TempDir(), "ganmetrics")
	if out, err := exec.Command("go", "build", "-o", measure, "../ganmetrics").CombinedOutput(); err != nil {
		t.Fatalf("building ganmetrics: %v\n%s", err, out)
	}
	cmd := exec.Command(measure, "-run", dir, "-metrics", quality, "-set", "metrics_cache="+cache)
	printed, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ganmetrics: %v\n%s", err, printed)
	}
	again := read()
	if len(again) != 9 || !strings.Contains(string(printed), "kimg 0.032 fd200-classifier") {
		t.Fatalf("after ganmetrics: %d lines (want 9); it printed:\n%s", len(again), printed)
	}
	for i := range 3 {
		if a, b := again[6+i], results[3+i]; a.Metric != b.Metric || a.Kimg != b.Kimg || a.Value != b.Value {
			t.Errorf("ganmetrics measured %+v, the run %+v at the same snapshot", a, b)
		}
	}
	if out, err := exec.Command(measure, "-run", dir, "-metrics", "fd200-vgg16").CombinedOutput(); err == nil || !strings.Contains(string(out), `no feature extractor "vgg16"`) {
		t.Errorf("an unknown extractor: %v\n%s", err, out)
	}
}

// TestClassesFollowTheData: a class-conditional preset's classes follow a labelled data set (a
// folder with 3 class subfolders under biggan-32's 10), its sample grid has one row per class;
// a conditional model refuses a folder without class subfolders, and explicit classes that
// the data does not have.
func TestClassesFollowTheData(t *testing.T) {
	labelled := t.TempDir()
	for _, class := range []string{"cats", "dogs", "owls"} {
		if err := os.Rename(writeFolder(t, 8, false), filepath.Join(labelled, class)); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	// biggan-32 has 10 classes.
	const tinyBigGAN = "model=biggan;biggan_resolution=8;biggan_channels=8;biggan_latent_dim=8;biggan_embed_dim=4;biggan_standing_batches=1;" +
		"biggan_standing_batch_size=4;batch_size=8;tick_kimg=0.016;seed=3;kimg=0.016;snapshot_kimg=0.016;sample_latents=2"
	out := mustTrain(t, "-out", root, "-set", tinyBigGAN+";dataset=folder:"+labelled)
	if !strings.Contains(out, "classes follow the data set: 3") {
		t.Errorf("3 labelled classes under classes=10:\n%s", out)
	}
	samples, err := filepath.Glob(filepath.Join(runFolder(t, root, 0), "samples-*.png"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no sample grid: %v", err)
	}
	grid, err := render.ReadPNG(samples[0])
	if err != nil {
		t.Fatal(err)
	}
	// 3 rows of 64-pixel tiles with 2-pixel gaps under a 16-pixel title: 16 + 3*66 + 2.
	if h := grid.Bounds().Dy(); h != 16+3*66+2 {
		t.Errorf("sample grid %d pixels high, want 3 class rows (216)", h)
	}
	out, code := gantrain(t, "-out", root, "-set", settings("kimg=0.016;classes=10;dataset=folder:"+writeFolder(t, 8, false)))
	if code == 0 || !strings.Contains(out, "has no labels") || !strings.Contains(out, "classes=0") {
		t.Errorf("a conditional model on unlabelled data: exit %d:\n%s", code, out)
	}
	out, code = gantrain(t, "-out", root, "-set", settings("kimg=0.016;classes=10;dataset=folder:"+labelled))
	if code == 0 || !strings.Contains(out, "classes=10 but its data set has 3 classes: set classes=3") {
		t.Errorf("explicit classes=10 on 3 labelled classes: exit %d:\n%s", code, out)
	}
}
