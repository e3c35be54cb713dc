package losses

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// linearCritic is D(x_1..x_n) = sum_i sum(w_i * x_i): its input gradient is w_i everywhere,
// so the penalty is known in closed form: mean_i (||w_i|| - 1)^2, whatever eps is.
func linearCritic(weights []*Node) Critic {
	return func(images []*Node) *Node {
		var score *Node
		for i, x := range images {
			b := x.Shape().Dimensions[0]
			term := ReduceSum(Reshape(Mul(x, weights[i]), b, -1), 1)
			if score == nil {
				score = term
			} else {
				score = Add(score, term)
			}
		}
		return Reshape(score, -1, 1)
	}
}

func TestGradientPenaltyLinearCriticClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	w1 := gradcheck.RandomInput(rng, 1, 4, 4, 3)
	w2 := gradcheck.RandomInput(rng, 1, 2, 2, 3)
	real1, fake1 := gradcheck.RandomInput(rng, 3, 4, 4, 3), gradcheck.RandomInput(rng, 3, 4, 4, 3)
	real2, fake2 := gradcheck.RandomInput(rng, 3, 2, 2, 3), gradcheck.RandomInput(rng, 3, 2, 2, 3)
	eps := tensors.FromFlatDataAndDimensions([]float64{0.1, 0.5, 0.9}, 3)
	got, err := ExecOnce(gradcheck.PureGo(), func(in []*Node) *Node {
		critic := linearCritic([]*Node{in[0], in[1]})
		return GradientPenalty(critic, []*Node{in[2], in[3]}, []*Node{in[4], in[5]}, in[6])
	}, w1, w2, real1, real2, fake1, fake2, eps)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, w := range []*tensors.Tensor{w1, w2} {
		norm := math.Sqrt(squaredNorm(w))
		want += (norm - 1) * (norm - 1) / 2
	}
	if g := tensors.ToScalar[float64](got); math.Abs(g-want) > 1e-12 {
		t.Fatalf("penalty %.12g, want %.12g", g, want)
	}
}

// TestGradientPenaltyWeightGradient checks d GP / d w (the gradient WGAN-GP training takes) and
// its second derivative against finite differences, for a nonlinear critic.
func TestGradientPenaltyWeightGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	real, fake := gradcheck.RandomInput(rng, 2, 3, 3, 2), gradcheck.RandomInput(rng, 2, 3, 3, 2)
	w := gradcheck.RandomInput(rng, 1, 3, 3, 2)
	fn := func(in []*Node) *Node {
		critic := func(images []*Node) *Node {
			x := images[0]
			h := Tanh(Mul(x, in[0]))
			return Reshape(ReduceSum(Reshape(Mul(h, h), 2, -1), 1), 2, 1)
		}
		eps := Const(in[0].Graph(), []float64{0.25, 0.75})
		return GradientPenalty(critic, []*Node{Const(in[0].Graph(), real)}, []*Node{Const(in[0].Graph(), fake)}, eps)
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		// A tensor fed to one backend cannot be fed to another (GoMLX panics): each backend
		// gets its own host copy of w.
		wCopy, err := w.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		gradcheck.Check(t, backend, fn, []*tensors.Tensor{wCopy}, gradcheck.Options{})
	})
}
