package layers

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// Styles is StyleGAN2's affine transform A: w [B, wDim] -> styles [B, channels], an equalized
// dense layer whose bias starts at 1 so that modulation starts as the identity (scope "affine").
func Styles(ctx *context.Context, w *Node, channels int) *Node {
	ctx = ctx.In("affine")
	return Bias(ctx, Dense(ctx, w, channels, 1), 1, 1)
}

// ModulatedConvBuilder configures StyleGAN2's style block convolution; make one with
// ModulatedConv and finish it with Done.
type ModulatedConvBuilder struct {
	ctx                  *context.Context
	x, w                 *Node
	outChannels, kernel  int
	demodulate, upsample bool
}

// ModulatedConv starts StyleGAN2's modulated convolution of x [B, H, W, Cin] to outChannels,
// with styles from w [B, wDim] (paper Sec. 2.2): by default 3x3, demodulated, no upsampling.
// Bias, noise and activation stay outside (see Style), as in the paper's revised block.
//
//	layers.ModulatedConv(ctx, x, w, 512).Upsample().Done()                    // a 2x up layer
//	layers.ModulatedConv(ctx, x, w, 3).KernelSize(1).Demodulate(false).Done() // toRGB
func ModulatedConv(ctx *context.Context, x, w *Node, outChannels int) *ModulatedConvBuilder {
	return &ModulatedConvBuilder{ctx: ctx, x: x, w: w, outChannels: outChannels, kernel: 3, demodulate: true}
}

// KernelSize sets the kernel's side (default 3).
func (b *ModulatedConvBuilder) KernelSize(k int) *ModulatedConvBuilder { b.kernel = k; return b }

// Demodulate turns weight demodulation (paper Eq. 3) on or off (default on; toRGB has it off).
func (b *ModulatedConvBuilder) Demodulate(on bool) *ModulatedConvBuilder { b.demodulate = on; return b }

// Upsample precedes the convolution with the [1,3,3,1] FIR 2x upsampling.
func (b *ModulatedConvBuilder) Upsample() *ModulatedConvBuilder { b.upsample = true; return b }

// Done builds the convolution: [B, H', W', outChannels] (H' = 2H when upsampling).
func (b *ModulatedConvBuilder) Done() *Node {
	x, w := b.x, b.w
	if x.Rank() != 4 || w.Rank() != 2 || w.Shape().Dimensions[0] != x.Shape().Dimensions[0] {
		panic(errors.Errorf("layers.ModulatedConv in scope %q: want x [B,H,W,C] and w [B,wDim], got %s and %s",
			b.ctx.Scope(), x.Shape(), w.Shape()))
	}
	cin := x.Shape().Dimensions[3]
	styles := Styles(b.ctx, w, cin)
	kernel := equalizedWeight(b.ctx, x.Graph(), shapes.Make(x.DType(), b.kernel, b.kernel, cin, b.outChannels),
		b.kernel*b.kernel*cin, 1)
	resampling := ops.NoResampling
	if b.upsample {
		resampling = ops.Up2x
	}
	return ops.ModulatedConv2D(x, kernel, styles, b.demodulate, resampling)
}

// Noise adds per-pixel noise [B, H, W, 1] scaled by a learned per-layer strength (variable
// "noise_strength", initialized to 0). noise may be nil, in which case it is drawn from the
// context's random generator; pass fixed noise for reproducible images and tests.
func Noise(ctx *context.Context, x, noise *Node) *Node {
	b, h, w := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	if noise == nil {
		noise = ctx.RandomNormal(x.Graph(), shapes.Make(x.DType(), b, h, w, 1))
	}
	strength := ctx.WithInitializer(initializers.Zero).VariableWithShape("noise_strength", shapes.Make(x.DType()))
	return Add(x, Mul(noise, strength.ValueGraph(x.Graph())))
}

// StyleBuilder configures one StyleGAN2 synthesis layer; make one with Style and finish it with
// Done.
type StyleBuilder struct {
	conv      *ModulatedConvBuilder
	noise     *Node
	noiseMode NoiseMode
	adain     bool
}

// Style starts a StyleGAN2 synthesis layer of x to outChannels with styles from w: a modulated
// 3x3 conv, noise, bias and leaky ReLU with gain sqrt(2).
//
//	layers.Style(ctx, x, w, 512).Upsample().Done()
func Style(ctx *context.Context, x, w *Node, outChannels int) *StyleBuilder {
	return &StyleBuilder{conv: ModulatedConv(ctx, x, w, outChannels)}
}

// Upsample makes the layer double the resolution first.
func (b *StyleBuilder) Upsample() *StyleBuilder { b.conv.Upsample(); return b }

// Noise fixes the noise [B, H, W, 1] (default: drawn at every run, see Noise).
func (b *StyleBuilder) Noise(noise *Node) *StyleBuilder { b.noise = noise; return b }

// NoiseMode sets where the layer's noise comes from (default NoiseRandom; Noise's fixed noise
// wins).
func (b *StyleBuilder) NoiseMode(mode NoiseMode) *StyleBuilder { b.noiseMode = mode; return b }

// AdaIN makes the layer StyleGAN1's instead: a plain (unmodulated) conv, noise, bias and leaky
// ReLU, then adaptive instance normalization, x_norm * s + b with s and b affine in w (s
// starting at 1, b at 0): the baseline the StyleGAN2 paper's weight demodulation replaces
// (Sec. 2.2, config A).
func (b *StyleBuilder) AdaIN() *StyleBuilder { b.adain = true; return b }

// Done builds the layer.
func (b *StyleBuilder) Done() *Node {
	c := b.conv
	var y *Node
	if b.adain {
		resampling := ops.NoResampling
		if c.upsample {
			resampling = ops.Up2x
		}
		y = ResampledConv2D(c.ctx, c.x, c.outChannels, c.kernel, resampling)
	} else {
		y = c.Done()
	}
	switch {
	case b.noise != nil:
		y = Noise(c.ctx, y, b.noise)
	case b.noiseMode == NoiseConst:
		y = Noise(c.ctx, y, ConstNoise(c.ctx, y))
	case b.noiseMode != NoiseNone:
		y = Noise(c.ctx, y, nil)
	}
	y = BiasLeakyReLU(c.ctx, y, 1)
	if b.adain {
		scale := Styles(c.ctx, c.w, c.outChannels)
		shift := Bias(c.ctx.In("affine_shift"), Dense(c.ctx.In("affine_shift"), c.w, c.outChannels, 1), 0, 1)
		batch := y.Shape().Dimensions[0]
		y = Add(Mul(ops.InstanceNorm(y), Reshape(scale, batch, 1, 1, c.outChannels)), Reshape(shift, batch, 1, 1, c.outChannels))
	}
	return y
}

// NoiseMode is where a synthesis layer's noise comes from.
type NoiseMode string

const (
	// NoiseRandom draws fresh noise at every run (training).
	NoiseRandom NoiseMode = "random"
	// NoiseConst uses one fixed noise image per layer (ConstNoise): the same picture for the same
	// latent at every snapshot, as stylegan2-ada samples.
	NoiseConst NoiseMode = "const"
	// NoiseNone adds no noise.
	NoiseNone NoiseMode = "none"
)

// NoiseModes are the modes, for settings' help and validation.
var NoiseModes = []NoiseMode{NoiseRandom, NoiseConst, NoiseNone}

// ConstNoise is the layer's fixed noise, [B, H, W, 1] broadcast from a non-trainable variable
// (gan.NoiseMapsName) [1, H, W, 1] drawn once from N(0, 1).
func ConstNoise(ctx *context.Context, x *Node) *Node {
	b, h, w := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	v := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1)).VariableWithShape(gan.NoiseMapsName, shapes.Make(x.DType(), 1, h, w, 1)).SetTrainable(false)
	return BroadcastToDims(v.ValueGraph(x.Graph()), b, h, w, 1)
}

// ConstantInput is the synthesis network's learned 4x4 input [B, 4, 4, channels] (variable
// "const", drawn from N(0, 1)), the same for every sample.
func ConstantInput(ctx *context.Context, g *Graph, batch, channels int, dtype dtypes.DType) *Node {
	v := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1)).VariableWithShape("const", shapes.Make(dtype, 1, 4, 4, channels))
	return BroadcastToDims(v.ValueGraph(g), batch, 4, 4, channels)
}

// ToRGBStyled is StyleGAN2's toRGB: a modulated 1x1 conv without demodulation, plus bias.
func ToRGBStyled(ctx *context.Context, x, w *Node, channels int) *Node {
	return Bias(ctx, ModulatedConv(ctx, x, w, channels).KernelSize(1).Demodulate(false).Done(), 0, 1)
}

// MappingBuilder configures StyleGAN2's mapping network; make one with Mapping and finish it
// with Done.
type MappingBuilder struct {
	ctx             *context.Context
	z               *Node
	numLayers, wDim int
	lrMul           float64
	condition       *Node
}

// Mapping starts the mapping network from latents z [B, zDim] to w [B, wDim]: PixelNorm of z,
// then dense layers with leaky ReLU, all with a learning-rate multiplier; by default
// StyleGAN2's 8 layers, w of z's size, multiplier 0.01. Layers are scoped "mapping/fc<i>".
//
//	layers.Mapping(ctx, z).Layers(2).WDim(64).Done()
func Mapping(ctx *context.Context, z *Node) *MappingBuilder {
	return &MappingBuilder{ctx: ctx, z: z, numLayers: 8, wDim: z.Shape().Dimensions[z.Rank()-1], lrMul: 0.01}
}

// Layers sets the number of dense layers.
func (b *MappingBuilder) Layers(n int) *MappingBuilder { b.numLayers = n; return b }

// WDim sets the size of w.
func (b *MappingBuilder) WDim(d int) *MappingBuilder { b.wDim = d; return b }

// Condition makes the network class-conditional: its input is the normalized z concatenated with
// the normalized embedding [B, E] of the class (stylegan2-ada's mapping network).
func (b *MappingBuilder) Condition(embedding *Node) *MappingBuilder {
	b.condition = embedding
	return b
}

// LRMul sets the learning-rate multiplier of every layer.
func (b *MappingBuilder) LRMul(m float64) *MappingBuilder { b.lrMul = m; return b }

// Done builds the network.
func (b *MappingBuilder) Done() *Node {
	ctx := b.ctx.In("mapping")
	x := ops.PixelNorm(b.z)
	if b.condition != nil {
		x = Concatenate([]*Node{x, ops.PixelNorm(b.condition)}, 1)
	}
	for i := range b.numLayers {
		layerCtx := ctx.Inf("fc%d", i)
		x = BiasLeakyReLU(layerCtx, Dense(layerCtx, x, b.wDim, b.lrMul), b.lrMul)
	}
	return x
}
