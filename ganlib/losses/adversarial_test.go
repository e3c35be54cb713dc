package losses

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Scores away from the hinge's kinks at -1 and 1, so finite differences see smooth pieces.
var (
	realScores = []float64{2, 0.5, -0.4}
	fakeScores = []float64{-2, 0.3, 0.6}
)

func TestScoreLossesHandComputed(t *testing.T) {
	// Naive softplus: fine at these magnitudes, and independent of the graph's stable form.
	softplus := func(x float64) float64 { return math.Log(1 + math.Exp(x)) }
	cases := []struct {
		name         string
		loss         ScoreLoss
		wantD, wantG float64
	}{
		{"non-saturating", NonSaturating{},
			(softplus(-2)+softplus(0.3)+softplus(0.6))/3 + (softplus(-2)+softplus(-0.5)+softplus(0.4))/3,
			(softplus(2) + softplus(-0.3) + softplus(-0.6)) / 3},
		// relu(1 - real) = 0, 0.5, 1.4; relu(1 + fake) = 0, 1.3, 1.6; -mean(fake) = -(-1.1)/3.
		{"hinge", Hinge{}, (0+0.5+1.4)/3 + (0+1.3+1.6)/3, 1.1 / 3},
		// (real - 1)^2 = 1, 0.25, 1.96; fake^2 = 4, 0.09, 0.36; (fake - 1)^2 = 9, 0.49, 0.16.
		{"least squares", LeastSquares{}, (1+0.25+1.96)/6 + (4+0.09+0.36)/6, (9 + 0.49 + 0.16) / 6},
	}
	for _, c := range cases {
		got := evalScalars(t, func(in []*Node) []*Node {
			return []*Node{c.loss.DiscriminatorLoss(in[0], in[1]), c.loss.GeneratorLoss(in[1])}
		}, column(realScores...), column(fakeScores...))
		assertNear(t, c.name+" D loss", got[0], c.wantD)
		assertNear(t, c.name+" G loss", got[1], c.wantG)
	}
}

// TestRelativisticAverageHingeHandComputed: with mean real score 0.7 and mean fake score
// -1.1/3, r = real + 1.1/3 and f = fake - 0.7.
func TestRelativisticAverageHingeHandComputed(t *testing.T) {
	var wantD, wantG float64
	for i := range realScores {
		r, f := realScores[i]+1.1/3, fakeScores[i]-0.7
		wantD += (max(0, 1-r) + max(0, 1+f)) / 3
		wantG += (max(0, 1+r) + max(0, 1-f)) / 3
	}
	got := evalScalars(t, func(in []*Node) []*Node {
		l := RelativisticAverageHinge{}
		return []*Node{l.DiscriminatorLoss(in[0], in[1]), l.GeneratorLoss(in[0], in[1])}
	}, column(realScores...), column(fakeScores...))
	// r = 2.367, 0.867, -0.033: relu(1 - r) = 0, 0.133, 1.033; f = -2.7, -0.4, -0.1: relu(1 + f) = 0, 0.6, 0.9.
	assertNear(t, "RaHinge D loss", got[0], wantD)
	assertNear(t, "RaHinge G loss", got[1], wantG)
	if math.Abs(wantD-(0+0.1333333333333333+1.0333333333333334+0+0.6+0.9)/3) > 1e-12 {
		t.Fatalf("hand value of D's loss %.15g", wantD)
	}
}

// TestNonSaturatingExtremeScores: scores of +-200 overflow a naive log(1 + exp(x)) in float32;
// the losses and their gradients must stay exact (softplus(200) = 200, softplus(-200) = 0,
// d softplus = sigmoid).
func TestNonSaturatingExtremeScores(t *testing.T) {
	real := tensors.FromFlatDataAndDimensions([]float32{-200, 200}, 2, 1)
	fake := tensors.FromFlatDataAndDimensions([]float32{200, -200}, 2, 1)
	outputs := MustNewExec(gradcheck.PureGo(), func(in []*Node) []*Node {
		loss := NonSaturating{}
		d, g := loss.DiscriminatorLoss(in[0], in[1]), loss.GeneratorLoss(in[1])
		grads := Gradient(d, in[0], in[1])
		return []*Node{d, g, grads[0], grads[1]}
	}).MustExec(real, fake)
	// D: (softplus(200) + softplus(-200))/2 + (softplus(200) + softplus(-200))/2 = 200.
	// G: (softplus(-200) + softplus(200))/2 = 100.
	if d := tensors.ToScalar[float32](outputs[0]); d != 200 {
		t.Errorf("D loss %g, want 200", d)
	}
	if g := tensors.ToScalar[float32](outputs[1]); g != 100 {
		t.Errorf("G loss %g, want 100", g)
	}
	// dD/dreal_b = -sigmoid(-real_b)/2, dD/dfake_b = sigmoid(fake_b)/2.
	wantGrads := [][]float32{{-0.5, 0}, {0.5, 0}}
	for i, want := range wantGrads {
		got := tensors.MustCopyFlatData[float32](outputs[2+i])
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-7 {
				t.Errorf("gradient #%d = %v, want %v", i, got, want)
				break
			}
		}
	}
}

// TestScoreLossesGradients checks the losses' score gradients, and for the smooth losses their
// second order (the hinge loss's second derivative is zero, which a finite-difference check
// cannot tell from a missing one).
func TestScoreLossesGradients(t *testing.T) {
	real, fake := column(realScores...), column(fakeScores...)
	for _, c := range []struct {
		name           string
		loss           ScoreLoss
		firstOrderOnly bool
	}{{"non-saturating", NonSaturating{}, false}, {"hinge", Hinge{}, true}, {"least squares", LeastSquares{}, false}} {
		fn := func(in []*Node) *Node {
			d, g := c.loss.DiscriminatorLoss(in[0], in[1]), c.loss.GeneratorLoss(in[1])
			return Stack([]*Node{d, g}, 0)
		}
		t.Run(c.name, func(t *testing.T) {
			gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
				gradcheck.Check(t, backend, fn, []*tensors.Tensor{real, fake}, gradcheck.Options{FirstOrderOnly: c.firstOrderOnly})
			})
		})
	}
}
