package layers

import (
	"fmt"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// BigGAN's layers (Brock et al. 2019, with BigGAN-PyTorch's choices): plain weights, not the
// equalized learning rate, initialized Xavier-uniform (one of BigGAN-PyTorch's G_init/D_init
// options; with spectral normalization the scale of the initialization is normalized away),
// every weight divided by its spectral norm.

// SpectralWeight creates (or reuses) the variable name of the given shape and returns it divided
// by its largest singular value (spectral normalization, Miyato et al. 2018), estimated by one
// power iteration (ops.PowerIteration) from the persistent estimate "<name>_sn_u", a variable
// that is state, not trained. Training graphs save the iterated estimate; other graphs (sampling)
// iterate from it without saving, as BigGAN-PyTorch does in eval mode. A graph that uses the
// layer several times (D on reals and on fakes) iterates once.
func SpectralWeight(ctx *context.Context, g *Graph, name string, shape shapes.Shape) *Node {
	key := fmt.Sprintf("spectral_weight:%s/%s", ctx.Scope(), name)
	if cached, found := ctx.GetGraphParam(g, key); found {
		return cached.(*Node)
	}
	w := ctx.WithInitializer(initializers.XavierUniformFn(ctx)).VariableWithShape(name, shape).ValueGraph(g)
	out := shape.Dimensions[shape.Rank()-1]
	u := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1)).VariableWithShape(name+"_sn_u", shapes.Make(shape.DType, out)).SetTrainable(false)
	sigma, next := ops.PowerIteration(w, u.ValueGraph(g))
	if ctx.IsTraining(g) {
		u.SetValueGraph(next)
	}
	normalized := Div(w, sigma)
	ctx.SetGraphParam(g, key, normalized)
	return normalized
}

// SNDense is a spectrally normalized fully connected layer: x [B, in] -> [B, out], with a bias
// (initialized 0) when bias is set.
func SNDense(ctx *context.Context, x *Node, out int, bias bool) *Node {
	if x.Rank() != 2 {
		panic(errors.Errorf("layers.SNDense in scope %q: want x [batch, features], got %s", ctx.Scope(), x.Shape()))
	}
	w := SpectralWeight(ctx, x.Graph(), "weights", shapes.Make(x.DType(), x.Shape().Dimensions[1], out))
	y := DotGeneral(x, []int{1}, nil, w, []int{0}, nil)
	if bias {
		y = Bias(ctx, y, 0, 1)
	}
	return y
}

// SNConv2D is a spectrally normalized stride-1 convolution with same padding and a bias (when
// bias is set): x [B, H, W, Cin] -> [B, H, W, out].
func SNConv2D(ctx *context.Context, x *Node, out, kernelSize int, bias bool) *Node {
	if x.Rank() != 4 {
		panic(errors.Errorf("layers.SNConv2D in scope %q: want x [B,H,W,C], got %s", ctx.Scope(), x.Shape()))
	}
	kernel := SpectralWeight(ctx, x.Graph(), "weights", shapes.Make(x.DType(), kernelSize, kernelSize, x.Shape().Dimensions[3], out))
	y := ops.Conv2D(x, kernel, ops.SamePadding(kernelSize))
	if bias {
		y = Bias(ctx, y, 0, 1)
	}
	return y
}

// SNEmbedding returns the spectrally normalized embedding [B, dim] of labels [B] (int32 in
// [0, classes)): BigGAN's projection discriminator's class embedding.
func SNEmbedding(ctx *context.Context, labels *Node, classes, dim int, dtype dtypes.DType) *Node {
	table := SpectralWeight(ctx, labels.Graph(), gan.EmbeddingsName, shapes.Make(dtype, classes, dim))
	return embed(table, labels, classes)
}

// ProjectionHead is the projection discriminator's output (Miyato & Koyama 2018) as BigGAN's:
// a spectrally normalized linear score of the pooled features h [B, F] plus, for a
// class-conditional model (labels not nil), the inner product of h with the spectrally
// normalized embedding of each sample's class; [B, 1].
func ProjectionHead(ctx *context.Context, h, labels *Node, classes int) *Node {
	score := SNDense(ctx.In("linear"), h, 1, true)
	if labels == nil {
		return score
	}
	return Add(score, ops.ProjectionScore(SNEmbedding(ctx.In("embed"), labels, classes, h.Shape().Dimensions[1], h.DType()), h))
}

// Embedding returns the plain (not normalized) embedding [B, dim] of labels [B], each entry
// initialized N(0, 1): BigGAN's shared class embedding in G.
func Embedding(ctx *context.Context, labels *Node, classes, dim int, dtype dtypes.DType) *Node {
	table := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1)).
		VariableWithShape(gan.EmbeddingsName, shapes.Make(dtype, classes, dim)).ValueGraph(labels.Graph())
	return embed(table, labels, classes)
}

// ClassEmbedding is an equalized-learning-rate embedding [B, dim] of labels [B] (stylegan2-ada's
// embed: a dense layer on the one-hot class), for the families with equalized weights.
func ClassEmbedding(ctx *context.Context, labels *Node, classes, dim int, dtype dtypes.DType) *Node {
	return Dense(ctx, OneHot(labels, classes, dtype), dim, 1)
}

// embed reads rows labels of table [classes, dim] as a product with the one-hot labels (its
// gradient is the plain one of a matrix product).
func embed(table, labels *Node, classes int) *Node {
	if labels.Rank() != 1 {
		panic(errors.Errorf("layers: class labels must be [batch] int32, got %s", labels.Shape()))
	}
	return DotGeneral(OneHot(labels, classes, table.DType()), []int{1}, nil, table, []int{0}, nil)
}

// BatchNormStats says which statistics batch norm uses outside training graphs (sampling with
// the generator's moving average).
type BatchNormStats string

const (
	// BatchStatistics are the statistics of the batch being generated.
	BatchStatistics BatchNormStats = "batch"
	// RunningStatistics are the moving averages that training keeps (momentum 0.1, PyTorch's
	// default); the EMA generator gets a copy of G's.
	RunningStatistics BatchNormStats = "running"
	// StandingStatistics are averages of batch statistics of the EMA generator itself, gathered
	// before sampling (BigGAN-PyTorch's accumulate_standing_stats; see SetStandingCount).
	StandingStatistics BatchNormStats = "standing"
)

// BatchNormStatsModes lists the modes, as settings take them.
var BatchNormStatsModes = []BatchNormStats{RunningStatistics, StandingStatistics, BatchStatistics}

// Batch norm's constants (BigGAN-PyTorch's BN_eps and PyTorch's momentum).
const (
	BatchNormEpsilon  = 1e-5
	BatchNormMomentum = 0.1
)

const graphParamStandingCount = "batch_norm_standing_count"

// SetStandingCount makes g a standing-statistics graph: every batch norm in it normalizes with
// its batch's statistics and folds them into its standing averages, which already average
// count batches (a scalar node: 0 for the first batch, which replaces them).
func SetStandingCount(ctx *context.Context, g *Graph, count *Node) {
	ctx.SetGraphParam(g, graphParamStandingCount, count)
}

// BatchNorm normalizes x [..., C] per channel, with the batch's statistics in training graphs
// (updating the running averages), and then scales and shifts it: by a learned gain and bias
// per channel when cond is nil, else by BigGAN's conditional batch norm's 1 + gain(cond) and
// bias(cond), spectrally normalized linear projections (without bias) of cond [B, D] (the
// shared class embedding with the block's latent chunk). Outside training, stats picks the
// statistics.
func BatchNorm(ctx *context.Context, x, cond *Node, stats BatchNormStats) *Node {
	g := x.Graph()
	channels := x.Shape().Dimensions[x.Rank()-1]
	stateCtx := ctx.WithInitializer(initializers.Zero)
	state := func(name string, one bool) *context.Variable {
		c := stateCtx
		if one {
			c = ctx.WithInitializer(initializers.One)
		}
		return c.VariableWithShape(name, shapes.Make(x.DType(), channels)).SetTrainable(false)
	}
	var mean, variance *Node
	count, standing := ctx.GetGraphParam(g, graphParamStandingCount)
	switch {
	case ctx.IsTraining(g):
		mean, variance = ops.BatchMoments(x)
		n := float64(x.Shape().Size() / channels)
		running := func(v *context.Variable, batch *Node) {
			v.SetValueGraph(Add(MulScalar(v.ValueGraph(g), 1-BatchNormMomentum), MulScalar(StopGradient(batch), BatchNormMomentum)))
		}
		running(state("running_mean", false), mean)
		running(state("running_var", true), MulScalar(variance, n/max(n-1, 1))) // unbiased, as PyTorch
	case standing:
		mean, variance = ops.BatchMoments(x)
		k := ConvertDType(count.(*Node), x.DType())
		average := func(v *context.Variable, batch *Node) {
			v.SetValueGraph(Div(Add(Mul(v.ValueGraph(g), k), batch), AddScalar(k, 1)))
		}
		average(state("standing_mean", false), mean)
		average(state("standing_var", true), variance)
	case stats == BatchStatistics:
		mean, variance = ops.BatchMoments(x)
	case stats == RunningStatistics:
		mean, variance = state("running_mean", false).ValueGraph(g), state("running_var", true).ValueGraph(g)
	case stats == StandingStatistics:
		mean, variance = state("standing_mean", false).ValueGraph(g), state("standing_var", true).ValueGraph(g)
	default:
		panic(errors.Errorf("layers.BatchNorm in scope %q: unknown statistics %q", ctx.Scope(), stats))
	}
	y := ops.Standardize(x, mean, variance, BatchNormEpsilon)
	if cond == nil {
		gain := ctx.WithInitializer(initializers.One).VariableWithShape("gain", shapes.Make(x.DType(), channels)).ValueGraph(g)
		return Bias(ctx, Mul(y, ExpandLeftToRank(gain, x.Rank())), 0, 1)
	}
	b := x.Shape().Dimensions[0]
	perSample := func(v *Node) *Node { // [B, C] -> [B, 1, ..., 1, C]
		dims := make([]int, x.Rank())
		for i := range dims {
			dims[i] = 1
		}
		dims[0], dims[x.Rank()-1] = b, channels
		return Reshape(v, dims...)
	}
	gain := perSample(OnePlus(SNDense(ctx.In("gain"), cond, channels, false)))
	bias := perSample(SNDense(ctx.In("bias"), cond, channels, false))
	return Add(Mul(y, gain), bias)
}

// SelfAttention is SAGAN's self-attention block as BigGAN uses it (Zhang et al. 2019): queries
// theta and keys phi with C/8 channels, values g with C/2, keys and values max-pooled 2x, the
// attended values back to C channels by a 1x1 conv, added to x with a learned gain gamma that
// starts at 0 (so the block starts as the identity). Every conv is a spectrally normalized 1x1
// without bias. x is [B, H, W, C] with C a multiple of 8 and even H and W.
func SelfAttention(ctx *context.Context, x *Node) *Node {
	b, h, w, c := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[2], x.Shape().Dimensions[3]
	if c%8 != 0 || h%2 != 0 || w%2 != 0 {
		panic(errors.Errorf("layers.SelfAttention in scope %q: needs channels divisible by 8 and even sides, got %s", ctx.Scope(), x.Shape()))
	}
	pool := ops.MaxPool2x
	theta := Reshape(SNConv2D(ctx.In("theta"), x, c/8, 1, false), b, h*w, c/8)
	phi := Reshape(pool(SNConv2D(ctx.In("phi"), x, c/8, 1, false)), b, h*w/4, c/8)
	values := Reshape(pool(SNConv2D(ctx.In("g"), x, c/2, 1, false)), b, h*w/4, c/2)
	attention := Softmax(Einsum("bqc,bkc->bqk", theta, phi), -1)
	attended := Reshape(Einsum("bqk,bkc->bqc", attention, values), b, h, w, c/2)
	o := SNConv2D(ctx.In("o"), attended, c, 1, false)
	gamma := ctx.WithInitializer(initializers.Zero).VariableWithShape("gamma", shapes.Make(x.DType())).ValueGraph(x.Graph())
	return Add(x, Mul(gamma, o))
}
