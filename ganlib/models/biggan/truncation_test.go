package biggan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestTruncateResamplesOnlyOutliers: components inside the threshold keep their values, the
// others are redrawn inside it, and the result has the truncated normal's variance
// 1 - 2 t phi(t) / (2 Phi(t) - 1).
func TestTruncateResamplesOnlyOutliers(t *testing.T) {
	const n, threshold = 200000, 1.0
	rng := rand.New(rand.NewPCG(1, 2))
	z := gan.NormalTensor(rng, n)
	in := tensors.MustCopyFlatData[float32](z)
	out := tensors.MustCopyFlatData[float32](Truncate(z, threshold, rand.New(rand.NewPCG(3, 4))))
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
	if got := Truncate(z, 0, rng); got != z {
		t.Error("threshold 0 must leave z as it is")
	}
}

// TestTruncationSweepSamplesEachThreshold: the sampler sees z truncated at each threshold, in
// order, with the same labels.
func TestTruncationSweepSamplesEachThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	z := gan.NormalTensor(rng, 64, 8)
	labels := tensors.FromFlatDataAndDimensions(make([]int32, 64), 64)
	var seen []float64
	sample := func(z, l *tensors.Tensor) ([]*tensors.Tensor, error) {
		if l != labels {
			t.Error("the labels were not passed on")
		}
		largest := 0.0
		for _, v := range tensors.MustCopyFlatData[float32](z) {
			largest = max(largest, math.Abs(float64(v)))
		}
		seen = append(seen, largest)
		return []*tensors.Tensor{tensors.FromShape(shapes.Make(dtypes.Float32, 1))}, nil
	}
	levels, err := TruncationSweep(sample, z, labels, []float64{0, 2, 1, 0.5}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != 4 || levels[2].Threshold != 1 || len(levels[2].Images) != 1 {
		t.Fatalf("levels %+v", levels)
	}
	for i, threshold := range []float64{2, 1, 0.5} {
		if seen[i+1] > threshold || seen[i+1] < threshold*0.8 {
			t.Errorf("threshold %g: the largest |z| the sampler saw is %g", threshold, seen[i+1])
		}
	}
	if seen[0] < 2 {
		t.Errorf("threshold 0 (none): the largest |z| is %g, want the untruncated latents", seen[0])
	}
}
