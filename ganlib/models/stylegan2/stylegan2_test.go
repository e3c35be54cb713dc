package stylegan2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/losses"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tiny is an 8x8 grey StyleGAN2 with 4 feature maps, latent and w of 4 and a 2-layer mapping:
// small enough for second-order finite differences in float64.
func tiny() Config {
	c := base(Config{Resolution: 8, ImageChannels: 1, ChannelBase: 32, ChannelMax: 4,
		GArchitecture: Orig, DArchitecture: Orig, Normalization: Demodulation})
	c.LatentDim, c.WDim, c.MappingLayers = 4, 4, 2
	c.Schedule.Resolution = 8
	return c
}

// withSettings is a context with the family's defaults, the layers', then the preset's
// settings, then overrides (as models.Configure applies them; objective keys are left out).
func withSettings(t *testing.T, preset string, overrides map[string]any) *context.Context {
	t.Helper()
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	ctx.SetParams(layers.Settings.Defaults())
	p, err := Family.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Settings {
		if strings.HasPrefix(k, "stylegan2_") {
			ctx.SetParam(k, v)
		}
	}
	ctx.SetParams(overrides)
	return ctx
}

// changed lists the keys whose values differ between two presets' settings.
func changed(a, b map[string]any) []string {
	var keys []string
	for k, v := range b {
		if !reflect.DeepEqual(a[k], v) {
			keys = append(keys, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// TestConfigurationsAreCumulative: A-F at each scale are Table 1's rows, each the previous one
// with exactly the change the paper names; A is the baseline the issue describes and E-32 is
// the default.
func TestConfigurationsAreCumulative(t *testing.T) {
	if Presets[0].Name != "E-32" {
		t.Errorf("default preset %s, want E-32", Presets[0].Name)
	}
	steps := [][]string{
		{ParamNormalization}, // B: demodulation
		{"r1_interval"},      // C: lazy R1
		{"pl_weight"},        // D: path length
		{ParamDArchitecture, ParamGArchitecture, ParamGrowing}, // E: no growing, skip G, resnet D
		{ParamChannelBase}, // F: larger networks
	}
	for _, r := range []int{32, 64} {
		get := func(config string) map[string]any {
			p, err := Family.Preset(fmt.Sprintf("%s-%d", config, r))
			if err != nil {
				t.Fatal(err)
			}
			return p.Settings
		}
		a := get("A")
		for key, want := range map[string]any{ParamNormalization: AdaIN, ParamGrowing: true, ParamGArchitecture: "orig", ParamDArchitecture: "orig",
			"r1_interval": 1, "pl_weight": 0.0, "loss": "ns", "r1_gamma_auto": true, ParamMixingProb: 0.9, "learning_rate": 0.002} {
			if a[key] != want {
				t.Errorf("A-%d: %s=%v, want %v", r, key, a[key], want)
			}
		}
		for i, config := range []string{"B", "C", "D", "E", "F"} {
			previous := string(rune('A' + i))
			if got := changed(get(previous), get(config)); !slices.Equal(got, steps[i]) {
				t.Errorf("%s-%d changes %v from %s-%d, want %v", config, r, got, previous, r, steps[i])
			}
		}
		if e, f := get("E"), get("F"); f[ParamChannelBase] != 2*e[ParamChannelBase].(int) {
			t.Errorf("F-%d channel base %v, want twice E's %v", r, f[ParamChannelBase], e[ParamChannelBase])
		}
	}
	for _, p := range Presets {
		cfg, err := FromContext(withSettings(t, p.Name, nil))
		if err != nil || p.Description == "" || p.Settings["kimg"] == nil || p.Settings["dataset"] == nil {
			t.Errorf("preset %s: %v; want a valid model, a description, a run length and a data set", p.Name, err)
		}
		if strings.HasPrefix(p.Name, "msg-") && (cfg.DArchitecture != MSG || cfg.Phi != blocks.PhiCatLin || cfg.MixingProb != 0 || cfg.Growing) {
			t.Errorf("preset %s: %+v, want the msg D with cat_lin, no mixing, no growing", p.Name, cfg)
		}
	}
	// Settings and FromContext are inverse.
	want := tiny()
	want.Growing, want.Connections = true, []int{4}
	want.Schedule.FadeKimg, want.Schedule.StableKimg = 2, 1
	ctx := context.New()
	ctx.SetParams(want.Settings())
	if back, err := FromContext(ctx); err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("Settings then FromContext: %+v, %v; want %+v", back, err, want)
	}
}

// TestBadSettings: each inconsistent setting is refused with a message naming it.
func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]any
		naming   string
	}{
		{map[string]any{ParamGArchitecture: "dense"}, `stylegan2_g_architecture="dense": use orig, skip, resnet`},
		{map[string]any{ParamDArchitecture: "patch"}, `stylegan2_d_architecture="patch": use orig, skip, resnet, msg`},
		{map[string]any{ParamDArchitecture: "msg", ParamGArchitecture: "orig", ParamMSGPhi: "max"}, `stylegan2_msg_phi: unknown phi "max"`},
		{map[string]any{ParamDArchitecture: "msg"}, "needs a generator with an image per block"},
		{map[string]any{ParamNormalization: "batchnorm"}, `stylegan2_normalization="batchnorm": use demod or adain`},
		{map[string]any{ParamTruncationCutoff: 9}, "stylegan2_truncation_cutoff=9: a 32x32 model has 8 style latents"},
		{map[string]any{ParamGrowing: true}, "stylegan2_growing=true needs stylegan2_g_architecture and stylegan2_d_architecture orig or resnet"},
		{map[string]any{ParamResolution: 48}, ParamResolution},
		{map[string]any{ParamMappingLayers: 0}, ParamMappingLayers},
		{map[string]any{ParamMixingProb: 1.5}, ParamMixingProb},
		{map[string]any{ParamSampleNoise: "fresh"}, `stylegan2_sample_noise="fresh": use random, const, none`},
		{map[string]any{ParamMSGConnections: "corse"}, ParamMSGConnections},
		{map[string]any{ParamBatchSizes: "4:x"}, ParamBatchSizes},
	} {
		_, err := FromContext(withSettings(t, "E-32", tc.settings))
		if err == nil || !strings.Contains(err.Error(), tc.naming) {
			t.Errorf("%v: error %v, want one with %q", tc.settings, err, tc.naming)
		}
	}
	if _, err := FromContext(withSettings(t, "A-32", map[string]any{ParamFadeKimg: 0.0})); err == nil || !strings.Contains(err.Error(), ParamFadeKimg) {
		t.Errorf("A-32 with a fade-in of 0 kimg: %v, want an error naming %s", err, ParamFadeKimg)
	}
}

// countTrainable is the number of trainable weights in the context.
func countTrainable(ctx *context.Context) int {
	n := 0
	for v := range ctx.IterVariablesInScope() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// TestParameterCounts: the tiny model's weights counted by hand from the architecture (4
// channels at 4x4 and 8x8, w of 4, grey images). G: mapping 2 x (4x4 + 4) = 40, the constant
// 4x4x4 = 64, each modulated 3x3 layer affine 4x4+4, kernel 3x3x4x4, bias 4, noise strength 1 =
// 169, toRGB affine 20 + kernel 4 + bias 1 = 25. AdaIN layers have no modulation but a scale and
// a shift affine: 144+4+1+20+20 = 189, and a plain toRGB of 5. D: fromRGB 4+4 = 8, a block's two
// 3x3 convs 2 x 148, the epilogue conv of 5 channels (mbstd) 180+4, dense 64x4+4 and score 4+1.
func TestParameterCounts(t *testing.T) {
	for _, tc := range []struct {
		g, d          Architecture
		normalization string
		wantG, wantD  int
	}{
		{Orig, Orig, Demodulation, 40 + 64 + 3*169 + 25, 8 + 296 + 184 + 260 + 5},
		{Skip, Skip, Demodulation, 40 + 64 + 3*169 + 2*25, 2*8 + 296 + 184 + 260 + 5},
		{Resnet, Resnet, Demodulation, 40 + 64 + 3*169 + 25 + 16, 8 + 296 + 16 + 184 + 260 + 5},
		{Orig, Orig, AdaIN, 40 + 64 + 3*189 + 5, 8 + 296 + 184 + 260 + 5},
	} {
		cfg := tiny()
		cfg.GArchitecture, cfg.DArchitecture, cfg.Normalization = tc.g, tc.d, tc.normalization
		m := cfg.Model()
		ctx := context.New()
		ctx.SetParams(layers.Settings.Defaults())
		rng := rand.New(rand.NewPCG(1, 1))
		z, x := gradcheck.RandomInput(rng, 4, 4), gradcheck.RandomInput(rng, 4, 8, 8, 1)
		context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z, x *Node) (*Node, *Node) {
			return m.Generator(ctx.In("g"), z, nil)[0], m.Discriminator(ctx.In("d"), []*Node{x}, nil)
		}).MustExec(z, x)
		if g, d := countTrainable(ctx.In("g")), countTrainable(ctx.In("d")); g != tc.wantG || d != tc.wantD {
			t.Errorf("G %s, D %s, %s: %d and %d weights, want %d and %d", tc.g, tc.d, tc.normalization, g, d, tc.wantG, tc.wantD)
		}
	}
}

// TestMappingAverageMixingAndTruncation: a training graph moves w_avg to mean + beta (w_avg -
// mean) of the batch's w and, with mixing probability 1, switches every sample to a second w
// from one crossover index in [1, NumWs) on; a sampling graph with psi 0.5 and cutoff 2 puts the
// first two latents halfway to w_avg and leaves the rest; the style resolutions of a 32x32
// model's 8 latents are 4, 8, 8, 16, 16, 32, 32, 32.
func TestMappingAverageMixingAndTruncation(t *testing.T) {
	cfg := tiny()
	cfg.MixingProb = 1
	numWs := cfg.NumWs()
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(3))
	z := gradcheck.RandomInput(rand.New(rand.NewPCG(2, 2)), 3, 4)
	exec := func(training bool) [][]float64 {
		outs := context.MustNewExec(gradcheck.PureGo(), ctx.Checked(false), func(ctx *context.Context, z *Node) (*Node, *Node) {
			ctx.SetTraining(z.Graph(), training)
			ws := cfg.truncated(ctx, cfg.Mapping(ctx, z, nil))
			return ws, layers.Mapping(ctx, z).Layers(cfg.MappingLayers).WDim(cfg.WDim).LRMul(cfg.MappingLRMul).Done()
		}).MustExec(z)
		return [][]float64{tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1])}
	}
	out := exec(true)
	ws, w := out[0], out[1]
	wDim := cfg.WDim
	crossovers := map[int]bool{}
	for n := range 3 {
		crossover := numWs
		for i := range numWs {
			row := ws[(n*numWs+i)*wDim : (n*numWs+i+1)*wDim]
			if !slices.Equal(row, w[n*wDim:(n+1)*wDim]) {
				crossover = min(crossover, i)
			} else if crossover < numWs {
				t.Errorf("sample %d: latent %d is the first w again after the crossover at %d", n, i, crossover)
			}
		}
		crossovers[crossover] = true
	}
	if len(crossovers) != 1 {
		t.Errorf("crossovers %v, want one for the batch", crossovers)
	}
	for c := range crossovers {
		if c < 1 || c >= numWs {
			t.Errorf("crossover %d, want one in [1, %d) with mixing probability 1", c, numWs)
		}
	}
	avg := tensors.MustCopyFlatData[float64](ctx.InspectVariable("/mapping", "w_avg").MustValue())
	for j := range wDim {
		mean := (w[j] + w[wDim+j] + w[2*wDim+j]) / 3
		if want := mean + cfg.WAvgBeta*(0-mean); math.Abs(avg[j]-want) > 1e-15 {
			t.Errorf("w_avg[%d] = %g, want %g", j, avg[j], want)
		}
	}

	cfg.TruncationPsi, cfg.TruncationCutoff = 0.5, 2
	out = exec(false)
	ws, w = out[0], out[1]
	for n := range 3 {
		for i := range numWs {
			for j := range wDim {
				want := w[n*wDim+j]
				if i < 2 {
					want = avg[j] + 0.5*(want-avg[j])
				}
				if got := ws[(n*numWs+i)*wDim+j]; math.Abs(got-want) > 1e-15 {
					t.Errorf("sample %d latent %d [%d]: %g, want %g", n, i, j, got, want)
				}
			}
		}
	}
	if after := tensors.MustCopyFlatData[float64](ctx.InspectVariable("/mapping", "w_avg").MustValue()); !slices.Equal(after, avg) {
		t.Error("a sampling graph moved w_avg")
	}
	if got, want := blocks.StyleResolutions(32), []int{4, 8, 8, 16, 16, 32, 32, 32}; !slices.Equal(got, want) {
		t.Errorf("StyleResolutions(32) = %v, want %v", got, want)
	}
}

// TestSamplingNoiseIsFixed: outside training the synthesis noise is the same at every run (one
// image per latent at every snapshot), in training it is drawn afresh.
func TestSamplingNoiseIsFixed(t *testing.T) {
	cfg := tiny()
	cfg.MixingProb = 0
	m := cfg.Model()
	ctx := context.New().Checked(false)
	ctx.SetParams(layers.Settings.Defaults())
	z := gradcheck.RandomInput(rand.New(rand.NewPCG(5, 5)), 2, 4)
	images := func(training bool) []float64 {
		return tensors.MustCopyFlatData[float64](context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z *Node) *Node {
			ctx.SetTraining(z.Graph(), training)
			return m.Generator(ctx, z, nil)[0]
		}).MustExec(z)[0])
	}
	// Non-zero noise strengths, so that noise shows.
	images(true)
	for v := range ctx.IterVariables() {
		if v.Name() == "noise_strength" {
			v.MustSetValue(tensors.FromScalar(0.5))
		}
	}
	if a, b := images(false), images(false); !slices.Equal(a, b) {
		t.Error("two sampling runs differ: want the same noise")
	}
	if a, b := images(true), images(true); slices.Equal(a, b) {
		t.Error("two training runs are equal: want fresh noise")
	}
}

// TestR1Gradients: the R1 penalty of every discriminator (orig, skip, resnet and MSG-GAN's
// with each phi) with respect to the real images, first and second order against float64
// finite differences: D's gradient, its gradient's gradient and one more order underneath.
func TestR1Gradients(t *testing.T) {
	type variant struct {
		d   Architecture
		phi blocks.Phi
	}
	variants := []variant{{Orig, ""}, {Skip, ""}, {Resnet, ""}}
	for _, phi := range []blocks.Phi{blocks.PhiSimple, blocks.PhiLinCat, blocks.PhiCatLin} {
		variants = append(variants, variant{MSG, phi})
	}
	for i, v := range variants {
		t.Run(fmt.Sprintf("%s%s", v.d, v.phi), func(t *testing.T) {
			cfg := tiny()
			cfg.DArchitecture, cfg.Phi, cfg.Connections = v.d, v.phi, []int{4}
			m := cfg.Model()
			ctx := context.New()
			ctx.SetParams(layers.Settings.Defaults())
			ctx.SetParam(context.ParamInitialSeed, int64(20+i))
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			inputs := []*tensors.Tensor{gradcheck.RandomInput(rng, 4, 8, 8, 1)}
			if v.d == MSG {
				inputs = append(inputs, gradcheck.RandomInput(rng, 4, 4, 4, 1))
			}
			r1 := func(x []*Node) *Node {
				images := x
				if v.d == MSG {
					images = []*Node{x[1], x[0]} // coarse to fine
				}
				d := m.Discriminator(ctx.In("d").Checked(false), images, nil)
				return losses.R1PenaltyOf(d, images, 10)
			}
			context.MustNewExec(gradcheck.PureGo(), ctx, func(_ *context.Context, x []*Node) *Node { return r1(x) }).MustExec(tensorsAny(inputs)...)
			gradcheck.Check(t, gradcheck.PureGo(), r1, inputs, gradcheck.Options{Context: ctx, MaxElements: 24})
		})
	}
}

// TestPathLengthGradients: the path-length penalty of every synthesis network (orig, skip,
// resnet, AdaIN) with respect to ws, first and second order against float64 finite
// differences, with the fixed sampling noise and a fixed y.
func TestPathLengthGradients(t *testing.T) {
	for i, v := range []struct {
		g             Architecture
		normalization string
	}{{Orig, Demodulation}, {Skip, Demodulation}, {Resnet, Demodulation}, {Orig, AdaIN}} {
		t.Run(fmt.Sprintf("%s %s", v.g, v.normalization), func(t *testing.T) {
			cfg := tiny()
			cfg.GArchitecture, cfg.Normalization = v.g, v.normalization
			m := cfg.Model()
			ctx := context.New()
			ctx.SetParams(layers.Settings.Defaults())
			ctx.SetParam(context.ParamInitialSeed, int64(30+i))
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			ws := gradcheck.RandomInput(rng, 2, cfg.NumWs(), cfg.WDim)
			y := gradcheck.RandomInput(rng, 2, 8, 8, 1)
			pl := losses.PathLength{Weight: 2, Decay: 0.01}
			penalty := func(x []*Node) *Node {
				synthesis := func(ws *Node) *Node {
					images := m.Synthesis(ctx.In("g").Checked(false), ws)
					return images[len(images)-1]
				}
				p, _, _ := pl.Penalty(synthesis, x[0], Const(x[0].Graph(), y), ScalarZero(x[0].Graph(), x[0].DType()))
				return p
			}
			// Non-zero noise strengths and biases, so that their paths count.
			context.MustNewExec(gradcheck.PureGo(), ctx, func(_ *context.Context, x *Node) *Node { return penalty([]*Node{x}) }).MustExec(ws)
			for v := range ctx.IterVariables() {
				if v.Name() == "noise_strength" {
					v.MustSetValue(tensors.FromScalar(0.3))
				}
			}
			gradcheck.Check(t, gradcheck.PureGo(), penalty, []*tensors.Tensor{ws}, gradcheck.Options{Context: ctx, MaxElements: 24})
		})
	}
}

func tensorsAny(ts []*tensors.Tensor) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// TestGrowingStages: config A's model grows from 4x4 through the schedule's stages, its
// synthesis and discriminator at each stage's resolution.
func TestGrowingStages(t *testing.T) {
	cfg := tiny()
	cfg.Growing, cfg.Normalization = true, AdaIN
	cfg.Schedule.FadeKimg, cfg.Schedule.StableKimg = 1, 1
	m := cfg.Model()
	if want := []string{"4x4", "8x8 fade-in", "8x8"}; !slices.Equal(m.StageKeys, want) {
		t.Fatalf("stages %q, want %q", m.StageKeys, want)
	}
	ctx := context.New().Checked(false)
	ctx.SetParams(layers.Settings.Defaults())
	rng := rand.New(rand.NewPCG(6, 6))
	z, real := gradcheck.RandomInput(rng, 4, 4), gradcheck.RandomInput(rng, 4, 8, 8, 1)
	for _, tc := range []struct {
		stage string
		size  int
	}{{"4x4", 4}, {"8x8 fade-in", 8}, {"8x8", 8}} {
		out := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z, real *Node) (*Node, *Node) {
			gan.SetAlpha(ctx, Scalar(z.Graph(), z.DType(), 0.5))
			gan.SetStage(ctx, z.Graph(), tc.stage)
			img := m.Generator(ctx.In("g"), z, nil)[0]
			return img, m.Discriminator(ctx.In("d"), m.RealInputs(ctx, real), nil)
		}).MustExec(z, real)
		if d := out[0].Shape().Dimensions; d[1] != tc.size || d[2] != tc.size {
			t.Errorf("stage %s: image %s, want %dx%d", tc.stage, out[0].Shape(), tc.size, tc.size)
		}
		for _, s := range tensors.MustCopyFlatData[float64](out[1]) {
			if math.IsNaN(s) {
				t.Errorf("stage %s: score NaN", tc.stage)
			}
		}
	}
}
