package losses

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// evalScalars runs fn once on the pure-Go backend and returns its scalar outputs.
func evalScalars(t *testing.T, fn func(in []*Node) []*Node, args ...any) []float64 {
	t.Helper()
	outputs := MustNewExec(gradcheck.PureGo(), fn).MustExec(args...)
	values := make([]float64, len(outputs))
	for i, output := range outputs {
		values[i] = tensors.ToScalar[float64](output)
	}
	return values
}

// assertNear fails t when got is not within a relative 1e-12 of want.
func assertNear(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

// column returns float64 scores [len(values), 1].
func column(values ...float64) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(values, len(values), 1)
}

// squaredNorm is sum(v^2) over a tensor's elements.
func squaredNorm(x *tensors.Tensor) float64 {
	var sum float64
	for _, v := range tensors.MustCopyFlatData[float64](x) {
		sum += v * v
	}
	return sum
}
