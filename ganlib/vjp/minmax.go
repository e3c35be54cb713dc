package vjp

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26.0 computes the gradient of Max and Min (the leaky ReLU here is Max(x, slope·x))
// with an indicator built from two Signs, two additions and two products: seven passes over the
// activations per gradient, and more in the gradient penalty's second differentiation. The same
// gradient is a comparison and two selections, registered here for every backend: the adjoint
// goes to the first operand where it is the max (the min for Min), ties included (as GoMLX's),
// and to the second elsewhere.
func init() {
	VJPRegistration[NodeTypeMax] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		return minMaxVJP(node, vjps[0], true)
	}
	VJPRegistration[NodeTypeMin] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		return minMaxVJP(node, vjps[0], false)
	}
}

func minMaxVJP(node, v *Node, isMax bool) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	var first *Node
	if isMax {
		first = GreaterOrEqual(lhs, rhs)
	} else {
		first = LessOrEqual(lhs, rhs)
	}
	zero := ScalarZero(v.Graph(), v.DType())
	return []*Node{
		reduceToShape(Where(first, v, zero), lhs.Shape()),
		reduceToShape(Where(first, zero, v), rhs.Shape()),
	}
}

// reduceToShape sums an adjoint of the broadcast output shape back to an operand's shape.
func reduceToShape(v *Node, shape shapes.Shape) *Node {
	if v.Shape().Equal(shape) {
		return v
	}
	if shape.IsScalar() {
		return ReduceAllSum(v)
	}
	var axes []int
	for axis, dim := range shape.Dimensions {
		if dim == 1 && v.Shape().Dimensions[axis] > 1 {
			axes = append(axes, axis)
		}
	}
	return Reshape(ReduceSum(v, axes...), shape.Dimensions...)
}
