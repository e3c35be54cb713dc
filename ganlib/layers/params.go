// Package layers holds the weighted building blocks of ProGAN, StyleGAN2 and MSG-GAN in GoMLX
// style: plain functions of (ctx, x) that create their weights under ctx's scope (callers use
// ctx.In("name")) and read model-wide hyper-parameters from the context; layers with several
// knobs are builders (ModulatedConv, Style, Mapping: New(...).Option(...).Done()).
//
// All weights use the equalized learning rate of ProGAN/StyleGAN2: stored ~ N(0, 1/lrMul^2)
// and scaled at run time by gain*lrMul/sqrt(fan_in), so every layer learns at the same pace
// under Adam, and a learning-rate multiplier (the mapping network's 0.01) needs no optimizer
// support. Weights take the dtype of the layer's input.
package layers

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Setting keys read from the context by the layers, with their defaults in Settings.
const (
	// ParamMbstdGroupSize is the minibatch-stddev group size (the batch must be a multiple of
	// min(group, batch)).
	ParamMbstdGroupSize = "mbstd_group_size"
	// ParamMbstdNumFeatures is the number of minibatch-stddev feature maps.
	ParamMbstdNumFeatures = "mbstd_num_features"
	// ParamLeakyReLUSlope is the negative slope of every leaky ReLU.
	ParamLeakyReLUSlope = "lrelu_slope"
)

// Defaults of the settings above (ProGAN's and StyleGAN2's).
const (
	DefaultMbstdGroupSize   = 4
	DefaultMbstdNumFeatures = 1
	DefaultLeakyReLUSlope   = 0.2
)

// Settings are the layers' keys.
var Settings = gan.Settings{
	{Key: ParamMbstdGroupSize, Default: DefaultMbstdGroupSize, Help: "minibatch standard deviation group size (ProGAN, StyleGAN2: 4); the batch must be a multiple of it"},
	{Key: ParamMbstdNumFeatures, Default: DefaultMbstdNumFeatures, Help: "minibatch standard deviation feature maps (StyleGAN2: 1)"},
	{Key: ParamLeakyReLUSlope, Default: DefaultLeakyReLUSlope, Help: "negative slope of every leaky ReLU (0.2)"},
}

func leakySlope(ctx *context.Context) float64 {
	return gan.Get[float64](ctx, Settings, ParamLeakyReLUSlope)
}
