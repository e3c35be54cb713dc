package train

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/objective"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Step is one phase of an objective (objective.Phases) with its optimizer: the one place a
// training step is built, by the loop, the benchmarks and the cross-backend checks.
type Step struct {
	Phase     objective.Phase
	Optimizer Optimizer
	loss      objective.Loss
	inputs    []Input
}

// Input is one kind of step input. A step takes its inputs in the order of the constants below,
// which is also the order the loop draws them in: a real batch (with its labels), noise,
// latents (with fake labels), eps.
type Input int

const (
	InputReal       Input = iota // [B, H, W, C] real images in [-1, 1]
	InputRealLabels              // [B] int32 labels of the reals (conditional models)
	InputNoise                   // [B, H, W, C] standard normal noise (path length)
	InputLatents                 // [B, LatentDim] z ~ N(0, I)
	InputFakeLabels              // [B] int32 labels of the fakes (conditional models)
	InputEps                     // [B] uniform in [0, 1) (WGAN-GP's interpolation)
)

// Steps returns the steps that train m with objective o and the optimizer settings in ctx,
// D's first. A network with a lazy step has its optimizer corrected for it (StyleGAN2 App. B:
// lr and betas to the power c = k/(k+1)), in all its steps.
func Steps(ctx *context.Context, m gan.Model, o objective.Objective) ([]Step, error) {
	if err := o.Check(m); err != nil {
		return nil, err
	}
	phases, err := o.Phases()
	if err != nil {
		return nil, err
	}
	optimizers := map[objective.Network]Optimizer{}
	for _, p := range phases {
		if _, ok := optimizers[p.Network]; !ok {
			optimizers[p.Network] = OptimizerFor(ctx, p.Network.Scope())
		}
		if p.Lazy() {
			optimizers[p.Network] = OptimizerFor(ctx, p.Network.Scope()).LazyCorrected(p.Interval)
		}
	}
	steps := make([]Step, len(phases))
	for i, p := range phases {
		needs := p.Needs(o.Loss)
		if p.BatchShrink > 1 && needs&objective.NeedsReal != 0 {
			// The loop's real batch is the minibatch: a shrunk step would need a batch of its own.
			return nil, errors.Errorf("the %s reads real images on a batch shrunk %d times: not supported", p, p.BatchShrink)
		}
		steps[i] = Step{Phase: p, Optimizer: optimizers[p.Network], loss: o.Loss, inputs: inputsOf(needs, m.NumClasses > 0)}
	}
	return steps, nil
}

func inputsOf(needs objective.Needs, conditional bool) []Input {
	var inputs []Input
	if needs&objective.NeedsReal != 0 {
		inputs = append(inputs, InputReal)
		if conditional {
			inputs = append(inputs, InputRealLabels)
		}
	}
	if needs&objective.NeedsNoise != 0 {
		inputs = append(inputs, InputNoise)
	}
	if needs&objective.NeedsLatents != 0 {
		inputs = append(inputs, InputLatents)
		if conditional {
			inputs = append(inputs, InputFakeLabels)
		}
	}
	if needs&objective.NeedsEps != 0 {
		inputs = append(inputs, InputEps)
	}
	return inputs
}

// Inputs are the step's inputs, in order.
func (s Step) Inputs() []Input { return s.inputs }

// Batch is the step's batch size for a minibatch of batchSize (smaller for path length).
func (s Step) Batch(batchSize int) int { return max(batchSize/s.Phase.BatchShrink, 1) }

// Build adds the step to the graph of its inputs (in Inputs' order): the loss, its minimisation
// by the optimizer, and the step's statistics (Phase.Build's, then the gradient norm).
func (s Step) Build(ctx *context.Context, m gan.Model, inputs []*Node) objective.Terms {
	// Models act differently in training graphs (StyleGAN2: style mixing, fresh noise, w_avg's
	// update), never in sampling ones.
	ctx.SetTraining(inputs[0].Graph(), true)
	step := &objective.Step{Ctx: ctx, Model: m, Network: s.Phase.Network}
	for i, kind := range s.inputs {
		switch kind {
		case InputReal:
			step.Real = inputs[i]
		case InputRealLabels:
			step.RealLabels = inputs[i]
		case InputNoise:
			step.Noise = inputs[i]
		case InputLatents:
			step.Z = inputs[i]
		case InputFakeLabels:
			step.FakeLabels = inputs[i]
		case InputEps:
			step.Eps = inputs[i]
		}
	}
	total, terms := s.Phase.Build(step, s.loss)
	terms.Add(s.Phase.GradNormName(), s.Optimizer.Minimize(ctx, total))
	return terms
}
