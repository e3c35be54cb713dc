package train_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tinyConfig is an MSG-ProGAN small enough to train in seconds on MNIST downscaled to 16x16.
var tinyConfig = msggan.Config{Resolution: 16, ImageChannels: 1, LatentDim: 16, ChannelBase: 64, ChannelMax: 8,
	Phi: blocks.PhiSimple, Connections: blocks.AllConnections(16)}

func tinyModel() gan.Model { return tinyConfig.Model() }

// newLoop returns a loop on MNIST with the given run settings, writing sample grids at its
// snapshots.
func newLoop(t *testing.T, outDir string, settings map[string]any) *train.Loop {
	t.Helper()
	ctx := context.New()
	for _, table := range []gan.Settings{train.Settings(), layers.Settings, render.Settings} {
		ctx.SetParams(table.Defaults())
	}
	ctx.SetParams(map[string]any{train.ParamBatchSize: 8, train.ParamLearningRate: 0.002, train.ParamTickKimg: 0.04})
	ctx.SetParams(settings)
	data, err := datasets.Open("mnist", datasets.Options{Resolution: 16, Channels: 1, Seed: 5})
	if err != nil {
		if strings.Contains(err.Error(), "not installed") {
			t.Skipf("MNIST not installed: %v (run bash scripts/setup-data.sh)", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { data.Close() })
	loop := &train.Loop{Backend: gradcheck.PureGo(), Ctx: ctx, Model: tinyModel(), Data: data, Dir: runs.Open(outDir), Logf: t.Logf}
	loop.OnSnapshot(render.SampleGrids(ctx))
	return loop
}

func readStats(t *testing.T, dir string) []runs.Tick {
	t.Helper()
	ticks, err := runs.Open(dir).Ticks()
	if err != nil {
		t.Fatal(err)
	}
	return ticks
}

// TestLoopEndToEndMNIST trains the tiny MSG-ProGAN on real MNIST digits: the critic learns to
// separate real from generated images (its Wasserstein term E[D(fake)] - E[D(real)] goes from
// about 0 to clearly negative), and the EMA generator's samples change between the first and last
// snapshot.
func TestLoopEndToEndMNIST(t *testing.T) {
	dir := t.TempDir()
	loop := newLoop(t, dir, map[string]any{train.ParamKimg: 0.32, train.ParamSnapshotKimg: 0.16})
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	ticks := readStats(t, dir)
	if len(ticks) != 8 {
		t.Fatalf("%d ticks in stats.jsonl, want 8 (0.32 kimg / 0.04)", len(ticks))
	}
	first, last := ticks[0], ticks[len(ticks)-1]
	t.Logf("first tick %v\nlast tick %v", first.Terms, last.Terms)
	for _, name := range []string{"d_loss", "wasserstein", "gradient_penalty", "drift", "d_grad_norm", "g_loss", "g_grad_norm"} {
		if _, ok := last.Terms[name]; !ok {
			t.Errorf("stats lack term %q", name)
		}
	}
	if math.Abs(first.Terms["wasserstein"]) > 2 || last.Terms["wasserstein"] > -0.2 {
		t.Errorf("Wasserstein term E[D(fake)] - E[D(real)] went from %.3f to %.3f; want near 0 at first, then < -0.2",
			first.Terms["wasserstein"], last.Terms["wasserstein"])
	}
	snapshots, _ := filepath.Glob(filepath.Join(dir, "snapshot-kimg*.gob"))
	samples, _ := filepath.Glob(filepath.Join(dir, "samples-kimg*.png"))
	if len(snapshots) != 2 || len(samples) != 2 || ticks[3].SnapshotPath != snapshots[0] || last.SnapshotPath != snapshots[1] {
		t.Fatalf("snapshots %v and samples %v (ticks name %q and %q): want 2 each at kimg 0.16 and 0.32",
			snapshots, samples, ticks[3].SnapshotPath, last.SnapshotPath)
	}
	if filepath.Base(snapshots[1]) != "snapshot-kimg000000.320.gob" {
		t.Errorf("last snapshot named %s", filepath.Base(snapshots[1]))
	}
	difference := meanAbsDifference(t, samples[0], samples[1])
	if difference < 5 {
		t.Errorf("samples at kimg 0.16 and 0.32 differ by %.2f grey levels on average: the generator barely moved", difference)
	}
}

// meanAbsDifference compares two PNG grids of equal size, in 0-255 grey levels.
func meanAbsDifference(t *testing.T, pathA, pathB string) float64 {
	t.Helper()
	a, err := render.ReadPNG(pathA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := render.ReadPNG(pathB)
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("%s and %s have different sizes", pathA, pathB)
	}
	var sum float64
	for i := range a.Pix {
		sum += math.Abs(float64(a.Pix[i]) - float64(b.Pix[i]))
	}
	return sum / float64(len(a.Pix))
}

// TestResumeIsExact: 0.16 kimg, killed (a new process: new context, new data stream), resumed
// from its snapshot for 0.16 more, ends with exactly the same weights, EMA, optimizer states and
// counters as an uninterrupted run of 0.32 kimg, on the pure-Go backend.
func TestResumeIsExact(t *testing.T) {
	settings := map[string]any{train.ParamKimg: 0.32, train.ParamSnapshotKimg: 0.16}
	straightDir, resumedDir := t.TempDir(), t.TempDir()
	if err := newLoop(t, straightDir, settings).Run(""); err != nil {
		t.Fatal(err)
	}
	if err := newLoop(t, resumedDir, map[string]any{train.ParamKimg: 0.16, train.ParamSnapshotKimg: 0.16}).Run(""); err != nil {
		t.Fatal(err)
	}
	halfway, _, err := runs.Open(resumedDir).LatestSnapshot()
	if err != nil || filepath.Base(halfway) != "snapshot-kimg000000.160.gob" {
		t.Fatalf("halfway snapshot %q, %v", halfway, err)
	}
	if err := newLoop(t, resumedDir, settings).Run(halfway); err != nil {
		t.Fatal(err)
	}
	straight := readSnapshot(t, filepath.Join(straightDir, "snapshot-kimg000000.320.gob"))
	resumed := readSnapshot(t, filepath.Join(resumedDir, "snapshot-kimg000000.320.gob"))
	if straight.Progress != resumed.Progress || straight.DataPosition != resumed.DataPosition || string(straight.RNG) != string(resumed.RNG) {
		t.Errorf("progress %+v / data %d vs resumed %+v / data %d, or RNG state differs",
			straight.Progress, straight.DataPosition, resumed.Progress, resumed.DataPosition)
	}
	if len(straight.Variables) != len(resumed.Variables) || len(straight.Variables) < 20 {
		t.Fatalf("%d variables straight, %d resumed", len(straight.Variables), len(resumed.Variables))
	}
	scopes := map[string]bool{}
	for i, v := range straight.Variables {
		r := resumed.Variables[i]
		scopes[strings.SplitN(v.Scope, "/", 3)[1]] = true
		if v.Scope != r.Scope || v.Name != r.Name || string(v.Data) != string(r.Data) {
			t.Errorf("variable %s/%s differs after resuming (resumed: %s/%s)", v.Scope, v.Name, r.Scope, r.Name)
		}
	}
	for _, scope := range []string{"generator", "discriminator", "generator_ema", "optimizer"} {
		if !scopes[scope] {
			t.Errorf("snapshot holds no variables under /%s (has %v)", scope, scopes)
		}
	}
}

func readSnapshot(t *testing.T, path string) *runs.Snapshot {
	t.Helper()
	s, err := runs.ReadSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStagesCompileOncePerStage: graphs are traced once per stage key, however many steps run.
func TestStagesCompileOncePerStage(t *testing.T) {
	loop := newLoop(t, t.TempDir(), map[string]any{train.ParamKimg: 0.16, train.ParamSnapshotKimg: 0.16})
	generatorBuilds := 0
	build := loop.Model.Generator
	loop.Model.Generator = func(ctx *context.Context, z, labels *Node) []*Node {
		generatorBuilds++
		return build(ctx, z, labels)
	}
	var alphas []float64
	loop.Model.Stage = func(kimg float64) gan.Stage {
		if kimg < 0.08 {
			return gan.Stage{Key: "low", Alpha: kimg / 0.08}
		}
		return gan.Stage{Key: "high", Alpha: 1, BatchSize: 4, ResetOptimizers: true}
	}
	var iterations int64
	loop.OnTick(func(tick *runs.Tick) { alphas, iterations = append(alphas, tick.Alpha), tick.Iterations })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	// 10 iterations of 8 images, then 20 of 4 in "high", whose optimizers started afresh: their
	// step counters count its iterations only.
	for _, network := range []string{"generator", "discriminator"} {
		step := loop.Ctx.InAbsPath("/optimizer/" + network).GetVariable("step")
		if step == nil {
			t.Fatalf("no /optimizer/%s step counter", network)
		}
		value, _ := step.Value()
		if n := tensors.ToScalar[float32](value); iterations != 30 || n != 20 {
			t.Errorf("%d iterations, %s's optimizer at step %g; want 30 and 20 (reset when \"high\" began)", iterations, network, n)
		}
	}
	// Per stage one D-step and one G-step graph, plus the sampling graph in the stage that
	// snapshots ("high").
	if generatorBuilds != 5 {
		t.Errorf("generator traced %d times, want 5", generatorBuilds)
	}
	if len(alphas) != 4 || alphas[0] <= 0 || alphas[0] >= 1 || alphas[3] != 1 {
		t.Errorf("tick alphas %v: want a fade-in value in (0,1) first and 1 at the end", alphas)
	}
}

// TestDivergenceStopsWithError: a loss that becomes NaN stops the run with an error naming the
// step and the term, and the last good snapshot stays the newest one.
func TestDivergenceStopsWithError(t *testing.T) {
	dir := t.TempDir()
	loop := newLoop(t, dir, map[string]any{train.ParamKimg: 0.32, train.ParamSnapshotKimg: 0.08})
	critic := loop.Model.Discriminator
	loop.Model.Discriminator = func(ctx *context.Context, images []*Node, labels *Node) *Node {
		// Multiplying by alpha, which the stage sets to NaN after kimg 0.1, poisons D's output.
		return Mul(critic(ctx, images, labels), ConvertDType(gan.Alpha(ctx, images[0].Graph()), images[0].DType()))
	}
	loop.Model.Stage = func(kimg float64) gan.Stage {
		if kimg >= 0.1 {
			return gan.Stage{Alpha: math.NaN()}
		}
		return gan.Stage{Alpha: 1}
	}
	err := loop.Run("")
	if err == nil {
		t.Fatal("a NaN loss did not stop the run")
	}
	latest, _, _ := runs.Open(dir).LatestSnapshot()
	for _, want := range []string{"discriminator step diverged", "d_loss is NaN", "kimg 0.104", filepath.Base(latest)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if filepath.Base(latest) != "snapshot-kimg000000.080.gob" {
		t.Errorf("latest snapshot %s, want the one at kimg 0.080", latest)
	}
}

// TestSnapshotsBetweenTicks: a snapshot is due at its kimg even when no tick ends there (ticks
// every 0.048 kimg, snapshots every 0.1 with batches of 8: 0.104 and 0.2 and the end).
func TestSnapshotsBetweenTicks(t *testing.T) {
	dir := t.TempDir()
	loop := newLoop(t, dir, map[string]any{train.ParamKimg: 0.24, train.ParamTickKimg: 0.048, train.ParamSnapshotKimg: 0.1})
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	snapshots, _ := filepath.Glob(filepath.Join(dir, "snapshot-kimg*.gob"))
	var names []string
	for _, s := range snapshots {
		names = append(names, filepath.Base(s))
	}
	want := []string{"snapshot-kimg000000.104.gob", "snapshot-kimg000000.200.gob", "snapshot-kimg000000.240.gob"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("snapshots %v, want %v", names, want)
	}
}

// TestNonFiniteWeightsAreNotSnapshotted: weights that become NaN (here the generator's moving
// average, which the losses do not read, poisoned after the first tick) are never written as a
// snapshot; the run stops naming the variable and the last good snapshot.
func TestNonFiniteWeightsAreNotSnapshotted(t *testing.T) {
	dir := t.TempDir()
	loop := newLoop(t, dir, map[string]any{train.ParamKimg: 0.16, train.ParamSnapshotKimg: 0.08})
	loop.OnTick(func(tick *runs.Tick) {
		if tick.Kimg < 0.06 { // the first tick, before the first snapshot
			v := loop.Ctx.InspectVariable("/generator_ema/block4/dense", "biases")
			values := tensors.MustCopyFlatData[float32](v.MustValue())
			values[0] = float32(math.NaN())
			v.MustSetValue(tensors.FromFlatDataAndDimensions(values, v.Shape().Dimensions...))
		}
	})
	err := loop.Run("")
	if err == nil || !strings.Contains(err.Error(), "/generator_ema/block4/dense/biases") || !strings.Contains(err.Error(), "last good snapshot") {
		t.Fatalf("NaN weights at the snapshot: error %v, want one naming the variable and the last good snapshot", err)
	}
	snapshots, _ := runs.Open(dir).Snapshots()
	if len(snapshots) != 0 {
		t.Errorf("snapshots %v written: none is good", snapshots)
	}
}

// TestFreshRunRefusesAFolderWithARun: a new run never writes into a folder that holds another
// run's statistics or snapshots (its stats.jsonl would mix both).
func TestFreshRunRefusesAFolderWithARun(t *testing.T) {
	dir := t.TempDir()
	settings := map[string]any{train.ParamKimg: 0.016, train.ParamSnapshotKimg: 0.016}
	if err := newLoop(t, dir, settings).Run(""); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "stats.jsonl"))
	err := newLoop(t, dir, settings).Run("")
	if err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Fatalf("a second fresh run into the folder: %v, want it refused", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "stats.jsonl")); string(after) != string(before) {
		t.Error("the refused run changed stats.jsonl")
	}
}

// TestDivergenceWarnings: a statistic beyond divergence_bound is a warning in the log and in the
// tick (the bound set low here, so the first tick's losses pass it).
func TestDivergenceWarnings(t *testing.T) {
	loop := newLoop(t, t.TempDir(), map[string]any{train.ParamKimg: 0.016, train.ParamSnapshotKimg: 0.016, train.ParamDivergenceBound: 0.01})
	var logged []string
	loop.Logf = func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }
	var ticks []*runs.Tick
	loop.OnTick(func(tick *runs.Tick) { ticks = append(ticks, tick) })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 1 || len(ticks[0].Warnings) == 0 || !strings.Contains(strings.Join(ticks[0].Warnings, ";"), "beyond divergence_bound=0.01") {
		t.Fatalf("tick warnings %v", ticks[0].Warnings)
	}
	if !strings.Contains(strings.Join(logged, "\n"), "the run may be diverging") {
		t.Errorf("log %q lacks the warning", logged)
	}
}
