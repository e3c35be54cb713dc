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
	if x.Rank() != 4 || kernel.Rank() != 4 {
		panic(errors.Errorf("ops.Conv2D: want x [B,H,W,Cin] and kernel [kh,kw,Cin,Cout], got x %s and kernel %s",
			x.Shape(), kernel.Shape()))
	}
	kh, kw, cin, cout := kernel.Shape().Dimensions[0], kernel.Shape().Dimensions[1], kernel.Shape().Dimensions[2], kernel.Shape().Dimensions[3]
	if x.Shape().Dimensions[3] != cin {
		panic(errors.Errorf("ops.Conv2D: x %s has %d channels but kernel %s expects %d", x.Shape(), x.Shape().Dimensions[3], kernel.Shape(), cin))
	}
	if padding != (Padding{}) {
		x = Pad(x, ScalarZero(x.Graph(), x.DType()),
			backends.PadAxis{}, backends.PadAxis{Start: padding[0][0], End: padding[0][1]},
			backends.PadAxis{Start: padding[1][0], End: padding[1][1]})
	}
	h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	outH, outW := h-kh+1, w-kw+1
	if outH <= 0 || outW <= 0 {
		panic(errors.Errorf("ops.Conv2D: kernel %dx%d larger than padded input %dx%d (x %s, padding %v)", kh, kw, h, w, x.Shape(), padding))
	}
	patches := x
	if kh != 1 || kw != 1 {
		windows := make([]*Node, 0, kh*kw)
		for dy := range kh {
			for dx := range kw {
				windows = append(windows, Slice(x, AxisRange(), AxisRange(dy, dy+outH), AxisRange(dx, dx+outW), AxisRange()))
			}
		}
		patches = Concatenate(windows, 3)
	}
	flatKernel := Reshape(kernel, kh*kw*cin, cout)
	return DotGeneral(patches, []int{3}, nil, flatKernel, []int{0}, nil)
}
