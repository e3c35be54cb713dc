// Package losses holds GAN losses and regularizers, as graph functions of discriminator scores
// and of the networks themselves (for penalties on input gradients and Jacobians).
//
// Multi-input convention (MSG-GAN): a discriminator that takes one image per resolution has one
// input gradient per resolution; gradient penalties (GradientPenalty, R1Penalty) are the mean
// over inputs of the per-input penalties, as the MSG-GAN paper (Sec. 4) states for WGAN-GP.
package losses

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// Critic is a discriminator applied to a (possibly multi-scale) batch of images, returning
// scores [B, 1]. Multi-scale models (MSG-GAN) take one image per resolution.
type Critic func(images []*Node) *Node

// GradientPenalty is WGAN-GP's penalty E[(||grad_x D(x_hat)||_2 - 1)^2] at x_hat = real + eps (fake
// - real), with eps [B] uniform in [0, 1) shared by all scales of a sample. For several inputs
// (MSG-GAN) it is the mean of the per-input penalties, as in the MSG-GAN paper.
func GradientPenalty(critic Critic, real, fake []*Node, eps *Node) *Node {
	if len(real) != len(fake) || len(real) == 0 {
		panic(errors.Errorf("losses.GradientPenalty: %d real and %d fake inputs", len(real), len(fake)))
	}
	interpolated := make([]*Node, len(real))
	for i := range real {
		if !real[i].Shape().Equal(fake[i].Shape()) {
			panic(errors.Errorf("losses.GradientPenalty: input #%d real %s and fake %s differ", i, real[i].Shape(), fake[i].Shape()))
		}
		b := real[i].Shape().Dimensions[0]
		weight := Reshape(eps, append([]int{b}, ones(real[i].Rank()-1)...)...)
		interpolated[i] = Add(real[i], Mul(weight, Sub(fake[i], real[i])))
	}
	squaredNorms := inputGradientSquaredNorms(critic(interpolated), interpolated)
	penalties := make([]*Node, len(squaredNorms))
	for i, squaredNorm := range squaredNorms {
		penalties[i] = ReduceAllMean(Square(AddScalar(Sqrt(squaredNorm), -1)))
	}
	return meanOverInputs(penalties)
}

// inputGradientSquaredNorms returns, for each input, the per-sample squared norms ([B]) of the
// gradient of sum(scores) with respect to that input. Summing the scores first gives each
// sample's own input gradient in one backward pass, as the official WGAN-GP and R1 code does
// (with minibatch stddev in D it also carries the other samples' dependence on x_b, there too).
func inputGradientSquaredNorms(scores *Node, inputs []*Node) []*Node {
	grads := Gradient(ReduceAllSum(scores), inputs...)
	squaredNorms := make([]*Node, len(grads))
	for i, grad := range grads {
		squaredNorms[i] = ReduceSum(Square(Reshape(grad, grad.Shape().Dimensions[0], -1)), 1)
	}
	return squaredNorms
}

// meanOverInputs is the mean of one scalar term per discriminator input (see the package doc).
func meanOverInputs(terms []*Node) *Node {
	total := terms[0]
	for _, term := range terms[1:] {
		total = Add(total, term)
	}
	return DivScalar(total, float64(len(terms)))
}

func ones(n int) []int {
	list := make([]int, n)
	for i := range list {
		list[i] = 1
	}
	return list
}
