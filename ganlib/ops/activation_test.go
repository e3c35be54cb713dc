package ops

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestLeakyReLU(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		// Inputs are made per backend: a tensor used on one backend cannot move to another.
		// Values are at least 0.1 away from the kink at 0, so central differences with step 1e-5
		// never straddle it.
		x := gradcheck.RandomInput(newRNG(70), 3, 7)
		tensors.MutableFlatData(x, func(flat []float64) {
			for i, v := range flat {
				flat[i] = math.Copysign(0.1+math.Abs(v), v)
			}
		})
		flat := tensors.MustCopyFlatData[float64](x)
		for _, gain := range []float64{LeakyReLUGain, 1} {
			want := make([]float64, len(flat))
			for i, v := range flat {
				want[i] = gain * v
				if v < 0 {
					want[i] = gain * 0.2 * v
				}
			}
			lrelu := func(in []*Node) *Node { return LeakyReLU(in[0], 0.2, gain) }
			assertClose(t, "LeakyReLU", run(backend, lrelu, x), want, []int{3, 7}, 1e-15)
			// Piecewise linear: its second derivative is 0, so the second order is checked on the
			// square, whose second derivative 2*gain^2*(1 or slope^2) tells the two sides apart.
			checkLinear(t, backend, lrelu, x)
		}
	})
	if LeakyReLUGain != math.Sqrt2 {
		t.Errorf("LeakyReLU gain %g: want StyleGAN2's sqrt(2)", LeakyReLUGain)
	}
}
