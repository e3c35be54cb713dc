package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestClassifierFeatureFn: the classifier built into another context's graph gives the features
// Extract gives (its weights copied, not re-initialized), and images get a non-zero gradient
// through it.
func TestClassifierFeatureFn(t *testing.T) {
	backend := engine.MustNew("go")
	defer backend.Finalize()
	spec := ClassifierSpec{Dataset: "mnist", Resolution: 32, Channels: 1}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(7)) // not the other context's: its weights must be copies
	c := newClassifier(backend, ctx, spec, 10, 0, 0)
	rng := rand.New(rand.NewPCG(8, 8))
	pixels := make([]float32, 2*32*32)
	for i := range pixels {
		pixels[i] = 2*rng.Float32() - 1
	}
	images := tensors.FromFlatDataAndDimensions(pixels, 2, 32, 32, 1)
	want, _, err := c.Extract(images)
	if err != nil {
		t.Fatal(err)
	}
	other := context.New()
	fn, err := c.FeatureFn(other)
	if err != nil {
		t.Fatal(err)
	}
	outs := context.MustNewExec(backend, other, func(ctx *context.Context, x *Node) (*Node, *Node) {
		features := fn(x)
		return features, Gradient(ReduceAllSum(Square(features)), x)[0]
	}).MustExec(images)
	got, grad := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	if len(got) != 2*classifierDim {
		t.Fatalf("%d features, want %d", len(got), 2*classifierDim)
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("feature %d: %g in the other graph, %g from Extract", i, got[i], want[i])
		}
	}
	norm := 0.0
	for _, g := range grad {
		norm += float64(g * g)
	}
	if !(norm > 0) {
		t.Error("no gradient reaches the images")
	}
}
