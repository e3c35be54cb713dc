package ops

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// PixelNormEpsilon is ProGAN's epsilon inside the square root.
const PixelNormEpsilon = 1e-8

// PixelNorm normalizes each feature vector (the last axis) to unit root-mean-square:
// x / sqrt(mean(x^2 over channels) + 1e-8). Used after every conv of ProGAN's generator and on
// StyleGAN's latents.
func PixelNorm(x *Node) *Node {
	meanSquare := ReduceAndKeep(Square(x), ReduceMean, -1)
	return Mul(x, Rsqrt(AddScalar(meanSquare, PixelNormEpsilon)))
}

// MinibatchStdDev appends numFeatures channels holding the standard deviation of the features
// across groups of samples (StyleGAN2's layer; ProGAN's with numFeatures=1):
//
//   - groups of G = min(groupSize, B) samples, strided as in StyleGAN2: x is viewed as
//     [G, B/G, ...], so samples m, m+B/G, m+2B/G, ... form a group;
//   - the channels split into numFeatures slices; each output feature is the mean over its
//     channels and all pixels of the per-element standard deviation sqrt(var + 1e-8) in the group;
//   - the value is broadcast over the group's samples and all pixels.
//
// B must be divisible by G; otherwise it panics naming both, since silently using a smaller group
// changes the statistic (set the batch size or mbstd group size accordingly).
func MinibatchStdDev(x *Node, groupSize, numFeatures int) *Node {
	checkImage("MinibatchStdDev", x)
	b, h, w, c := imageDims(x)
	g := min(groupSize, b)
	if g <= 0 || b%g != 0 {
		panic(errors.Errorf("ops.MinibatchStdDev: batch %d is not divisible by group size %d (from setting %d): "+
			"use a batch size that is a multiple of the minibatch-stddev group size", b, g, groupSize))
	}
	if numFeatures <= 0 || c%numFeatures != 0 {
		panic(errors.Errorf("ops.MinibatchStdDev: %d channels of %s not divisible into %d features", c, x.Shape(), numFeatures))
	}
	m := b / g
	y := Reshape(x, g, m, h, w, numFeatures, c/numFeatures)
	y = Sub(y, ReduceAndKeep(y, ReduceMean, 0))
	y = Sqrt(AddScalar(ReduceMean(Square(y), 0), PixelNormEpsilon)) // [m, h, w, F, c/F]
	y = ReduceMean(y, 1, 2, 4)                                      // [m, F]
	y = BroadcastToDims(Reshape(y, 1, m, 1, 1, numFeatures), g, m, h, w, numFeatures)
	return Concatenate([]*Node{x, Reshape(y, b, h, w, numFeatures)}, 3)
}

// InstanceNormEpsilon is StyleGAN1's epsilon inside the instance-norm square root.
const InstanceNormEpsilon = 1e-8

// InstanceNorm normalizes every channel of every sample of x [B, H, W, C] over its pixels:
// (x - mean) / sqrt(var + 1e-8), with the biased variance. It is the normalization half of
// StyleGAN1's AdaIN; the styles' scale and bias come after it.
func InstanceNorm(x *Node) *Node {
	checkImage("InstanceNorm", x)
	centered := Sub(x, ReduceAndKeep(x, ReduceMean, 1, 2))
	variance := ReduceAndKeep(Square(centered), ReduceMean, 1, 2)
	return Mul(centered, Rsqrt(AddScalar(variance, InstanceNormEpsilon)))
}

// BatchMoments returns the mean and the biased variance of x over every axis but the last
// (batch norm's statistics: per channel over the batch and the pixels), each [C].
func BatchMoments(x *Node) (mean, variance *Node) {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	mean = ReduceMean(x, axes...)
	variance = ReduceMean(Square(Sub(x, ExpandLeftToRank(mean, x.Rank()))), axes...)
	return mean, variance
}

// Standardize returns (x - mean) / sqrt(variance + epsilon), with per-channel mean and
// variance [C] broadcast over the other axes.
func Standardize(x, mean, variance *Node, epsilon float64) *Node {
	mean, variance = ExpandLeftToRank(mean, x.Rank()), ExpandLeftToRank(variance, x.Rank())
	return Mul(Sub(x, mean), Rsqrt(AddScalar(variance, epsilon)))
}
