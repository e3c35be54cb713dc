package fastgo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// newTestBackends returns the backends to test: portable kernels and, where available, SIMD.
func newTestBackends(t testing.TB) map[string]*Backend {
	t.Helper()
	out := map[string]*Backend{}
	for _, portable := range []bool{true, false} {
		if !portable && !SIMD() {
			continue
		}
		inner, err := simplego.New("ops_sequential")
		if err != nil {
			t.Fatal(err)
		}
		b := New(inner, Options{Name: "go", Portable: portable})
		name := "portable"
		if !portable {
			name = "simd"
		}
		out[name] = b
		t.Cleanup(b.Finalize)
	}
	return out
}

// dotCase is one DotGeneral: operand dims and axes.
type dotCase struct {
	lhsDims, rhsDims                             []int
	lhsContract, lhsBatch, rhsContract, rhsBatch []int
}

func (c dotCase) String() string {
	return fmt.Sprintf("lhs%v c%v b%v · rhs%v c%v b%v", c.lhsDims, c.lhsContract, c.lhsBatch, c.rhsDims, c.rhsContract, c.rhsBatch)
}

// randomDotCase draws operands with 0-2 batch axes, 1-2 contracting axes and 0-2 cross axes per
// side, each axis at a random position, with sizes that exercise the tile edges.
func randomDotCase(rng *rand.Rand, large bool) dotCase {
	size := func() int {
		if large {
			return []int{1, 3, 17, 33, 64, 100, 130}[rng.IntN(7)]
		}
		return 1 + rng.IntN(7)
	}
	nb, nc := rng.IntN(3), 1+rng.IntN(2)
	nlx, nrx := rng.IntN(3), rng.IntN(3)
	batchDims, contractDims := make([]int, nb), make([]int, nc)
	for i := range batchDims {
		batchDims[i] = 1 + rng.IntN(3)
	}
	for i := range contractDims {
		contractDims[i] = size()
	}
	place := func(numCross int) (dims, contract, batch []int) {
		rank := nb + nc + numCross
		perm := rng.Perm(rank)
		dims = make([]int, rank)
		for i := range nb {
			batch = append(batch, perm[i])
			dims[perm[i]] = batchDims[i]
		}
		for i := range nc {
			contract = append(contract, perm[nb+i])
			dims[perm[nb+i]] = contractDims[i]
		}
		for i := range numCross {
			dims[perm[nb+nc+i]] = size()
		}
		return
	}
	var c dotCase
	c.lhsDims, c.lhsContract, c.lhsBatch = place(nlx)
	c.rhsDims, c.rhsContract, c.rhsBatch = place(nrx)
	return c
}

// work is the number of multiply-adds of the case.
func (c dotCase) work() float64 {
	total := 1.0
	for _, d := range c.lhsDims {
		total *= float64(d)
	}
	for i, d := range c.rhsDims {
		if !slices.Contains(c.rhsContract, i) && !slices.Contains(c.rhsBatch, i) {
			total *= float64(d)
		}
	}
	return total
}

// reference computes DotGeneral naively in float64.
func (c dotCase) reference(lhs, rhs []float64) ([]float64, []int) {
	cross := func(rank int, contract, batch []int) []int {
		var axes []int
		for a := range rank {
			if !slices.Contains(contract, a) && !slices.Contains(batch, a) {
				axes = append(axes, a)
			}
		}
		return axes
	}
	lCross := cross(len(c.lhsDims), c.lhsContract, c.lhsBatch)
	rCross := cross(len(c.rhsDims), c.rhsContract, c.rhsBatch)
	var outDims []int
	for _, a := range c.lhsBatch {
		outDims = append(outDims, c.lhsDims[a])
	}
	for _, a := range lCross {
		outDims = append(outDims, c.lhsDims[a])
	}
	for _, a := range rCross {
		outDims = append(outDims, c.rhsDims[a])
	}
	var contractDims []int
	for _, a := range c.lhsContract {
		contractDims = append(contractDims, c.lhsDims[a])
	}
	strides := func(dims []int) []int {
		s := make([]int, len(dims))
		acc := 1
		for i := len(dims) - 1; i >= 0; i-- {
			s[i] = acc
			acc *= dims[i]
		}
		return s
	}
	ls, rs := strides(c.lhsDims), strides(c.rhsDims)
	out := make([]float64, shapes.Make(dtypes.Float64, outDims...).Size())
	outIdx := make([]int, len(outDims))
	kIdx := make([]int, len(contractDims))
	for o := range out {
		// decode o
		rem := o
		for i := len(outDims) - 1; i >= 0; i-- {
			outIdx[i] = rem % outDims[i]
			rem /= outDims[i]
		}
		lBase, rBase := 0, 0
		p := 0
		for i, a := range c.lhsBatch {
			lBase += outIdx[p] * ls[a]
			rBase += outIdx[p] * rs[c.rhsBatch[i]]
			p++
		}
		for _, a := range lCross {
			lBase += outIdx[p] * ls[a]
			p++
		}
		for _, a := range rCross {
			rBase += outIdx[p] * rs[a]
			p++
		}
		nk := 1
		for _, d := range contractDims {
			nk *= d
		}
		sum := 0.0
		for k := range nk {
			rem := k
			for i := len(contractDims) - 1; i >= 0; i-- {
				kIdx[i] = rem % contractDims[i]
				rem /= contractDims[i]
			}
			lo, ro := lBase, rBase
			for i := range contractDims {
				lo += kIdx[i] * ls[c.lhsContract[i]]
				ro += kIdx[i] * rs[c.rhsContract[i]]
			}
			sum += lhs[lo] * rhs[ro]
		}
		out[o] = sum
	}
	return out, outDims
}

// runDot builds and runs the case on backend with the given dtype, returning float64 values.
func runDotCase(t *testing.T, backend backends.Backend, c dotCase, dtype dtypes.DType, lhs, rhs []float64) ([]float64, []int) {
	t.Helper()
	bld := backend.Builder("dot")
	lp, err := bld.Parameter("lhs", shapes.Make(dtype, c.lhsDims...), nil)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := bld.Parameter("rhs", shapes.Make(dtype, c.rhsDims...), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := bld.DotGeneral(lp, c.lhsContract, c.lhsBatch, rp, c.rhsContract, c.rhsBatch)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	exec, err := bld.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	toBuffer := func(values []float64, dims []int) backends.Buffer {
		var flat any
		if dtype == dtypes.Float32 {
			f := make([]float32, len(values))
			for i, v := range values {
				f[i] = float32(v)
			}
			flat = f
		} else {
			flat = slices.Clone(values)
		}
		buf, err := backend.BufferFromFlatData(0, flat, shapes.Make(dtype, dims...))
		if err != nil {
			t.Fatal(err)
		}
		return buf
	}
	outs, err := exec.Execute([]backends.Buffer{toBuffer(lhs, c.lhsDims), toBuffer(rhs, c.rhsDims)}, nil, 0)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	shape, _ := backend.BufferShape(outs[0])
	flat, _ := backend.BufferData(outs[0])
	var got []float64
	switch f := flat.(type) {
	case []float32:
		for _, v := range f {
			got = append(got, float64(v))
		}
	case []float64:
		got = slices.Clone(f)
	}
	_ = backend.BufferFinalize(outs[0])
	return got, shape.Dimensions
}

func randomValues(rng *rand.Rand, dims []int) []float64 {
	out := make([]float64, shapes.Make(dtypes.Float64, dims...).Size())
	for i := range out {
		out[i] = 2*rng.Float64() - 1
	}
	return out
}

func TestDotGeneralRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	backends := newTestBackends(t)
	for i := range 120 {
		c := randomDotCase(rng, i%4 == 3)
		for c.work() > 3e6 {
			c = randomDotCase(rng, i%4 == 3)
		}
		lhs, rhs := randomValues(rng, c.lhsDims), randomValues(rng, c.rhsDims)
		want, wantDims := c.reference(lhs, rhs)
		for name, backend := range backends {
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got, gotDims := runDotCase(t, backend, c, dtype, lhs, rhs)
				if !slices.Equal(gotDims, wantDims) {
					t.Fatalf("%s %s %s: dims %v, want %v", name, dtype, c, gotDims, wantDims)
				}
				tol := 1e-12
				if dtype == dtypes.Float32 {
					tol = 1e-5
				}
				checkValues(t, fmt.Sprintf("%s %s %s", name, dtype, c), got, want, tol)
			}
		}
	}
}

// TestDotGeneralLarge covers the cache blocking (several kc, mc and nc blocks) and the split
// over cores, with the layouts of a convolution's forward and gradient products.
func TestDotGeneralLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	cases := []dotCase{
		// forward: patches [B,H,W,9Cin] · kernel [9Cin, Cout]
		{lhsDims: []int{2, 9, 10, 290}, lhsContract: []int{3}, rhsDims: []int{290, 70}, rhsContract: []int{0}},
		// gradient w.r.t. patches: v [B,H,W,Cout] · kernel [9Cin,Cout] contracting Cout
		{lhsDims: []int{2, 9, 10, 70}, lhsContract: []int{3}, rhsDims: []int{290, 70}, rhsContract: []int{1}},
		// gradient w.r.t. the kernel: v [B,H,W,Cout] · patches [B,H,W,9Cin] contracting B,H,W
		{lhsDims: []int{3, 17, 19, 70}, lhsContract: []int{0, 1, 2}, rhsDims: []int{3, 17, 19, 290}, rhsContract: []int{0, 1, 2}},
		// the same with 64 output channels (transposed A packed 16 values at a time)
		{lhsDims: []int{3, 17, 19, 64}, lhsContract: []int{0, 1, 2}, rhsDims: []int{3, 17, 19, 100}, rhsContract: []int{0, 1, 2}},
		// wide N, small M (split over N), K beyond one block
		{lhsDims: []int{5, 600}, lhsContract: []int{1}, rhsDims: []int{600, 2100}, rhsContract: []int{0}},
		// few output columns (image channels): computed as C^T = B^T A^T
		{lhsDims: []int{2, 17, 19, 70}, lhsContract: []int{3}, rhsDims: []int{70, 3}, rhsContract: []int{0}},
		{lhsDims: []int{3, 17, 19, 70}, lhsContract: []int{0, 1, 2}, rhsDims: []int{3, 17, 19, 3}, rhsContract: []int{0, 1, 2}},
		{lhsDims: []int{2, 33, 9}, lhsContract: []int{1}, lhsBatch: []int{0}, rhsDims: []int{2, 33, 2}, rhsContract: []int{1}, rhsBatch: []int{0}},
		// batched
		{lhsDims: []int{4, 33, 65}, lhsContract: []int{2}, lhsBatch: []int{0}, rhsDims: []int{4, 65, 47}, rhsContract: []int{1}, rhsBatch: []int{0}},
	}
	backends := newTestBackends(t)
	for _, c := range cases {
		lhs, rhs := randomValues(rng, c.lhsDims), randomValues(rng, c.rhsDims)
		want, _ := c.reference(lhs, rhs)
		for name, backend := range backends {
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got, _ := runDotCase(t, backend, c, dtype, lhs, rhs)
				tol := 1e-11
				if dtype == dtypes.Float32 {
					tol = 2e-5
				}
				checkValues(t, fmt.Sprintf("%s %s %s", name, dtype, c), got, want, tol)
			}
		}
	}
}

// checkValues fails when got differs from want by more than tol relative to want's scale.
func checkValues(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, v := range want {
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			scale = max(scale, math.Abs(v))
		}
	}
	for i := range want {
		if got[i] == want[i] || (math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			continue
		}
		if d := math.Abs(got[i] - want[i]); d > tol*scale || math.IsNaN(d) {
			t.Fatalf("%s: element %d = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestPackRows4 checks the interleaving of 4 rows (SIMD where available) against its definition.
func TestPackRows4(t *testing.T) {
	a := make([]float32, 4*300)
	for i := range a {
		a[i] = float32(i)
	}
	for _, kc := range []int{1, 15, 16, 17, 37, 256, 300} {
		panel := make([]float32, 4*kc)
		packRows4(panel, a, 0, 300, 600, 900, kc)
		for k := range kc {
			for r := range 4 {
				if want := a[r*300+k]; panel[4*k+r] != want {
					t.Fatalf("kc=%d: panel[%d] = %g, want %g", kc, 4*k+r, panel[4*k+r], want)
				}
			}
		}
	}
}
