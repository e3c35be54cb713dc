package layers

import (
	"math"

	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// equalizedWeight creates (or reuses) the variable "weights" with the given shape, stored
// ~ N(0, (1/lrMul)^2), and returns it scaled by lrMul/sqrt(fanIn).
//
// The He gain sqrt(2) of ProGAN's weights is carried by the activation instead (StyleGAN2's
// convention, see BiasLeakyReLU): the same network up to a reparametrization of the biases.
func equalizedWeight(ctx *context.Context, g *Graph, shape shapes.Shape, fanIn int, lrMul float64) *Node {
	if lrMul <= 0 {
		panic(errors.Errorf("layers: learning-rate multiplier %g in scope %q must be > 0", lrMul, ctx.Scope()))
	}
	v := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1/lrMul)).VariableWithShape("weights", shape)
	return MulScalar(v.ValueGraph(g), lrMul/math.Sqrt(float64(fanIn)))
}

// Dense is an equalized-learning-rate fully connected layer without bias: x [B, in] -> [B, out].
func Dense(ctx *context.Context, x *Node, outDim int, lrMul float64) *Node {
	if x.Rank() != 2 {
		panic(errors.Errorf("layers.Dense in scope %q: want x [batch, features], got %s", ctx.Scope(), x.Shape()))
	}
	inDim := x.Shape().Dimensions[1]
	w := equalizedWeight(ctx, x.Graph(), shapes.Make(x.DType(), inDim, outDim), inDim, lrMul)
	return DotGeneral(x, []int{1}, nil, w, []int{0}, nil)
}

// Conv2D is an equalized-learning-rate stride-1 convolution without bias: x [B, H, W, Cin] ->
// [B, H', W', outChannels] with a kernelSize x kernelSize kernel and the given padding.
func Conv2D(ctx *context.Context, x *Node, outChannels, kernelSize int, padding ops.Padding) *Node {
	if x.Rank() != 4 {
		panic(errors.Errorf("layers.Conv2D in scope %q: want x [B,H,W,C], got %s", ctx.Scope(), x.Shape()))
	}
	cin := x.Shape().Dimensions[3]
	kernel := equalizedWeight(ctx, x.Graph(), shapes.Make(x.DType(), kernelSize, kernelSize, cin, outChannels),
		kernelSize*kernelSize*cin, 1)
	return ops.Conv2D(x, kernel, padding)
}

// ResampledConv2D is an equalized-learning-rate convolution without bias that also resamples
// 2x as StyleGAN2's convolutions do (ops.ResampledConv2D with the [1,3,3,1] filter): same
// padding without resampling, doubled or halved resolution with ops.Up2x or ops.Down2x.
func ResampledConv2D(ctx *context.Context, x *Node, outChannels, kernelSize int, resampling ops.Resampling) *Node {
	if x.Rank() != 4 {
		panic(errors.Errorf("layers.ResampledConv2D in scope %q: want x [B,H,W,C], got %s", ctx.Scope(), x.Shape()))
	}
	cin := x.Shape().Dimensions[3]
	kernel := equalizedWeight(ctx, x.Graph(), shapes.Make(x.DType(), kernelSize, kernelSize, cin, outChannels),
		kernelSize*kernelSize*cin, 1)
	return ops.ResampledConv2D(x, kernel, resampling, ops.BilinearFilter)
}

// Bias adds a learned bias (variable "biases", initialized to init, scaled by lrMul at run time)
// along the last axis.
func Bias(ctx *context.Context, x *Node, init, lrMul float64) *Node {
	channels := x.Shape().Dimensions[x.Rank()-1]
	stored := init / lrMul
	v := ctx.WithInitializer(constantInitializer(stored)).VariableWithShape("biases", shapes.Make(x.DType(), channels))
	bias := MulScalar(v.ValueGraph(x.Graph()), lrMul)
	broadcastDims := make([]int, x.Rank())
	for i := range broadcastDims {
		broadcastDims[i] = 1
	}
	broadcastDims[x.Rank()-1] = channels
	return Add(x, Reshape(bias, broadcastDims...))
}

// BiasLeakyReLU adds a bias and applies the leaky ReLU with StyleGAN2's gain sqrt(2).
func BiasLeakyReLU(ctx *context.Context, x *Node, lrMul float64) *Node {
	return ops.LeakyReLU(Bias(ctx, x, 0, lrMul), leakySlope(ctx), ops.LeakyReLUGain)
}

// constantInitializer fills a variable with one value.
func constantInitializer(value float64) initializers.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		return BroadcastToDims(Scalar(g, shape.DType, value), shape.Dimensions...)
	}
}
