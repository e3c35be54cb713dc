package losses

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Three weights whose column Gram matrices are worked out by hand:
//
//	dense [3, 2] rows (1, 2), (0, 1), (1, 0): columns (1, 0, 1), (2, 1, 0), W^T W = [[2, 2], [2, 5]],
//	  off-diagonal squares 2 * 2^2 = 8;
//	conv [1, 1, 2, 2] = [[1, 2], [3, 4]] as [fanIn 2, out 2]: columns (1, 3), (2, 4), inner product 14,
//	  2 * 14^2 = 392;
//	dense [2, 3] rows (1, 0, 1), (1, 1, 0): columns (1, 1), (0, 1), (1, 0), inner products 1, 1, 0,
//	  2 * (1 + 1 + 0) = 4.
//
// Total 404 beta. The gradient for the first weight is 4 beta W (W^T W ⊙ (1 - I)) =
// 4 beta [[1, 2], [0, 1], [1, 0]] [[0, 2], [2, 0]] = 4 beta [[4, 2], [2, 0], [0, 2]].
func TestOrthogonalRegularizationByHand(t *testing.T) {
	dense := tensors.FromFlatDataAndDimensions([]float64{1, 2, 0, 1, 1, 0}, 3, 2)
	conv := tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4}, 1, 1, 2, 2)
	wide := tensors.FromFlatDataAndDimensions([]float64{1, 0, 1, 1, 1, 0}, 2, 3)
	const beta = BigGANOrthogonalBeta
	outputs := MustNewExec(gradcheck.PureGo(), func(in []*Node) []*Node {
		penalty := OrthogonalRegularization(beta, in...)
		return []*Node{penalty, Gradient(penalty, in[0])[0]}
	}).MustExec(dense, conv, wide)
	assertNear(t, "penalty", tensors.ToScalar[float64](outputs[0]), 404*beta)
	grad := tensors.MustCopyFlatData[float64](outputs[1])
	for i, want := range []float64{4, 2, 2, 0, 0, 2} {
		if math.Abs(grad[i]-4*beta*want) > 1e-15 {
			t.Fatalf("gradient %v, want 4 beta [4 2 2 0 0 2]", grad)
		}
	}
}
