package losses

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// Path length regularization constants: the official StyleGAN2 code's weight (pl_weight 2, with y
// scaled as Penalty does; the paper's is PaperPathLengthWeight) and lazy interval (4 G steps; the
// paper's App. B says 8), and the running-mean decay (0.01), the pl_decay default.
const (
	CodePathLengthWeight    = 2.0
	CodePathLengthInterval  = 4
	PaperPathLengthInterval = 8
	DefaultPathLengthDecay  = 0.01
)

// PathLength is StyleGAN2's path length regularizer (Sec. 3.2, eq. 4; App. B):
// Weight * E_{w,y}(||J_w^T y||_2 - a)^2, with J_w the Jacobian of the synthesis network at w, y
// a random image and a a running mean of the lengths.
type PathLength struct {
	// Weight multiplies the penalty: CodePathLengthWeight (the official code, with y scaled as
	// Penalty does) or the paper's PaperPathLengthWeight(resolution).
	Weight float64
	// Decay is the running mean's update rate (DefaultPathLengthDecay).
	Decay float64
}

// Penalty returns the weighted path length penalty, the updated running mean of the lengths
// (store it, e.g. in a non-trainable variable, and pass it back as runningMean next time; it
// starts at 0 as in the official code) and the batch's mean length (a statistic).
//
//   - synthesis maps w to images [B, H, W, C].
//   - w is [B, wDim] or [B, numWs, wDim]. The official code differentiates with respect to the
//     per-layer ws (the mapping output broadcast to numWs): pass that broadcast tensor to get its
//     per-layer mean, not the [B, wDim] it was broadcast from (whose gradient sums the layers').
//   - noise is standard normal, shaped like the images, a graph input so a step is deterministic
//     given its inputs. It is scaled here by 1/sqrt(H*W) (official code), making y.
//   - runningMean is a scalar of the images' dtype.
//
// With g = J_w^T y = grad_w sum(images * y) (the paper's identity, one backward pass), each
// sample's length is sqrt(sum_d g^2) for w [B, wDim] and sqrt(mean_l sum_d g^2) over the numWs
// layers l for w [B, numWs, wDim]: the official code averages over layers inside the square
// root (the paper, App. B, takes the regularizer as an average over the synthesis layers).
//
// The running mean is updated first, a' = a + Decay (mean(lengths) - a), and the penalty is
// Weight * mean((lengths - a')^2) with the updated mean, whose dependence on this batch's lengths
// is differentiated through, as in the official code (TF and PyTorch); the paper writes a
// constant a.
//
// The official code evaluates the regularizer on a smaller batch (pl_batch_shrink 2, half the
// minibatch): here that is the caller's choice of w's batch size.
func (p PathLength) Penalty(synthesis func(w *Node) *Node, w, noise, runningMean *Node) (penalty, newMean, meanLength *Node) {
	if w.Rank() != 2 && w.Rank() != 3 {
		panic(errors.Errorf("losses.PathLength: w must be [B, wDim] or [B, numWs, wDim], got %s", w.Shape()))
	}
	images := synthesis(w)
	if images.Rank() == 4 && noise.Rank() == 4 && noise.Shape().Dimensions[1] > images.Shape().Dimensions[1] {
		// A growing model's early stage: a crop of the noise is standard normal noise too.
		d := images.Shape().Dimensions
		noise = Slice(noise, AxisRange(), AxisRange(0, d[1]), AxisRange(0, d[2]), AxisRange())
	}
	if images.Rank() != 4 || !images.Shape().Equal(noise.Shape()) {
		panic(errors.Errorf("losses.PathLength: images %s must be [B, H, W, C] and match noise %s", images.Shape(), noise.Shape()))
	}
	height, width := images.Shape().Dimensions[1], images.Shape().Dimensions[2]
	y := DivScalar(noise, math.Sqrt(float64(height*width)))
	g := Gradient(ReduceAllSum(Mul(images, y)), w)[0]
	squaredNorms := ReduceSum(Square(g), -1)
	if w.Rank() == 3 {
		squaredNorms = ReduceMean(squaredNorms, 1)
	}
	lengths := Sqrt(squaredNorms)
	meanLength = ReduceAllMean(lengths)
	newMean = Add(runningMean, MulScalar(Sub(meanLength, runningMean), p.Decay))
	penalty = MulScalar(ReduceAllMean(Square(Sub(lengths, newMean))), p.Weight)
	return penalty, newMean, meanLength
}

// PaperPathLengthWeight is the StyleGAN2 paper's path length weight for output resolution r
// (App. B, eq. 5): ln 2 / (r^2 (ln r - ln 2)), defined for r > 2 (about 1.06e-7 at 1024). Which
// scaling of y it assumes is not verified here: Penalty scales y by 1/sqrt(H*W), which the
// official code pairs with CodePathLengthWeight (2).
func PaperPathLengthWeight(resolution int) float64 {
	if resolution <= 2 {
		panic(errors.Errorf("losses.PaperPathLengthWeight: resolution %d, want > 2", resolution))
	}
	r := float64(resolution)
	return math.Ln2 / (r * r * (math.Log(r) - math.Ln2))
}
