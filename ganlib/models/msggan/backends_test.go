package msggan

import (
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/verify"

	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// stepsConfig is a 16x16 RGB MSG-ProGAN with 3 scales and at most 8 channels: every layer kind
// and the multi-scale penalty, small enough for XLA to compile both step graphs in seconds.
func stepsConfig() Config { return tiny(blocks.PhiSimple, blocks.AllConnections(16)) }

// trainingContext has the training defaults (Adam with betas (0, 0.99), lr 0.003, WGAN with
// lambda 10 and drift 0.001), as cmd/gantrain sets them, and the layers' defaults.
func trainingContext() *context.Context {
	ctx := context.New()
	ctx.SetParams(train.Settings().Defaults())
	ctx.SetParams(layers.Settings.Defaults())
	return ctx
}

// tensorsOf counts the weight and bias tensors of cfg's G and D from its layout: G has a dense
// layer, a conv and a toRGB at 4x4 and two convs and a toRGB at each higher resolution; D a
// fromRGB, two convs per block above 4x4, a conv, a 4x4 conv and the score at 4x4, and phi's r'
// at each connection for lin_cat and cat_lin. Each layer has a weight and a bias.
func tensorsOf(cfg Config) (g, d int) {
	scales := len(blocks.AllConnections(cfg.Resolution)) + 1
	g = 2 * (3 + 3*(scales-1))
	d = 2 * (1 + 2*(scales-1) + 3)
	if cfg.Phi != blocks.PhiSimple {
		d += 2 * len(cfg.Connections)
	}
	return g, d
}

// TestStepsMatchAcrossBackends runs one WGAN-GP discriminator step and then one generator step
// of a small MSG-ProGAN on pure Go and on XLA from identical weights and inputs, and compares
// the losses, gradient norms, updated weights and optimizer state within float32 rounding
// (verify.Float32Tolerances).
func TestStepsMatchAcrossBackends(t *testing.T) {
	xla := gradcheck.XLA(t)
	cfg, newContext := stepsConfig(), trainingContext
	tol := verify.Float32Tolerances
	c, err := verify.StepComparison{Reference: gradcheck.PureGo(), Other: xla, NewContext: newContext, Model: cfg.Model(),
		RealDims: []int{4, 16, 16, 3}, Seed: 21, Tolerances: tol}.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range c.Outputs {
		t.Logf("%s step %-16s pure Go %12.6g  XLA %12.6g  relative difference %.2g (tolerance %.0g)", o.Step, o.Name, o.Reference, o.Other, o.Relative, tol.Outputs)
	}
	t.Logf("weights differ by at most %.2g (tolerance %.0g; %d more components by what their gradients' rounding explains), optimizer state by %.2g (tolerance %.0g)",
		c.Weights, tol.Weights, c.GradientAmplified, c.OptimizerState, tol.OptimizerState)
	for _, v := range c.Violations {
		t.Error(v)
	}
	// D's 5 outputs (loss, Wasserstein term, penalty, drift, gradient norm) and G's 2 (loss,
	// gradient norm); the networks' weights and biases; the D step adds D's two Adam moments per
	// tensor and a step counter, the G step G's and its counter: if a step silently skipped
	// something, so would the checks.
	g, d := tensorsOf(cfg)
	want := [2]int{g + d + 2*d + 1, g + d + 2*d + 1 + 2*g + 1}
	if len(c.Outputs) != 5+2 || c.Variables != want {
		t.Errorf("compared %d outputs and %v variables after the D and G steps, want 7 and %v", len(c.Outputs), c.Variables, want)
	}

}

// TestStepsAgainstFloat64 runs the steps of TestStepsMatchAcrossBackends in float32 on each
// backend (pure Go always, XLA where its plugin loads) against pure Go in float64: each
// backend's own rounding error, within the float32 tolerances, and not zero (a float64 side that
// silently ran in float32 would agree exactly).
func TestStepsAgainstFloat64(t *testing.T) {
	cfg, newContext := stepsConfig(), trainingContext
	// The same tolerances, but for the gradients: D's score bias has a gradient of ~6e-5 that
	// is what remains of cancelling terms of ±1/batch (its Wasserstein terms cancel exactly; the
	// drift term remains), so its float32 rounding, ~u relative to 1, is ~1e-3 of itself (XLA
	// measured 5.05e-5 in its second moment, pure Go less).
	f64Tol := verify.Float32Tolerances
	f64Tol.OptimizerState = 2e-4
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		c, err := verify.StepComparison{Reference: gradcheck.PureGo(), ReferenceDType: dtypes.Float64, Other: backend, NewContext: newContext,
			Model: cfg.Model(), RealDims: []int{4, 16, 16, 3}, Seed: 21, Tolerances: f64Tol}.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s float32 vs pure Go float64: %s", backend.Name(), c)
		for _, v := range c.Violations {
			t.Errorf("%s float32 vs pure Go float64: %s", backend.Name(), v)
		}
		if c.MaxOutput() < 1e-10 || c.DGradientError < 1e-10 || c.Weights+c.OptimizerState < 1e-10 {
			t.Errorf("%s float32 vs pure Go float64: %s; want differences of float32 rounding, not exact agreement", backend.Name(), c)
		}
	})
}

// TestCompareBackendsCatchesADifference checks the comparison itself: the same backend on both
// sides agrees exactly, and one weight changed by 1e-3 on one side fails the outputs, the
// weights and the optimizer state.
func TestCompareBackendsCatchesADifference(t *testing.T) {
	backend := gradcheck.PureGo()
	cfg := tiny(blocks.PhiSimple, blocks.AllConnections(16))
	contexts := 0
	newContext := func() *context.Context {
		contexts++
		return trainingContext()
	}
	comparison := verify.StepComparison{Reference: backend, Other: backend, NewContext: newContext, Model: cfg.Model(),
		RealDims: []int{2, 16, 16, 3}, Seed: 5, Tolerances: verify.Float32Tolerances}
	same, err := comparison.Run()
	if err != nil {
		t.Fatal(err)
	}
	if same.MaxOutput() != 0 || same.Weights != 0 || same.OptimizerState != 0 || len(same.Violations) != 0 {
		t.Errorf("one backend against itself: %s; want exact agreement", same)
	}

	// The second context a comparison asks for is the other side's: a gradient-penalty weight
	// 1e-4 higher there changes the D step's loss and gradients slightly, as a small bug would.
	contexts = 0
	perturbed := func() *context.Context {
		ctx := newContext()
		if contexts == 2 {
			ctx.SetParam(objective.ParamGPLambda, 10.001)
		}
		return ctx
	}
	comparison.NewContext = perturbed
	differ, err := comparison.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lambda 10 vs 10.001: %s", differ)
	if differ.Exceeded == 0 || differ.DGradientError <= verify.Float32Tolerances.Gradient {
		t.Errorf("lambda 10 vs 10.001 passed: %s", differ)
	}
}
