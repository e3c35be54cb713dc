package msggan

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/verify"
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
		return Discriminator(ctx.In("discriminator"), cfg, xs, nil)
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
	cfg := tiny(blocks.PhiSimple, blocks.AllConnections(16))
	ctx := context.New()
	outs := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z *Node) []*Node {
		return Generator(ctx.In("generator"), cfg, z, nil)
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
		discriminator(ctx, tiny(tc.phi, blocks.AllConnections(16)))(images)
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
		t.Fatalf("defaults: %+v, %v; want the msg-progan-32 preset's %+v", cfg, err, MNIST())
	}
	// Each preset's settings give back the Config it was written from.
	for name, want := range map[string]Config{"msg-progan-32": MNIST(), "msg-progan-32-rmsprop": MNIST(), "msg-progan-64": Emoji64(),
		"cpu-rgb": CPURGB(), "paper": Paper(128)} {
		if cfg, err := FromContext(withPreset(t, name, nil)); err != nil || !reflect.DeepEqual(cfg, want) {
			t.Errorf("preset %s: %+v, %v; want %+v", name, cfg, err, want)
		}
	}

	if p, _ := Family.Preset("msg-progan-32-rmsprop"); p.Settings["optimizer"] != "rmsprop" || p.Settings["learning_rate"] != 0.003 {
		t.Errorf("msg-progan-32-rmsprop trains with %v at lr %v, want the paper's rmsprop at 0.003", p.Settings["optimizer"], p.Settings["learning_rate"])
	}

	cfg, err = FromContext(withPreset(t, "paper", map[string]any{ParamResolution: 32, ParamPhi: "cat_lin", ParamConnections: "4,8", ParamMbstd: blocks.MbstdInFinalBlock}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Resolution: 32, ImageChannels: 3, LatentDim: 512, ChannelBase: 16384, ChannelMax: 512,
		Phi: blocks.PhiCatLin, Connections: []int{4, 8}, MbstdFinalOnly: true}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("paper at 32x32, cat_lin, connections 4,8: got %+v, want %+v", cfg, want)
	}

	// A preset with all scales connected keeps them all at another resolution.
	if cfg, err = FromContext(withPreset(t, "cpu-rgb", map[string]any{ParamResolution: 64, ParamChannelMax: 64})); err != nil ||
		!slices.Equal(cfg.Connections, []int{4, 8, 16, 32}) || cfg.Channels(8) != 64 {
		t.Errorf("cpu-rgb at 64x64 with 64 channels: %+v, %v; want connections [4 8 16 32], 64 channels", cfg, err)
	}

	for _, tc := range []struct {
		bad    map[string]any
		naming string
	}{
		{map[string]any{ParamConnections: "4,64"}, ParamConnections},                  // a connection at the output resolution or above
		{map[string]any{ParamConnections: "4,x"}, ParamConnections},                   // not a resolution
		{map[string]any{ParamConnections: "coarser"}, "coarse, middle, fine"},         // not a level
		{map[string]any{ParamConnections: "middle", ParamResolution: 8}, "no middle"}, // an empty level
		{map[string]any{ParamConnections: "all", ParamPhi: "concat"}, ParamPhi},       // unknown phi
		{map[string]any{ParamMbstd: "first"}, "every_block"},                          // unknown placement
		{map[string]any{ParamResolution: 48}, ParamResolution},                        // not a power of two
	} {
		if _, err := FromContext(withPreset(t, "msg-progan-32", tc.bad)); err == nil || !strings.Contains(err.Error(), tc.naming) {
			t.Errorf("%v: %v, want an error naming %q", tc.bad, err, tc.naming)
		} else {
			t.Logf("%v: %v", tc.bad, err)
		}
	}
	if _, err := Family.Preset("stylegan"); err == nil {
		t.Error("an unknown preset accepted")
	}
}

// TestParameterCounts: the layers and channels of the paper's Tables 6 and 7, scaled to the
// model's resolution and written as counts: G's 4x4 block ("conv 4x4" from the latent, a 3x3
// conv), two 3x3 convs per higher resolution and a 1x1 toRGB at every resolution; D's fromRGB,
// per block the image joined by phi, minibatch stddev's extra map, a 3x3 conv to the block's
// channels and one to the next block's, and at 4x4 a 3x3 conv, a 4x4 conv and the linear score.
// A k x k conv from c_in to c_out has k*k*c_in*c_out weights and c_out biases.
func TestParameterCounts(t *testing.T) {
	conv := func(k, in, out int) int { return k*k*in*out + out }
	expected := func(c Config) (g, d int) {
		ch, rgb := c.Channels, c.ImageChannels
		g = conv(4, c.LatentDim, ch(4)) + conv(3, ch(4), ch(4)) + conv(1, ch(4), rgb)
		for r := 8; r <= c.Resolution; r *= 2 {
			g += conv(3, ch(r/2), ch(r)) + conv(3, ch(r), ch(r)) + conv(1, ch(r), rgb)
		}
		d = conv(1, rgb, ch(c.Resolution))
		for r := c.Resolution; r >= 4; r /= 2 {
			in := ch(r)
			if slices.Contains(c.Connections, r) {
				switch c.Phi {
				case blocks.PhiSimple:
					in += rgb
				case blocks.PhiLinCat:
					d += conv(1, rgb, ch(r)/2)
					in += ch(r) / 2
				case blocks.PhiCatLin:
					d += conv(1, rgb+ch(r), ch(r))
				}
			}
			if r == 4 || !c.MbstdFinalOnly {
				in++
			}
			if r == 4 {
				d += conv(3, in, ch(4)) + conv(4, ch(4), ch(4)) + conv(1, ch(4), 1)
			} else {
				d += conv(3, in, ch(r)) + conv(3, ch(r), ch(r/2))
			}
		}
		return g, d
	}
	var configs []Config
	for _, resolution := range []int{32, 64} {
		for _, phi := range blocks.Phis {
			for _, level := range []string{"all", "none", "coarse", "middle", "fine"} {
				for _, finalOnly := range []bool{false, true} {
					c := Paper(resolution)
					c.Phi, c.MbstdFinalOnly = phi, finalOnly
					c.Connections, _ = blocks.ParseConnections(ParamConnections, level, resolution)
					configs = append(configs, c)
				}
			}
		}
	}
	for _, c := range append(configs, MNIST(), Emoji64(), Paper(1024)) {
		layout, err := verify.LayoutOf(gradcheck.PureGo(), c.Model())
		if err != nil {
			t.Fatal(err)
		}
		g, d := layout.Parameters(gan.GeneratorScope), layout.Parameters(gan.DiscriminatorScope)
		if wantG, wantD := expected(c); g != wantG || d != wantD {
			t.Errorf("%+v: G %d, D %d parameters; the tables' layout gives %d and %d", c, g, d, wantG, wantD)
		}
	}

	// Table 7's shapes at 1024x1024 (channels x height x width there, [k k c_in c_out] here).
	layout, err := verify.LayoutOf(gradcheck.PureGo(), Paper(1024).Model())
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]int{
		"/discriminator/from_rgb1024/weights":    {1, 1, 3, 16},
		"/discriminator/block1024/conv0/weights": {3, 3, 17, 16},   // MinBatchStd 17 x 1024 x 1024
		"/discriminator/block1024/conv1/weights": {3, 3, 16, 32},   // conv 32 x 1024 x 1024
		"/discriminator/block512/conv0/weights":  {3, 3, 36, 32},   // concat 35, MinBatchStd 36 x 512 x 512
		"/discriminator/block256/conv0/weights":  {3, 3, 68, 64},   // 67, 68 x 256 x 256
		"/discriminator/block32/conv0/weights":   {3, 3, 516, 512}, // 515, 516 x 32 x 32
		"/discriminator/block4/conv0/weights":    {3, 3, 516, 512},
		"/discriminator/block4/conv1/weights":    {4, 4, 512, 512}, // conv 4x4 to 512 x 1 x 1
		"/generator/block4/dense/weights":        {512, 16 * 512},  // conv 4x4 from the latent 512 x 1 x 1
		"/generator/block64/conv0/weights":       {3, 3, 512, 256}, // Table 6 block 5: 256 x 64 x 64
		"/generator/block1024/conv1/weights":     {3, 3, 16, 16},
		"/generator/to_rgb1024/weights":          {1, 1, 16, 3},
	} {
		if got := layout[path]; !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
	g, d := layout.Parameters(gan.GeneratorScope), layout.Parameters(gan.DiscriminatorScope)
	t.Logf("the paper's MSG-ProGAN at 1024x1024: G %.2fM, D %.2fM parameters", float64(g)/1e6, float64(d)/1e6)
}
