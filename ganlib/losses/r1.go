package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// StyleGAN2R1Gamma is StyleGAN2's R1 weight for FFHQ (paper App. B; 100 for LSUN Church and
// Horse), and DefaultR1Interval its lazy interval (R1 every 16 discriminator steps), the
// r1_interval default.
const (
	StyleGAN2R1Gamma  = 10.0
	DefaultR1Interval = 16
)

// R1Penalty is the one-sided gradient penalty on reals of Mescheder et al. (2018), as StyleGAN2
// uses it with the non-saturating loss: gamma/2 * E_b[||grad_x D(x_real)_b||^2], the squared norm
// over all of a sample's pixels and channels. For several inputs (MSG-GAN) it is gamma/2 times
// the mean over inputs of E_b[||grad_{x_i} D||^2], the convention of GradientPenalty.
//
// It also returns D's scores on real, so a discriminator step that needs both the loss on reals
// and R1 (StyleGAN2 without lazy regularization) runs D on reals once.
//
// Each real input is differentiated as an independent variable: D sees a fresh copy of each
// input behind a StopGradient, because MSG-GAN's real pyramid computes coarse levels from fine
// ones in the same graph, and the gradient with respect to a fine level would otherwise include
// the paths through the coarser levels. (GoMLX gives a zero gradient with respect to a
// StopGradient node itself, hence the Identity after it.) Reals carry no trainable gradient, so
// detaching them loses nothing.
func R1Penalty(critic Critic, real []*Node, gamma float64) (penalty, realScores *Node) {
	if len(real) == 0 {
		panic(errors.New("losses.R1Penalty: no real inputs"))
	}
	inputs := make([]*Node, len(real))
	for i, x := range real {
		inputs[i] = Identity(StopGradient(x))
	}
	realScores = critic(inputs)
	return R1PenaltyOf(realScores, inputs, gamma), realScores
}

// R1PenaltyOf is R1Penalty of scores D already computed from inputs, each input a value of its
// own in the graph (not computed from another input: see R1Penalty).
func R1PenaltyOf(scores *Node, inputs []*Node, gamma float64) *Node {
	squaredNorms := inputGradientSquaredNorms(scores, inputs)
	expectations := make([]*Node, len(squaredNorms))
	for i, squaredNorm := range squaredNorms {
		expectations[i] = ReduceAllMean(squaredNorm)
	}
	return MulScalar(meanOverInputs(expectations), gamma/2)
}
