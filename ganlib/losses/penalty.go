// Package losses holds GAN losses and regularizers, as graph functions of discriminator scores
// and of the discriminator itself (for penalties on its input gradient).
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
	grads := Gradient(ReduceAllSum(critic(interpolated)), interpolated...)
	var total *Node
	for _, grad := range grads {
		norm := Sqrt(ReduceSum(Square(Reshape(grad, grad.Shape().Dimensions[0], -1)), 1))
		penalty := ReduceAllMean(Square(AddScalar(norm, -1)))
		if total == nil {
			total = penalty
		} else {
			total = Add(total, penalty)
		}
	}
	return DivScalar(total, float64(len(grads)))
}

func ones(n int) []int {
	list := make([]int, n)
	for i := range list {
		list[i] = 1
	}
	return list
}
