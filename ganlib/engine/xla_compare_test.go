package engine_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// float32RelTol bounds |float32 result - float64 reference| (and |pure Go - XLA|) relative to the
// largest magnitude of the reference tensor. Float32 rounds each operation to u = 2^-24 ≈ 6e-8,
// and the backends accumulate the chain's sums (at most 36 products per matrix product, then two
// rounds of differentiation) in different orders: XLA CPU vectorizes and fuses, pure Go blocks its
// matrix products. Measured on 2026-11-26 the worst output was 2.1e-7 (3.5 u) on either backend
// and between them; 2e-6 (~34 u) leaves a factor 10 for other CPUs' XLA code paths and is still
// 10^5 times smaller than an indexing mistake, which moves values by the order of the scale.
const float32RelTol = 2e-6

// im2col gathers the size x size patches of x [N, H, W, C] at the given stride into
// [N, Ho, Wo, size*size*C], patch position major and channel minor (the layout of a
// [size, size, C, O] kernel reshaped to a matrix).
func im2col(x *Node, size, stride int) *Node {
	dims := x.Shape().Dimensions
	ho, wo := (dims[1]-size)/stride+1, (dims[2]-size)/stride+1
	var cols []*Node
	for dy := range size {
		for dx := range size {
			cols = append(cols, Slice(x, AxisRange(),
				AxisRange(dy, dy+stride*(ho-1)+1).Stride(stride),
				AxisRange(dx, dx+stride*(wo-1)+1).Stride(stride)))
		}
	}
	return Concatenate(cols, 3)
}

// convDot is a valid convolution of x [N, H, W, C] with k [size, size, C, O] as one DotGeneral.
func convDot(x, k *Node, stride int) *Node {
	kd := k.Shape().Dimensions
	return DotGeneral(im2col(x, kd[0], stride), []int{3}, nil, Reshape(k, kd[0]*kd[1]*kd[2], kd[3]), []int{0}, nil)
}

// transposedConvChain is a transposed 3x3 convolution written as the primitives its gradient
// graphs are made of (interior and edge Pad, including a negative edge that crops; Reverse of the
// kernel; strided Slices; Concatenate; DotGeneral), a leaky ReLU, and a strided 3x3 convolution.
func transposedConvChain(x, k1, k2 *Node) *Node {
	zero := ScalarZero(x.Graph(), x.DType())
	h := Pad(x, zero, backends.PadAxis{}, backends.PadAxis{Start: 1, End: 1, Interior: 1}, backends.PadAxis{Start: 2, End: -1, Interior: 1})
	h = convDot(h, Reverse(k1, 0, 1), 1)
	h = Max(h, MulScalar(h, 0.2))
	return convDot(h, k2, 2)
}

// chainOutputs builds the chain's value, its first-order gradients for a weighted sum of the
// output, and the second-order gradients of a gradient penalty (sum of the squared input
// gradient) with respect to both kernels: every graph WGAN-GP training runs through these ops.
func chainOutputs(in []*Node) []*Node {
	x, k1, k2, weights := in[0], in[1], in[2], in[3]
	y := transposedConvChain(x, k1, k2)
	grads := Gradient(ReduceAllSum(Mul(y, weights)), x, k1, k2)
	penalty := ReduceAllSum(Square(grads[0]))
	second := Gradient(penalty, k1, k2)
	return []*Node{y, grads[0], grads[1], grads[2], penalty, second[0], second[1]}
}

var chainOutputNames = []string{"y", "dL/dx", "dL/dk1", "dL/dk2", "penalty", "dP/dk1", "dP/dk2"}

// runChain runs chainOutputs on backend in dtype from the same float64 inputs (rounded to dtype),
// returning every output as float64.
func runChain(t *testing.T, backend backends.Backend, dtype dtypes.DType, inputs []*tensors.Tensor) [][]float64 {
	t.Helper()
	args := make([]any, len(inputs))
	for i, x := range inputs {
		flat := tensors.MustCopyFlatData[float64](x)
		dims := x.Shape().Dimensions
		if dtype == dtypes.Float32 {
			flat32 := make([]float32, len(flat))
			for j, v := range flat {
				flat32[j] = float32(v)
			}
			args[i] = tensors.FromFlatDataAndDimensions(flat32, dims...)
		} else {
			args[i] = tensors.FromFlatDataAndDimensions(flat, dims...)
		}
	}
	exec := MustNewExec(backend, chainOutputs)
	defer exec.Finalize()
	outs := exec.MustExec(args...)
	result := make([][]float64, len(outs))
	for i, out := range outs {
		if dtype == dtypes.Float32 {
			for _, v := range tensors.MustCopyFlatData[float32](out) {
				result[i] = append(result[i], float64(v))
			}
		} else {
			result[i] = tensors.MustCopyFlatData[float64](out)
		}
	}
	return result
}

// maxRelDiff returns max|got - want| / max|scale|, and fails t if the lengths differ or scale is
// all zeros (a comparison of zeros proves nothing).
func maxRelDiff(t *testing.T, what string, got, want, scale []float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	maxAbs, maxDiff := 0.0, 0.0
	for i := range want {
		maxAbs = max(maxAbs, math.Abs(scale[i]))
		maxDiff = max(maxDiff, math.Abs(got[i]-want[i]))
	}
	if maxAbs == 0 {
		t.Fatalf("%s: the float64 reference is all zeros", what)
	}
	return maxDiff / maxAbs
}

// chainInputs are the inputs of the chain runChain computes.
func chainInputs() []*tensors.Tensor {
	rng := rand.New(rand.NewPCG(11, 5))
	x := gradcheck.RandomInput(rng, 2, 6, 5, 3)
	k1 := gradcheck.RandomInput(rng, 3, 3, 3, 4)
	k2 := gradcheck.RandomInput(rng, 3, 3, 4, 2)
	// Output [2, 5, 3, 2]: (6*2-1+2-2)=11 rows and (5*2-1+2-1-2)=8 columns after the first
	// convolution, then a stride-2 valid 3x3 convolution.
	weights := gradcheck.RandomInput(rng, 2, 5, 3, 2)
	return []*tensors.Tensor{x, k1, k2, weights}
}

// TestFloat32MatchesFloat64 runs the Pad/Reverse/DotGeneral chain, with first- and second-order
// gradients, in float32 on each backend (pure Go always, XLA where its plugin loads) and checks
// it against the float64 pure-Go result: within float32 rounding, and not exactly equal (a
// float64 side that ran in float32 would be).
func TestFloat32MatchesFloat64(t *testing.T) {
	inputs := chainInputs()
	reference := runChain(t, gradcheck.PureGo(), dtypes.Float64, inputs)
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		got := runChain(t, backend, dtypes.Float32, inputs)
		for i, name := range chainOutputNames {
			diff := maxRelDiff(t, name+" float32 vs float64", got[i], reference[i], reference[i])
			t.Logf("%-8s %3d values: max |diff|/max|ref| %.2g (tolerance %.0g)", name, len(reference[i]), diff, float32RelTol)
			if diff > float32RelTol || diff < 1e-12 {
				t.Errorf("%s: float32 differs from float64 by %.3g of the largest magnitude, want float32 rounding (1e-12 to %g)", name, diff, float32RelTol)
			}
		}
	})
}

// TestXLAMatchesPureGoFloat32 runs the same chain in float32 on pure Go and on XLA and checks
// them against each other.
func TestXLAMatchesPureGoFloat32(t *testing.T) {
	xla := gradcheck.XLA(t)
	inputs := chainInputs()
	reference := runChain(t, gradcheck.PureGo(), dtypes.Float64, inputs)
	pureGo := runChain(t, gradcheck.PureGo(), dtypes.Float32, inputs)
	onXLA := runChain(t, xla, dtypes.Float32, inputs)
	for i, name := range chainOutputNames {
		between := maxRelDiff(t, name+" pure Go vs XLA float32", pureGo[i], onXLA[i], reference[i])
		t.Logf("%-8s %3d values: pure Go vs XLA max |diff|/max|ref| %.2g (tolerance %.0g)", name, len(reference[i]), between, float32RelTol)
		if between > float32RelTol {
			t.Errorf("%s: pure Go and XLA float32 results differ by %.3g of the largest magnitude (tolerance %g)", name, between, float32RelTol)
		}
	}
}
