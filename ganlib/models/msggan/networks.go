package msggan

import (
	"slices"

	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Generator maps latents z [B, LatentDim] to images at every resolution, 4x4 first:
// outputs[i] is [B, 4*2^i, 4*2^i, ImageChannels] (the paper's o_i = r^i(a_i)). Weights are
// scoped under ctx as "block<res>" and "to_rgb<res>".
func Generator(ctx *context.Context, cfg Config, z *Node) []*Node {
	b := z.Shape().Dimensions[0]
	x := ops.PixelNorm(z) // latents normalized onto the hypersphere
	// 4x4 block: "conv 4x4" from the 1x1 latent, i.e. a dense layer to 4*4*C, then a 3x3 conv.
	c := cfg.Channels(4)
	blockCtx := ctx.In("block4")
	x = layers.Dense(blockCtx.In("dense"), x, 16*c, 1)
	x = ops.PixelNorm(layers.BiasLeakyReLU(blockCtx.In("dense"), Reshape(x, b, 4, 4, c), 1))
	x = ops.PixelNorm(layers.ConvLeakyReLU(blockCtx.In("conv"), x, c, 3))
	outputs := []*Node{layers.ToRGB(ctx.Inf("to_rgb%d", 4), x, cfg.ImageChannels)}
	for r := 8; r <= cfg.Resolution; r *= 2 {
		blockCtx := ctx.Inf("block%d", r)
		x = ops.UpsampleNearest2x(x)
		x = ops.PixelNorm(layers.ConvLeakyReLU(blockCtx.In("conv0"), x, cfg.Channels(r), 3))
		x = ops.PixelNorm(layers.ConvLeakyReLU(blockCtx.In("conv1"), x, cfg.Channels(r), 3))
		outputs = append(outputs, layers.ToRGB(ctx.Inf("to_rgb%d", r), x, cfg.ImageChannels))
	}
	return outputs
}

// Discriminator scores a multi-scale batch: images[i] is [B, 4*2^i, 4*2^i, ImageChannels], as
// Generator returns (or an average-pooled pyramid of real images). Images at resolutions not in
// cfg.Connections are ignored. Returns scores [B, 1].
func Discriminator(ctx *context.Context, cfg Config, images []*Node) *Node {
	byResolution := make(map[int]*Node, len(images))
	for _, img := range images {
		byResolution[img.Shape().Dimensions[1]] = img
	}
	full, ok := byResolution[cfg.Resolution]
	if !ok {
		panic(errors.Errorf("msggan.Discriminator: no image at the final resolution %d among the inputs", cfg.Resolution))
	}
	x := layers.FromRGB(ctx.Inf("from_rgb%d", cfg.Resolution), full, cfg.Channels(cfg.Resolution))
	for r := cfg.Resolution; r >= 4; r /= 2 {
		blockCtx := ctx.Inf("block%d", r)
		if r < cfg.Resolution && slices.Contains(cfg.Connections, r) {
			img, ok := byResolution[r]
			if !ok {
				panic(errors.Errorf("msggan.Discriminator: resolution %d is connected but no %dx%d image was given", r, r, r))
			}
			x = combine(blockCtx.In("phi"), cfg, img, x, cfg.Channels(r))
		}
		x = layers.MinibatchStdDev(ctx, x)
		if r > 4 {
			x = layers.ConvLeakyReLU(blockCtx.In("conv0"), x, cfg.Channels(r), 3)
			x = layers.ConvLeakyReLU(blockCtx.In("conv1"), x, cfg.Channels(r/2), 3)
			x = ops.AvgPool2x(x)
			continue
		}
		// Final 4x4 block: 3x3 conv, 4x4 valid conv to 1x1, linear layer to the score.
		x = layers.ConvLeakyReLU(blockCtx.In("conv0"), x, cfg.Channels(4), 3)
		x = layers.BiasLeakyReLU(blockCtx.In("conv1"), layers.Conv2D(blockCtx.In("conv1"), x, cfg.Channels(4), 4, ops.Padding{}), 1)
		x = Reshape(x, x.Shape().Dimensions[0], cfg.Channels(4))
		x = layers.Bias(blockCtx.In("score"), layers.Dense(blockCtx.In("score"), x, 1, 1), 0, 1)
	}
	return x
}

// combine is phi(image, activations) for one discriminator block with the given channels.
func combine(ctx *context.Context, cfg Config, img, x *Node, channels int) *Node {
	switch cfg.Phi {
	case PhiLinCat:
		img = layers.Bias(ctx, layers.Conv2D(ctx, img, channels/2, 1, ops.Padding{}), 0, 1)
		return Concatenate([]*Node{img, x}, 3)
	case PhiCatLin:
		joined := Concatenate([]*Node{img, x}, 3)
		return layers.Bias(ctx, layers.Conv2D(ctx, joined, channels, 1, ops.Padding{}), 0, 1)
	default:
		return Concatenate([]*Node{img, x}, 3)
	}
}
