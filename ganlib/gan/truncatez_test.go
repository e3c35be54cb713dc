package gan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestTruncateZResamplesOnlyOutliers: components inside the threshold keep their values, the
// others are redrawn inside it, and the result has the truncated normal's variance
// 1 - 2 t phi(t) / (2 Phi(t) - 1).
func TestTruncateZResamplesOnlyOutliers(t *testing.T) {
	const n, threshold = 200000, 1.0
	rng := rand.New(rand.NewPCG(1, 2))
	z := NormalTensor(rng, n)
	in := tensors.MustCopyFlatData[float32](z)
	out := tensors.MustCopyFlatData[float32](TruncateZ(z, threshold, rand.New(rand.NewPCG(3, 4))))
	variance, moved := 0.0, 0
	for i, v := range out {
		if math.Abs(float64(v)) > threshold {
			t.Fatalf("component %d = %g beyond the threshold", i, v)
		}
		if math.Abs(float64(in[i])) <= threshold && v != in[i] {
			t.Fatalf("component %d = %g inside the threshold was changed to %g", i, in[i], v)
		}
		if v != in[i] {
			moved++
		}
		variance += float64(v) * float64(v) / n
	}
	phi := math.Exp(-threshold*threshold/2) / math.Sqrt(2*math.Pi)
	want := 1 - 2*threshold*phi/math.Erf(threshold/math.Sqrt2)
	if math.Abs(variance-want) > 0.005 {
		t.Errorf("variance %.4f, the truncated normal's %.4f", variance, want)
	}
	if outside := 1 - math.Erf(threshold/math.Sqrt2); math.Abs(float64(moved)/n-outside) > 0.005 {
		t.Errorf("%.4f of the components redrawn, want P(|z| > 1) = %.4f", float64(moved)/n, outside)
	}
	if got := TruncateZ(z, 0, rng); got != z {
		t.Error("threshold 0 must leave z as it is")
	}
}
