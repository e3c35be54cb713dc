package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
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

// fromFlat wraps reference data as a host tensor (kernels and images built by the tests).
func fromFlat(flat []float64, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(slices.Clone(flat), dims...)
}

// squared returns fn's output squared. Linear ops have a zero second derivative, so gradcheck's
// second-order check of the op alone compares zeros (and rejects that as proving nothing); for
// op(x)^2 the second-order gradient flows back through the op's own gradient graph, which is what
// a gradient penalty differentiates.
func squared(fn func([]*Node) *Node) func([]*Node) *Node {
	return func(in []*Node) *Node { return Square(fn(in)) }
}

// checkLinear runs the first-order check on a linear op and the full check on its square.
func checkLinear(t *testing.T, backend backends.Backend, fn func([]*Node) *Node, inputs ...*tensors.Tensor) {
	t.Helper()
	gradcheck.Check(t, backend, fn, inputs, gradcheck.Options{FirstOrderOnly: true})
	gradcheck.Check(t, backend, squared(fn), inputs, gradcheck.Options{})
}

// panicMessage builds fn on a float64 parameter of the given shape and returns the message it
// panics with, failing t if it does not panic.
func panicMessage(t *testing.T, backend backends.Backend, dims []int, fn func(x *Node)) (msg string) {
	t.Helper()
	g := NewGraph(backend, "panic")
	defer g.Finalize()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic for input %v", dims)
		}
		msg = fmt.Sprint(r)
	}()
	fn(Parameter(g, "x", shapes.Make(dtypes.Float64, dims...)))
	return ""
}

// assertContains fails t unless s contains every one of parts.
func assertContains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(s, part) {
			t.Errorf("%s %q does not contain %q", what, s, part)
		}
	}
}
