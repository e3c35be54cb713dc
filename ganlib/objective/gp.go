package objective

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ParamGPLambda is the gradient penalty's weight.
const ParamGPLambda = "gp_lambda"

var gpSettings = gan.Settings{{Key: ParamGPLambda, Default: 10.0, Help: "gradient penalty weight on D (WGAN-GP, ProGAN: 10), at real-fake interpolates, MSG-GAN's mean over D's inputs; 0: off"}}

// GradientPenalty is WGAN-GP's lambda E[(||grad D(x̂)|| - 1)^2] at x̂ = real + eps (fake - real)
// (Gulrajani et al. 2017; losses.GradientPenalty), every D step.
var GradientPenalty = RegularizerKind{Settings: gpSettings, New: func(ctx *context.Context) (*Regularizer, error) {
	lambda := gan.Get[float64](ctx, gpSettings, ParamGPLambda)
	if lambda == 0 {
		return nil, nil
	}
	return &Regularizer{Name: "gradient_penalty", Network: Discriminator, Weight: lambda, Interval: 1,
		Needs: NeedsReal | NeedsLatents | NeedsEps,
		Build: func(s *Step, t *Terms) *Node {
			penalty := losses.GradientPenalty(s.Critic(s.RealLabels), s.RealImages(), s.Fake(), s.Eps)
			t.Add("gradient_penalty", penalty)
			return MulScalar(penalty, lambda)
		}}, nil
}}
