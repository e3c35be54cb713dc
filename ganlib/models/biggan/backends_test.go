package biggan_test

import (
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/models/biggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// tinyContext is biggan-32's objective on a 16x16 RGB model (biggan-cifar's images) with 8
// channels and self-attention at 8x8: every layer kind (spectral norm, conditional batch norm, attention, projection) in one
// small graph.
func tinyContext(t *testing.T) func() *context.Context {
	return func() *context.Context {
		ctx, err := models.Context(map[string]any{gan.ParamModel: "biggan", biggan.ParamResolution: 16, biggan.ParamChannels: 8,
			biggan.ParamLatentDim: 12, biggan.ParamEmbedDim: 8, biggan.ParamAttention: 8, biggan.ParamImageChannels: 3}, train.Settings(), datasets.Settings)
		if err != nil {
			t.Fatal(err)
		}
		return ctx
	}
}

// TestStepsMatchAcrossBackends runs one hinge D step and one G step (with the orthogonal
// regularization) of a tiny class-conditional BigGAN on pure Go and on XLA from identical
// weights, labels and inputs, and compares losses, gradient norms, weights, spectral-norm
// vectors, batch-norm statistics and optimizer state within float32 rounding.
func TestStepsMatchAcrossBackends(t *testing.T) {
	xla := gradcheck.XLA(t)
	newContext := tinyContext(t)
	m, err := models.New(newContext())
	if err != nil {
		t.Fatal(err)
	}
	tol := verify.Float32Tolerances
	c, err := verify.StepComparison{Reference: gradcheck.PureGo(), Other: xla, NewContext: newContext, Model: m,
		RealDims: []int{4, 16, 16, 3}, Seed: 5, Tolerances: tol}.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range c.Outputs {
		t.Logf("%s step %-16s pure Go %12.6g  XLA %12.6g  relative difference %.2g", o.Step, o.Name, o.Reference, o.Other, o.Relative)
	}
	for _, v := range c.Violations {
		t.Error(v)
	}
	if len(c.Outputs) < 6 || c.Variables[1] < 50 {
		t.Errorf("compared %d outputs and %v variables: the steps lost something", len(c.Outputs), c.Variables)
	}
}
