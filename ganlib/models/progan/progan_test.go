package progan

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/verify"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tiny is a 16x16 grey ProGAN small enough to run in milliseconds (in float64, as the inputs of
// gradcheck.RandomInput).
func tiny() Config {
	return Config{Resolution: 16, ImageChannels: 1, LatentDim: 8, ChannelBase: 64, ChannelMax: 8, FadeKimg: 2, StableKimg: 1}
}

func TestSchedule(t *testing.T) {
	cfg := tiny()
	cfg.BatchSizes = map[int]int{16: 4}
	cfg.ResetOptimizers = true
	m := cfg.Model()
	wantKeys := []string{"4x4", "8x8 fade-in", "8x8", "16x16 fade-in", "16x16"}
	if !reflect.DeepEqual(m.StageKeys, wantKeys) || m.FinalStageKimg != 6 {
		t.Errorf("stages %q, the last from kimg %g; want %q, the last from 1 + (2 + 1) + 2 = 6", m.StageKeys, m.FinalStageKimg, wantKeys)
	}
	for _, tc := range []struct {
		kimg float64
		want gan.Stage
	}{
		{0, gan.Stage{Key: "4x4", Alpha: 1}},
		{0.999, gan.Stage{Key: "4x4", Alpha: 1}},
		{1, gan.Stage{Key: "8x8 fade-in", Alpha: 0, ResetOptimizers: true}},
		{1.5, gan.Stage{Key: "8x8 fade-in", Alpha: 0.25, ResetOptimizers: true}},
		{3, gan.Stage{Key: "8x8", Alpha: 1}},
		{5, gan.Stage{Key: "16x16 fade-in", Alpha: 0.5, BatchSize: 4, ResetOptimizers: true}},
		{7, gan.Stage{Key: "16x16", Alpha: 1, BatchSize: 4}},
		{1000, gan.Stage{Key: "16x16", Alpha: 1, BatchSize: 4}},
	} {
		if got := m.StageAt(tc.kimg); got != tc.want {
			t.Errorf("kimg %g: %+v, want %+v", tc.kimg, got, tc.want)
		}
	}
}

// withSettings is a context with the family's defaults, then the preset's settings, then
// overrides (as models.Configure applies them).
func withSettings(t *testing.T, preset string, overrides map[string]any) *context.Context {
	t.Helper()
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	p, err := Family.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetParams(p.Settings)
	ctx.SetParams(overrides)
	return ctx
}

func TestPresetsAndBadSettings(t *testing.T) {
	cfg, err := FromContext(withSettings(t, "progan-32", map[string]any{ParamBatchSizes: "4:64, 32:16"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Resolution: 32, ImageChannels: 1, LatentDim: 128, ChannelBase: 512, ChannelMax: 64, FadeKimg: 3, StableKimg: 3,
		ResetOptimizers: true, BatchSizes: map[int]int{4: 64, 32: 16}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("progan-32 with batch sizes: %+v, want %+v", cfg, want)
	}
	// Settings and FromContext are inverse.
	ctx := context.New()
	ctx.SetParams(want.Settings())
	if back, err := FromContext(ctx); err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("Settings then FromContext: %+v, %v", back, err)
	}
	for _, p := range Presets {
		if _, err := FromContext(withSettings(t, p.Name, nil)); err != nil || p.Description == "" || p.Settings["kimg"] == nil {
			t.Errorf("preset %s: %v; want a valid model, a description and a run length", p.Name, err)
		}
	}

	for _, tc := range []struct {
		settings map[string]any
		naming   string
	}{
		{map[string]any{ParamFadeKimg: 0.0}, ParamFadeKimg},
		{map[string]any{ParamStableKimg: -1.0}, ParamStableKimg},
		{map[string]any{ParamResolution: 48}, ParamResolution},
		{map[string]any{ParamResolution: 4}, ParamResolution},
		{map[string]any{ParamBatchSizes: "4:x"}, ParamBatchSizes},
		{map[string]any{ParamBatchSizes: "64:8"}, ParamBatchSizes},
		{map[string]any{ParamBatchSizes: "12:8"}, ParamBatchSizes},
		{map[string]any{ParamBatchSizes: "8:0"}, ParamBatchSizes},
	} {
		_, err := FromContext(withSettings(t, "progan-32", tc.settings))
		if err == nil || !strings.Contains(err.Error(), tc.naming) {
			t.Errorf("%v: error %v, want one naming %s", tc.settings, err, tc.naming)
		} else {
			t.Logf("%v: %v", tc.settings, err)
		}
	}
}

// stageExec compiles the model's G (or D on a real batch) for one stage, alpha an input.
func stageExec(ctx *context.Context, m gan.Model, key string, discriminator bool) *context.Exec {
	return context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, x, alpha *Node) *Node {
		gan.SetAlpha(ctx, alpha)
		gan.SetStage(ctx, x.Graph(), key)
		if discriminator {
			return m.Discriminator(ctx.In("discriminator"), m.RealInputs(ctx, x), nil)
		}
		return m.Generator(ctx.In("generator"), x, nil)[0]
	})
}

func run(exec *context.Exec, x *tensors.Tensor, alpha float64) *tensors.Tensor {
	return exec.MustExec(x, float32(alpha))[0]
}

// TestFadeInIsContinuous: at alpha 0 a fade-in stage computes what the previous stage did (G's
// image upsampled; D's score of the reals, which it sees average-pooled to the old resolution),
// at alpha 1 what the next stable stage does, and in between the linear blend of G's images.
func TestFadeInIsContinuous(t *testing.T) {
	cfg := tiny()
	m := cfg.Model()
	rng := rand.New(rand.NewPCG(4, 4))
	z, real := gradcheck.RandomInput(rng, 4, cfg.LatentDim), gradcheck.RandomInput(rng, 4, 16, 16, 1)
	ctx := context.New().Checked(false) // the stages share weights
	for _, discriminator := range []bool{false, true} {
		x := z
		if discriminator {
			x = real
		}
		before := run(stageExec(ctx, m, "8x8", discriminator), x, 1)
		fading := stageExec(ctx, m, "16x16 fade-in", discriminator)
		after := run(stageExec(ctx, m, "16x16", discriminator), x, 1)
		if !discriminator {
			before = context.MustExecOnce(gradcheck.PureGo(), ctx, func(_ *context.Context, x *Node) *Node { return ops.UpsampleNearest2x(x) }, before)
		}
		half := run(fading, x, 0.5)
		for _, tc := range []struct {
			alpha float64
			want  []float64
		}{{0, flat(before)}, {1, flat(after)}, {0.5, blend(flat(before), flat(after))}} {
			if discriminator && tc.alpha == 0.5 {
				continue // D is not linear in alpha
			}
			got := flat(half)
			if tc.alpha != 0.5 {
				got = flat(run(fading, x, tc.alpha))
			}
			if d := maxDiff(got, tc.want); d > 1e-5 || len(got) != len(tc.want) {
				t.Errorf("D=%v alpha %g: differs by %g from the expected values (%d values, want %d)", discriminator, tc.alpha, d, len(got), len(tc.want))
			}
		}
	}
	// The stages share every layer: 16x16's stable stage made no variable the fade-in had not.
	// Each layer is a weight and a bias: G's dense and conv at 4x4, two convs each at 8x8 and
	// 16x16, toRGB 8 and 16; D's fromRGB 8 and 16, two convs each at 16x16 and 8x8, and at 4x4 a
	// conv, the 4x4 conv and the score.
	n := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			n++
		}
	}
	if want := 2 * (2 + 2 + 2 + 2 + 2 + 2 + 2 + 3); n != want {
		t.Errorf("%d trainable variables after building stages 8x8 to 16x16, want %d", n, want)
	}
}

func flat(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

func blend(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = (a[i] + b[i]) / 2
	}
	return out
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestParameterCounts: the layer shapes the ProGAN paper's Table 2 lists (the generator's 4x4
// "conv 4x4" from the latent, two 3x3 convs per resolution, a 1x1 toRGB; the discriminator's
// mirror with minibatch stddev's extra map in the last block, a 4x4 conv and a linear score),
// each conv k x k from c_in to c_out having k*k*c_in*c_out weights and c_out biases; at 1024x1024
// with the table's channels (512 up to 32x32, then halving: min(16384/r, 512)) that is the 23.1M
// parameters of each network the table states.
func TestParameterCounts(t *testing.T) {
	conv := func(k, in, out int) int { return k*k*in*out + out }
	expected := func(c Config) (g, d int) {
		ch := c.Channels
		g = conv(4, c.LatentDim, ch(4)) + conv(3, ch(4), ch(4))
		d = conv(1, c.ImageChannels, ch(c.Resolution)) + conv(3, ch(4)+1, ch(4)) + conv(4, ch(4), ch(4)) + conv(1, ch(4), 1)
		for r := 8; r <= c.Resolution; r *= 2 {
			g += conv(3, ch(r/2), ch(r)) + conv(3, ch(r), ch(r))
			d += conv(3, ch(r), ch(r)) + conv(3, ch(r), ch(r/2))
		}
		return g + conv(1, ch(c.Resolution), c.ImageChannels), d
	}
	paper := Config{Resolution: 1024, ImageChannels: 3, LatentDim: 512, ChannelBase: 16384, ChannelMax: 512, FadeKimg: 800, StableKimg: 800}
	wantG, wantD := expected(paper)
	if math.Abs(float64(wantG)/1e6-23.1) > 0.05 || math.Abs(float64(wantD)/1e6-23.1) > 0.05 {
		t.Errorf("Table 2's layers count G %d, D %d parameters; the paper states 23.1M each", wantG, wantD)
	}
	for _, c := range []Config{tiny(), presetConfig(t, "progan-32"), presetConfig(t, "progan-64"), paper} {
		layout, err := verify.LayoutOf(gradcheck.PureGo(), c.Model())
		if err != nil {
			t.Fatal(err)
		}
		g, d := layout.Parameters(gan.GeneratorScope), layout.Parameters(gan.DiscriminatorScope)
		eg, ed := expected(c)
		if g != eg || d != ed {
			t.Errorf("%s: G %d, D %d parameters; the layout gives %d and %d", c.name(), g, d, eg, ed)
		}
		t.Logf("%s: G %.3fM, D %.3fM parameters", c.name(), float64(g)/1e6, float64(d)/1e6)
	}
}

func presetConfig(t *testing.T, name string) Config {
	t.Helper()
	c, err := FromContext(withSettings(t, name, nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRealInputsFadeIn: in a fade-in stage the reals are average-pooled to the stage's
// resolution and blended with their upsampled half-resolution version, as datasets.FadeIn
// computes on the host: alpha x + (1 - alpha) up(avgpool(x)).
func TestRealInputsFadeIn(t *testing.T) {
	cfg := tiny()
	cfg.Resolution = 32
	m := cfg.Model()
	rng := rand.New(rand.NewPCG(5, 5))
	batch := datasets.Batch{Shape: [4]int{2, 32, 32, 1}, Images: make([]float32, 2*32*32)}
	for i := range batch.Images {
		batch.Images[i] = float32(rng.Float64()*2 - 1)
	}
	const alpha = 0.3
	got := context.MustExecOnce(gradcheck.PureGo(), context.New(), func(ctx *context.Context, real, alpha *Node) *Node {
		gan.SetAlpha(ctx, alpha)
		gan.SetStage(ctx, real.Graph(), "16x16 fade-in")
		return m.RealInputs(ctx, real)[0]
	}, tensors.FromFlatDataAndDimensions(batch.Images, 2, 32, 32, 1), float32(alpha))
	levels, err := datasets.Pyramid(batch, 16)
	if err != nil {
		t.Fatal(err)
	}
	want, err := datasets.FadeIn(levels[0], alpha)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Shape().Dimensions; d[1] != 16 || d[2] != 16 {
		t.Fatalf("reals at stage 16x16 fade-in: shape %v, want 16x16", d)
	}
	gotValues := tensors.MustCopyFlatData[float32](got)
	worst := 0.0
	for i, w := range want.Images {
		worst = max(worst, math.Abs(float64(gotValues[i]-w)))
	}
	if worst > 1e-6 {
		t.Errorf("RealInputs differs from datasets.FadeIn by %g", worst)
	}
}
