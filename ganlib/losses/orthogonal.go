package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// BigGANOrthogonalBeta is BigGAN's orthogonal regularization weight.
const BigGANOrthogonalBeta = 1e-4

// OrthogonalRegularization is BigGAN's modified orthogonal regularization (Brock et al. 2019,
// Sec. 3.1): beta * sum over weights of ||W^T W ⊙ (1 - I)||_F^2, with each weight reshaped to
// W [fanIn, out], all axes but the last being fan-in (dense [in, out], convolution
// [k, k, cin, cout]). W^T W is the Gram matrix of the out filters: only their pairwise inner
// products are penalised, not their norms. Weights need rank >= 2 (BigGAN skips biases and gains).
//
// This is the paper's formula, whose gradient is 4 beta W (W^T W ⊙ (1 - I)). BigGAN-PyTorch
// (utils.ortho) adds 2 beta W (W^T W ⊙ (1 - I)) to the gradient directly, i.e. it regularizes
// with half of this penalty: pass beta/2 to reproduce it.
func OrthogonalRegularization(beta float64, weights ...*Node) *Node {
	if len(weights) == 0 {
		panic(errors.New("losses.OrthogonalRegularization: no weights"))
	}
	var total *Node
	for i, weight := range weights {
		if weight.Rank() < 2 {
			panic(errors.Errorf("losses.OrthogonalRegularization: weight #%d %s has rank < 2", i, weight.Shape()))
		}
		out := weight.Shape().Dimensions[weight.Rank()-1]
		matrix := Reshape(weight, -1, out)
		gram := MatMul(Transpose(matrix, 0, 1), matrix)
		offDiagonal := Where(Diagonal(weight.Graph(), out), ZerosLike(gram), gram)
		term := ReduceAllSum(Square(offDiagonal))
		if total == nil {
			total = term
		} else {
			total = Add(total, term)
		}
	}
	return MulScalar(total, beta)
}
