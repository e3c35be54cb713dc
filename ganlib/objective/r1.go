package objective

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// R1 setting keys.
const (
	ParamR1Gamma     = "r1_gamma"
	ParamR1GammaAuto = "r1_gamma_auto"
	ParamR1Interval  = "r1_interval"
)

var r1Settings = gan.Settings{
	{Key: ParamR1Gamma, Default: 0.0, Help: "R1 weight gamma on D: gamma/2 E||grad D(real)||^2 (StyleGAN2 FFHQ: 10, LSUN: 100); 0: off"},
	{Key: ParamR1GammaAuto, Default: false, Help: "R1 with stylegan2-ada's automatic gamma, 0.0002 resolution^2 / batch (6.6 at 1024x1024 and batch 32); overrides r1_gamma"},
	{Key: ParamR1Interval, Default: losses.DefaultR1Interval, Help: "R1 every this many D steps in a lazy step of its own (StyleGAN2: 16); 1: in every D step's loss"},
}

// R1 is Mescheder et al.'s one-sided penalty on reals (losses.R1Penalty), as StyleGAN2 uses it:
// lazily, every r1_interval D steps.
var R1 = RegularizerKind{Settings: r1Settings, New: func(ctx *context.Context) (*Regularizer, error) {
	gamma, interval := gan.Get[float64](ctx, r1Settings, ParamR1Gamma), gan.Get[int](ctx, r1Settings, ParamR1Interval)
	auto := gan.Get[bool](ctx, r1Settings, ParamR1GammaAuto)
	if gamma == 0 && !auto {
		return nil, nil
	}
	if interval < 1 {
		return nil, errors.Errorf("%s=%d must be >= 1", ParamR1Interval, interval)
	}
	rule := ""
	if auto {
		rule = "0.0002 res^2/batch"
	}
	return &Regularizer{Name: "r1", Network: Discriminator, Weight: gamma, WeightRule: rule, Interval: interval, Needs: NeedsReal,
		Build: func(s *Step, t *Terms) *Node {
			gamma := gamma
			if auto {
				gamma = AutoR1Gamma(s.Real)
			}
			// D's pass on the reals is the loss's too, when both are in one step.
			r1 := losses.R1PenaltyOf(s.RealScores(), s.RealImages(), gamma)
			t.Add("r1", r1)
			return r1
		}}, nil
}}

// AutoR1Gamma is stylegan2-ada's automatic R1 weight for a real batch [B, H, W, C]:
// 0.0002 H W / B (its "auto" configuration's heuristic).
func AutoR1Gamma(real *Node) float64 {
	d := real.Shape().Dimensions
	return 0.0002 * float64(d[1]*d[2]) / float64(d[0])
}
