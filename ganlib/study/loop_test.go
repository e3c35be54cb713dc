package study

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
)

// TestLoopKeepsATrainedRunsCurvesAndStages: a tiny ProGAN run (8x8, fade-in and stable phases of
// 16 images, a snapshot every 16) trained through a Study with Loop: its result holds the final
// FD and precision with its parts, every tick (stages 4x4, then 8x8's fade-in with alpha rising,
// then 8x8; stability at the last snapshot), and a grid file per snapshot with its stage, all read
// back from the JSON.
func TestLoopKeepsATrainedRunsCurvesAndStages(t *testing.T) {
	root := t.TempDir()
	loop := Loop{MetricsCache: filepath.Join(root, "cache"), EveryGrid: true}
	s := Study{Results: filepath.Join(root, "results"), Runs: filepath.Join(root, "runs"), Commit: "c", Backend: "go", Train: loop.Train}
	r := Run{Variant: "progan", Seed: 2, Settings: map[string]any{"model": "progan", "dataset": "mnist", "progan_resolution": 8,
		"progan_channel_base": 64, "progan_channel_max": 8, "progan_latent_dim": 8, "progan_fade_kimg": 0.016, "progan_stable_kimg": 0.016,
		"batch_size": 8, "kimg": 0.048, "tick_kimg": 0.008, "snapshot_kimg": 0.016,
		"metrics": "stability,fd64-classifier,pr64-classifier", "metrics_classifier_steps": 6}}
	if _, trained, err := s.Get(r); err != nil || !trained {
		t.Fatalf("training: trained %v, %v", trained, err)
	}
	res, trained, err := s.Get(r)
	if err != nil || trained {
		t.Fatalf("reading back: trained %v, %v", trained, err)
	}
	measured, err := runs.Open(filepath.Join(s.Runs, strings.TrimSuffix(filepath.Base(s.path(r)), ".json"))).Metrics()
	var fds []runs.MetricResult
	for _, m := range measured {
		if m.Metric == "fd64-classifier" {
			fds = append(fds, m)
		}
	}
	if err != nil || len(fds) != 3 || fds[2].Kimg != 0.048 {
		t.Fatalf("the run folder's metrics.jsonl: FDs %+v, %v; want one per snapshot", fds, err)
	}
	if fd, ok := res.Metrics["fd64-classifier"]; !ok || fd != fds[2].Value {
		t.Errorf("metrics %v: want the last snapshot's fd64-classifier %g", res.Metrics, fds[2].Value)
	}
	if _, ok := res.Metrics["pr64-classifier/recall"]; !ok {
		t.Errorf("metrics %v: want pr's parts as pr64-classifier/<part>", res.Metrics)
	}
	if len(res.Ticks) != 6 {
		t.Fatalf("%d ticks, want 6 (48 images, a tick every 8)", len(res.Ticks))
	}
	var stages []string
	for i, tick := range res.Ticks {
		if tick.SnapshotPath != "" || tick.SamplesPath != "" {
			t.Errorf("tick %d keeps the run folder's paths %q %q", i, tick.SnapshotPath, tick.SamplesPath)
		}
		if len(stages) == 0 || stages[len(stages)-1] != tick.Stage {
			stages = append(stages, tick.Stage)
		}
	}
	if len(stages) != 3 || !strings.HasPrefix(stages[0], "4x4") || !strings.HasPrefix(stages[2], "8x8") {
		t.Errorf("stages %v: want 4x4, the 8x8 fade-in, 8x8", stages)
	}
	if a, b := res.Ticks[2].Alpha, res.Ticks[3].Alpha; !(a >= 0 && a < b && b < 1) {
		t.Errorf("fade-in alpha %g then %g: want rising in [0, 1)", a, b)
	}
	if _, ok := res.Ticks[5].Metrics["stability/8x8"]; !ok { // 8x8 images first came at the second snapshot
		t.Errorf("tick at the last snapshot has metrics %v: want stability/8x8", res.Ticks[5].Metrics)
	}
	if len(res.Grids) != 3 {
		t.Fatalf("grids %+v: want one per snapshot (3)", res.Grids)
	}
	for i, g := range res.Grids {
		if want := 0.016 * float64(i+1); math.Abs(g.Kimg-want) > 1e-9 || g.Stage != res.Ticks[2*i+1].Stage {
			t.Errorf("grid %d %+v: want kimg %g, stage %q", i, g, want, res.Ticks[2*i+1].Stage)
		}
		if _, err := os.Stat(filepath.Join(s.Results, g.File)); err != nil {
			t.Errorf("grid %d: %v", i, err)
		}
	}
	speeds := StageSpeeds(res.Ticks)
	if len(speeds) != 3 || math.Abs(speeds[0].Kimg-0.016) > 1e-9 || !(speeds[2].ImagesPerSec > 0) {
		t.Errorf("stage speeds %+v", speeds)
	}
}

// TestAgreementAndMeanCurve: the orders and rho of hand-made rows (lower and higher better), a
// curve averaged over seeds tick by tick, and stage speeds from hand-made ticks.
func TestAgreementAndMeanCurve(t *testing.T) {
	rows := []render.ResultRow{
		{Setting: "a", Values: []float64{1, 3}, Paper: &render.PaperRef{Value: 10}},
		{Setting: "b", Values: []float64{5}, Paper: &render.PaperRef{Value: 5}},
		{Setting: "c", Values: []float64{4}, Paper: &render.PaperRef{Value: 20}},
		{Setting: "no paper", Values: []float64{0}},
	}
	// Means 2, 5, 4 (ranks 1, 3, 2) against 10, 5, 20 (ranks 2, 1, 3): rho = -0.5.
	p, rho := Agreement(rows, false)
	if math.Abs(rho+0.5) > 1e-12 || !strings.Contains(p, "Ours, best first: a &gt; c &gt; b.") || !strings.Contains(p, "The paper's: b &gt; a &gt; c.") {
		t.Errorf("lower is better: rho %g, %s", rho, p)
	}
	if p, rho := Agreement(rows, true); math.Abs(rho+0.5) > 1e-12 || !strings.Contains(p, "Ours, best first: b &gt; c &gt; a.") {
		t.Errorf("higher is better: rho %g, %s", rho, p)
	}
	tick := func(kimg, loss float64) runs.Tick {
		return runs.Tick{Kimg: kimg, Terms: map[string]float64{"d_loss": loss}}
	}
	results := []Result{
		{Variant: "v", Seed: 1, Ticks: []runs.Tick{tick(1, 2), tick(2, 4), tick(3, 6)}},
		{Variant: "other", Seed: 1, Ticks: []runs.Tick{tick(1, 100)}},
		{Variant: "v", Seed: 2, Ticks: []runs.Tick{tick(1, 4), {Kimg: 2}}},
	}
	c := MeanCurve(results, "v", Term("d_loss"))
	if c.Name != "v" || !slices.Equal(c.X, []float64{1}) || !slices.Equal(c.Y, []float64{3}) {
		t.Errorf("mean curve %+v: want only kimg 1 (both seeds), mean 3", c)
	}
	speeds := StageSpeeds([]runs.Tick{{Kimg: 1, Seconds: 1, Stage: "4x4"}, {Kimg: 2, Seconds: 3, Stage: "4x4"}, {Kimg: 4, Seconds: 1, Stage: "8x8"}})
	if len(speeds) != 2 || speeds[0] != (StageSpeed{"4x4", 2, 500}) || speeds[1] != (StageSpeed{"8x8", 2, 2000}) {
		t.Errorf("stage speeds %+v", speeds)
	}
}

// TestLoopFitsAClassConditionalModelToItsData: biggan-32 (10 classes) on a folder of 3 class
// subfolders trains through Loop with 3 classes, as gantrain does: its final grid has one row per
// class (3 rows of 64-pixel tiles with 2-pixel gaps under a 16-pixel title), not 10.
func TestLoopFitsAClassConditionalModelToItsData(t *testing.T) {
	labelled := t.TempDir()
	for c, class := range []string{"cats", "dogs", "owls"} {
		dir := filepath.Join(labelled, class)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range 64 {
				img.SetGray(p%8, p/8, color.Gray{Y: uint8(60*c + 4*p + i)})
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.png", i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	root := t.TempDir()
	loop := Loop{MetricsCache: filepath.Join(root, "cache")}
	s := Study{Results: filepath.Join(root, "results"), Runs: filepath.Join(root, "runs"), Commit: "c", Backend: "go", Train: loop.Train}
	r := Run{Variant: "biggan", Seed: 1, Settings: map[string]any{"model": "biggan", "dataset": "folder:" + labelled,
		"biggan_resolution": 8, "biggan_channels": 8, "biggan_latent_dim": 8, "biggan_embed_dim": 4, "biggan_standing_batches": 1,
		"biggan_standing_batch_size": 4, "batch_size": 8, "kimg": 0.016, "tick_kimg": 0.016, "snapshot_kimg": 0.016, "sample_latents": 2, "metrics": ""}}
	res, _, err := s.Get(r)
	if err != nil {
		t.Fatal(err)
	}
	grid, err := render.ReadPNG(filepath.Join(s.Results, res.Grid))
	if err != nil {
		t.Fatal(err)
	}
	if h := grid.Bounds().Dy(); h != 16+3*66+2 {
		t.Errorf("final grid %d pixels high, want 3 class rows (216)", h)
	}
}
