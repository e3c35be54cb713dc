package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// ScoreLoss is an adversarial loss that sees the discriminator only through its raw scores
// (logits, [B, 1]; expectations are means over all elements). Terms that need D itself, such as
// R1Penalty, are added by the caller.
type ScoreLoss interface {
	// DiscriminatorLoss is what D minimises.
	DiscriminatorLoss(realScores, fakeScores *Node) *Node
	// GeneratorLoss is what G minimises.
	GeneratorLoss(fakeScores *Node) *Node
}

var (
	_ ScoreLoss = NonSaturating{}
	_ ScoreLoss = Hinge{}
	_ ScoreLoss = LeastSquares{}
)

// NonSaturating is the logistic GAN loss of Goodfellow et al. (2014) with the non-saturating
// generator loss, as StyleGAN2 uses it (with R1Penalty):
//
//	D: E[softplus(D(fake))] + E[softplus(-D(real))]   (= -E[log sigmoid(D(real))] - E[log(1 - sigmoid(D(fake)))])
//	G: E[softplus(-D(fake))]                           (= -E[log sigmoid(D(fake))])
//
// GoMLX's Softplus is max(x, 0) + log1p(exp(-|x|)): finite for any finite score, and its gradient
// to any order is defined (the sign masks of Max and Abs gradients are constants).
type NonSaturating struct{}

// DiscriminatorLoss is E[softplus(D(fake))] + E[softplus(-D(real))].
func (NonSaturating) DiscriminatorLoss(realScores, fakeScores *Node) *Node {
	return Add(ReduceAllMean(Softplus(fakeScores)), ReduceAllMean(Softplus(Neg(realScores))))
}

// GeneratorLoss is E[softplus(-D(fake))].
func (NonSaturating) GeneratorLoss(fakeScores *Node) *Node {
	return ReduceAllMean(Softplus(Neg(fakeScores)))
}

// Hinge is the hinge loss BigGAN uses (after Lim & Ye 2017 and Miyato et al. 2018):
//
//	D: E[relu(1 - D(real))] + E[relu(1 + D(fake))]
//	G: -E[D(fake)]
type Hinge struct{}

// DiscriminatorLoss is E[relu(1 - D(real))] + E[relu(1 + D(fake))].
func (Hinge) DiscriminatorLoss(realScores, fakeScores *Node) *Node {
	realTerm := activations.Relu(OneMinus(realScores))
	fakeTerm := activations.Relu(AddScalar(fakeScores, 1))
	return Add(ReduceAllMean(realTerm), ReduceAllMean(fakeTerm))
}

// GeneratorLoss is -E[D(fake)].
func (Hinge) GeneratorLoss(fakeScores *Node) *Node {
	return Neg(ReduceAllMean(fakeScores))
}

// LeastSquares is LSGAN (Mao et al. 2017, eq. 2) with the 0-1 coding a = 0 (fake target),
// b = 1 (real target), c = 1 (the value G wants D to give fakes):
//
//	D: E[(D(real) - 1)^2] / 2 + E[D(fake)^2] / 2
//	G: E[(D(fake) - 1)^2] / 2
//
// The paper's other coding, a = -1, b = 1, c = 0 (which minimises the Pearson chi^2 divergence),
// is not what this type computes.
type LeastSquares struct{}

// DiscriminatorLoss is E[(D(real) - 1)^2] / 2 + E[D(fake)^2] / 2.
func (LeastSquares) DiscriminatorLoss(realScores, fakeScores *Node) *Node {
	realTerm := ReduceAllMean(Square(AddScalar(realScores, -1)))
	fakeTerm := ReduceAllMean(Square(fakeScores))
	return MulScalar(Add(realTerm, fakeTerm), 0.5)
}

// GeneratorLoss is E[(D(fake) - 1)^2] / 2.
func (LeastSquares) GeneratorLoss(fakeScores *Node) *Node {
	return MulScalar(ReduceAllMean(Square(AddScalar(fakeScores, -1))), 0.5)
}

// RelativisticAverageHinge is the relativistic average hinge loss (Jolicoeur-Martineau 2019,
// RaHinge), the MSG-GAN authors' default (BMSG-GAN): each score is compared with the mean score
// of the other kind, r = D(real) - E[D(fake)] and f = D(fake) - E[D(real)],
//
//	D: E[relu(1 - r)] + E[relu(1 + f)]
//	G: E[relu(1 + r)] + E[relu(1 - f)]
//
// so G's loss reads D's scores of reals too.
type RelativisticAverageHinge struct{}

func (RelativisticAverageHinge) relative(realScores, fakeScores *Node) (r, f *Node) {
	return Sub(realScores, ReduceAllMean(fakeScores)), Sub(fakeScores, ReduceAllMean(realScores))
}

// DiscriminatorLoss is E[relu(1 - r)] + E[relu(1 + f)].
func (l RelativisticAverageHinge) DiscriminatorLoss(realScores, fakeScores *Node) *Node {
	r, f := l.relative(realScores, fakeScores)
	return Add(ReduceAllMean(activations.Relu(OneMinus(r))), ReduceAllMean(activations.Relu(AddScalar(f, 1))))
}

// GeneratorLoss is E[relu(1 + r)] + E[relu(1 - f)].
func (l RelativisticAverageHinge) GeneratorLoss(realScores, fakeScores *Node) *Node {
	r, f := l.relative(realScores, fakeScores)
	return Add(ReduceAllMean(activations.Relu(AddScalar(r, 1))), ReduceAllMean(activations.Relu(OneMinus(f))))
}
