package msggan

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tiny is a small 16x16 MSG-ProGAN for tests.
func tiny(phi blocks.Phi, connections []int) Config {
	return Config{Resolution: 16, ImageChannels: 3, LatentDim: 8, ChannelBase: 64, ChannelMax: 8, Phi: phi, Connections: connections}
}

func pyramid(rng *rand.Rand, batch int) []*tensors.Tensor {
	var images []*tensors.Tensor
	for r := 4; r <= 16; r *= 2 {
		images = append(images, gradcheck.RandomInput(rng, batch, r, r, 3))
	}
	return images
}

// discriminator compiles D once (so repeated calls share its weights) and returns a scorer.
func discriminator(ctx *context.Context, cfg Config) func(images []*tensors.Tensor) []float64 {
	exec := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, xs []*Node) *Node {
		return Discriminator(ctx.In("discriminator"), cfg, xs)
	})
	return func(images []*tensors.Tensor) []float64 {
		args := make([]any, len(images))
		for i, img := range images {
			args[i] = img
		}
		return tensors.MustCopyFlatData[float64](exec.MustExec(args...)[0])
	}
}

func TestGeneratorShapes(t *testing.T) {
	cfg := tiny(blocks.PhiSimple, AllConnections(16))
	ctx := context.New()
	outs := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z *Node) []*Node {
		return Generator(ctx.In("generator"), cfg, z)
	}).MustExec(gradcheck.RandomInput(rand.New(rand.NewPCG(1, 1)), 4, 8))
	if len(outs) != 3 {
		t.Fatalf("%d generator outputs, want 3 (4, 8, 16)", len(outs))
	}
	for i, r := range []int{4, 8, 16} {
		if d := outs[i].Shape().Dimensions; d[0] != 4 || d[1] != r || d[2] != r || d[3] != 3 {
			t.Errorf("output %d shape %v, want [4 %d %d 3]", i, d, r, r)
		}
	}
}

// TestConnectionsSelectInputs: changing an image at a connected resolution changes the score,
// at an unconnected one it does not (Table 4's ablation switches).
func TestConnectionsSelectInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	images := pyramid(rng, 4)
	changed8 := append([]*tensors.Tensor(nil), images...)
	changed8[1] = gradcheck.RandomInput(rng, 4, 8, 8, 3)
	for _, tc := range []struct {
		connections []int
		wantChange  bool
	}{{[]int{8}, true}, {[]int{4}, false}, {nil, false}} {
		score := discriminator(context.New(), tiny(blocks.PhiSimple, tc.connections))
		base, other := score(images), score(changed8)
		changed := false
		for i := range base {
			changed = changed || base[i] != other[i]
		}
		if changed != tc.wantChange {
			t.Errorf("connections %v: score changed with the 8x8 image = %v, want %v", tc.connections, changed, tc.wantChange)
		}
	}
}

// TestPhiVariantsWeights: r' of lin_cat maps the image to half the block's channels, r' of
// cat_lin maps [image; activations] to the block's channels (paper, appendix 6.1).
func TestPhiVariantsWeights(t *testing.T) {
	images := pyramid(rand.New(rand.NewPCG(3, 3)), 4)
	for _, tc := range []struct {
		phi  blocks.Phi
		want []int // weights of block8/phi
	}{{blocks.PhiLinCat, []int{1, 1, 3, 4}}, {blocks.PhiCatLin, []int{1, 1, 3 + 8, 8}}, {blocks.PhiSimple, nil}} {
		ctx := context.New()
		discriminator(ctx, tiny(tc.phi, AllConnections(16)))(images)
		v := ctx.InspectVariable("/discriminator/block8/phi", "weights")
		if tc.want == nil {
			if v != nil {
				t.Errorf("phi %s created weights %s", tc.phi, v.Shape())
			}
			continue
		}
		if v == nil {
			t.Fatalf("phi %s: no weights in block8/phi", tc.phi)
		}
		if got := v.Shape().Dimensions; len(got) != 4 || got[0] != tc.want[0] || got[2] != tc.want[2] || got[3] != tc.want[3] {
			t.Errorf("phi %s: r' weights %v, want %v", tc.phi, got, tc.want)
		}
	}
}

// withPreset returns a context with the family's defaults, the preset's settings and then the
// given overrides, as models.Configure applies them.
func withPreset(t *testing.T, name string, overrides map[string]any) *context.Context {
	t.Helper()
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	preset, err := Family.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetParams(preset.Settings)
	ctx.SetParams(overrides)
	return ctx
}

func TestConfigFromContext(t *testing.T) {
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	cfg, err := FromContext(ctx)
	if err != nil || !reflect.DeepEqual(cfg, MNIST()) {
		t.Fatalf("defaults: %+v, %v; want the mnist preset %+v", cfg, err, MNIST())
	}
	// Each preset's settings give back the Config it was written from.
	for name, want := range map[string]Config{"mnist": MNIST(), "cpu-rgb": CPURGB(), "paper": Paper(128)} {
		if cfg, err := FromContext(withPreset(t, name, nil)); err != nil || !reflect.DeepEqual(cfg, want) {
			t.Errorf("preset %s: %+v, %v; want %+v", name, cfg, err, want)
		}
	}

	cfg, err = FromContext(withPreset(t, "paper", map[string]any{ParamResolution: 32, ParamPhi: "cat_lin", ParamConnections: "4,8"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Resolution: 32, ImageChannels: 3, LatentDim: 512, ChannelBase: 16384, ChannelMax: 512,
		Phi: blocks.PhiCatLin, Connections: []int{4, 8}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("paper at 32x32, cat_lin, connections 4,8: got %+v, want %+v", cfg, want)
	}

	// A preset with all scales connected keeps them all at another resolution.
	if cfg, err = FromContext(withPreset(t, "cpu-rgb", map[string]any{ParamResolution: 64, ParamChannelMax: 64})); err != nil ||
		!slices.Equal(cfg.Connections, []int{4, 8, 16, 32}) || cfg.Channels(8) != 64 {
		t.Errorf("cpu-rgb at 64x64 with 64 channels: %+v, %v; want connections [4 8 16 32], 64 channels", cfg, err)
	}

	for _, bad := range []map[string]any{
		{ParamConnections: "4,64"},                    // a connection at the output resolution or above
		{ParamConnections: "4,x"},                     // not a resolution
		{ParamConnections: "all", ParamPhi: "concat"}, // unknown phi
		{ParamResolution: 48},                         // not a power of two
	} {
		if _, err := FromContext(withPreset(t, "mnist", bad)); err == nil {
			t.Errorf("%v accepted", bad)
		} else {
			t.Logf("%v: %v", bad, err)
		}
	}
	if _, err := Family.Preset("stylegan"); err == nil {
		t.Error("an unknown preset accepted")
	}
}
