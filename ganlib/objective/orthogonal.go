package objective

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ParamOrthogonalBeta is the orthogonal regularization's weight.
const ParamOrthogonalBeta = "ortho_beta"

var orthoSettings = gan.Settings{{Key: ParamOrthogonalBeta, Default: 0.0, Help: "BigGAN's orthogonal regularization weight on G's weight matrices (BigGAN: 1e-4); 0: off"}}

// Orthogonal is BigGAN's orthogonal regularization of every G weight of rank >= 2 that the step
// uses, class embeddings excepted as BigGAN-PyTorch does (losses.OrthogonalRegularization), every
// G step.
var Orthogonal = RegularizerKind{Settings: orthoSettings, New: func(ctx *context.Context) (*Regularizer, error) {
	beta := gan.Get[float64](ctx, orthoSettings, ParamOrthogonalBeta)
	if beta == 0 {
		return nil, nil
	}
	return &Regularizer{Name: "orthogonal", Network: Generator, Weight: beta, Interval: 1, Needs: NeedsLatents,
		Build: func(s *Step, t *Terms) *Node {
			graph := s.Z.Graph()
			s.Fake() // G's weights are in the graph
			var weights []*Node
			for v := range s.Ctx.InAbsPath(gan.GeneratorScope).IterVariablesInScope() {
				if v.Trainable && v.Shape().Rank() >= 2 && v.Name() != gan.EmbeddingsName && v.InUseByGraph(graph) {
					weights = append(weights, v.ValueGraph(graph))
				}
			}
			ortho := losses.OrthogonalRegularization(beta, weights...)
			t.Add("orthogonal", ortho)
			return ortho
		}}, nil
}}
