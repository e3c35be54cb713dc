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
