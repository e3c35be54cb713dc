package models_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/models/biggan"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/models/progan"
	"github.com/ganlab/gogan/ganlib/models/stylegan2"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// small makes a family's 32x32 grey preset tiny (latent 16, at most 8 feature maps) so that a
// variant trains in a second on 2 cores; ProGAN's phases last 16 images each.
var small = map[string]map[string]any{
	"msggan": {gan.ParamPreset: "msg-progan-32", msggan.ParamLatentDim: 16, msggan.ParamChannelBase: 64, msggan.ParamChannelMax: 8},
	"progan": {gan.ParamPreset: "progan-32", progan.ParamLatentDim: 16, progan.ParamChannelBase: 64, progan.ParamChannelMax: 8,
		progan.ParamFadeKimg: 0.016, progan.ParamStableKimg: 0.016},
	"stylegan2": {gan.ParamPreset: "E-32", stylegan2.ParamLatentDim: 16, stylegan2.ParamWDim: 16, stylegan2.ParamChannelBase: 64,
		stylegan2.ParamChannelMax: 8, stylegan2.ParamFadeKimg: 0.016, stylegan2.ParamStableKimg: 0.016},
	"biggan": {gan.ParamPreset: "biggan-32", biggan.ParamLatentDim: 16, biggan.ParamChannels: 8, biggan.ParamEmbedDim: 8,
		biggan.ParamStandingBatches: 2, biggan.ParamStandingBatchSize: 8},
}

// variantContext is a family's tiny model with the variant's settings, trained kimg at batch 8.
func variantContext(t *testing.T, family string, variant map[string]any, kimg float64) *context.Context {
	t.Helper()
	settings := map[string]any{gan.ParamModel: family, train.ParamBatchSize: 8, train.ParamKimg: kimg,
		train.ParamTickKimg: 0.016, train.ParamSnapshotKimg: kimg}
	for _, m := range []map[string]any{small[family], variant} {
		for k, v := range m {
			settings[k] = v
		}
	}
	ctx, err := models.Context(settings, train.Settings(), datasets.Settings, metrics.Settings)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// newLoop is a loop on 32x32 MNIST for ctx's model, with the stability metric.
func newLoop(t *testing.T, ctx *context.Context, dir string) *train.Loop {
	t.Helper()
	m, err := models.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := datasets.OpenFor(ctx, m.Resolution, m.Channels, 3)
	if errors.Is(err, datasets.ErrNotInstalled) {
		t.Skipf("MNIST not installed: %v (run bash scripts/setup-data.sh)", err)
	} else if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { data.Close() })
	loop := &train.Loop{Backend: gradcheck.PureGo(), Ctx: ctx, Model: m, Data: data, Dir: runs.Open(dir), Logf: t.Logf}
	hooks, err := metrics.Hooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, hook := range hooks {
		loop.OnSnapshot(hook)
	}
	return loop
}

// TestEveryVariantTrains: ProGAN growing through all its stages; MSG-ProGAN with each phi,
// each connection level and each minibatch-stddev placement; StyleGAN2's configurations A-F
// (A-D growing through all their stages), every other cell of its 3x3 architecture grid and
// MSG-StyleGAN with each phi and connection level; BigGAN with each batch-norm statistics mode,
// with self-attention, biggan-cifar in RGB (4 D steps per G step) and unconditional; every
// family class-conditional (classes=10: ProGAN, MSG-ProGAN, StyleGAN2 config E and
// stylegan2-cond-32, MSG-StyleGAN, BigGAN) on the data's
// labels: each trains on 32x32 MNIST (BigGAN and stylegan2-cond-32: Fashion-MNIST) with finite
// losses (R1 and path length in their lazy steps included), and its snapshot restores into a fresh context with every variable bit-identical;
// a resumed run trains on from it.
func TestEveryVariantTrains(t *testing.T) {
	type variant struct {
		family   string
		settings map[string]any
		growing  bool
	}
	variants := []variant{{"progan", nil, true}}
	for _, phi := range []string{"simple", "lin_cat", "cat_lin"} {
		variants = append(variants, variant{"msggan", map[string]any{msggan.ParamPhi: phi}, false})
	}
	for _, level := range []string{"none", "coarse", "middle", "fine"} { // "all": above
		variants = append(variants, variant{"msggan", map[string]any{msggan.ParamConnections: level}, false})
	}
	variants = append(variants, variant{"msggan", map[string]any{msggan.ParamMbstd: blocks.MbstdInFinalBlock}, false})
	for _, config := range []string{"A", "B", "C", "D", "E", "F"} {
		variants = append(variants, variant{"stylegan2", map[string]any{gan.ParamPreset: config + "-32"}, config < "E"})
	}
	for _, g := range stylegan2.GArchitectures {
		for _, d := range []stylegan2.Architecture{stylegan2.Orig, stylegan2.Skip, stylegan2.Resnet} {
			if g != stylegan2.Skip || d != stylegan2.Resnet { // E
				variants = append(variants, variant{"stylegan2", map[string]any{stylegan2.ParamGArchitecture: string(g), stylegan2.ParamDArchitecture: string(d)}, false})
			}
		}
	}
	for _, phi := range []string{"simple", "lin_cat", "cat_lin"} {
		variants = append(variants, variant{"stylegan2", map[string]any{gan.ParamPreset: "msg-stylegan-32", stylegan2.ParamMSGPhi: phi}, false})
	}
	for _, level := range []string{"none", "coarse", "middle", "fine"} {
		variants = append(variants, variant{"stylegan2", map[string]any{gan.ParamPreset: "msg-stylegan-32", stylegan2.ParamMSGConnections: level}, false})
	}
	for _, stats := range []string{"running", "standing", "batch"} {
		variants = append(variants, variant{"biggan", map[string]any{biggan.ParamStats: stats}, false})
	}
	variants = append(variants, variant{"biggan", map[string]any{biggan.ParamAttention: 16}, false},
		variant{"biggan", map[string]any{gan.ParamPreset: "biggan-cifar", biggan.ParamLatentDim: 16, biggan.ParamChannels: 8, biggan.ParamEmbedDim: 8,
			biggan.ParamStandingBatches: 2, biggan.ParamStandingBatchSize: 8, train.ParamBatchSize: 4, "dataset": "fashion-mnist"}, false}, // RGB, 4 D steps of 4
		variant{"biggan", map[string]any{gan.ParamClasses: 0, biggan.ParamHierarchical: false}, false})
	conditional := map[string]any{gan.ParamClasses: 10}
	variants = append(variants, variant{"progan", conditional, true}, variant{"msggan", conditional, false},
		variant{"stylegan2", conditional, false}, variant{"stylegan2", map[string]any{gan.ParamPreset: "stylegan2-cond-32"}, false},
		variant{"stylegan2", map[string]any{gan.ParamPreset: "msg-stylegan-32", gan.ParamClasses: 10}, false})
	for _, v := range variants {
		t.Run(fmt.Sprintf("%s%v", v.family, v.settings), func(t *testing.T) {
			kimg := 0.032 // 4 iterations
			if v.growing {
				kimg = 0.112 // 4x4, then 8, 16 and 32 each faded in and stable: 14 iterations
			}
			dir := t.TempDir()
			loop := newLoop(t, variantContext(t, v.family, v.settings, kimg), dir)
			if err := loop.Run(""); err != nil {
				t.Fatal(err)
			}
			if want := gan.Get[int](loop.Ctx, gan.ModelSettings, gan.ParamClasses); loop.Model.NumClasses != want {
				t.Errorf("model has %d classes, the settings %d", loop.Model.NumClasses, want)
			}
			ticks, err := runs.Open(dir).Ticks()
			if err != nil || len(ticks) == 0 {
				t.Fatalf("%d ticks, %v", len(ticks), err)
			}
			stages := map[string]bool{}
			for _, tick := range ticks {
				stages[tick.Stage] = true
				for name, value := range tick.Terms {
					if math.IsNaN(value) || math.IsInf(value, 0) {
						t.Errorf("kimg %g: %s = %g", tick.Kimg, name, value)
					}
				}
			}
			if want := len(loop.Model.StageKeys); v.growing && len(stages) != want {
				t.Errorf("ticks in stages %v, want all %d of %q", stages, want, loop.Model.StageKeys)
			}

			path, _, err := runs.Open(dir).LatestSnapshot()
			if err != nil {
				t.Fatal(err)
			}
			snapshot, err := runs.ReadSnapshot(path)
			if err != nil {
				t.Fatal(err)
			}
			trained, err := runs.CaptureVariables(loop.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			fresh := variantContext(t, v.family, v.settings, kimg)
			if err := runs.RestoreVariables(fresh, snapshot.Variables); err != nil {
				t.Fatal(err)
			}
			restored, err := runs.CaptureVariables(fresh)
			if err != nil {
				t.Fatal(err)
			}
			if len(restored) != len(trained) || len(trained) < 20 {
				t.Fatalf("%d variables trained, %d restored", len(trained), len(restored))
			}
			for i, want := range trained {
				if got := restored[i]; got.Scope != want.Scope || got.Name != want.Name || string(got.Data) != string(want.Data) {
					t.Errorf("variable %s/%s does not round-trip (restored %s/%s)", want.Scope, want.Name, got.Scope, got.Name)
				}
			}
			if snapshot.HookState["stability"] == nil {
				t.Error("the snapshot keeps no state of the stability metric")
			}
			// Two more iterations from the snapshot.
			if err := newLoop(t, variantContext(t, v.family, v.settings, kimg+0.016), dir).Run(path); err != nil {
				t.Fatal(err)
			}
			ticks, _ = runs.Open(dir).Ticks()
			last := ticks[len(ticks)-1]
			if last.Kimg != kimg+0.016 || len(last.Metrics) == 0 {
				t.Errorf("resumed run ends at kimg %g with metrics %v; want kimg %g and the stability of its outputs", last.Kimg, last.Metrics, kimg+0.016)
			}
		})
	}
}

// TestResumeMidFadeInIsExact: a ProGAN run stopped in the middle of the 16x16 fade-in (alpha
// 0.5) and resumed ends with the same bits in every variable (G, D, EMA, optimizers, whose state
// is reset at each later resolution) as the same run made in one go.
func TestResumeMidFadeInIsExact(t *testing.T) {
	const kimg, half = 0.112, 0.056
	straightDir, resumedDir := t.TempDir(), t.TempDir()
	withSnapshots := func(kimg float64) *context.Context {
		ctx := variantContext(t, "progan", nil, kimg)
		ctx.SetParam(train.ParamSnapshotKimg, half)
		return ctx
	}
	if err := newLoop(t, withSnapshots(kimg), straightDir).Run(""); err != nil {
		t.Fatal(err)
	}
	// Stopped as by SIGINT after the tick at kimg 0.048: the next iteration ends at 0.056.
	interrupted := newLoop(t, withSnapshots(kimg), resumedDir)
	interrupted.OnTick(func(tick *runs.Tick) {
		if tick.Kimg >= 0.048 {
			interrupted.Stop()
		}
	})
	var stop *train.Interrupted
	if err := interrupted.Run(""); !errors.As(err, &stop) {
		t.Fatalf("interrupted run: %v", err)
	}
	halfway := runs.Open(resumedDir).SnapshotPath(int64(half * 1000))
	s, err := runs.ReadSnapshot(halfway)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stage != "16x16 fade-in" || stop.Snapshot != halfway {
		t.Fatalf("the halfway snapshot %s is in stage %q, want %s in the middle of the 16x16 fade-in", stop.Snapshot, s.Stage, halfway)
	}
	if err := newLoop(t, withSnapshots(kimg), resumedDir).Run(halfway); err != nil {
		t.Fatal(err)
	}
	end := func(dir string) *runs.Snapshot {
		s, err := runs.ReadSnapshot(filepath.Join(dir, filepath.Base(runs.Open(dir).SnapshotPath(int64(kimg*1000)))))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	straight, resumed := end(straightDir), end(resumedDir)
	if len(straight.Variables) != len(resumed.Variables) {
		t.Fatalf("%d variables straight, %d resumed", len(straight.Variables), len(resumed.Variables))
	}
	for i, v := range straight.Variables {
		if r := resumed.Variables[i]; v.Scope != r.Scope || v.Name != r.Name || string(v.Data) != string(r.Data) {
			t.Errorf("variable %s/%s differs after resuming mid-fade-in", v.Scope, v.Name)
		}
	}
	if straight.Stage != "32x32" || resumed.Stage != straight.Stage || string(straight.RNG) != string(resumed.RNG) {
		t.Errorf("stage %q straight, %q resumed (want 32x32), or the random generators differ", straight.Stage, resumed.Stage)
	}
	// The stability metric's images of the last snapshot are the same too.
	if a, b := straight.HookState["stability"], resumed.HookState["stability"]; len(a) < 32*32*16 || string(a) != string(b) {
		t.Errorf("the stability metric's state: %d bytes straight, %d resumed, or different", len(a), len(b))
	}
}

// TestConditioningChangesBothNetworks: in every class-conditional family the label changes
// G's image for the same z and D's score for the same image, so neither network ignores it.
func TestConditioningChangesBothNetworks(t *testing.T) {
	for _, tc := range []struct {
		family string
		preset string
	}{{"progan", ""}, {"msggan", ""}, {"stylegan2", "stylegan2-cond-32"}, {"stylegan2", "msg-stylegan-32"}, {"biggan", ""}} {
		settings := map[string]any{gan.ParamClasses: 10}
		if tc.preset != "" {
			settings[gan.ParamPreset] = tc.preset
		}
		ctx := variantContext(t, tc.family, settings, 0.032)
		m, err := models.New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		backend := gradcheck.PureGo()
		rng := rand.New(rand.NewPCG(1, 2))
		const batch = 4
		z := gradcheck.RandomInput(rng, batch, m.LatentDim)
		exec := context.MustNewExec(backend, ctx, func(ctx *context.Context, in []*Node) []*Node {
			images := m.Generate(ctx, ConvertDType(in[0], dtypes.Float32), in[1])
			score := m.Critic(ctx, in[2])(images)
			return []*Node{images[len(images)-1], score}
		})
		outputs := func(fake, critic []int32) (image, score []float32) {
			out := exec.MustExec(z, tensors.FromFlatDataAndDimensions(fake, batch), tensors.FromFlatDataAndDimensions(critic, batch))
			return tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		}
		a, b := []int32{0, 1, 2, 3}, []int32{5, 6, 7, 8}
		imageA, scoreA := outputs(a, a)
		imageB, _ := outputs(b, a)
		_, scoreB := outputs(a, b)
		if slices.Equal(imageA, imageB) {
			t.Errorf("%s %s: G's images do not depend on the labels", tc.family, tc.preset)
		}
		if slices.Equal(scoreA, scoreB) {
			t.Errorf("%s %s: D's scores do not depend on the labels", tc.family, tc.preset)
		}
	}
}
