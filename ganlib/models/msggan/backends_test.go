package msggan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/gradcheck"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Tolerances of TestStepsMatchAcrossBackends, relative to the largest magnitude of the compared
// tensor on pure Go. Both backends compute in float32 (unit roundoff u = 2^-24 ≈ 6e-8) but reduce
// in different orders (XLA CPU vectorizes and fuses; pure Go blocks its matrix products and runs
// convolutions as im2col products), so results agree to rounding, not bit for bit.
const (
	// lossRelTol bounds the step outputs (losses and gradient norm): forward passes and, for the
	// penalty and the gradient norm, a gradient and a gradient of a gradient through ~10 layers.
	// Measured on 2026-11-26: at most 2.6e-7 (D step) and 2.1e-7 (G step), a few u.
	lossRelTol = 1e-5
	// gradRelTol bounds Adam's state after one step. With beta1 = 0 the first moment is the
	// gradient itself and the second 0.01 * gradient^2, so this compares every gradient
	// component. Gradients are sums over batch and pixels of terms that partly cancel, so their
	// error relative to the tensor's largest component is larger than the losses'. Measured: at
	// most 3.8e-6 (D) and 7.3e-6 (G).
	gradRelTol = 5e-5
	// weightRelTol bounds the updated weights, whose step is lr * g/(|g|+eps) = ±lr at Adam's
	// first step (see signFlipped for components whose gradient is too small for float32 to
	// fix its sign; none occurred here). Measured: at most 1.6e-7.
	weightRelTol = 1e-6
)

// stepContext holds the training defaults (Adam with betas (0, 0.99), lr 0.003, lambda 10,
// drift 0.001), as cmd/gantrain sets them.
func stepContext() *context.Context {
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	ctx.SetParam(context.ParamInitialSeed, int64(1))
	return ctx
}

// initializeNetworks creates G's and D's variables in ctx, initialized on backend, by running D
// on G's output (the step graphs then reuse them).
func initializeNetworks(backend backends.Backend, ctx *context.Context, gan train.GAN, z hostTensor) {
	exec := context.MustNewExec(backend, ctx, func(ctx *context.Context, z *Node) *Node {
		return gan.Discriminator(ctx.InAbsPath(train.DiscriminatorScope).Checked(false), gan.Generate(ctx, z))
	})
	defer exec.Finalize()
	exec.MustExec(z.tensor())
}

// copyVariables creates in to every variable of from, with a host copy of its value: the same
// initial weights for a second backend. Seeding both contexts alike is not enough: GoMLX v0.26.0's
// RNGBitGenerator is Philox on XLA but math/rand/v2's PCG on pure Go, so the same
// ParamInitialSeed initializes different weights on each (checked, see docs/XLA.md).
func copyVariables(t *testing.T, from, to *context.Context) {
	for v := range from.IterVariables() {
		value, err := v.MustValue().LocalClone()
		if err != nil {
			t.Fatalf("copying %s: %v", v.ScopeAndName(), err)
		}
		to.InAbsPath(v.Scope()).Checked(false).VariableWithValue(v.Name(), value).SetTrainable(v.Trainable)
	}
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

func normal(rng *rand.Rand) float64  { return rng.NormFloat64() }
func uniform(rng *rand.Rand) float64 { return rng.Float64() }
func signed(rng *rand.Rand) float64  { return 2*rng.Float64() - 1 }

// relDiff returns max|got - want| / max|want| and where the largest difference is.
func relDiff(got, want []float32) (rel float64, at int) {
	scale, worst := 0.0, -1.0
	for i := range want {
		scale = max(scale, math.Abs(float64(want[i])))
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > worst {
			worst, at = d, i
		}
	}
	if scale == 0 {
		return worst, at
	}
	return worst / scale, at
}

func float32s(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

// outputsMatch compares a step's outputs (scalars) on both backends.
func outputsMatch(t *testing.T, step string, names []string, onGo, onXLA []*tensors.Tensor) {
	t.Helper()
	for i, name := range names {
		goValue, xlaValue := float32s(onGo[i]), float32s(onXLA[i])
		rel, _ := relDiff(xlaValue, goValue)
		t.Logf("%s %-11s pure Go %12.6g  XLA %12.6g  relative difference %.2g (tolerance %.0g)", step, name, goValue[0], xlaValue[0], rel, lossRelTol)
		if rel > lossRelTol || math.IsNaN(rel) {
			t.Errorf("%s %s: pure Go %.8g, XLA %.8g: relative difference %.3g > %g", step, name, goValue[0], xlaValue[0], rel, lossRelTol)
		}
	}
}

// signFlipped reports whether weight component i of v, which differs by diff between the
// backends, can owe that to the sign of a gradient within rounding of zero: Adam's first moment
// (the gradient of the first step, as beta1 = 0) is that small there and diff is at most 2 lr.
func signFlipped(ctx *context.Context, v *context.Variable, i int, diff, lr float64) bool {
	moment := ctx.InspectVariable("/optimizer"+v.Scope()+"/"+v.Name(), "first_moment")
	if moment == nil {
		return false // v has not stepped: nothing may differ
	}
	grad := float32s(moment.MustValue())
	gradScale := 0.0
	for _, g := range grad {
		gradScale = max(gradScale, math.Abs(float64(g)))
	}
	return math.Abs(float64(grad[i])) <= gradRelTol*gradScale && diff <= 2*lr*(1+weightRelTol)
}

// variablesMatch compares every variable of the two contexts after a step: network weights,
// Adam's moments and step counters. It returns how many were compared.
//
// A weight's first step is -lr * g/(|g| + 1e-8), i.e. ±lr by the sign of its gradient g. Where
// |g| is below the gradient tolerance, float32 rounding may decide that sign differently on each
// backend and the weights then differ by up to 2 lr: such components are allowed (and counted)
// only there.
func variablesMatch(t *testing.T, step string, onGo, onXLA *context.Context, lr float64) int {
	t.Helper()
	compared, flipped := 0, 0
	worstWeight, worstState := 0.0, 0.0
	for v := range onGo.IterVariables() {
		if v.DType() != dtypes.Float32 {
			continue // the RNG state: its format differs by backend and no step reads it
		}
		other := onXLA.InspectVariable(v.Scope(), v.Name())
		if other == nil {
			t.Errorf("%s: %s exists on pure Go only", step, v.ScopeAndName())
			continue
		}
		compared++
		goValue, xlaValue := float32s(v.MustValue()), float32s(other.MustValue())
		rel, at := relDiff(xlaValue, goValue)
		if !v.Trainable {
			// Optimizer state (moments, step counters) has no sign ambiguity.
			worstState = max(worstState, rel)
			if rel > gradRelTol {
				t.Errorf("%s: %s element %d: pure Go %.8g, XLA %.8g: relative difference %.3g > %g",
					step, v.ScopeAndName(), at, goValue[at], xlaValue[at], rel, gradRelTol)
			}
			continue
		}
		scale := 0.0
		for _, w := range goValue {
			scale = max(scale, math.Abs(float64(w)))
		}
		for i := range goValue {
			diff := math.Abs(float64(goValue[i]) - float64(xlaValue[i]))
			switch {
			case diff == 0: // also G's zero biases before G has stepped
			case diff <= weightRelTol*scale:
				worstWeight = max(worstWeight, diff/scale)
			case signFlipped(onGo, v, i, diff, lr):
				flipped++
			default:
				t.Errorf("%s: %s element %d: pure Go %.8g, XLA %.8g: relative difference %.3g > %g, not explained by a gradient within rounding of 0",
					step, v.ScopeAndName(), i, goValue[i], xlaValue[i], diff/scale, weightRelTol)
			}
		}
	}
	t.Logf("%s: %d variables: weights differ by at most %.2g (tolerance %.0g; %d components with a gradient within rounding of 0 stepped in opposite directions), optimizer state by %.2g (tolerance %.0g)",
		step, compared, worstWeight, weightRelTol, flipped, worstState, gradRelTol)
	return compared
}

// TestStepsMatchAcrossBackends runs one WGAN-GP discriminator step and then one generator step
// of a small MSG-ProGAN on pure Go and on XLA from identical weights and inputs, and compares
// the losses, gradient norms, updated weights and optimizer state.
func TestStepsMatchAcrossBackends(t *testing.T) {
	xla := gradcheck.XLA(t)
	// A 16x16 RGB MSG-ProGAN with 3 scales and at most 8 channels: every layer kind and the
	// multi-scale penalty, small enough for XLA to compile both step graphs in seconds.
	cfg := tiny(PhiSimple, AllConnections(16))
	gan := cfg.GAN()
	const batch = 4
	rng := rand.New(rand.NewPCG(21, 3))
	real := randomHost(rng, signed, batch, cfg.Resolution, cfg.Resolution, cfg.ImageChannels)
	zD, eps := randomHost(rng, normal, batch, cfg.LatentDim), randomHost(rng, uniform, batch)
	zG := randomHost(rng, normal, batch, cfg.LatentDim)

	onGo, onXLA := stepContext(), stepContext()
	initializeNetworks(gradcheck.PureGo(), onGo, gan, zD)
	copyVariables(t, onGo, onXLA)
	loss := train.WGANGPFor(onGo)
	optD, optG := train.OptimizerFor(onGo, train.DiscriminatorScope), train.OptimizerFor(onGo, train.GeneratorScope)

	type run struct {
		backend backends.Backend
		ctx     *context.Context
		d, g    []*tensors.Tensor
	}
	runs := []*run{{backend: gradcheck.PureGo(), ctx: onGo}, {backend: xla, ctx: onXLA}}
	for _, r := range runs {
		dStep := context.MustNewExec(r.backend, r.ctx, func(ctx *context.Context, real, z, eps *Node) []*Node {
			return gan.WGANGPDiscriminatorStep(ctx, loss, optD, real, z, eps)
		})
		r.d = dStep.MustExec(real.tensor(), zD.tensor(), eps.tensor())
		dStep.Finalize()
	}
	outputsMatch(t, "D step", []string{"loss", "wasserstein", "penalty", "drift", "grad norm"}, runs[0].d, runs[1].d)
	dVars := variablesMatch(t, "after the D step", onGo, onXLA, optD.LearningRate)

	for _, r := range runs {
		gStep := context.MustNewExec(r.backend, r.ctx, func(ctx *context.Context, z *Node) []*Node {
			return gan.WGANGPGeneratorStep(ctx, loss, optG, z)
		})
		r.g = gStep.MustExec(zG.tensor())
		gStep.Finalize()
	}
	outputsMatch(t, "G step", []string{"loss", "grad norm"}, runs[0].g, runs[1].g)
	gVars := variablesMatch(t, "after the G step", onGo, onXLA, optG.LearningRate)

	// 34 network weights and biases; the D step adds D's 32 Adam moments and a step counter, the G
	// step G's 36 moments and its counter: if a step silently skipped variables, so would the checks.
	if dVars != 34+16*2+1 || gVars != dVars+18*2+1 {
		t.Errorf("compared %d variables after the D step and %d after the G step, want 67 and 104", dVars, gVars)
	}
}
