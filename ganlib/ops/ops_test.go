package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// image is a float64 [B,H,W,C] host tensor for reference computations.
type image struct {
	b, h, w, c int
	v          []float64
}

func (im image) at(n, y, x, ch int) float64 { return im.v[((n*im.h+y)*im.w+x)*im.c+ch] }

func toImage(t *tensors.Tensor) image {
	d := t.Shape().Dimensions
	return image{d[0], d[1], d[2], d[3], tensors.MustCopyFlatData[float64](t)}
}

// run executes fn once on backend with the given inputs.
func run(backend backends.Backend, fn func([]*Node) *Node, inputs ...*tensors.Tensor) *tensors.Tensor {
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	return MustNewExec(backend, fn).MustExec(args...)[0]
}

// assertClose fails if got and want differ by more than tol anywhere.
func assertClose(t *testing.T, what string, got *tensors.Tensor, want []float64, dims []int, tol float64) {
	t.Helper()
	if !equalDims(got.Shape().Dimensions, dims) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape().Dimensions, dims)
	}
	flat := tensors.MustCopyFlatData[float64](got)
	for i := range flat {
		if math.Abs(flat[i]-want[i]) > tol {
			t.Fatalf("%s: element %d = %.10g, want %.10g", what, i, flat[i], want[i])
		}
	}
}

func equalDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }
