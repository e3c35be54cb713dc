package blocks

import (
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ProGANGenerator is ProGAN's generator blocks (Karras et al. 2018, Table 2): latents
// normalized onto the hypersphere, a 4x4 block from a dense layer, then per resolution a 2x
// nearest upsampling and two 3x3 convolutions, each followed by leaky ReLU and pixel norm; linear
// 1x1 toRGB layers. All weights have the equalized learning rate.
type ProGANGenerator struct {
	// FeatureMaps gives the number of feature maps at each resolution.
	FeatureMaps func(resolution int) int
	// ImageChannels is 1 (grey) or 3 (RGB).
	ImageChannels int
	// Classes, for a class-conditional G (0: unconditional), adds an embedding of the labels
	// to the latent input.
	Classes int
}

// Input is the 4x4 block: "conv 4x4" from the 1x1 latent, that is a dense layer to 4*4*C, then
// a 3x3 conv. A class-conditional G's input is the normalized latent concatenated with the
// normalized embedding of the label (ProGAN's conditional variant fed one-hot labels beside z;
// as stylegan2-ada's mapping, a learned embedding of z's size).
func (p ProGANGenerator) Input(ctx *context.Context, z, labels *Node) *Node {
	b, c := z.Shape().Dimensions[0], p.FeatureMaps(4)
	x := ops.PixelNorm(z)
	if p.Classes > 0 {
		embedding := layers.ClassEmbedding(ctx.In("embed"), labels, p.Classes, z.Shape().Dimensions[1], z.DType())
		x = Concatenate([]*Node{x, ops.PixelNorm(embedding)}, 1)
	}
	x = layers.Dense(ctx.In("dense"), x, 16*c, 1)
	x = ops.PixelNorm(layers.BiasLeakyReLU(ctx.In("dense"), Reshape(x, b, 4, 4, c), 1))
	return ops.PixelNorm(layers.ConvLeakyReLU(ctx.In("conv"), x, c, 3))
}

// Block upsamples x to resolution r and applies two 3x3 conv + leaky ReLU + pixel norm.
func (p ProGANGenerator) Block(ctx *context.Context, x *Node, r int) *Node {
	x = ops.UpsampleNearest2x(x)
	x = ops.PixelNorm(layers.ConvLeakyReLU(ctx.In("conv0"), x, p.FeatureMaps(r), 3))
	return ops.PixelNorm(layers.ConvLeakyReLU(ctx.In("conv1"), x, p.FeatureMaps(r), 3))
}

// ToImage is toRGB, MSG-GAN's r_i: a linear 1x1 conv with bias to the image channels.
func (p ProGANGenerator) ToImage(ctx *context.Context, x *Node, _ int) *Node {
	return layers.ToRGB(ctx, x, p.ImageChannels)
}

// ProGANDiscriminator is ProGAN's discriminator blocks: a 1x1 fromRGB, per resolution two 3x3
// convolutions (the second to the next resolution's channels) and 2x average pooling, and a last
// 4x4 block (3x3 conv, 4x4 valid conv, linear score), with minibatch standard deviation at the
// start of the last block, or of every block (MSG-GAN, Table 7).
type ProGANDiscriminator struct {
	// FeatureMaps gives the number of feature maps at each resolution.
	FeatureMaps func(resolution int) int
	// MbstdEveryBlock puts minibatch stddev at the start of every block (MSG-GAN) instead of the
	// last only (ProGAN).
	MbstdEveryBlock bool
	// Classes, for a class-conditional D (0: unconditional), adds the projection term to the
	// score (ClassScore).
	Classes int
}

// Channels is the number of feature maps at resolution r.
func (p ProGANDiscriminator) Channels(r int) int { return p.FeatureMaps(r) }

// FromImage is fromRGB: a 1x1 conv, bias and leaky ReLU to the resolution's channels.
func (p ProGANDiscriminator) FromImage(ctx *context.Context, img *Node, r int) *Node {
	return layers.FromRGB(ctx, img, p.FeatureMaps(r))
}

// Block takes x at resolution r > 4 down to r/2.
func (p ProGANDiscriminator) Block(ctx *context.Context, x *Node, r int) *Node {
	if p.MbstdEveryBlock {
		x = layers.MinibatchStdDev(ctx, x)
	}
	x = layers.ConvLeakyReLU(ctx.In("conv0"), x, p.FeatureMaps(r), 3)
	x = layers.ConvLeakyReLU(ctx.In("conv1"), x, p.FeatureMaps(r/2), 3)
	return ops.AvgPool2x(x)
}

// Output is the last block, 4x4 features to scores [B, 1], with the projection term of the
// labels for a class-conditional D.
func (p ProGANDiscriminator) Output(ctx *context.Context, x, labels *Node) *Node {
	c := p.FeatureMaps(4)
	x = layers.MinibatchStdDev(ctx, x)
	x = layers.ConvLeakyReLU(ctx.In("conv0"), x, c, 3)
	x = layers.BiasLeakyReLU(ctx.In("conv1"), layers.Conv2D(ctx.In("conv1"), x, c, 4, ops.Padding{}), 1)
	x = Reshape(x, x.Shape().Dimensions[0], c)
	return ClassScore(ctx, x, labels, p.Classes)
}

// ClassScore is the score of the final features x [B, F] of the equalized-weight
// discriminators: a linear score, plus for a class-conditional one (classes > 0) the
// projection term, x's inner product with an embedding of each sample's class (Miyato & Koyama
// 2018; stylegan2-ada's conditional D is this projection through a low-rank embedding, without
// the unconditional term).
func ClassScore(ctx *context.Context, x, labels *Node, classes int) *Node {
	score := layers.Bias(ctx.In("score"), layers.Dense(ctx.In("score"), x, 1, 1), 0, 1)
	if classes == 0 {
		return score
	}
	embedding := layers.ClassEmbedding(ctx.In("embed"), labels, classes, x.Shape().Dimensions[1], x.DType())
	return Add(score, ops.ProjectionScore(embedding, x))
}

var (
	_ GeneratorBlocks     = ProGANGenerator{}
	_ DiscriminatorBlocks = ProGANDiscriminator{}
)
