package objective

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// Path-length setting keys.
const (
	ParamPLWeight      = "pl_weight"
	ParamPLDecay       = "pl_decay"
	ParamPLInterval    = "pl_interval"
	ParamPLBatchShrink = "pl_batch_shrink"
)

var plSettings = gan.Settings{
	{Key: ParamPLWeight, Default: 0.0, Help: "path-length regularization weight on G (StyleGAN2 code: 2, with y scaled by 1/sqrt(HW)); 0: off; needs a style-based model"},
	{Key: ParamPLDecay, Default: losses.DefaultPathLengthDecay, Help: "decay of the running mean of path lengths (StyleGAN2: 0.01)"},
	{Key: ParamPLInterval, Default: losses.CodePathLengthInterval, Help: "path length every this many G steps in a lazy step (StyleGAN2 code: 4; paper: 8)"},
	{Key: ParamPLBatchShrink, Default: 2, Help: "the path-length step's batch is the minibatch divided by this (StyleGAN2: 2)"},
}

// PathLengthScope and PathLengthMeanName are where the running mean of path lengths lives in the
// context (snapshots hold it).
const (
	PathLengthScope    = "/path_length"
	PathLengthMeanName = "mean"
)

// PathLength is StyleGAN2's path length regularization of G (losses.PathLength), lazily every
// pl_interval G steps, on a batch shrunk by pl_batch_shrink.
var PathLength = RegularizerKind{Settings: plSettings, New: func(ctx *context.Context) (*Regularizer, error) {
	pl := losses.PathLength{Weight: gan.Get[float64](ctx, plSettings, ParamPLWeight), Decay: gan.Get[float64](ctx, plSettings, ParamPLDecay)}
	interval, shrink := gan.Get[int](ctx, plSettings, ParamPLInterval), gan.Get[int](ctx, plSettings, ParamPLBatchShrink)
	if pl.Weight == 0 {
		return nil, nil
	}
	if interval < 1 || shrink < 1 {
		return nil, errors.Errorf("%s=%d and %s=%d must be >= 1", ParamPLInterval, interval, ParamPLBatchShrink, shrink)
	}
	return &Regularizer{Name: "path_length_penalty", Network: Generator, Weight: pl.Weight, Interval: interval, BatchShrink: shrink,
		Needs: NeedsLatents | NeedsNoise,
		Check: func(m gan.Model) error {
			if m.Mapping == nil {
				return errors.Errorf("path-length regularization (%s > 0) needs a style-based model with Mapping and Synthesis; %s has none: set %s=0",
					ParamPLWeight, m.Name, ParamPLWeight)
			}
			return nil
		},
		Build: func(s *Step, t *Terms) *Node {
			gctx := gan.NetworkContext(s.Ctx, gan.GeneratorScope)
			w := s.Model.Mapping(gctx, s.Z, s.FakeLabels)
			mean := s.Ctx.InAbsPath(PathLengthScope).Checked(false).WithInitializer(initializers.Zero).
				VariableWithShape(PathLengthMeanName, shapes.Make(s.Z.DType())).SetTrainable(false)
			synthesis := func(w *Node) *Node {
				images := s.Model.Synthesis(gctx, w)
				return images[len(images)-1]
			}
			penalty, newMean, meanLength := pl.Penalty(synthesis, w, s.Noise, mean.ValueGraph(s.Z.Graph()))
			mean.SetValueGraph(StopGradient(newMean))
			t.Add("path_length_penalty", penalty)
			t.Add("path_length", meanLength)
			return penalty
		}}, nil
}}
