package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// run executes fn once on backend with the given inputs.
func run(backend backends.Backend, fn func([]*Node) *Node, inputs ...*tensors.Tensor) *tensors.Tensor {
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	exec := MustNewExec(backend, fn)
	defer exec.Finalize()
	return exec.MustExec(args...)[0]
}

// assertClose fails if got and want differ in shape or by more than tol anywhere.
func assertClose(t *testing.T, what string, got *tensors.Tensor, want []float64, dims []int, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape().Dimensions, dims) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape().Dimensions, dims)
	}
	flat := tensors.MustCopyFlatData[float64](got)
	for i := range flat {
		if math.Abs(flat[i]-want[i]) > tol {
			t.Fatalf("%s: element %d = %.10g, want %.10g", what, i, flat[i], want[i])
		}
	}
}

// checkLinear runs the first-order check on a linear op and the full check on its square: a
// linear op's second derivative is zero (gradcheck rejects all-zero comparisons), while the second
// derivative of op(x)^2 is computed through the op's gradient graph, the path a gradient penalty
// differentiates.
func checkLinear(t *testing.T, backend backends.Backend, fn func([]*Node) *Node, inputs ...*tensors.Tensor) {
	t.Helper()
	gradcheck.Check(t, backend, fn, inputs, gradcheck.Options{FirstOrderOnly: true})
	squared := func(in []*Node) *Node { return Square(fn(in)) }
	gradcheck.Check(t, backend, squared, inputs, gradcheck.Options{})
}

// indexer converts between flat row-major indices and multi-indices of dims.
type indexer []int

func (dims indexer) multi(flat int) []int {
	idx := make([]int, len(dims))
	for axis := len(dims) - 1; axis >= 0; axis-- {
		idx[axis] = flat % dims[axis]
		flat /= dims[axis]
	}
	return idx
}

func (dims indexer) flat(idx []int) int {
	f := 0
	for axis, i := range idx {
		f = f*dims[axis] + i
	}
	return f
}

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// referencePad is XLA's Pad by definition: along each axis, operand element i lands at
// start + i*(interior+1) of the output (whose length is start + n + (n-1)*interior + end); every
// other position holds fill; positions outside the output (negative start/end) are dropped.
func referencePad(x []float64, dims []int, fill float64, cfg []backends.PadAxis) ([]float64, []int) {
	cfg = append(slices.Clone(cfg), make([]backends.PadAxis, len(dims)-len(cfg))...)
	outDims := make([]int, len(dims))
	for axis, n := range dims {
		c := cfg[axis]
		outDims[axis] = c.Start + n + (n-1)*c.Interior + c.End
	}
	out := make([]float64, size(outDims))
	for o := range out {
		src := indexer(outDims).multi(o)
		inside := true
		for axis, pos := range src {
			c := cfg[axis]
			p := pos - c.Start
			if p < 0 || p%(c.Interior+1) != 0 || p/(c.Interior+1) >= dims[axis] {
				inside = false
				break
			}
			src[axis] = p / (c.Interior + 1)
		}
		out[o] = fill
		if inside {
			out[o] = x[indexer(dims).flat(src)]
		}
	}
	return out, outDims
}

func TestPad(t *testing.T) {
	cases := []struct {
		dims []int
		cfg  []backends.PadAxis
	}{
		{[]int{3, 4}, []backends.PadAxis{{Start: 1, End: -1, Interior: 1}, {Start: -2, End: 2}}},
		// Cropping into interior fill: the first and last kept positions of axis 1 are fill.
		{[]int{3, 4}, []backends.PadAxis{{Start: 2, End: 1, Interior: 2}, {Start: -1, End: -1, Interior: 1}}},
		{[]int{2, 3, 2}, []backends.PadAxis{{Start: -1, End: 1, Interior: 1}, {Start: 1, End: -2, Interior: 1}, {Interior: 3}}},
		// Fewer axes configured than the rank: the rest are left alone.
		{[]int{2, 3, 2}, []backends.PadAxis{{Start: 1, End: 2}}},
		// Interior padding of a length-1 axis adds nothing.
		{[]int{1, 3}, []backends.PadAxis{{Start: 1, Interior: 2}, {End: -2}}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%v %v", tc.dims, tc.cfg), func(t *testing.T) {
				x := gradcheck.RandomInput(rand.New(rand.NewPCG(uint64(i), 1)), tc.dims...)
				fill := tensors.FromScalar(0.75)
				want, outDims := referencePad(tensors.MustCopyFlatData[float64](x), tc.dims, 0.75, tc.cfg)
				pad := func(in []*Node) *Node { return Pad(in[0], in[1], tc.cfg...) }
				assertClose(t, "Pad", run(backend, pad, x, fill), want, outDims, 0)
				// Gradients with respect to both the operand and the fill value.
				checkLinear(t, backend, pad, x, fill)
			})
		}
	})
}

func TestPadRejectsOvercrop(t *testing.T) {
	g := NewGraph(gradcheck.PureGo(), "overcrop")
	defer g.Finalize()
	x := Parameter(g, "x", shapes.Make(dtypes.Float64, 3, 4))
	defer func() {
		assertContains(t, "panic", fmt.Sprint(recover()), "negative padding (-2, -2)", "axis 0", "3 elements")
	}()
	Pad(x, ScalarZero(g, dtypes.Float64), backends.PadAxis{Start: -2, End: -2})
}

// TestPadWithoutOperandElements covers pads where nothing of the operand survives. Valid in XLA;
// the pure-Go Pad used to hand simplego's Concatenate an empty operand there, which crashes the
// whole process, and the gradient of a crop-to-empty pads an empty adjoint exactly that way.
func TestPadWithoutOperandElements(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		x := gradcheck.RandomInput(rand.New(rand.NewPCG(5, 5)), 2, 3)
		exec := MustNewExec(backend, func(x, fill *Node) []*Node {
			empty := Pad(x, fill, backends.PadAxis{Start: 1}, backends.PadAxis{End: -3})           // [3, 0]
			refilled := Pad(x, fill, backends.PadAxis{}, backends.PadAxis{Start: -3, End: 2})      // [2, 2] of fill
			fromEmpty := Pad(empty, fill, backends.PadAxis{Interior: 1}, backends.PadAxis{End: 1}) // [5, 1] of fill
			loss := Add(ReduceAllSum(empty), Add(ReduceAllSum(Square(refilled)), ReduceAllSum(fromEmpty)))
			grads := Gradient(loss, x, fill)
			return []*Node{empty, refilled, fromEmpty, grads[0], grads[1]}
		})
		defer exec.Finalize()
		out := exec.MustExec(x, 0.75)
		assertClose(t, "cropped to empty", out[0], nil, []int{3, 0}, 0)
		assertClose(t, "cropped then refilled", out[1], filled(0.75, 4), []int{2, 2}, 0)
		assertClose(t, "padded empty operand", out[2], filled(0.75, 5), []int{5, 1}, 0)
		assertClose(t, "d/dx", out[3], filled(0, 6), []int{2, 3}, 0)
		// d/dfill = 4 * 2 * 0.75 (squared refill) + 5 (fromEmpty).
		assertClose(t, "d/dfill", out[4], []float64{11}, nil, 1e-15)
	})
}

// filled returns n copies of v.
func filled(v float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// referenceReverse reverses the given axes by index arithmetic.
func referenceReverse(x []float64, dims []int, axes []int) []float64 {
	out := make([]float64, len(x))
	for o := range out {
		src := indexer(dims).multi(o)
		for _, axis := range axes {
			src[axis] = dims[axis] - 1 - src[axis]
		}
		out[o] = x[indexer(dims).flat(src)]
	}
	return out
}

func TestReverse(t *testing.T) {
	cases := []struct {
		dims, axes []int
	}{
		{[]int{3, 4}, []int{0}},
		{[]int{3, 4}, []int{1}},
		{[]int{3, 4}, []int{0, 1}},
		{[]int{2, 3, 2}, []int{2, 0}},
	}
	t.Run("empty", func(t *testing.T) {
		// Nothing to reverse; simplego's Concatenate would crash on the empty slices.
		empty := tensors.FromShape(shapes.Make(dtypes.Float64, 0, 3))
		reverse := func(in []*Node) *Node { return Reverse(in[0], 1) }
		assertClose(t, "Reverse", run(gradcheck.PureGo(), reverse, empty), nil, []int{0, 3}, 0)
	})
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%v axes %v", tc.dims, tc.axes), func(t *testing.T) {
				x := gradcheck.RandomInput(rand.New(rand.NewPCG(uint64(i), 2)), tc.dims...)
				want := referenceReverse(tensors.MustCopyFlatData[float64](x), tc.dims, tc.axes)
				reverse := func(in []*Node) *Node { return Reverse(in[0], tc.axes...) }
				assertClose(t, "Reverse", run(backend, reverse, x), want, tc.dims, 0)
				checkLinear(t, backend, reverse, x)
			})
		}
	})
}

// TestRsqrtGradient covers the Rsqrt gradient the engine registers (pixel norm and demodulation
// use Rsqrt).
func TestRsqrtGradient(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		// Inputs are made per backend: a tensor used on one backend cannot move to another.
		x := gradcheck.RandomInput(rand.New(rand.NewPCG(3, 3)), 2, 5)
		tensors.MutableFlatData(x, func(flat []float64) {
			for i := range flat {
				flat[i] += 1.5 // keep inputs in [0.5, 2.5), away from the pole at 0
			}
		})
		want := tensors.MustCopyFlatData[float64](x)
		for i, v := range want {
			want[i] = 1 / math.Sqrt(v)
		}
		rsqrt := func(in []*Node) *Node { return Rsqrt(in[0]) }
		assertClose(t, "Rsqrt", run(backend, rsqrt, x), want, []int{2, 5}, 1e-15)
		gradcheck.Check(t, backend, rsqrt, []*tensors.Tensor{x}, gradcheck.Options{})
	})
}

// TestGoMLXConvolveSecondOrder differentiates twice through GoMLX's own graph.Convolve (3x3, same
// padding, strides left unset). Its gradient uses Reverse (no VJP in GoMLX v0.26.0, no kernel in
// simplego) and convolutions with empty strides (rejected by simplego's shape inference): this
// package supplies both, so a gradient penalty through Convolve must match finite differences.
func TestGoMLXConvolveSecondOrder(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		rng := rand.New(rand.NewPCG(4, 4))
		x := gradcheck.RandomInput(rng, 2, 5, 4, 2)
		kernel := gradcheck.RandomInput(rng, 3, 3, 2, 3)
		inputs := []*tensors.Tensor{x, kernel}
		convolve := func(in []*Node) *Node { return Convolve(in[0], in[1]).PadSame().Done() }
		// ops.Conv2D is checked against a loop reference in ganlib/ops.
		im2col := func(in []*Node) *Node { return ops.Conv2D(in[0], in[1], ops.SamePadding(3)) }
		want := tensors.MustCopyFlatData[float64](run(backend, im2col, x, kernel))
		assertClose(t, "Convolve", run(backend, convolve, x, kernel), want, []int{2, 5, 4, 3}, 1e-13)

		t.Run("first order", func(t *testing.T) {
			gradcheck.Check(t, backend, convolve, inputs, gradcheck.Options{FirstOrderOnly: true})
		})
		t.Run("penalty on the input gradient", func(t *testing.T) {
			// The shape of WGAN-GP and R1: a function of d/dx, differentiated with respect to x and
			// the kernel. Squaring the output makes d/dx depend on x as well as on the kernel.
			penalty := func(in []*Node) *Node {
				grad := Gradient(ReduceAllSum(Square(convolve(in))), in[0])[0]
				return ReduceAllSum(Square(grad))
			}
			gradcheck.Check(t, backend, penalty, inputs, gradcheck.Options{FirstOrderOnly: true})
		})
		t.Run("through the kernel gradient", func(t *testing.T) {
			// gradcheck's second order also differentiates d/dkernel, which GoMLX v0.26.0 cannot do.
			// Once it can, this runs as a real check.
			msg := panicMessage(func() { gradcheck.Check(t, backend, convolve, inputs, gradcheck.Options{}) })
			if strings.Contains(msg, `invalid Gradient calculation for node "ConvGeneral`) &&
				strings.Contains(msg, "calculated AccumulatedVJP shape=(Float64)[5 3 3 2] (wanted (Float64)[2 5 4 2])") {
				t.Skip("GoMLX v0.26.0 bug: the gradient of Convolve's kernel gradient panics while the graph is built " +
					"(so on every backend). The kernel gradient is a convolution with permuted axes " +
					"(input batch and channels swapped); GoMLX's input-gradient rule (convVJPWrtX) reads the " +
					"adjoint with the forward input-axes layout and writes the result in the output-axes layout, " +
					"which is right only when the two coincide: here it yields [5 3 3 2] for x [2 5 4 2]. " +
					"Gradient penalties (a function of d/dx) are unaffected, see the subtest above.")
			}
			if msg != "" {
				t.Fatalf("second-order check through Convolve panicked: %s", msg)
			}
		})
	})
}

// panicMessage runs fn and returns what it panicked with, or "" if it returned.
func panicMessage(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	fn()
	return ""
}
