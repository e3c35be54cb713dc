package blocks

import (
	"math"

	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// residualGain scales the sum of a residual block's two branches (StyleGAN2 App. B: 1/sqrt(2)).
var residualGain = math.Sqrt(0.5)

// StyleGAN2Generator is StyleGAN2's synthesis blocks (Karras et al. 2020, Fig. 2d, Fig. 7): a
// learned 4x4 constant and a style layer at 4x4, then per resolution a 2x upsampling style layer
// and a style layer (modulated 3x3 conv, demodulated or AdaIN, noise, bias, leaky ReLU), and a
// modulated 1x1 toRGB. They run through StyleGAN2Synthesis, with the intermediate latents ws
// [B, NumWs(resolution), wDim] where the other families pass z: the style layers of resolution
// 2^k take ws[2k-5] and ws[2k-4], its toRGB ws[2k-3] (the next block's first, as in
// stylegan2-ada).
type StyleGAN2Generator struct {
	// FeatureMaps gives the number of feature maps at each resolution.
	FeatureMaps func(resolution int) int
	// ImageChannels is 1 (grey) or 3 (RGB).
	ImageChannels int
	// Residual makes each block above 4x4 a residual one: its two style layers beside a 1x1
	// upsampling conv, summed with gain 1/sqrt(2) (Fig. 7c, "resnet").
	Residual bool
	// AdaIN replaces weight demodulation with StyleGAN1's adaptive instance normalization and
	// toRGB with a plain 1x1 conv (the paper's config A).
	AdaIN bool
	// Noise is where the layers' noise comes from.
	Noise layers.NoiseMode

	// ws are the latents of the synthesis pass being built (StyleGAN2Synthesis sets them).
	ws *Node
}

// NumWs is the number of intermediate latents a synthesis network of the given resolution takes:
// one per style layer plus the last toRGB's.
func NumWs(resolution int) int { return 2*log2(resolution) - 2 }

// StyleResolutions gives, for each of the NumWs(resolution) latents, the resolution it styles:
// ws[0] the 4x4 layer, ws[2k-5] and ws[2k-4] the two layers of resolution 2^k, the last latent
// the final toRGB. The latent shared by a toRGB and the next block's first layer counts at the
// next block's resolution, whose feature maps it modulates.
func StyleResolutions(resolution int) []int {
	res := make([]int, NumWs(resolution))
	for i := range res {
		res[i] = min(4<<((i+1)/2), resolution)
	}
	return res
}

func log2(r int) int {
	k := 0
	for ; r > 1; r >>= 1 {
		k++
	}
	return k
}

// w returns ws[:, i].
func w(ws *Node, i int) *Node {
	return Squeeze(Slice(ws, AxisRange(), AxisElem(i), AxisRange()), 1)
}

// style builds one synthesis layer.
func (s StyleGAN2Generator) style(ctx *context.Context, x, w *Node, channels int, up bool) *Node {
	b := layers.Style(ctx, x, w, channels).NoiseMode(s.Noise)
	if up {
		b.Upsample()
	}
	if s.AdaIN {
		b.AdaIN()
	}
	return b.Done()
}

// Input is the 4x4 block: the learned constant, then a style layer with ws[0].
func (s StyleGAN2Generator) Input(ctx *context.Context, ws, _ *Node) *Node {
	c := s.FeatureMaps(4)
	x := layers.ConstantInput(ctx, ws.Graph(), ws.Shape().Dimensions[0], c, ws.DType())
	return s.style(ctx.In("conv1"), x, w(ws, 0), c, false)
}

// Block takes x at resolution r/2 to r with ws[2k-5] and ws[2k-4], r = 2^k.
func (s StyleGAN2Generator) Block(ctx *context.Context, x *Node, r int) *Node {
	k, c := log2(r), s.FeatureMaps(r)
	y := s.style(ctx.In("conv0"), x, w(s.ws, 2*k-5), c, true)
	y = s.style(ctx.In("conv1"), y, w(s.ws, 2*k-4), c, false)
	if !s.Residual {
		return y
	}
	skip := layers.ResampledConv2D(ctx.In("skip"), x, c, 1, ops.Up2x)
	return MulScalar(Add(skip, y), residualGain)
}

// ToImage is toRGB at resolution r = 2^k with ws[2k-3].
func (s StyleGAN2Generator) ToImage(ctx *context.Context, x *Node, r int) *Node {
	if s.AdaIN {
		return layers.ToRGB(ctx, x, s.ImageChannels)
	}
	return layers.ToRGBStyled(ctx, x, w(s.ws, 2*log2(r)-3), s.ImageChannels)
}

// StyleGAN2Synthesis runs blocks from 4x4 up to resolution with the intermediate latents ws
// [B, NumWs(resolution), wDim] and returns the images outputs asks for.
func StyleGAN2Synthesis(ctx *context.Context, blocks StyleGAN2Generator, resolution int, outputs Outputs, ws *Node) []*Node {
	blocks.ws = ws
	return Generator(ctx, blocks, resolution, outputs, ws, nil)
}

// StyleGAN2Discriminator is StyleGAN2's discriminator blocks (stylegan2-ada's
// DiscriminatorBlock and epilogue): a 1x1 fromRGB, per resolution a 3x3 conv and a 3x3 conv
// that halves the resolution (the [1,3,3,1] filter before a stride-2 conv) to the next
// resolution's channels, and at 4x4 minibatch stddev, a 3x3 conv, a dense layer and the score.
type StyleGAN2Discriminator struct {
	// FeatureMaps gives the number of feature maps at each resolution.
	FeatureMaps func(resolution int) int
	// Residual makes each block a residual one: its convs beside a 1x1 downsampling conv,
	// summed with gain 1/sqrt(2) (Fig. 7c, "resnet").
	Residual bool
	// Classes, for a class-conditional D (0: unconditional), adds the projection term
	// (ClassScore).
	Classes int
}

// Channels is the number of feature maps at resolution r.
func (d StyleGAN2Discriminator) Channels(r int) int { return d.FeatureMaps(r) }

// FromImage is fromRGB: a 1x1 conv, bias and leaky ReLU to the resolution's channels.
func (d StyleGAN2Discriminator) FromImage(ctx *context.Context, img *Node, r int) *Node {
	return layers.FromRGB(ctx, img, d.FeatureMaps(r))
}

// Block takes x at resolution r > 4 down to r/2.
func (d StyleGAN2Discriminator) Block(ctx *context.Context, x *Node, r int) *Node {
	y := layers.ConvLeakyReLU(ctx.In("conv0"), x, d.FeatureMaps(r), 3)
	y = layers.BiasLeakyReLU(ctx.In("conv1"), layers.ResampledConv2D(ctx.In("conv1"), y, d.FeatureMaps(r/2), 3, ops.Down2x), 1)
	if !d.Residual {
		return y
	}
	skip := layers.ResampledConv2D(ctx.In("skip"), x, d.FeatureMaps(r/2), 1, ops.Down2x)
	return MulScalar(Add(skip, y), residualGain)
}

// Output is the epilogue, 4x4 features to scores [B, 1], with the projection term of the labels
// for a class-conditional D.
func (d StyleGAN2Discriminator) Output(ctx *context.Context, x, labels *Node) *Node {
	c := d.FeatureMaps(4)
	x = layers.MinibatchStdDev(ctx, x)
	x = layers.ConvLeakyReLU(ctx.In("conv"), x, c, 3)
	x = Reshape(x, x.Shape().Dimensions[0], 16*c)
	x = layers.BiasLeakyReLU(ctx.In("fc"), layers.Dense(ctx.In("fc"), x, c, 1), 1)
	return ClassScore(ctx, x, labels, d.Classes)
}

var (
	_ GeneratorBlocks     = StyleGAN2Generator{}
	_ DiscriminatorBlocks = StyleGAN2Discriminator{}
)
