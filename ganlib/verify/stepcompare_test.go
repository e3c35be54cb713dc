package verify

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/train"
)

// TestFirstStepExplainable checks the step difference a gradient difference delta can make, by
// closed forms of Adam's first step lr * g/(|g| + eps).
func TestFirstStepExplainable(t *testing.T) {
	const lr, eps, delta = 0.003, 1e-8, 1e-6
	s := &firstStep{opt: train.Optimizer{Algorithm: train.Adam, LearningRate: lr, Epsilon: eps}, k: 1, delta: delta,
		gradient: []float64{0, 0.5 * delta, 1e-2}}
	for _, tc := range []struct {
		i    int
		want float64
	}{
		// g = 0: either direction, a full step of delta/(delta + eps) (≈ lr).
		{0, lr * delta / (delta + eps)},
		// g = delta/2 can become -delta/2: from +(delta/2)/(delta/2+eps) to -(...), twice that.
		{1, lr * 2 * (0.5 * delta) / (0.5*delta + eps)},
		// g >> delta: the larger side is g - delta, g/(g+eps) - (g-delta)/(g-delta+eps) =
		// eps delta/((g+eps)(g-delta+eps)), about 3e-13: tiny, as rounding of a large gradient
		// hardly moves its step.
		{2, lr * eps * delta / ((1e-2 + eps) * (1e-2 - delta + eps))},
	} {
		got := s.explainable(tc.i)
		if math.Abs(got-tc.want) > 1e-6*tc.want {
			t.Errorf("|g| = %g: explainable step difference %.8g, want %.8g", s.gradient[tc.i], got, tc.want)
		}
	}
	if got := s.explainable(3); got != 0 {
		t.Errorf("a component without gradient: %g, want 0", got)
	}
}
