package losses

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// autocorrelationReference is App. D's regularizer of one map [h, w] written out with loops: the
// wrapped one-pixel autocorrelations along x and y, squared, at every level of the 2x2-mean
// pyramid down to 8x8.
func autocorrelationReference(n []float64, h, w int, rescaled bool) float64 {
	total := 0.0
	for {
		var x, y float64
		for i := range h {
			for j := range w {
				x += n[i*w+j] * n[i*w+(j+w-1)%w]
				y += n[i*w+j] * n[((i+h-1)%h)*w+j]
			}
		}
		total += (x/float64(h*w))*(x/float64(h*w)) + (y/float64(h*w))*(y/float64(h*w))
		if h <= 8 {
			return total
		}
		pooled := make([]float64, h*w/4)
		for i := range h / 2 {
			for j := range w / 2 {
				pooled[i*w/2+j] = (n[2*i*w+2*j] + n[2*i*w+2*j+1] + n[(2*i+1)*w+2*j] + n[(2*i+1)*w+2*j+1]) / 4
				if rescaled {
					pooled[i*w/2+j] *= 2
				}
			}
		}
		n, h, w = pooled, h/2, w/2
	}
}

// TestNoiseAutocorrelationByHand: a 32x32 map (levels 32, 16, 8) and a 4x4 one against the loop
// reference, with the authors' pyramid and the paper's rescaled one, and its gradients against
// finite differences.
func TestNoiseAutocorrelationByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	large, small := gradcheck.RandomInput(rng, 1, 32, 32, 1), gradcheck.RandomInput(rng, 1, 4, 4, 1)
	for _, rescaled := range []bool{false, true} {
		got := evalScalars(t, func(in []*Node) []*Node { return []*Node{NoiseAutocorrelation(in, rescaled)} }, large, small)[0]
		want := autocorrelationReference(tensors.MustCopyFlatData[float64](large), 32, 32, rescaled) +
			autocorrelationReference(tensors.MustCopyFlatData[float64](small), 4, 4, rescaled)
		assertNear(t, fmt.Sprintf("noise regularization (rescaled %v)", rescaled), got, want)
	}
	gradcheck.Check(t, gradcheck.PureGo(), func(in []*Node) *Node { return NoiseAutocorrelation(in, true) },
		[]*tensors.Tensor{large, small}, gradcheck.Options{FirstOrderOnly: true})
}
