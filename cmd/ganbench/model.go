package main

import (
	"math/rand/v2"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/tables"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// presetContext returns the settings of a preset of family at a resolution (0: the preset's),
// with every table's defaults (a preset may name its data set).
func presetContext(family gan.Family, preset string, resolution int) (*context.Context, error) {
	settings := map[string]any{gan.ParamModel: family.Name, gan.ParamPreset: preset}
	if resolution > 0 {
		settings[family.ResolutionSetting] = resolution
	}
	return tables.Context(settings)
}

// fadeAlpha is the fade-in weight the timed steps of a fade-in stage blend with (any value
// costs the same).
const fadeAlpha = 0.5

// modelSteps are a model's D and G steps as the training loop builds them (train.Steps),
// compiled on one backend: the main ones and the lazy regularization steps.
type modelSteps struct {
	ctx          *context.Context
	model        gan.Model
	d, g         train.Step
	dExec, gExec *context.Exec
	lazy         []lazyStep
}

// lazyStep is a lazy regularization step (StyleGAN2's R1 and path length), run every
// step.Phase.Interval steps of its network.
type lazyStep struct {
	step train.Step
	exec *context.Exec
}

// newModelSteps builds the main steps of the model and objective ctx's settings describe, for
// one stage of a growing model ("": the whole model); with emaBeta > 0 G's step also updates the
// generator's moving average with that decay, as the loop's does.
func newModelSteps(backend backends.Backend, ctx *context.Context, emaBeta float64, stage string) (*modelSteps, error) {
	m, err := models.New(ctx)
	if err != nil {
		return nil, err
	}
	o, err := objective.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	steps, err := train.Steps(ctx, m, o)
	if err != nil {
		return nil, err
	}
	s := &modelSteps{ctx: ctx, model: m}
	for _, step := range steps {
		switch {
		case !step.Phase.Adversarial:
			s.lazy = append(s.lazy, lazyStep{step: step})
		case step.Phase.Network == objective.Discriminator:
			s.d = step
		default:
			s.g = step
		}
	}
	compile := func(step train.Step, ema bool) (*context.Exec, error) {
		return context.NewExec(backend, ctx, func(ctx *context.Context, in []*Node) []*Node {
			if stage != "" {
				gan.SetStage(ctx, in[0].Graph(), stage)
				gan.SetAlpha(ctx, Scalar(in[0].Graph(), in[0].DType(), fadeAlpha))
			}
			terms := step.Build(ctx, m, in)
			if ema {
				train.UpdateEMA(ctx, in[0].Graph(), Scalar(in[0].Graph(), in[0].DType(), emaBeta))
			}
			return terms.Values
		})
	}
	if s.dExec, err = compile(s.d, false); err != nil {
		return nil, err
	}
	if s.gExec, err = compile(s.g, emaBeta > 0); err != nil {
		return nil, err
	}
	for i := range s.lazy {
		if s.lazy[i].exec, err = compile(s.lazy[i].step, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// inputs draws random inputs of step at the given batch size, every float uniform in [-1, 1)
// (their distribution does not change a step's time).
func (s *modelSteps) inputs(step train.Step, rng *rand.Rand, batch int) ([]any, []*tensors.Tensor) {
	var args []any
	var owned []*tensors.Tensor
	for _, kind := range step.Inputs() {
		var t *tensors.Tensor
		switch kind {
		case train.InputReal, train.InputNoise:
			t = randomTensor(rng, batch, s.model.Resolution, s.model.Resolution, s.model.Channels)
		case train.InputLatents:
			t = randomTensor(rng, batch, s.model.LatentDim)
		case train.InputEps:
			t = randomTensor(rng, batch)
		default:
			values := make([]int32, batch)
			for i := range values {
				values[i] = int32(rng.IntN(max(s.model.NumClasses, 1)))
			}
			t = tensors.FromFlatDataAndDimensions(values, batch)
		}
		args = append(args, t)
		owned = append(owned, t)
	}
	return args, owned
}

func (s *modelSteps) release() {
	s.dExec.Finalize()
	s.gExec.Finalize()
	for _, l := range s.lazy {
		l.exec.Finalize()
	}
}

// countParams counts the trainable parameters under scope.
func countParams(ctx *context.Context, scope string) int {
	n := 0
	for v := range ctx.InAbsPath(scope).IterVariablesInScope() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), "/optimizer") {
			n += v.Shape().Size()
		}
	}
	return n
}

// setInput puts value as the step's input of that kind in args (as inputs made them).
func setInput(step train.Step, args []any, kind train.Input, value *tensors.Tensor) {
	for i, k := range step.Inputs() {
		if k == kind {
			args[i] = value
		}
	}
}
