package losses

import (
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// With the linear critic D = sum_i sum(w_i * x_i), grad_{x_i} D = w_i for every sample, so
// R1 = gamma/2 * mean_i ||w_i||^2.
func TestR1LinearCriticClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	w1, w2 := gradcheck.RandomInput(rng, 1, 4, 4, 3), gradcheck.RandomInput(rng, 1, 2, 2, 3)
	real1, real2 := gradcheck.RandomInput(rng, 3, 4, 4, 3), gradcheck.RandomInput(rng, 3, 2, 2, 3)
	outputs := MustNewExec(gradcheck.PureGo(), func(in []*Node) []*Node {
		penalty, scores := R1Penalty(linearCritic(in[:2]), in[2:], 10)
		return []*Node{penalty, scores}
	}).MustExec(w1, w2, real1, real2)
	assertNear(t, "R1", tensors.ToScalar[float64](outputs[0]), 10.0/2*(squaredNorm(w1)+squaredNorm(w2))/2)

	// The returned scores are D(real): sum(w1 * real1_b) + sum(w2 * real2_b).
	scores := tensors.MustCopyFlatData[float64](outputs[1])
	weights := [][]float64{tensors.MustCopyFlatData[float64](w1), tensors.MustCopyFlatData[float64](w2)}
	reals := [][]float64{tensors.MustCopyFlatData[float64](real1), tensors.MustCopyFlatData[float64](real2)}
	for b := range 3 {
		var want float64
		for i := range weights {
			n := len(weights[i])
			for k, w := range weights[i] {
				want += w * reals[i][b*n+k]
			}
		}
		assertNear(t, "D(real) score", scores[b], want)
	}
}

// TestR1InputsDerivedFromEachOther: MSG-GAN's real pyramid computes one level from another in the
// graph; R1 must still use each input's own partial gradient (w_i), not the total derivative
// through the other level (here w_1 + 0.5 w_2 for the first input).
func TestR1InputsDerivedFromEachOther(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	w1, w2 := gradcheck.RandomInput(rng, 1, 2, 2, 1), gradcheck.RandomInput(rng, 1, 2, 2, 1)
	real := gradcheck.RandomInput(rng, 2, 2, 2, 1)
	got := evalScalars(t, func(in []*Node) []*Node {
		derived := MulScalar(in[2], 0.5)
		penalty, _ := R1Penalty(linearCritic(in[:2]), []*Node{in[2], derived}, 4)
		return []*Node{penalty}
	}, w1, w2, real)
	assertNear(t, "R1", got[0], 4.0/2*(squaredNorm(w1)+squaredNorm(w2))/2)
}

// TestR1WeightGradient checks d R1 / d theta (the gradient a discriminator step takes) and its
// second derivative against finite differences, for a two-input nonlinear critic
// D(x1, x2) = tanh([x1, x2] A) v with parameters A and v.
func TestR1WeightGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	real1, real2 := gradcheck.RandomInput(rng, 2, 2, 2, 1), gradcheck.RandomInput(rng, 2, 1, 1, 2)
	a, v := gradcheck.RandomInput(rng, 6, 3), gradcheck.RandomInput(rng, 3, 1)
	fn := func(in []*Node) *Node {
		critic := func(images []*Node) *Node {
			features := Concatenate([]*Node{Reshape(images[0], 2, -1), Reshape(images[1], 2, -1)}, 1)
			return MatMul(Tanh(MatMul(features, in[0])), in[1])
		}
		g := in[0].Graph()
		penalty, _ := R1Penalty(critic, []*Node{Const(g, real1), Const(g, real2)}, 10)
		return penalty
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		gradcheck.Check(t, backend, fn, []*tensors.Tensor{a, v}, gradcheck.Options{})
	})
}
