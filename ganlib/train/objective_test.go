package train_test

import (
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// variableValue reads a scalar float32 variable of the loop's context.
func variableValue(t *testing.T, ctx *context.Context, scope, name string) float64 {
	t.Helper()
	v := ctx.InspectVariable(scope, name)
	if v == nil {
		t.Fatalf("no variable %s/%s", scope, name)
	}
	return float64(tensors.ToScalar[float32](v.MustValue()))
}

// TestLazyR1Schedule: with the non-saturating loss and R1 every 4 D steps, 8 iterations make 8
// main D updates and R1 updates at D steps 0 and 4: the D optimizer counts 10 steps.
func TestLazyR1Schedule(t *testing.T) {
	loop := newLoop(t, t.TempDir(), map[string]any{train.ParamKimg: 0.064, train.ParamSnapshotKimg: 0.064,
		objective.ParamLoss: "ns", objective.ParamR1Gamma: 1.0, objective.ParamR1Interval: 4})
	var ticks []*runs.Tick
	loop.OnTick(func(tick *runs.Tick) { ticks = append(ticks, tick) })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	if got := variableValue(t, loop.Ctx, "/optimizer/discriminator", "step"); got != 10 {
		t.Errorf("discriminator optimizer made %g steps, want 8 + 2 lazy R1 steps", got)
	}
	if got := variableValue(t, loop.Ctx, "/optimizer/generator", "step"); got != 8 {
		t.Errorf("generator optimizer made %g steps, want 8", got)
	}
	if r1, ok := ticks[0].Terms["r1"]; !ok || r1 <= 0 {
		t.Errorf("first tick terms %v: want a positive r1", ticks[0].Terms)
	}
}

// styleGAN is a tiny style-based generator (mapping network, learned constant, modulated style
// layers, toRGB at every scale) with the MSG-ProGAN discriminator, for path-length tests.
func styleGAN() gan.Model {
	m := tinyModel()
	m.Mapping = func(ctx *context.Context, z, _ *Node) *Node {
		return layers.Mapping(ctx, z).Layers(2).WDim(16).Done()
	}
	m.Synthesis = func(ctx *context.Context, w *Node) []*Node {
		b := w.Shape().Dimensions[0]
		constant := ctx.In("const").VariableWithShape("value", shapes.Make(w.DType(), 1, 4, 4, 8)).ValueGraph(w.Graph())
		x := BroadcastToDims(constant, b, 4, 4, 8)
		var images []*Node
		for r := 4; r <= 16; r *= 2 {
			style := layers.Style(ctx.Inf("layer%d", r), x, w, 8)
			if r > 4 {
				style.Upsample()
			}
			x = style.Done()
			images = append(images, layers.ToRGBStyled(ctx.Inf("to_rgb%d", r), x, w, 1))
		}
		return images
	}
	m.Generator = func(ctx *context.Context, z, labels *Node) []*Node {
		return m.Synthesis(ctx, m.Mapping(ctx, z, labels))
	}
	return m
}

// TestPathLengthRegularization: path-length steps run every 2 G steps (0, 2, 4, 6 of 8), their
// running mean of lengths moves away from 0 and is kept in the context (so snapshots hold it).
func TestPathLengthRegularization(t *testing.T) {
	loop := newLoop(t, t.TempDir(), map[string]any{train.ParamKimg: 0.064, train.ParamSnapshotKimg: 0.064,
		objective.ParamLoss: "ns", objective.ParamPLWeight: 2.0, objective.ParamPLInterval: 2})
	loop.Model = styleGAN()
	var ticks []*runs.Tick
	loop.OnTick(func(tick *runs.Tick) { ticks = append(ticks, tick) })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	if got := variableValue(t, loop.Ctx, "/optimizer/generator", "step"); got != 12 {
		t.Errorf("generator optimizer made %g steps, want 8 + 4 path-length steps", got)
	}
	if mean := variableValue(t, loop.Ctx, "/path_length", "mean"); mean <= 0 {
		t.Errorf("path-length running mean %g, want > 0 after 4 updates", mean)
	}
	if _, ok := ticks[len(ticks)-1].Terms["path_length_penalty"]; !ok {
		t.Errorf("stats lack path_length_penalty: %v", ticks[len(ticks)-1].Terms)
	}
}

// TestOrthogonalRegularization: with the hinge loss and BigGAN's orthogonal regularization, G's
// loss includes a positive orthogonality term.
func TestOrthogonalRegularization(t *testing.T) {
	loop := newLoop(t, t.TempDir(), map[string]any{train.ParamKimg: 0.032, train.ParamSnapshotKimg: 0.032,
		objective.ParamLoss: "hinge", objective.ParamOrthogonalBeta: 1e-4})
	var ticks []*runs.Tick
	loop.OnTick(func(tick *runs.Tick) { ticks = append(ticks, tick) })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	if ortho := ticks[0].Terms["orthogonal"]; ortho <= 0 {
		t.Errorf("orthogonal term %g in %v, want > 0", ortho, ticks[0].Terms)
	}
}
