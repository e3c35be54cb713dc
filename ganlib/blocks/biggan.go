package blocks

import (
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// BigGAN is BigGAN's networks (Brock et al. 2019; BigGAN-PyTorch's arch at 32x32 generalized to
// any power of two >= 8), every weight spectrally normalized:
//
//   - G: z split into one chunk per block plus one for the input (hierarchical latents); the
//     first chunk through a linear layer to 4x4 features; per resolution a residual up-block
//     (conditional batch norm, ReLU, 2x nearest upsampling, 3x3 conv, conditional batch norm,
//     ReLU, 3x3 conv, beside a 1x1 conv of the upsampled input) whose batch norms' gains and
//     biases are linear projections of the shared class embedding concatenated with the block's
//     chunk; optional self-attention after one resolution's block; batch norm, ReLU, a 3x3 conv
//     to the image and tanh.
//   - D: residual down-blocks (ReLU first except in the first block, 3x3 conv, ReLU, 3x3 conv,
//     2x average pooling, beside a 1x1 conv) down to 8x8, then two blocks at 8x8 that keep the
//     resolution; ReLU, sum over the pixels, and the projection head: a linear score plus the
//     inner product of a class embedding with the pooled features.
type BigGAN struct {
	// Channels is the feature maps of every block (BigGAN-PyTorch at 32x32: 4 ch at every
	// resolution, 256 for ch = 64).
	Channels int
	// ImageChannels is 1 (grey) or 3 (RGB).
	ImageChannels int
	// Classes is the number of classes, 0 for an unconditional model (no embedding, no
	// projection; the batch norms are conditioned on the latent chunks alone).
	Classes int
	// EmbedDim is the size of G's shared class embedding (BigGAN: 128).
	EmbedDim int
	// Hierarchical splits z over the blocks; without it all of z enters the linear layer and the
	// batch norms see the class embedding only.
	Hierarchical bool
	// Attention is the resolution after whose G block, and before whose D block, self-attention
	// runs (0: none).
	Attention int
	// Stats are the batch-norm statistics outside training.
	Stats layers.BatchNormStats
}

// BigGANUpBlocks is the number of G's up-blocks at resolution (4x4 to resolution): z is cut into
// BigGANUpBlocks+1 chunks with hierarchical latents.
func BigGANUpBlocks(resolution int) int { return log2(resolution) - 2 }

// Generate maps z [B, zDim] (and labels [B], nil when unconditional) to images [B, resolution,
// resolution, ImageChannels] in [-1, 1].
func (n BigGAN) Generate(ctx *context.Context, resolution int, z, labels *Node) *Node {
	numBlocks := BigGANUpBlocks(resolution)
	batch, zDim := z.Shape().Dimensions[0], z.Shape().Dimensions[1]
	chunks := []*Node{z}
	if n.Hierarchical {
		if zDim%(numBlocks+1) != 0 {
			panic(errors.Errorf("blocks.BigGAN: hierarchical latents of size %d do not split into %d equal chunks", zDim, numBlocks+1))
		}
		chunks = Split(z, 1, numBlocks+1)
	}
	var shared *Node
	if n.Classes > 0 {
		shared = layers.Embedding(ctx.In("shared"), labels, n.Classes, n.EmbedDim, z.DType())
	}
	cond := func(i int) *Node {
		parts := []*Node{}
		if shared != nil {
			parts = append(parts, shared)
		}
		if n.Hierarchical {
			parts = append(parts, chunks[i+1])
		}
		if len(parts) == 0 {
			return nil
		}
		return Concatenate(parts, 1)
	}
	// Every G layer but the last feeds a batch norm, which cancels a bias (its gradient is 0 in
	// exact arithmetic, rounding noise that Adam would blow up to steps of the learning rate):
	// they have none (BigGAN-PyTorch's have one).
	x := layers.SNDense(ctx.In("linear"), chunks[0], 16*n.Channels, false)
	x = Reshape(x, batch, 4, 4, n.Channels)
	for i, r := 0, 8; r <= resolution; i, r = i+1, r*2 {
		x = n.upBlock(ctx.Inf("block%d", r), x, cond(i))
		if r == n.Attention {
			x = layers.SelfAttention(ctx.Inf("attention%d", r), x)
		}
	}
	x = ops.ReLU(layers.BatchNorm(ctx.In("output_bn"), x, nil, n.Stats))
	return Tanh(layers.SNConv2D(ctx.In("to_rgb"), x, n.ImageChannels, 3, true))
}

// upBlock is G's residual block from r/2 to r.
func (n BigGAN) upBlock(ctx *context.Context, x, cond *Node) *Node {
	h := ops.ReLU(layers.BatchNorm(ctx.In("bn0"), x, cond, n.Stats))
	h = layers.SNConv2D(ctx.In("conv0"), ops.UpsampleNearest2x(h), n.Channels, 3, false)
	h = ops.ReLU(layers.BatchNorm(ctx.In("bn1"), h, cond, n.Stats))
	h = layers.SNConv2D(ctx.In("conv1"), h, n.Channels, 3, false)
	return Add(h, layers.SNConv2D(ctx.In("shortcut"), ops.UpsampleNearest2x(x), n.Channels, 1, false))
}

// Discriminate scores images [B, r, r, C] (labels [B], nil when unconditional) with [B, 1].
func (n BigGAN) Discriminate(ctx *context.Context, images, labels *Node) *Node {
	x := images
	first := true
	for r := images.Shape().Dimensions[1]; r > 8; r /= 2 {
		if r == n.Attention {
			x = layers.SelfAttention(ctx.Inf("attention%d", r), x)
		}
		x = n.downBlock(ctx.Inf("block%d", r), x, first, true)
		first = false
	}
	for i := range 2 {
		x = n.downBlock(ctx.Inf("block8_%d", i), x, first, false)
		first = false
	}
	h := ReduceSum(ops.ReLU(x), 1, 2) // [B, C]
	if n.Classes == 0 {
		labels = nil
	}
	return layers.ProjectionHead(ctx, h, labels, n.Classes)
}

// downBlock is D's residual block, halving the resolution when down is set; the first block
// reads the image, so it starts without ReLU and pools before its shortcut conv.
func (n BigGAN) downBlock(ctx *context.Context, x *Node, first, down bool) *Node {
	h := x
	if !first {
		h = ops.ReLU(h)
	}
	h = layers.SNConv2D(ctx.In("conv0"), h, n.Channels, 3, true)
	h = layers.SNConv2D(ctx.In("conv1"), ops.ReLU(h), n.Channels, 3, true)
	shortcut := x
	if down {
		h = ops.AvgPool2x(h)
	}
	learned := down || x.Shape().Dimensions[3] != n.Channels
	switch {
	case !learned:
	case first:
		if down {
			shortcut = ops.AvgPool2x(shortcut)
		}
		shortcut = layers.SNConv2D(ctx.In("shortcut"), shortcut, n.Channels, 1, true)
	default:
		shortcut = layers.SNConv2D(ctx.In("shortcut"), shortcut, n.Channels, 1, true)
		if down {
			shortcut = ops.AvgPool2x(shortcut)
		}
	}
	return Add(h, shortcut)
}
