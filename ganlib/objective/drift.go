package objective

import (
	"github.com/ganlab/gogan/ganlib/gan"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ParamDrift is the drift penalty's weight.
const ParamDrift = "drift"

var driftSettings = gan.Settings{{Key: ParamDrift, Default: 0.001, Help: "drift penalty weight on E[D(real)^2] (ProGAN: 0.001), keeps WGAN scores near 0; 0: off"}}

// Drift is ProGAN's epsilon_drift E[D(real)^2] on D (Karras et al. 2018, App. A.1), every D step.
var Drift = RegularizerKind{Settings: driftSettings, New: func(ctx *context.Context) (*Regularizer, error) {
	weight := gan.Get[float64](ctx, driftSettings, ParamDrift)
	if weight == 0 {
		return nil, nil
	}
	return &Regularizer{Name: "drift", Network: Discriminator, Weight: weight, Interval: 1, Needs: NeedsReal,
		Build: func(s *Step, t *Terms) *Node {
			drift := ReduceAllMean(Square(s.RealScores()))
			t.Add("drift", drift)
			return MulScalar(drift, weight)
		}}, nil
}}
