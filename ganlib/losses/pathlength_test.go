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

// TestPathLengthLinearSynthesisClosedForm: for images = reshape(w M) (2x2x1 images), J_w^T y = M y
// whatever w is, with y = noise / sqrt(2*2). Both cases below are built to give lengths 1 and 5:
// mean length 3, running mean 0.5 -> 0.5 + 0.01 (3 - 0.5) = 0.525, penalty
// 2 * ((1 - 0.525)^2 + (5 - 0.525)^2) / 2 = 20.25125.
func TestPathLengthLinearSynthesisClosedForm(t *testing.T) {
	cases := []struct {
		name  string
		w     *tensors.Tensor
		m     []float64 // [wDim or numWs*wDim, 4], row-major
		noise []float64
	}{{
		// w [B, 2]: M y = (y_0, y_1); y = (1, 0, 0, 0) and (3, 4, 0.5, 0.5).
		name:  "w [B, wDim]",
		w:     tensors.FromFlatDataAndDimensions([]float64{0.3, -1, 2, 0.7}, 2, 2),
		m:     []float64{1, 0, 0, 0, 0, 1, 0, 0},
		noise: []float64{2, 0, 0, 0, 6, 8, 1, 1},
	}, {
		// w [B, 2 ws, 1]: J^T y per ws is (y_0, 2 y_1); lengths sqrt(mean over ws of squares):
		// y = (1, 0.5, ...) gives (1, 1) -> 1; y = (1, 3.5, ...) gives (1, 7) -> sqrt(25) = 5
		// (the mean of the per-ws lengths would be 4).
		name:  "w [B, numWs, wDim]",
		w:     tensors.FromFlatDataAndDimensions([]float64{0.3, -1, 2, 0.7}, 2, 2, 1),
		m:     []float64{1, 0, 0, 0, 0, 2, 0, 0},
		noise: []float64{2, 1, 0, 0, 2, 7, 5, -3},
	}}
	for _, c := range cases {
		m := tensors.FromFlatDataAndDimensions(c.m, len(c.m)/4, 4)
		noise := tensors.FromFlatDataAndDimensions(c.noise, 2, 2, 2, 1)
		got := evalScalars(t, func(in []*Node) []*Node {
			synthesis := func(w *Node) *Node { return Reshape(MatMul(Reshape(w, 2, -1), in[1]), 2, 2, 2, 1) }
			loss := PathLength{Weight: CodePathLengthWeight, Decay: DefaultPathLengthDecay}
			penalty, newMean, meanLength := loss.Penalty(synthesis, in[0], in[2], Scalar(in[0].Graph(), in[0].DType(), 0.5))
			return []*Node{penalty, newMean, meanLength}
		}, c.w, m, noise)
		assertNear(t, c.name+" penalty", got[0], 20.25125)
		assertNear(t, c.name+" new running mean", got[1], 0.525)
		assertNear(t, c.name+" mean length", got[2], 3)
	}
}

// TestPathLengthGradientThroughUpdatedMean pins the official code's convention: the penalty's
// gradient also flows through the updated mean's dependence on this batch's lengths. With
// images = s reshape(w M) (lengths s l_b, l = (1, 5) as above, B = 2, weight 2, decay 0.01):
// d penalty / ds at s = 1 is sum_b 2 (l_b - a') (l_b - 0.01 mean(l)) = 2 (0.475 * 0.97 +
// 4.475 * 4.97) = 45.403; treating a' as a constant would give 45.7.
func TestPathLengthGradientThroughUpdatedMean(t *testing.T) {
	w := tensors.FromFlatDataAndDimensions([]float64{0.3, -1, 2, 0.7}, 2, 2)
	m := tensors.FromFlatDataAndDimensions([]float64{1, 0, 0, 0, 0, 1, 0, 0}, 2, 4)
	noise := tensors.FromFlatDataAndDimensions([]float64{2, 0, 0, 0, 6, 8, 1, 1}, 2, 2, 2, 1)
	got := evalScalars(t, func(in []*Node) []*Node {
		scale := in[3]
		synthesis := func(w *Node) *Node { return Mul(Reshape(MatMul(w, in[1]), 2, 2, 2, 1), scale) }
		loss := PathLength{Weight: 2, Decay: 0.01}
		penalty, _, _ := loss.Penalty(synthesis, in[0], in[2], Scalar(in[0].Graph(), in[0].DType(), 0.5))
		return []*Node{Gradient(penalty, scale)[0]}
	}, w, m, noise, 1.0)
	assertNear(t, "d penalty / d scale", got[0], 45.403)
}

// TestPathLengthWeightGradient checks the gradient of the penalty and of the running mean with
// respect to a nonlinear synthesis network's parameters (first and second order):
// images = reshape(tanh(w A) B) for w [2, 2 ws, 3].
func TestPathLengthWeightGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	w := gradcheck.RandomInput(rng, 2, 2, 3)
	noise := gradcheck.RandomInput(rng, 2, 2, 2, 2)
	a, b := gradcheck.RandomInput(rng, 6, 4), gradcheck.RandomInput(rng, 4, 8)
	fn := func(in []*Node) *Node {
		g := in[0].Graph()
		synthesis := func(w *Node) *Node {
			return Reshape(MatMul(Tanh(MatMul(Reshape(w, 2, -1), in[0])), in[1]), 2, 2, 2, 2)
		}
		loss := PathLength{Weight: CodePathLengthWeight, Decay: DefaultPathLengthDecay}
		penalty, newMean, _ := loss.Penalty(synthesis, Const(g, w), Const(g, noise), Scalar(g, in[0].DType(), 0.2))
		return Stack([]*Node{penalty, newMean}, 0)
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		gradcheck.Check(t, backend, fn, []*tensors.Tensor{a, b}, gradcheck.Options{})
	})
}

// ln r - ln 2 = (n - 1) ln 2 for r = 2^n, so the paper's weight is 1 / ((n - 1) r^2).
func TestPaperPathLengthWeight(t *testing.T) {
	for _, c := range []struct {
		resolution int
		want       float64
	}{{1024, 1.0 / (9 * 1024 * 1024)}, {256, 1.0 / (7 * 256 * 256)}, {4, 1.0 / 16}} {
		if got := PaperPathLengthWeight(c.resolution); math.Abs(got-c.want) > 1e-15*c.want {
			t.Errorf("PaperPathLengthWeight(%d) = %g, want %g", c.resolution, got, c.want)
		}
	}
}
