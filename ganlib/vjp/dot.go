package vjp

import (
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26.0 computes the gradient of DotGeneral by broadcasting both factors to the full
// [batch, lhs-cross, rhs-cross, contracted] product and reducing it: for an im2col convolution
// that materializes batch*H*W*Cout*9*Cin values and made a small discriminator's WGAN-GP step
// spend over 90% of its time in broadcast multiplies and reductions. The gradient of a matrix
// product is two matrix products; this registers exactly that (and, being DotGeneral again,
// it differentiates to any order).
func init() {
	VJPRegistration[NodeTypeDotGeneral] = func(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
		return dotGeneralVJP(node, vjps[0])
	}
}

// dotOperand describes one DotGeneral operand's axes.
type dotOperand struct {
	x                         *Node
	contracting, batch, cross []int
}

func newDotOperand(x *Node, contracting, batch []int) dotOperand {
	used := make([]bool, x.Rank())
	for _, axis := range contracting {
		used[axis] = true
	}
	for _, axis := range batch {
		used[axis] = true
	}
	var cross []int
	for axis, isUsed := range used {
		if !isUsed {
			cross = append(cross, axis)
		}
	}
	return dotOperand{x: x, contracting: contracting, batch: batch, cross: cross}
}

func intsParam(node *Node, field string) []int {
	value := nodeParams(node, field)
	list := make([]int, value.Len())
	for i := range list {
		list[i] = int(value.Index(i).Int())
	}
	return list
}

// dotGeneralVJP: with out = [batch..., lhsCross..., rhsCross...] = DotGeneral(lhs, rhs), the
// adjoint of lhs contracts v's rhsCross axes with rhs's cross axes (batch axes stay batch), which
// leaves [batch..., lhsCross..., rhs's contracting axes in increasing order]; a transpose puts
// those back where lhs has them. Symmetrically for rhs.
func dotGeneralVJP(node, v *Node) []*Node {
	lhs := newDotOperand(node.Inputs()[0], intsParam(node, "lhsContractingAxes"), intsParam(node, "lhsBatchAxes"))
	rhs := newDotOperand(node.Inputs()[1], intsParam(node, "rhsContractingAxes"), intsParam(node, "rhsBatchAxes"))
	numBatch := len(lhs.batch)
	vBatch := axisRange(0, numBatch)
	vLHSCross := axisRange(numBatch, numBatch+len(lhs.cross))
	vRHSCross := axisRange(numBatch+len(lhs.cross), v.Rank())
	return []*Node{
		adjoint(v, vBatch, vLHSCross, vRHSCross, lhs, rhs),
		adjoint(v, vBatch, vRHSCross, vLHSCross, rhs, lhs),
	}
}

// adjoint computes the adjoint of `this` operand: DotGeneral(v, other) contracting v's
// otherCross axes with other's cross axes, then transposed to this's axis order.
func adjoint(v *Node, vBatch, vThisCross, vOtherCross []int, this, other dotOperand) *Node {
	product := DotGeneral(v, vOtherCross, vBatch, other.x, other.cross, other.batch)
	// product axes: [batch..., this cross..., other's contracting axes in increasing order].
	// Each other contracting axis pairs with this.contracting at the same index.
	position := make([]int, this.x.Rank()) // position[thisAxis] = axis in product
	for i, axis := range this.batch {
		position[axis] = i
	}
	for i, axis := range this.cross {
		position[axis] = len(vBatch) + i
	}
	for i, otherAxis := range slices.Sorted(slices.Values(other.contracting)) {
		for k, axis := range other.contracting {
			if axis == otherAxis {
				position[this.contracting[k]] = len(vBatch) + len(vThisCross) + i
			}
		}
	}
	identity := true
	for axis, p := range position {
		identity = identity && axis == p
	}
	if identity {
		return product
	}
	return TransposeAllAxes(product, position...)
}

func axisRange(from, to int) []int {
	list := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		list = append(list, i)
	}
	return list
}
