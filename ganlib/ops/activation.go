package ops

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// LeakyReLUGain keeps the signal's magnitude through a leaky ReLU (StyleGAN2's sqrt(2)).
var LeakyReLUGain = math.Sqrt2

// LeakyReLU computes gain * max(x, slope*x) for 0 <= slope < 1.
func LeakyReLU(x *Node, slope, gain float64) *Node {
	y := Max(x, MulScalar(x, slope))
	if gain != 1 {
		y = MulScalar(y, gain)
	}
	return y
}

// ReLU computes max(x, 0) (BigGAN's activation).
func ReLU(x *Node) *Node { return Max(x, ZerosLike(x)) }
