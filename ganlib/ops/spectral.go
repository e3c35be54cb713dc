package ops

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// SpectralNormEpsilon keeps the power iteration's normalizations finite (BigGAN-PyTorch's 1e-12).
const SpectralNormEpsilon = 1e-12

// PowerIteration is one step of the power iteration that estimates the largest singular value
// of a weight (Miyato et al. 2018, Algorithm 1), with w viewed as the matrix M = reshape(w,
// [-1, out]) (out its last axis: a dense layer's [in, out], a kernel's [k, k, in, out], an
// embedding's [classes, dim]) and u [out] the persistent estimate of M's right singular vector:
//
//	v = M u / |M u|,  u' = Mᵀ v / |Mᵀ v|,  sigma = vᵀ M u'.
//
// u and v carry no gradient (as in the paper and PyTorch's spectral_norm), so sigma's gradient
// is vᵀ (dM) u'. It returns sigma (a scalar) and u'.
func PowerIteration(w, u *Node) (sigma, next *Node) {
	out := w.Shape().Dimensions[w.Rank()-1]
	if w.Rank() < 2 || u.Rank() != 1 || u.Shape().Dimensions[0] != out {
		panic(errors.Errorf("ops.PowerIteration: want a weight of rank >= 2 and u [%d] (its last axis), got %s and %s", out, w.Shape(), u.Shape()))
	}
	m := Reshape(w, -1, out)
	constant := StopGradient(m)
	u = StopGradient(u)
	v := unit(DotGeneral(constant, []int{1}, nil, u, []int{0}, nil))
	next = StopGradient(unit(DotGeneral(constant, []int{0}, nil, v, []int{0}, nil)))
	v = StopGradient(v)
	sigma = ReduceAllSum(Mul(v, DotGeneral(m, []int{1}, nil, next, []int{0}, nil)))
	return sigma, next
}

func unit(x *Node) *Node {
	return Div(x, AddScalar(Sqrt(ReduceAllSum(Square(x))), SpectralNormEpsilon))
}

// ProjectionScore is the projection discriminator's class term (Miyato & Koyama 2018): the
// inner product of each sample's class embedding [B, F] with its features h [B, F], [B, 1].
func ProjectionScore(embedding, h *Node) *Node {
	return ReduceAndKeep(Mul(embedding, h), ReduceSum, -1)
}
