package layers

import (
	"github.com/ganlab/gogan/ganlib/ops"
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

// ModulatedConv2D is StyleGAN2's style block convolution: styles from w, the modulated (and, if
// demodulate, demodulated) kernelSize x kernelSize same-padded convolution of x [B, H, W, Cin] to
// outChannels, optionally preceded by the [1,3,3,1] FIR 2x upsampling. Bias, noise and activation
// stay outside (see StyleLayer), as in the paper's revised block.
func ModulatedConv2D(ctx *context.Context, x, w *Node, outChannels, kernelSize int, demodulate, upsample bool) *Node {
	if x.Rank() != 4 || w.Rank() != 2 || w.Shape().Dimensions[0] != x.Shape().Dimensions[0] {
		panic(errors.Errorf("layers.ModulatedConv2D in scope %q: want x [B,H,W,C] and w [B,wDim], got %s and %s",
			ctx.Scope(), x.Shape(), w.Shape()))
	}
	cin := x.Shape().Dimensions[3]
	styles := Styles(ctx, w, cin)
	kernel := equalizedWeight(ctx, x.Graph(), shapes.Make(x.DType(), kernelSize, kernelSize, cin, outChannels),
		kernelSize*kernelSize*cin, 1)
	if upsample {
		x = ops.UpsampleFIR2x(x, ops.BilinearFilter)
	}
	return ops.ModulatedConv2D(x, kernel, styles, demodulate, ops.SamePadding(kernelSize))
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

// StyleLayer is one StyleGAN2 synthesis layer: modulated 3x3 conv (optionally upsampling),
// noise, bias and leaky ReLU with gain sqrt(2).
func StyleLayer(ctx *context.Context, x, w, noise *Node, outChannels int, upsample bool) *Node {
	y := ModulatedConv2D(ctx, x, w, outChannels, 3, true, upsample)
	y = Noise(ctx, y, noise)
	return BiasLeakyReLU(ctx, y, 1)
}

// ToRGBStyled is StyleGAN2's toRGB: a modulated 1x1 conv without demodulation, plus bias.
func ToRGBStyled(ctx *context.Context, x, w *Node, channels int) *Node {
	return Bias(ctx, ModulatedConv2D(ctx, x, w, channels, 1, false, false), 0, 1)
}

// MappingNetwork maps latents z [B, zDim] to w [B, wDim]: PixelNorm of z, then numLayers
// equalized dense layers with leaky ReLU, all with learning-rate multiplier lrMul (StyleGAN2:
// 8 layers, 0.01). Layers are scoped "mapping/fc<i>".
func MappingNetwork(ctx *context.Context, z *Node, numLayers, wDim int, lrMul float64) *Node {
	ctx = ctx.In("mapping")
	x := ops.PixelNorm(z)
	for i := range numLayers {
		layerCtx := ctx.Inf("fc%d", i)
		x = BiasLeakyReLU(layerCtx, Dense(layerCtx, x, wDim, lrMul), lrMul)
	}
	return x
}
