package vjp

import (
	"reflect"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// GoMLX v0.26.0 registers no gradient for Pad, Reverse and Rsqrt. Pad is the gradient of Slice
// (and so of Concatenate's gradient), Reverse appears in the gradient of convolutions: without
// these, the gradient of a gradient (WGAN-GP, R1, path length) fails. Rsqrt is in pixel norm and
// demodulation. Their gradients are again Pad, Slice, Reverse and elementwise ops, so derivatives
// of any order work.
func init() {
	VJPRegistration[NodeTypeRsqrt] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		// d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 rsqrt(x)^3.
		y := node
		return []*Node{Mul(vjps[0], MulScalar(Mul(Square(y), y), -0.5))}
	}
	VJPRegistration[NodeTypePad] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		return padVJP(node, vjps[0])
	}
	VJPRegistration[NodeTypeReverse] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		return []*Node{Reverse(vjps[0], reverseAxes(node)...)}
	}
}

// nodeParams returns the (unexported) parameter struct GoMLX keeps for a node, read by reflection.
// GoMLX is pinned at v0.26.0; TestVJPReflection fails loudly if its layout changes.
func nodeParams(node *Node, field string) reflect.Value {
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !inputs.IsValid() || inputs.IsNil() {
		panic(errors.Errorf("ganlib/engine: GoMLX Node has no 'inputs' parameters (GoMLX version changed?) for %s", node))
	}
	value := inputs.Elem().Elem().FieldByName(field)
	if !value.IsValid() {
		panic(errors.Errorf("ganlib/engine: GoMLX node %s has no parameter %q (GoMLX version changed?)", node, field))
	}
	return value
}

// padAxes reads the PadAxis configuration of a Pad node.
func padAxes(node *Node) []backends.PadAxis {
	value := nodeParams(node, "axesConfig")
	axes := make([]backends.PadAxis, value.Len())
	for i := range axes {
		cfg := value.Index(i)
		axes[i] = backends.PadAxis{
			Start:    int(cfg.FieldByName("Start").Int()),
			End:      int(cfg.FieldByName("End").Int()),
			Interior: int(cfg.FieldByName("Interior").Int()),
		}
	}
	return axes
}

// reverseAxes reads the axes of a Reverse node.
func reverseAxes(node *Node) []int {
	value := nodeParams(node, "axes")
	axes := make([]int, value.Len())
	for i := range axes {
		axes[i] = int(value.Index(i).Int())
	}
	return axes
}

// padVJP: the operand's adjoint is the incoming adjoint at the operand's positions (a strided
// slice, after zero-padding the parts that negative padding cropped away); the fill value's
// adjoint is the sum over all other positions.
func padVJP(node, v *Node) []*Node {
	x := node.Inputs()[0]
	axes := padAxes(node)
	rank := x.Rank()
	cropped := make([]backends.PadAxis, rank)
	needsCrop := false
	for axis, cfg := range axes {
		cropped[axis] = backends.PadAxis{Start: max(-cfg.Start, 0), End: max(-cfg.End, 0)}
		needsCrop = needsCrop || cropped[axis].Start > 0 || cropped[axis].End > 0
	}
	if needsCrop {
		v = Pad(v, ScalarZero(v.Graph(), v.DType()), cropped...)
	}
	specs := make([]SliceAxisSpec, rank)
	for axis := range rank {
		specs[axis] = AxisRange()
		if axis >= len(axes) {
			continue
		}
		cfg := axes[axis]
		start := max(cfg.Start, 0)
		n := x.Shape().Dimensions[axis]
		limit := start + (n-1)*(cfg.Interior+1) + 1
		if n == 0 {
			limit = start
		}
		specs[axis] = AxisRange(start, limit).Stride(cfg.Interior + 1)
	}
	vjpX := Slice(v, specs...)
	vjpFill := Sub(ReduceAllSum(v), ReduceAllSum(vjpX))
	return []*Node{vjpX, vjpFill}
}
