package ops

import (
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// Padding of the two spatial axes: {{top, bottom}, {left, right}}.
type Padding [2][2]int

// SamePadding returns the padding that keeps the spatial size for an odd (or even: more at the
// end) kernel size, stride 1.
func SamePadding(kernelSize int) Padding {
	before := (kernelSize - 1) / 2
	after := kernelSize - 1 - before
	return Padding{{before, after}, {before, after}}
}

// Conv2D is a stride-1 2D convolution (cross-correlation, as in every deep-learning framework)
// of x [B, H, W, Cin] with kernel [kh, kw, Cin, Cout], zero-padded by padding, giving
// [B, H+pt+pb-kh+1, W+pl+pr-kw+1, Cout].
//
// It is computed as im2col: the kh*kw shifted windows of the padded input are concatenated along
// channels and multiplied by the kernel reshaped to [kh*kw*Cin, Cout] in one matrix product.
// That runs at matrix-product speed on the pure-Go backend, and its gradients (Slice -> Pad,
// Concatenate -> Slice, DotGeneral -> DotGeneral) are differentiable again, to any order.
func Conv2D(x, kernel *Node, padding Padding) *Node {
	return im2colConv("Conv2D", x, kernel, padding, 1, false)
}

// Conv2DStrided is Conv2D evaluated only at every stride-th position along both spatial axes:
// [B, (H+pt+pb-kh)/stride+1, (W+pl+pr-kw)/stride+1, Cout]. The windows are strided slices, so
// nothing is computed for the skipped positions and the gradients stay those of Conv2D
// (a strided Slice's gradient is an interior Pad).
func Conv2DStrided(x, kernel *Node, padding Padding, stride int) *Node {
	return im2colConv("Conv2DStrided", x, kernel, padding, stride, false)
}

// im2colConv implements Conv2D and Conv2DStrided. With flip, the kernel is applied as a true
// convolution (tap (i, j) reads window offset (kh-1-i, kw-1-j)): the windows are concatenated in
// reverse order instead of reversing the kernel, which needs no extra op.
func im2colConv(op string, x, kernel *Node, padding Padding, stride int, flip bool) *Node {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		panic(errors.Errorf("ops.%s: want x [B,H,W,Cin] and kernel [kh,kw,Cin,Cout], got x %s and kernel %s",
			op, x.Shape(), kernel.Shape()))
	}
	if stride < 1 {
		panic(errors.Errorf("ops.%s: stride %d < 1", op, stride))
	}
	kh, kw, cin, cout := kernel.Shape().Dimensions[0], kernel.Shape().Dimensions[1], kernel.Shape().Dimensions[2], kernel.Shape().Dimensions[3]
	if x.Shape().Dimensions[3] != cin {
		panic(errors.Errorf("ops.%s: x %s has %d channels but kernel %s expects %d", op, x.Shape(), x.Shape().Dimensions[3], kernel.Shape(), cin))
	}
	unpadded := x.Shape()
	if padding != (Padding{}) {
		x = Pad(x, ScalarZero(x.Graph(), x.DType()),
			backends.PadAxis{}, backends.PadAxis{Start: padding[0][0], End: padding[0][1]},
			backends.PadAxis{Start: padding[1][0], End: padding[1][1]})
	}
	h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	if h < kh || w < kw {
		panic(errors.Errorf("ops.%s: kernel %dx%d larger than padded input %dx%d (x %s, padding %v)", op, kh, kw, h, w, unpadded, padding))
	}
	outH, outW := (h-kh)/stride+1, (w-kw)/stride+1
	patches := x
	if kh != 1 || kw != 1 || stride != 1 {
		windows := make([]*Node, 0, kh*kw)
		for i := range kh {
			for j := range kw {
				dy, dx := i, j
				if flip {
					dy, dx = kh-1-i, kw-1-j
				}
				windows = append(windows, Slice(x, AxisRange(), strided(dy, outH, stride), strided(dx, outW, stride), AxisRange()))
			}
		}
		patches = windows[0]
		if len(windows) > 1 {
			patches = Concatenate(windows, 3)
		}
	}
	flatKernel := Reshape(kernel, kh*kw*cin, cout)
	return DotGeneral(patches, []int{3}, nil, flatKernel, []int{0}, nil)
}

// strided selects n samples from start, stride apart. Stride 1 stays a plain slice, so Conv2D's
// graph is the one the fastgo engine's fusions recognize.
func strided(start, n, stride int) SliceAxisSpec {
	r := AxisRange(start, start+(n-1)*stride+1)
	if stride != 1 {
		r = r.Stride(stride)
	}
	return r
}
