// Package verify holds the harnesses that check the machinery against itself and other
// backends: StepComparison runs the same training steps on two backends (or against float64)
// from identical weights; gradcheck (below it) checks gradients against finite differences and
// lists the backends tests run on.
package verify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// StepTolerances bound how far training steps on one backend may land from the same steps on
// another, each relative to the largest magnitude of the compared tensor on the reference.
type StepTolerances struct {
	// Outputs bounds the steps' outputs: losses, regularizer terms and gradient norms.
	Outputs float64
	// OptimizerState bounds the optimizers' state after the steps. At Adam's first step with
	// beta1 = 0 the first moment is the gradient itself, so this compares every gradient
	// component; gradients are sums over batch and pixels of terms that partly cancel, so their
	// error relative to the tensor's largest component is larger than the losses'.
	OptimizerState float64
	// Gradient bounds BackendComparison.DGradientError, the relative difference of D's whole
	// gradient vector.
	Gradient float64
	// Weights bounds the updated weights, beyond what the gradient differences OptimizerState
	// allows explain: an optimizer's first step lr * g/(|g| + eps) is about ±lr, so a gradient
	// within rounding of 0 may step in opposite directions on the two backends, and one near eps
	// amplifies its rounding (counted in BackendComparison.GradientAmplified, not a violation).
	Weights float64
}

// Float32Tolerances is agreement to float32 rounding (u = 2^-24 ≈ 6e-8 per operation) summed in
// different orders, for backends computing every product in float32. On a 16x16 MSG-ProGAN, pure
// Go vs XLA CPU (2026-11-26) differed by at most 4.4e-7 in step outputs, 3.9e-6 in optimizer
// state, 1.6e-7 in weights, and each from float64 by ~5e-7 in D's gradient vector; a gradient
// penalty weight 1e-4 off on one side already exceeds them.
// GPUs multiplying in TF32 (10-bit mantissa; XLA's default for float32 on NVIDIA Ampere and
// newer) are expected to differ by ~1e-3 (not yet measured here) and need
// NVIDIA_TF32_OVERRIDE=0 to be held to them.
var Float32Tolerances = StepTolerances{Outputs: 1e-5, OptimizerState: 5e-5, Gradient: 1e-5, Weights: 1e-6}

// OutputDifference is one step output on both backends.
type OutputDifference struct {
	Step, Name       string
	Reference, Other float64
	// Relative is |Other - Reference| / |Reference| (absolute where Reference is 0).
	Relative float64
}

// BackendComparison is what StepComparison.Run measured.
type BackendComparison struct {
	Outputs []OutputDifference
	// Weights and OptimizerState are the largest relative differences over all float
	// variables after each step, weights leaving out the GradientAmplified components.
	Weights, OptimizerState float64
	// DGradientError is |g_other - g_ref| / |g_ref| for D's whole gradient vector g in the D
	// step (identical weights and inputs; read back from the optimizer's first step), the
	// measure of agreement least swayed by single components: per tensor, a gradient that is
	// what remains of cancelling terms (D's score bias: its Wasserstein terms cancel exactly)
	// differs by ~1e-3 of itself in float32 on any backend.
	DGradientError float64
	// GradientAmplified counts weight components past the Weights tolerance whose difference a
	// gradient difference within OptimizerState explains (see firstStep): where a gradient is
	// within rounding of 0 the two backends may even step in opposite directions.
	GradientAmplified int
	// Variables is how many variables were compared after the D step and after the G step.
	Variables [2]int
	// Exceeded counts the compared values past the tolerances; Violations describes them, one
	// line each (at most maxViolations lines).
	Exceeded   int
	Violations []string
}

// maxViolations keeps a broken comparison's report readable: one wrong index can make thousands
// of components differ.
const maxViolations = 20

// MaxOutput is the largest relative difference of the steps' outputs.
func (c *BackendComparison) MaxOutput() float64 {
	worst := 0.0
	for _, o := range c.Outputs {
		worst = max(worst, o.Relative)
	}
	return worst
}

func (c *BackendComparison) violate(format string, args ...any) {
	c.Exceeded++
	switch {
	case c.Exceeded <= maxViolations:
		c.Violations = append(c.Violations, fmt.Sprintf(format, args...))
	case c.Exceeded == maxViolations+1:
		c.Violations = append(c.Violations, "(further values past the tolerances are counted in Exceeded, not listed)")
	}
}

// String summarizes the comparison in one line.
func (c *BackendComparison) String() string {
	s := fmt.Sprintf("outputs %.2g, D gradient %.2g, weights %.2g (and %d components explained by their gradients' rounding), optimizer state %.2g; %d+%d variables",
		c.MaxOutput(), c.DGradientError, c.Weights, c.GradientAmplified, c.OptimizerState, c.Variables[0], c.Variables[1])
	if c.Exceeded > 0 {
		s += fmt.Sprintf("; %d values past the tolerances", c.Exceeded)
	}
	return s
}

// StepComparison describes a comparison of training steps on two backends; Run performs it.
type StepComparison struct {
	// Reference and Other are the backends; ReferenceDType is the reference side's float type
	// (default float32, like the other side): float64 measures the other side's float32
	// rounding error instead of the difference of two roundings.
	Reference, Other backends.Backend
	ReferenceDType   dtypes.DType
	// NewContext returns a context with the training settings (objective, optimizers); it is
	// called once per side, the reference first.
	NewContext func() *context.Context
	Model      gan.Model
	// RealDims is the real batch's [batch, height, width, channels]; Seed draws the real images
	// (uniform in [-1, 1]), the latents and the initial weights.
	RealDims   []int
	Seed       uint64
	Tolerances StepTolerances
}

// Run runs one discriminator step and then one generator step on both backends, from identical
// weights and inputs, and compares the step outputs, the updated weights and the optimizers'
// state. The steps are the training loop's main steps (train.Steps), with the objective and
// optimizers of each side's settings.
//
// The weights are initialized in float32 on the reference backend and copied to both sides
// (exactly, float32 values being float64 values too): the same context.ParamInitialSeed
// initializes different weights on each backend (GoMLX v0.26.0's RNGBitGenerator is Philox on
// XLA, PCG on pure Go; docs/XLA.md).
func (sc StepComparison) Run() (*BackendComparison, error) {
	realDims, tol, model := sc.RealDims, sc.Tolerances, sc.Model
	if len(realDims) != 4 {
		return nil, errors.Errorf("StepComparison: real images must be [batch, height, width, channels], got %v", realDims)
	}
	dtypes_ := [2]dtypes.DType{sc.ReferenceDType, dtypes.Float32}
	if dtypes_[0] == dtypes.InvalidDType {
		dtypes_[0] = dtypes.Float32
	}
	if dtypes_[0] != dtypes.Float32 && dtypes_[0] != dtypes.Float64 {
		return nil, errors.Errorf("StepComparison: ReferenceDType %s: use float32 or float64", dtypes_[0])
	}
	rng := rand.New(rand.NewPCG(sc.Seed, 0x5eed))
	batch := realDims[0]
	real := randomHost(rng, func(r *rand.Rand) float64 { return 2*r.Float64() - 1 }, realDims...)
	zD := randomHost(rng, (*rand.Rand).NormFloat64, batch, model.LatentDim)
	eps := randomHost(rng, (*rand.Rand).Float64, batch)
	zG := randomHost(rng, (*rand.Rand).NormFloat64, batch, model.LatentDim)
	inputs := map[train.Input]hostTensor{train.InputReal: real, train.InputEps: eps}
	var labels *hostTensor
	if model.NumClasses > 0 { // class-conditional: the same labels for the reals and the fakes
		l := randomHost(rng, func(r *rand.Rand) float64 { return float64(r.IntN(model.NumClasses)) }, batch)
		l.labels = true
		inputs[train.InputRealLabels], inputs[train.InputFakeLabels], labels = l, l, &l
	}

	type side struct {
		backend backends.Backend
		dtype   dtypes.DType
		ctx     *context.Context
		// d and g are the main steps (the first of each network in train.Steps).
		d, g train.Step
	}
	sides := [2]*side{{backend: sc.Reference, ctx: sc.NewContext()}, {backend: sc.Other, ctx: sc.NewContext()}}
	for i, s := range sides {
		o, err := objective.FromContext(s.ctx)
		if err != nil {
			return nil, err
		}
		steps, err := train.Steps(s.ctx, model, o)
		if err != nil {
			return nil, err
		}
		s.d, s.g = steps[0], mainStep(steps, objective.Generator)
		s.dtype = dtypes_[i]
	}
	onRef, onOther := sides[0].ctx, sides[1].ctx
	initial := context.New()
	initial.SetParam(context.ParamInitialSeed, int64(sc.Seed)) // reproducible weights
	if err := initializeVariables(sc.Reference, initial, model, zD, labels); err != nil {
		return nil, err
	}
	for _, s := range sides {
		if err := copyVariables(initial, s.ctx, s.dtype); err != nil {
			return nil, err
		}
	}

	// runSides runs one step, the one pick chooses, on both sides with latents z.
	runSides := func(pick func(*side) train.Step, z hostTensor) (outputs [2][]*tensors.Tensor, names []string, err error) {
		inputs[train.InputLatents] = z
		for i, s := range sides {
			if outputs[i], names, err = runTrainStep(s.backend, s.ctx, model, pick(s), inputs, s.dtype); err != nil {
				return outputs, nil, err
			}
		}
		return outputs, names, nil
	}
	c := &BackendComparison{}
	dOutputs, dNames, err := runSides(func(s *side) train.Step { return s.d }, zD)
	if err != nil {
		return nil, err
	}
	c.compareOutputs("D", dNames, dOutputs, tol)
	c.Variables[0] = c.compareVariables("after the D step", onRef, onOther, tol, sides[0].d.Optimizer, sides[0].g.Optimizer)
	c.DGradientError = gradientError(onRef, onOther, sides[0].d.Optimizer)
	if !(c.DGradientError <= tol.Gradient) {
		c.violate("D step: D's gradient vector differs by %.3g of its norm > %g", c.DGradientError, tol.Gradient)
	}
	gOutputs, gNames, err := runSides(func(s *side) train.Step { return s.g }, zG)
	if err != nil {
		return nil, err
	}
	c.compareOutputs("G", gNames, gOutputs, tol)
	c.Variables[1] = c.compareVariables("after the G step", onRef, onOther, tol, sides[0].d.Optimizer, sides[0].g.Optimizer)
	return c, nil
}

// mainStep returns network's main step.
func mainStep(steps []train.Step, network objective.Network) train.Step {
	for _, s := range steps {
		if s.Phase.Network == network && s.Phase.Adversarial {
			return s
		}
	}
	panic("verify: an objective without a main step for " + network.String())
}

// runTrainStep compiles and runs step once on inputs (in dtype), returning its outputs and their
// names.
func runTrainStep(backend backends.Backend, ctx *context.Context, model gan.Model, step train.Step, inputs map[train.Input]hostTensor, dtype dtypes.DType) ([]*tensors.Tensor, []string, error) {
	var args []any
	for _, kind := range step.Inputs() {
		host, ok := inputs[kind]
		if !ok {
			return nil, nil, errors.Errorf("StepComparison: the %s step reads input %d, which the comparison does not make", step.Phase.Name, kind)
		}
		args = append(args, host.tensor(dtype))
	}
	var names []string
	outputs, err := runStep(backend, ctx, step.Phase.Name+" step", func(ctx *context.Context, in []*Node) []*Node {
		t := step.Build(ctx, model, in)
		names = t.Names
		return t.Values
	}, args...)
	return outputs, names, err
}

// runStep compiles and runs one step graph once.
func runStep(backend backends.Backend, ctx *context.Context, name string, fn any, args ...any) ([]*tensors.Tensor, error) {
	exec, err := context.NewExecAny(backend, ctx, fn)
	if err != nil {
		return nil, errors.WithMessagef(err, "building the %s on %s", name, backend.Name())
	}
	defer exec.Finalize()
	outputs, err := exec.Exec(args...)
	return outputs, errors.WithMessagef(err, "running the %s on %s", name, backend.Name())
}

// initializeVariables creates G's and D's variables in ctx, initialized on backend, by running D
// on G's output (the step graphs then reuse them).
func initializeVariables(backend backends.Backend, ctx *context.Context, model gan.Model, z hostTensor, labels *hostTensor) error {
	args := []any{z.tensor(dtypes.Float32)}
	if labels != nil {
		args = append(args, labels.tensor(dtypes.Float32))
	}
	outputs, err := runStep(backend, ctx, "initialization", func(ctx *context.Context, in []*Node) *Node {
		var y *Node
		if len(in) > 1 {
			y = in[1]
		}
		return model.Critic(ctx, y)(model.Generate(ctx, in[0], y))
	}, args...)
	for _, t := range outputs {
		t.MustFinalizeAll()
	}
	return err
}

// copyVariables creates in `to` every variable of `from`, with a host copy of its value, floats
// converted to dtype.
func copyVariables(from, to *context.Context, dtype dtypes.DType) error {
	for v := range from.IterVariables() {
		value, err := v.MustValue().LocalClone()
		if err != nil {
			return errors.WithMessagef(err, "copying variable %s", v.ScopeAndName())
		}
		if v.DType().IsFloat() && v.DType() != dtype {
			value = hostTensor{data: floats(value), dims: v.Shape().Dimensions}.tensor(dtype)
		}
		to.InAbsPath(v.Scope()).Checked(false).VariableWithValue(v.Name(), value).SetTrainable(v.Trainable)
	}
	return nil
}

// floats returns a float32 or float64 tensor's values as float64.
func floats(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	values := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(values))
	for i, v := range values {
		out[i] = float64(v)
	}
	return out
}

func (c *BackendComparison) compareOutputs(step string, names []string, outputs [2][]*tensors.Tensor, tol StepTolerances) {
	for i, name := range names {
		ref, other := floats(outputs[0][i])[0], floats(outputs[1][i])[0]
		rel := math.Abs(other - ref)
		if ref != 0 {
			rel /= math.Abs(ref)
		}
		c.Outputs = append(c.Outputs, OutputDifference{Step: step, Name: name, Reference: ref, Other: other, Relative: rel})
		if !(rel <= tol.Outputs) { // also NaN
			c.violate("%s step %s: reference %.8g, other %.8g: relative difference %.3g > %g", step, name, ref, other, rel, tol.Outputs)
		}
	}
	for _, t := range append(outputs[0], outputs[1]...) {
		t.MustFinalizeAll()
	}
}

// compareVariables compares every float variable of the two contexts (the RNG state's format
// differs by backend and no step reads it) and returns how many it compared. optimizers are the
// reference side's, to explain weight differences by gradient differences.
func (c *BackendComparison) compareVariables(when string, ref, other *context.Context, tol StepTolerances, optimizers ...train.Optimizer) int {
	compared := 0
	for v := range ref.IterVariables() {
		if !v.DType().IsFloat() {
			continue
		}
		o := other.InspectVariable(v.Scope(), v.Name())
		if o == nil {
			c.violate("%s: %s exists on the reference backend only", when, v.ScopeAndName())
			continue
		}
		compared++
		want, got := floats(v.MustValue()), floats(o.MustValue())
		scale := maxAbs(want)
		if scale == 0 {
			scale = 1 // an all-zero tensor (G's biases before G steps): absolute differences
		}
		if !v.Trainable {
			// Optimizer state (moments, step counters).
			rel, at := maxDiff(got, want)
			rel /= scale
			c.OptimizerState = max(c.OptimizerState, rel)
			if !(rel <= tol.OptimizerState) {
				c.violate("%s: %s element %d: reference %.8g, other %.8g: relative difference %.3g > %g",
					when, v.ScopeAndName(), at, want[at], got[at], rel, tol.OptimizerState)
			}
			continue
		}
		var step *firstStep // read only if a component needs it
		for i := range want {
			diff := math.Abs(float64(got[i]) - float64(want[i]))
			if diff <= tol.Weights*scale {
				c.Weights = max(c.Weights, diff/scale)
				continue
			}
			if step == nil {
				step = newFirstStep(ref, v, optimizers, tol)
			}
			if diff <= step.explainable(i)+tol.Weights*scale {
				c.GradientAmplified++
				continue
			}
			c.Weights = max(c.Weights, diff/scale)
			c.violate("%s: %s element %d: reference %.8g, other %.8g: relative difference %.3g > %g, more than a gradient difference within %g explains",
				when, v.ScopeAndName(), i, want[i], got[i], diff/scale, tol.Weights, tol.OptimizerState)
		}
	}
	return compared
}

// gradientError returns |g_other - g_ref| / |g_ref| over all variables opt updates, with each
// gradient read back from opt's state after its first step (firstStepGradient).
func gradientError(ref, other *context.Context, opt train.Optimizer) float64 {
	var diff2, norm2 float64
	for _, v := range opt.Variables(ref) {
		want := firstStepGradient(opt, ref, v)
		o := other.InspectVariable(v.Scope(), v.Name())
		if want == nil || o == nil {
			continue
		}
		got := firstStepGradient(opt, other, o)
		for i := range want {
			diff2 += (got[i] - want[i]) * (got[i] - want[i])
			norm2 += want[i] * want[i]
		}
	}
	return math.Sqrt(diff2 / norm2)
}

// firstStepGradient reads v's gradient back from o's state after o's first step, or returns nil
// if v has no state: Adam's first moment is (1 - beta1) g; RMSprop keeps only (1 - beta2) g^2,
// whose square root gives |g|.
func firstStepGradient(o train.Optimizer, ctx *context.Context, v *context.Variable) []float64 {
	first, second := o.State(ctx, v)
	if first != nil {
		g := floats(first.MustValue())
		for i := range g {
			g[i] /= 1 - o.Beta1
		}
		return g
	}
	if second != nil {
		g := floats(second.MustValue())
		for i := range g {
			g[i] = math.Sqrt(g[i] / (1 - o.Beta2))
		}
		return g
	}
	return nil
}

// firstStep is what explains a weight's difference after an optimizer's first step: the step
// is lr * g/(k|g| + eps) (Adam, bias-corrected: k = 1; RMSprop: k = sqrt(1 - beta2)), which
// turns a rounding-level difference of a gradient g near 0, or near eps, into up to 2 lr.
type firstStep struct {
	opt train.Optimizer
	k   float64
	// gradient holds |g| of each component (firstStepGradient), and delta the gradient
	// difference the tolerances allow: OptimizerState times the largest |g|.
	gradient []float64
	delta    float64
}

// newFirstStep reads v's gradient back from its optimizer state in ctx; without state (v not
// stepped) or an optimizer owning v, nothing is explainable.
func newFirstStep(ctx *context.Context, v *context.Variable, optimizers []train.Optimizer, tol StepTolerances) *firstStep {
	s := &firstStep{}
	for _, opt := range optimizers {
		if v.Scope() == opt.Scope || strings.HasPrefix(v.Scope(), opt.Scope+"/") {
			s.opt = opt
		}
	}
	if s.opt.Scope == "" {
		return s
	}
	s.k = 1
	if s.opt.Algorithm == train.RMSprop {
		s.k = math.Sqrt(1 - s.opt.Beta2)
	}
	s.gradient = firstStepGradient(s.opt, ctx, v)
	for i, g := range s.gradient {
		s.gradient[i] = math.Abs(g)
	}
	s.delta = tol.OptimizerState * maxAbs(s.gradient)
	return s
}

// explainable returns the largest step difference that a gradient difference of at most delta
// makes at component i. The step is odd and increasing in g, so |g| is enough.
func (s *firstStep) explainable(i int) float64 {
	if i >= len(s.gradient) {
		return 0
	}
	step := func(g float64) float64 { return g / (s.k*math.Abs(g) + s.opt.Epsilon) }
	g := s.gradient[i]
	return s.opt.LearningRate * max(step(g+s.delta)-step(g), step(g)-step(g-s.delta))
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// maxDiff returns max|got - want| and where it is.
func maxDiff(got, want []float64) (worst float64, at int) {
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

// hostTensor is data made once on the host; each backend gets its own tensor of it (a tensor fed
// to one backend cannot be fed to another), in float32 or float64.
type hostTensor struct {
	data []float64
	dims []int
	// labels are int32 class labels whatever the side's float type.
	labels bool
}

func (h hostTensor) tensor(dtype dtypes.DType) *tensors.Tensor {
	if h.labels {
		values := make([]int32, len(h.data))
		for i, v := range h.data {
			values[i] = int32(v)
		}
		return tensors.FromFlatDataAndDimensions(values, h.dims...)
	}
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), h.data...), h.dims...)
	}
	values := make([]float32, len(h.data))
	for i, v := range h.data {
		values[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(values, h.dims...)
}

// randomHost draws float32-representable values, so both sides start from exactly the same
// numbers whatever their dtype.
func randomHost(rng *rand.Rand, sample func(*rand.Rand) float64, dims ...int) hostTensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = float64(float32(sample(rng)))
	}
	return hostTensor{data: data, dims: dims}
}
