package train

import (
	"fmt"
	"math"
	"math/rand/v2"

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
	// Weights bounds the updated weights. Adam's first step moves a weight by ±lr, the sign of
	// its gradient; where the gradient is within OptimizerState of zero, rounding may decide that
	// sign differently on each backend, and the weight may then differ by up to 2 lr (counted
	// in BackendComparison.SignFlips, not a violation).
	Weights float64
}

// Float32Tolerances is agreement to float32 rounding (u = 2^-24 ≈ 6e-8 per operation) summed in
// different orders, for backends computing every product in float32. On a 16x16 MSG-ProGAN, pure
// Go vs XLA CPU (2026-11-26) differed by at most 2.6e-7 in step outputs, 7.3e-6 in optimizer
// state and 1.6e-7 in weights; a wrong index or gradient is orders of magnitude above these.
// GPUs multiplying in TF32 (10-bit mantissa; XLA's default for float32 on NVIDIA Ampere and
// newer) differ by ~1e-3 and need NVIDIA_TF32_OVERRIDE=0 to be held to them.
var Float32Tolerances = StepTolerances{Outputs: 1e-5, OptimizerState: 5e-5, Weights: 1e-6}

// OutputDifference is one step output on both backends.
type OutputDifference struct {
	Step, Name       string
	Reference, Other float64
	// Relative is |Other - Reference| / |Reference| (absolute where Reference is 0).
	Relative float64
}

// BackendComparison is what CompareBackends measured.
type BackendComparison struct {
	Outputs []OutputDifference
	// Weights and OptimizerState are the largest relative differences over all float32
	// variables after each step, weights leaving out the SignFlips components.
	Weights, OptimizerState float64
	SignFlips               int
	// Variables is how many variables were compared after the D step and after the G step.
	Variables [2]int
	// Violations describes, one line each, what went past the tolerances (at most
	// maxViolations lines, then a count).
	Violations []string
	violations int
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
	c.violations++
	switch {
	case c.violations <= maxViolations:
		c.Violations = append(c.Violations, fmt.Sprintf(format, args...))
	case c.violations == maxViolations+1:
		c.Violations = append(c.Violations, "(further violations are counted, not listed)")
	}
}

// String summarizes the comparison in one line.
func (c *BackendComparison) String() string {
	s := fmt.Sprintf("outputs %.2g, weights %.2g (%d sign flips), optimizer state %.2g; %d+%d variables",
		c.MaxOutput(), c.Weights, c.SignFlips, c.OptimizerState, c.Variables[0], c.Variables[1])
	if c.violations > 0 {
		s += fmt.Sprintf("; %d violations", c.violations)
	}
	return s
}

// CompareBackends runs one discriminator step and then one generator step of gan on the
// reference backend and on other, from identical weights and inputs, and compares the step
// outputs, the updated weights and the optimizers' state. The steps are the training loop's, with
// the objective and optimizers of the settings in the contexts newContext returns (one per
// backend; the first is the reference's). Real images of realDims ([batch, height, width,
// channels], uniform in [-1, 1]) and the latents are drawn from seed.
//
// The weights are initialized on the reference backend and copied: the same
// context.ParamInitialSeed initializes different weights on each backend (GoMLX v0.26.0's
// RNGBitGenerator is Philox on XLA, PCG on pure Go; docs/XLA.md).
func CompareBackends(reference, other backends.Backend, newContext func() *context.Context, gan GAN, realDims []int, seed uint64, tol StepTolerances) (*BackendComparison, error) {
	if len(realDims) != 4 {
		return nil, errors.Errorf("CompareBackends: real images must be [batch, height, width, channels], got %v", realDims)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	batch := realDims[0]
	real := randomHost(rng, func(r *rand.Rand) float64 { return 2*r.Float64() - 1 }, realDims...)
	zD := randomHost(rng, (*rand.Rand).NormFloat64, batch, gan.LatentDim)
	eps := randomHost(rng, (*rand.Rand).Float64, batch)
	zG := randomHost(rng, (*rand.Rand).NormFloat64, batch, gan.LatentDim)

	type side struct {
		backend    backends.Backend
		ctx        *context.Context
		objective  Objective
		optD, optG Optimizer
	}
	sides := [2]*side{{backend: reference, ctx: newContext()}, {backend: other, ctx: newContext()}}
	for _, s := range sides {
		var err error
		if s.objective, err = ObjectiveFromContext(s.ctx); err != nil {
			return nil, err
		}
		s.optD, s.optG = s.objective.optimizers(s.ctx)
	}
	onRef, onOther := sides[0].ctx, sides[1].ctx
	if err := initializeVariables(reference, onRef, gan, zD); err != nil {
		return nil, err
	}
	if err := copyVariables(onRef, onOther); err != nil {
		return nil, err
	}

	c := &BackendComparison{}
	var dOutputs, gOutputs [2][]*tensors.Tensor
	var dNames, gNames []string
	for i, s := range sides {
		var err error
		dOutputs[i], err = runStep(s.backend, s.ctx, "D step", func(ctx *context.Context, real, z, eps *Node) []*Node {
			t := gan.DiscriminatorStep(ctx, s.objective, s.optD, real, z, eps)
			dNames = t.names
			return t.values
		}, real.tensor(), zD.tensor(), eps.tensor())
		if err != nil {
			return nil, err
		}
	}
	c.compareOutputs("D", dNames, dOutputs, tol)
	c.Variables[0] = c.compareVariables("after the D step", onRef, onOther, sides[0].optD.LearningRate, tol)
	for i, s := range sides {
		var err error
		gOutputs[i], err = runStep(s.backend, s.ctx, "G step", func(ctx *context.Context, z *Node) []*Node {
			t := gan.GeneratorStep(ctx, s.objective, s.optG, z)
			gNames = t.names
			return t.values
		}, zG.tensor())
		if err != nil {
			return nil, err
		}
	}
	c.compareOutputs("G", gNames, gOutputs, tol)
	c.Variables[1] = c.compareVariables("after the G step", onRef, onOther, sides[0].optG.LearningRate, tol)
	return c, nil
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
func initializeVariables(backend backends.Backend, ctx *context.Context, gan GAN, z hostTensor) error {
	outputs, err := runStep(backend, ctx, "initialization", func(ctx *context.Context, z *Node) *Node {
		return gan.Discriminator(networkContext(ctx, DiscriminatorScope), gan.Generate(ctx, z))
	}, z.tensor())
	for _, t := range outputs {
		t.MustFinalizeAll()
	}
	return err
}

// copyVariables creates in `to` every variable of `from`, with a host copy of its value.
func copyVariables(from, to *context.Context) error {
	for v := range from.IterVariables() {
		value, err := v.MustValue().LocalClone()
		if err != nil {
			return errors.WithMessagef(err, "copying variable %s", v.ScopeAndName())
		}
		to.InAbsPath(v.Scope()).Checked(false).VariableWithValue(v.Name(), value).SetTrainable(v.Trainable)
	}
	return nil
}

func (c *BackendComparison) compareOutputs(step string, names []string, outputs [2][]*tensors.Tensor, tol StepTolerances) {
	for i, name := range names {
		ref := float64(tensors.MustCopyFlatData[float32](outputs[0][i])[0])
		other := float64(tensors.MustCopyFlatData[float32](outputs[1][i])[0])
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

// compareVariables compares every float32 variable of the two contexts (the RNG state's format
// differs by backend and no step reads it) and returns how many it compared.
func (c *BackendComparison) compareVariables(when string, ref, other *context.Context, lr float64, tol StepTolerances) int {
	compared := 0
	for v := range ref.IterVariables() {
		if v.DType() != dtypes.Float32 {
			continue
		}
		o := other.InspectVariable(v.Scope(), v.Name())
		if o == nil {
			c.violate("%s: %s exists on the reference backend only", when, v.ScopeAndName())
			continue
		}
		compared++
		want := tensors.MustCopyFlatData[float32](v.MustValue())
		got := tensors.MustCopyFlatData[float32](o.MustValue())
		scale := maxAbs(want)
		if scale == 0 {
			scale = 1 // an all-zero tensor (G's biases before G steps): absolute differences
		}
		if !v.Trainable {
			// Optimizer state (moments, step counters): no sign ambiguity.
			rel, at := maxDiff(got, want)
			rel /= scale
			c.OptimizerState = max(c.OptimizerState, rel)
			if !(rel <= tol.OptimizerState) {
				c.violate("%s: %s element %d: reference %.8g, other %.8g: relative difference %.3g > %g",
					when, v.ScopeAndName(), at, want[at], got[at], rel, tol.OptimizerState)
			}
			continue
		}
		var gradient []float32 // Adam's first moment, read only if a component needs it
		for i := range want {
			rel := math.Abs(float64(got[i])-float64(want[i])) / scale
			if rel <= tol.Weights {
				c.Weights = max(c.Weights, rel)
				continue
			}
			if gradient == nil {
				gradient = firstMoment(ref, v)
			}
			if signFlipped(gradient, i, rel*scale, lr, tol) {
				c.SignFlips++
				continue
			}
			c.Weights = max(c.Weights, rel)
			c.violate("%s: %s element %d: reference %.8g, other %.8g: relative difference %.3g > %g, not a gradient within rounding of 0",
				when, v.ScopeAndName(), i, want[i], got[i], rel, tol.Weights)
		}
	}
	return compared
}

// firstMoment returns Adam's first moment of v (its gradient at the first step, as beta1 = 0),
// or an empty slice if v has none (not stepped yet, or another optimizer).
func firstMoment(ctx *context.Context, v *context.Variable) []float32 {
	moment := ctx.InspectVariable("/optimizer"+v.Scope()+"/"+v.Name(), "first_moment")
	if moment == nil {
		return []float32{}
	}
	return tensors.MustCopyFlatData[float32](moment.MustValue())
}

// signFlipped reports whether component i of a weight, differing by diff between the backends,
// can owe that to the sign of a gradient within rounding of zero: the gradient is that small
// there and diff is at most the 2 lr of two opposite first steps.
func signFlipped(gradient []float32, i int, diff, lr float64, tol StepTolerances) bool {
	if i >= len(gradient) {
		return false
	}
	return math.Abs(float64(gradient[i])) <= tol.OptimizerState*maxAbs(gradient) && diff <= 2*lr*(1+tol.Weights)
}

func maxAbs(x []float32) float64 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// maxDiff returns max|got - want| and where it is.
func maxDiff(got, want []float32) (worst float64, at int) {
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

// hostTensor is float32 data made once on the host; each backend gets its own tensor of it (a
// tensor fed to one backend cannot be fed to another).
type hostTensor struct {
	data []float32
	dims []int
}

func (h hostTensor) tensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float32(nil), h.data...), h.dims...)
}

func randomHost(rng *rand.Rand, sample func(*rand.Rand) float64, dims ...int) hostTensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(sample(rng))
	}
	return hostTensor{data, dims}
}
