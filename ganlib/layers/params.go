// Package layers holds the weighted building blocks of ProGAN, StyleGAN2 and MSG-GAN in GoMLX
// style: plain functions of (ctx, x) that create their weights under ctx's scope (callers use
// ctx.In("name")) and read model-wide hyper-parameters from the context.
//
// All weights use the equalized learning rate of ProGAN/StyleGAN2: stored ~ N(0, 1/lrMul^2)
// and scaled at run time by gain*lrMul/sqrt(fan_in), so every layer learns at the same pace
// under Adam, and a learning-rate multiplier (the mapping network's 0.01) needs no optimizer
// support. Weights take the dtype of the layer's input.
package layers

import (
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Hyper-parameter keys read from the context, with their defaults below: one documented place.
// Override with ctx.SetParam (or --set / %% --set=... through the training command and notebooks).
const (
	// ParamMbstdGroupSize is the minibatch-stddev group size (StyleGAN2: 4; the batch must be a
	// multiple of min(group, batch)).
	ParamMbstdGroupSize = "mbstd_group_size"
	// ParamMbstdNumFeatures is the number of minibatch-stddev feature maps (StyleGAN2: 1).
	ParamMbstdNumFeatures = "mbstd_num_features"
	// ParamLeakyReLUSlope is the negative slope of every leaky ReLU (0.2).
	ParamLeakyReLUSlope = "lrelu_slope"
)

// Defaults of the parameters above.
const (
	DefaultMbstdGroupSize   = 4
	DefaultMbstdNumFeatures = 1
	DefaultLeakyReLUSlope   = 0.2
)

func leakySlope(ctx *context.Context) float64 {
	return context.GetParamOr(ctx, ParamLeakyReLUSlope, DefaultLeakyReLUSlope)
}
