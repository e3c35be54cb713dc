package blocks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// recorder is a paper's blocks reduced to their shapes, recording each call with its scope.
type recorder struct{ calls []string }

func (r *recorder) log(ctx *context.Context, what string, res int) {
	r.calls = append(r.calls, fmt.Sprintf("%s%d@%s", what, res, ctx.Scope()))
}

func (r *recorder) Input(ctx *context.Context, z, _ *Node) *Node {
	r.log(ctx, "input", 4)
	return Zeros(z.Graph(), shapes.Make(z.DType(), z.Shape().Dimensions[0], 4, 4, 2))
}

func (r *recorder) Block(ctx *context.Context, x *Node, res int) *Node {
	r.log(ctx, "block", res)
	b, h, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[3]
	if ctx.Scope() == "/discriminator/block"+fmt.Sprint(res) {
		return Zeros(x.Graph(), shapes.Make(x.DType(), b, h/2, h/2, c))
	}
	return Zeros(x.Graph(), shapes.Make(x.DType(), b, 2*h, 2*h, c))
}

func (r *recorder) ToImage(ctx *context.Context, x *Node, res int) *Node {
	r.log(ctx, "image", res)
	return Zeros(x.Graph(), shapes.Make(x.DType(), x.Shape().Dimensions[0], res, res, 1))
}

func (r *recorder) FromImage(ctx *context.Context, img *Node, res int) *Node {
	r.log(ctx, "from", res)
	return Zeros(img.Graph(), shapes.Make(img.DType(), img.Shape().Dimensions[0], res, res, 2))
}

func (r *recorder) Output(ctx *context.Context, x, _ *Node) *Node {
	r.log(ctx, "output", x.Shape().Dimensions[1])
	return Zeros(x.Graph(), shapes.Make(x.DType(), x.Shape().Dimensions[0], 1))
}

func (r *recorder) Channels(int) int { return 2 }

// TestGeneratorOutputs: the loop calls each block once per resolution under its scope and
// returns the final image only, or one per resolution, coarsest first.
func TestGeneratorOutputs(t *testing.T) {
	for _, tc := range []struct {
		outputs Outputs
		calls   string
		sizes   []int
	}{
		{OutputFinal, "input4@/generator/block4 block8@/generator/block8 block16@/generator/block16 image16@/generator/to_rgb16", []int{16}},
		{OutputEveryScale, "input4@/generator/block4 image4@/generator/to_rgb4 block8@/generator/block8 image8@/generator/to_rgb8 " +
			"block16@/generator/block16 image16@/generator/to_rgb16", []int{4, 8, 16}},
		{OutputSkip, "input4@/generator/block4 image4@/generator/to_rgb4 block8@/generator/block8 image8@/generator/to_rgb8 " +
			"block16@/generator/block16 image16@/generator/to_rgb16", []int{16}},
	} {
		r := &recorder{}
		var sizes []int
		g := NewGraph(gradcheck.PureGo(), "generator")
		z := Parameter(g, "z", shapes.Make(dtypes.Float32, 2, 3))
		for _, img := range Generator(context.New().In("generator"), r, 16, tc.outputs, z, nil) {
			sizes = append(sizes, img.Shape().Dimensions[1])
		}
		if got := strings.Join(r.calls, " "); got != tc.calls || fmt.Sprint(sizes) != fmt.Sprint(tc.sizes) {
			t.Errorf("outputs %s: calls %q, sizes %v; want %q, %v", tc.outputs, got, sizes, tc.calls, tc.sizes)
		}
		g.Finalize()
	}
}

// TestDiscriminatorInputs: the full-resolution image enters through FromImage, a connected
// resolution's image through phi in its block (phi simple concatenates: the block sees its
// channels plus the image's), an unconnected one is ignored; Output scores the 4x4 features.
func TestDiscriminatorInputs(t *testing.T) {
	r := &recorder{}
	g := NewGraph(gradcheck.PureGo(), "discriminator")
	defer g.Finalize()
	var images []*Node
	for _, res := range []int{4, 8, 16} {
		images = append(images, Parameter(g, fmt.Sprint("x", res), shapes.Make(dtypes.Float32, 2, res, res, 1)))
	}
	var combined []int
	probe := &combineProbe{recorder: r, seen: &combined}
	score := Discriminator(context.New().In("discriminator"), probe, 16, Inputs{Connections: []int{8}, Phi: PhiSimple}, images, nil)
	want := "from16@/discriminator/from_rgb16 block16@/discriminator/block16 block8@/discriminator/block8 output4@/discriminator/block4"
	if got := strings.Join(r.calls, " "); got != want || score.Shape().Dimensions[1] != 1 {
		t.Errorf("calls %q, score %s; want %q and [2 1]", got, score.Shape(), want)
	}
	// Block 8 received 2 channels of features and the 8x8 image's 1 concatenated.
	if fmt.Sprint(combined) != "[2 3 2]" {
		t.Errorf("channels into the blocks 16, 8 and the output: %v, want [2 3 2]", combined)
	}
	defer func() {
		if recover() == nil {
			t.Error("a connected resolution without its image did not panic")
		}
	}()
	Discriminator(context.New().In("discriminator"), r, 16, Inputs{Connections: []int{4}, Phi: PhiSimple}, images[1:], nil)
}

// combineProbe records the channels each block and the output receive.
type combineProbe struct {
	*recorder
	seen *[]int
}

func (p *combineProbe) Block(ctx *context.Context, x *Node, res int) *Node {
	*p.seen = append(*p.seen, x.Shape().Dimensions[3])
	y := p.recorder.Block(ctx, x, res)
	return Slice(y, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, 2))
}

func (p *combineProbe) Output(ctx *context.Context, x, labels *Node) *Node {
	*p.seen = append(*p.seen, x.Shape().Dimensions[3])
	return p.recorder.Output(ctx, x, labels)
}

func TestPhiValidate(t *testing.T) {
	for _, phi := range Phis {
		if err := phi.Validate(); err != nil {
			t.Errorf("%s: %v", phi, err)
		}
	}
	if err := Phi("concat").Validate(); err == nil || !strings.Contains(err.Error(), "lin_cat") {
		t.Errorf("unknown phi: %v, want the list", err)
	}
}

// valuedImages is a recorder whose images at resolution r hold the value r everywhere.
type valuedImages struct{ recorder }

func (v *valuedImages) ToImage(ctx *context.Context, x *Node, res int) *Node {
	return AddScalar(v.recorder.ToImage(ctx, x, res), float64(res))
}

// TestGeneratorSkipSums: StyleGAN2's output skips sum every resolution's image, upsampled with
// the [1,3,3,1] filter; away from the borders a constant image stays constant, so the centre of
// the 16x16 output is 4 + 8 + 16.
func TestGeneratorSkipSums(t *testing.T) {
	out := context.MustExecOnce(gradcheck.PureGo(), context.New(), func(ctx *context.Context, z *Node) *Node {
		return Generator(ctx.In("generator"), &valuedImages{}, 16, OutputSkip, z, nil)[0]
	}, [][]float32{{0, 0, 0}})
	values := out.Value().([][][][]float32)
	if got := values[0][8][8][0]; got != 28 {
		t.Errorf("centre of the skip sum %g, want 4 + 8 + 16 = 28", got)
	}
	if corner := values[0][0][0][0]; corner >= 28 {
		t.Errorf("corner %g: the upsampled images should fade at the zero-padded border", corner)
	}
}

// TestDiscriminatorSkipInputs: with input skips every block below the full resolution, and the
// 4x4 output block, adds the fromRGB of the downsampled image.
func TestDiscriminatorSkipInputs(t *testing.T) {
	r := &recorder{}
	g := NewGraph(gradcheck.PureGo(), "discriminator")
	defer g.Finalize()
	img := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 16, 16, 1))
	Discriminator(context.New().In("discriminator"), r, 16, Inputs{Skip: true}, []*Node{img}, nil)
	want := "from16@/discriminator/from_rgb16 block16@/discriminator/block16 from8@/discriminator/from_rgb8 block8@/discriminator/block8 " +
		"from4@/discriminator/from_rgb4 output4@/discriminator/block4"
	if got := strings.Join(r.calls, " "); got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}
