package fastgo_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/engine/fastgo"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// im2colConv is a same-padded 3x3 convolution as ops.Conv2D builds it (Pad, 9 Slices,
// Concatenate, one DotGeneral).
func im2colConv(x, kernel *Node) *Node {
	kh, kw, cin, cout := kernel.Shape().Dimensions[0], kernel.Shape().Dimensions[1], kernel.Shape().Dimensions[2], kernel.Shape().Dimensions[3]
	x = Pad(x, ScalarZero(x.Graph(), x.DType()), backends.PadAxis{}, backends.PadAxis{Start: 1, End: 1},
		backends.PadAxis{Start: 1, End: 1})
	h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	outH, outW := h-kh+1, w-kw+1
	var windows []*Node
	for dy := range kh {
		for dx := range kw {
			windows = append(windows, Slice(x, AxisRange(), AxisRange(dy, dy+outH), AxisRange(dx, dx+outW), AxisRange()))
		}
	}
	return DotGeneral(Concatenate(windows, 3), []int{3}, nil, Reshape(kernel, kh*kw*cin, cout), []int{0}, nil)
}

// fusionCases are graphs whose results must not change with the fusion pass, with the rewrites
// each exists to exercise.
var fusionCases = map[string]struct {
	rewrites []fastgo.Rewrite
	dims     [][]int
	fn       func(in []*Node) []*Node
}{
	"conv forward and gradients": {[]fastgo.Rewrite{fastgo.RewriteAccumulate, fastgo.RewriteFold, fastgo.RewriteView}, [][]int{{2, 5, 6, 3}, {3, 3, 3, 4}, {2, 5, 6, 4}}, func(in []*Node) []*Node {
		y := im2colConv(in[0], in[1])
		loss := ReduceAllSum(Mul(y, in[2]))
		return append([]*Node{y}, Gradient(loss, in[0], in[1])...)
	}},
	"conv with 33 channels (A read in place)": {[]fastgo.Rewrite{fastgo.RewriteAccumulate, fastgo.RewriteFold, fastgo.RewriteView}, [][]int{{2, 7, 9, 33}, {3, 3, 33, 40}, {2, 7, 9, 40}}, func(in []*Node) []*Node {
		y := im2colConv(in[0], in[1])
		loss := ReduceAllSum(Mul(y, in[2]))
		return append([]*Node{y}, Gradient(loss, in[0], in[1])...)
	}},
	"gradient penalty through two convs": {[]fastgo.Rewrite{fastgo.RewriteAccumulate, fastgo.RewriteFold, fastgo.RewriteView, fastgo.RewriteElementwise}, [][]int{{2, 6, 5, 2}, {3, 3, 2, 3}, {3, 3, 3, 2}}, func(in []*Node) []*Node {
		h := im2colConv(in[0], in[1])
		h = Max(h, MulScalar(h, 0.2))
		score := ReduceAllSum(im2colConv(h, in[2]))
		gx := Gradient(score, in[0])[0]
		penalty := ReduceAllSum(Square(gx))
		return append([]*Node{penalty}, Gradient(penalty, in[1], in[2])...)
	}},
	"pad gradient": {[]fastgo.Rewrite{fastgo.RewriteElementwise}, [][]int{{3, 4}, {}}, func(in []*Node) []*Node {
		y := Pad(in[0], in[1], backends.PadAxis{Start: 1, End: -1, Interior: 1}, backends.PadAxis{Start: -2, End: 2})
		loss := ReduceAllSum(Square(y))
		return append([]*Node{y}, Gradient(loss, in[0], in[1])...)
	}},
	"accumulation onto a broadcast": {[]fastgo.Rewrite{fastgo.RewriteAccumulate}, [][]int{{3, 4}, {}}, func(in []*Node) []*Node {
		padded := Pad(in[0], ScalarZero(in[0].Graph(), in[0].DType()), backends.PadAxis{Start: 1, End: 2}, backends.PadAxis{Start: 2})
		y := Add(BroadcastToDims(Reshape(in[1], 1, 1), 6, 6), padded)
		return []*Node{y}
	}},
	"reshapes around in-place elementwise ops": {[]fastgo.Rewrite{fastgo.RewriteReshape, fastgo.RewriteElementwise}, [][]int{{2, 1, 1, 3}}, func(in []*Node) []*Node {
		a := MulScalar(Reshape(Neg(in[0]), 2, 3), 2) // may write into Neg's buffer, shaped [2 1 1 3]
		b := Reshape(a, 2, 1, 3)                     // a simplego Reshape checks its input's shape
		return []*Node{Exp(b), Reshape(Neg(b), 6)}
	}},
	"broadcast operands of elementwise ops": {[]fastgo.Rewrite{fastgo.RewriteBroadcast, fastgo.RewriteElementwise}, [][]int{{3, 4, 5}, {4, 1}, {}}, func(in []*Node) []*Node {
		g := in[0].Graph()
		b := BroadcastToDims(Reshape(in[1], 1, 4, 1), 3, 4, 5) // a bias-like broadcast
		s := BroadcastToDims(in[2], 3, 4, 5)                   // a broadcast scalar
		zeros := ZerosLike(in[0])
		y := Mul(Add(in[0], b), s)
		z := Where(GreaterOrEqual(y, ScalarZero(g, y.DType())), y, zeros)
		w := Sub(BroadcastToDims(Reshape(in[1], 1, 4, 1), 3, 4, 5), z)
		return append([]*Node{z, w}, Gradient(ReduceAllSum(Square(Add(z, w))), in[0], in[1], in[2])...)
	}},
	"transposed and sliced operands": {[]fastgo.Rewrite{fastgo.RewriteFold, fastgo.RewriteView}, [][]int{{4, 7, 5}, {5, 6}}, func(in []*Node) []*Node {
		a := Slice(TransposeAllAxes(in[0], 2, 0, 1), AxisRange(), AxisRange(1, 4), AxisRange(0, 7).Stride(2))
		b := Reverse(in[1], 0)
		y := DotGeneral(a, []int{0}, nil, b, []int{0}, nil)
		return append([]*Node{y}, Gradient(ReduceAllSum(Square(y)), in[0], in[1])...)
	}},
}

// completedBackends returns fastgo backends (portable and, where available, SIMD kernels) over
// ganlib/engine's completed simplego backend (which has the Pad and Reverse gradients' ops).
func completedBackends(t testing.TB) map[string]backends.Backend {
	t.Helper()
	base, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	inner := base
	if fast, ok := base.(*fastgo.Backend); ok {
		inner = fast.Inner()
	}
	out := map[string]backends.Backend{"portable": fastgo.New(inner, fastgo.Options{Portable: true})}
	if fastgo.SIMD() {
		out["simd"] = fastgo.New(inner, fastgo.Options{})
	}
	return out
}

func TestFusionPreservesResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for name, c := range fusionCases {
		for bname, backend := range completedBackends(t) {
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				inputs := make([]any, len(c.dims))
				for i, d := range c.dims {
					t := tensors.FromShape(shapes.Make(dtype, d...))
					values := make([]float64, shapes.Make(dtype, d...).Size())
					for j := range values {
						values[j] = 2*rng.Float64() - 1
					}
					if dtype == dtypes.Float32 {
						tensors.MustMutableFlatData(t, func(flat []float32) {
							for j := range flat {
								flat[j] = float32(values[j])
							}
						})
					} else {
						tensors.MustMutableFlatData(t, func(flat []float64) { copy(flat, values) })
					}
					inputs[i] = t
				}
				run := func(fused bool) [][]float64 {
					fastgo.SetFusion(fused)
					defer fastgo.SetFusion(true)
					exec := MustNewExec(backend, c.fn)
					defer exec.Finalize()
					outs := exec.MustExec(inputs...)
					var values [][]float64
					for _, o := range outs {
						values = append(values, fastgo.ToFloat64s(o.Value()))
					}
					return values
				}
				want := run(false)
				before := make([]int64, len(c.rewrites))
				for k, r := range c.rewrites {
					before[k] = fastgo.RewriteCount(r)
				}
				got := run(true)
				// A comparison with fusion on proves nothing unless the rewrites happened.
				for k, r := range c.rewrites {
					if fastgo.RewriteCount(r) == before[k] {
						t.Errorf("%s %s %s: the %s rewrite was not applied", name, bname, dtype, r)
					}
				}
				for i := range want {
					fastgo.CheckValues(t, fmt.Sprintf("%s %s %s output %d", name, bname, dtype, i), got[i], want[i], 1e-5)
				}
			}
		}
	}
}
