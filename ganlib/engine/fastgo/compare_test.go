package fastgo

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestCompareWhere checks the native comparisons and Where (through Where(cmp(a, b), x, y)),
// with ties, scalar operands and scalar branches.
func TestCompareWhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	cmps := []struct {
		name string
		f    func(a, b float64) bool
		op   func(b backends.Builder, x, y backends.Op) (backends.Op, error)
	}{
		{"GreaterOrEqual", func(a, b float64) bool { return a >= b }, backends.Builder.GreaterOrEqual},
		{"GreaterThan", func(a, b float64) bool { return a > b }, backends.Builder.GreaterThan},
		{"LessOrEqual", func(a, b float64) bool { return a <= b }, backends.Builder.LessOrEqual},
		{"LessThan", func(a, b float64) bool { return a < b }, backends.Builder.LessThan},
		{"Equal", func(a, b float64) bool { return a == b }, backends.Builder.Equal},
		{"NotEqual", func(a, b float64) bool { return a != b }, backends.Builder.NotEqual},
	}
	for name, backend := range newTestBackends(t) {
		for trial := range 48 {
			c := cmps[trial%len(cmps)]
			dims := randomDims(rng, 1+rng.IntN(3), 7)
			scalarA, scalarB := trial%4 == 1, trial%4 == 2
			scalarX, scalarY := trial%3 == 1, trial%5 == 2
			dimsOf := func(scalar bool) []int {
				if scalar {
					return nil
				}
				return dims
			}
			// Values on a coarse grid, so that ties happen.
			vals := func(d []int) []float64 {
				v := make([]float64, sizeOf(d))
				for i := range v {
					v[i] = float64(rng.IntN(5) - 2)
				}
				return v
			}
			a, b, x, y := vals(dimsOf(scalarA)), vals(dimsOf(scalarB)), randomValues(rng, dimsOf(scalarX)), randomValues(rng, dimsOf(scalarY))
			at := func(v []float64, i int) float64 { return v[min(i, len(v)-1)] }
			want := make([]float64, sizeOf(dims))
			for i := range want {
				if c.f(at(a, i), at(b, i)) {
					want[i] = at(x, i)
				} else {
					want[i] = at(y, i)
				}
			}
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got, gotDims, _ := runOp(t, backend, dtype, [][]float64{a, b, x, y},
					[][]int{dimsOf(scalarA), dimsOf(scalarB), dimsOf(scalarX), dimsOf(scalarY)},
					func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
						cond, err := c.op(bld, p[0], p[1])
						if err != nil {
							return nil, err
						}
						if scalarA && scalarB { // a scalar condition: broadcast it
							cond, err = bld.BroadcastInDim(cond, shapes.Make(dtypes.Bool, dims...), nil)
							if err != nil {
								return nil, err
							}
						}
						if !cond.(*node).shape.Equal(shapes.Make(dtypes.Bool, dims...)) {
							return nil, fmt.Errorf("condition shape %s", cond.(*node).shape)
						}
						return bld.Where(cond, p[2], p[3])
					})
				if sizeOf(gotDims) != len(want) {
					t.Fatalf("%s %s: dims %v", name, c.name, gotDims)
				}
				checkValues(t, fmt.Sprintf("%s %s %s %v scalars %v %v %v %v", name, dtype, c.name, dims, scalarA, scalarB, scalarX, scalarY),
					got, want, 1e-6)
			}
		}
	}
}
