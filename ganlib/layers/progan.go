package layers

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ConvLeakyReLU is an equalized same-padded conv, bias and leaky ReLU (gain sqrt(2)).
func ConvLeakyReLU(ctx *context.Context, x *Node, outChannels, kernelSize int) *Node {
	return BiasLeakyReLU(ctx, Conv2D(ctx, x, outChannels, kernelSize, ops.SamePadding(kernelSize)), 1)
}

// ToRGB is ProGAN's/MSG-GAN's output layer r_i: a linear 1x1 equalized conv with bias to image
// channels.
func ToRGB(ctx *context.Context, x *Node, channels int) *Node {
	return Bias(ctx, Conv2D(ctx, x, channels, 1, ops.Padding{}), 0, 1)
}

// FromRGB is the discriminator's input layer: a 1x1 equalized conv, bias and leaky ReLU.
func FromRGB(ctx *context.Context, x *Node, channels int) *Node {
	return ConvLeakyReLU(ctx, x, channels, 1)
}

// MinibatchStdDev appends the minibatch standard-deviation features, with group size and number
// of features from the context (ParamMbstdGroupSize, ParamMbstdNumFeatures).
func MinibatchStdDev(ctx *context.Context, x *Node) *Node {
	group := gan.Get[int](ctx, Settings, ParamMbstdGroupSize)
	features := gan.Get[int](ctx, Settings, ParamMbstdNumFeatures)
	return ops.MinibatchStdDev(x, group, features)
}
