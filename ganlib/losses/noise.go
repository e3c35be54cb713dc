package losses

import (
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// NoiseMapsWeight is the weight of NoiseAutocorrelation when projecting an image into StyleGAN2
// (paper App. D: alpha = 1e5).
const NoiseMapsWeight = 1e5

// NoiseAutocorrelation is StyleGAN2's regularizer of the noise maps a projection optimizes
// (App. D, Eq. 5), which keeps them from carrying the image: for each map n [B, H, W, 1] and its
// 2x2-average-pooled pyramid down to 8x8, the squared mean products of n with itself shifted one
// pixel along x and along y, wrapping at the edges, summed. The paper's text doubles each pooled
// level, back to unit variance (rescaled); the authors' projectors do not, which weighs the
// coarser levels 16 times less per halving.
func NoiseAutocorrelation(maps []*Node, rescaled bool) *Node {
	var total *Node
	for _, n := range maps {
		for {
			for axis := 1; axis <= 2; axis++ {
				term := Square(ReduceAllMean(Mul(n, roll(n, axis))))
				if total == nil {
					total = term
				} else {
					total = Add(total, term)
				}
			}
			if n.Shape().Dimensions[1] <= 8 {
				break
			}
			n = ops.AvgPool2x(n)
			if rescaled {
				n = MulScalar(n, 2)
			}
		}
	}
	return total
}

// roll shifts x by one along axis, wrapping: y[i] = x[i-1].
func roll(x *Node, axis int) *Node {
	size := x.Shape().Dimensions[axis]
	last := SliceAxis(x, axis, AxisRange(size-1, size))
	return Concatenate([]*Node{last, SliceAxis(x, axis, AxisRange(0, size-1))}, axis)
}
