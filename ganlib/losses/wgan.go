package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// WGANGP holds the WGAN-GP weights (ProGAN: lambda 10, drift epsilon 0.001).
type WGANGP struct {
	Lambda, Drift float64
}

// DiscriminatorLoss is E[D(fake)] - E[D(real)] + lambda * GP + drift * E[D(real)^2].
// It returns the total and its terms (for stats).
func (w WGANGP) DiscriminatorLoss(critic Critic, real, fake []*Node, eps *Node) (total, wasserstein, penalty, drift *Node) {
	realScores, fakeScores := critic(real), critic(fake)
	wasserstein = Sub(ReduceAllMean(fakeScores), ReduceAllMean(realScores))
	penalty = GradientPenalty(critic, real, fake, eps)
	drift = ReduceAllMean(Square(realScores))
	total = Add(Add(wasserstein, MulScalar(penalty, w.Lambda)), MulScalar(drift, w.Drift))
	return
}

// GeneratorLoss is -E[D(fake)].
func (w WGANGP) GeneratorLoss(fakeScores *Node) *Node {
	return Neg(ReduceAllMean(fakeScores))
}
