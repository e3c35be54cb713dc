package train_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// conditionalModel is a tiny class-conditional GAN: G(z, y) = tanh(z W + E_g[y]) as a
// resolution x resolution grey image, D(x, y) = sum(x) * v + E_d[y], with E_d = 1, 2, 3, ...
// per class, so D's scores show which labels reached it.
func conditionalModel(resolution, classes int) gan.Model {
	pixels := resolution * resolution
	m := gan.Model{Name: "conditional test GAN", Resolution: resolution, Channels: 1, LatentDim: 2, NumClasses: classes}
	m.Generator = func(ctx *context.Context, z, labels *Node) []*Node {
		w := ctx.VariableWithShape("w", shapes.Make(z.DType(), 2, pixels)).ValueGraph(z.Graph())
		embed := ctx.VariableWithShape("embed", shapes.Make(z.DType(), classes, pixels)).ValueGraph(z.Graph())
		return []*Node{Reshape(Tanh(Add(MatMul(z, w), Gather(embed, ExpandAxes(labels, -1)))), -1, resolution, resolution, 1)}
	}
	m.Discriminator = func(ctx *context.Context, images []*Node, labels *Node) *Node {
		x := images[0]
		g := x.Graph()
		values := make([]float32, classes)
		for i := range values {
			values[i] = float32(i + 1)
		}
		embed := ctx.VariableWithValue("embed", values).ValueGraph(g)
		v := ctx.VariableWithValue("v", float32(0.5)).ValueGraph(g)
		sum := ReduceSum(Reshape(x, x.Shape().Dimensions[0], -1), 1)
		return Reshape(Add(Mul(sum, v), Gather(embed, ExpandAxes(labels, -1))), -1, 1)
	}
	m.RealInputs = func(_ *context.Context, real *Node) []*Node { return []*Node{real} }
	return m
}

// TestLabelsReachBothNetworks: a conditional model's steps read real and fake labels, D's
// scores are those of the given labels, and the loop trains one on labelled MNIST.
func TestLabelsReachBothNetworks(t *testing.T) {
	m := conditionalModel(2, 3)
	ctx := context.New()
	ctx.SetParams(train.Settings().Defaults())
	ctx.SetParams(map[string]any{objective.ParamLoss: "hinge", objective.ParamGPLambda: 0.0, objective.ParamDrift: 0.0})
	o, err := objective.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := train.Steps(ctx, m, o)
	if err != nil {
		t.Fatal(err)
	}
	d, g := steps[0], steps[1]
	if want := []train.Input{train.InputReal, train.InputRealLabels, train.InputLatents, train.InputFakeLabels}; !slices.Equal(d.Inputs(), want) {
		t.Fatalf("D step inputs %v, want %v", d.Inputs(), want)
	}
	if want := []train.Input{train.InputLatents, train.InputFakeLabels}; !slices.Equal(g.Inputs(), want) {
		t.Fatalf("G step inputs %v, want %v", g.Inputs(), want)
	}
	real := tensors.FromFlatDataAndDimensions([]float32{1, 1, 1, 1, 0, 0, 0, 0}, 2, 2, 2, 1)
	realLabels := tensors.FromFlatDataAndDimensions([]int32{2, 0}, 2)
	z := tensors.FromFlatDataAndDimensions([]float32{0.1, 0.2, 0.3, 0.4}, 2, 2)
	fakeLabels := tensors.FromFlatDataAndDimensions([]int32{1, 1}, 2)
	var names []string
	outs := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, in []*Node) []*Node {
		terms := d.Build(ctx, m, in)
		names = terms.Names
		return terms.Values
	}).MustExec(real, realLabels, z, fakeLabels)
	// Real scores: 4 * 0.5 + E_d[2] = 5 and 0 + E_d[0] = 1.
	for i, name := range names {
		if name == "d_real_score" {
			if got := tensors.ToScalar[float32](outs[i]); math.Abs(float64(got)-3) > 1e-6 {
				t.Errorf("mean D score of the reals %g, want 3 = (5 + 1)/2: the labels did not reach D", got)
			}
		}
	}

	data, err := datasets.Open("mnist", datasets.Options{Resolution: 4, Channels: 1, Seed: 3})
	if err != nil {
		if gradcheck.RequireDeps() {
			t.Fatal(err)
		}
		t.Skipf("MNIST not installed: %v", err)
	}
	defer data.Close()
	loopCtx := context.New()
	loopCtx.SetParams(train.Settings().Defaults())
	loopCtx.SetParams(map[string]any{train.ParamKimg: 0.032, train.ParamBatchSize: 8, train.ParamTickKimg: 0.016, train.ParamSnapshotKimg: 0.032})
	loop := &train.Loop{Backend: gradcheck.PureGo(), Ctx: loopCtx, Model: conditionalModel(4, 10), Data: data, Dir: runs.Open(t.TempDir()), Logf: t.Logf}
	var ticks []*runs.Tick
	loop.OnTick(func(tick *runs.Tick) { ticks = append(ticks, tick) })
	if err := loop.Run(""); err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 2 || math.IsNaN(ticks[1].Terms["d_loss"]) {
		t.Errorf("ticks %v", ticks)
	}
}

// unlabelled reports a data set without labels.
type unlabelled struct{ train.Data }

func (unlabelled) NumClasses() int { return 0 }

// TestLabelsMustFitTheModel: a class-conditional model refuses data without labels and data
// with another number of classes, naming the classes setting, before any step runs.
func TestLabelsMustFitTheModel(t *testing.T) {
	data, err := datasets.Open("mnist", datasets.Options{Resolution: 4, Channels: 1, Seed: 3})
	if err != nil {
		if gradcheck.RequireDeps() {
			t.Fatal(err)
		}
		t.Skipf("MNIST not installed: %v", err)
	}
	defer data.Close()
	for _, tc := range []struct {
		classes int
		data    train.Data
		want    string
	}{
		{3, data, "classes=3 but its data set has 10 classes: set classes=10"},
		{10, unlabelled{data}, "its data set has no labels"},
	} {
		ctx := context.New()
		ctx.SetParams(train.Settings().Defaults())
		loop := &train.Loop{Backend: gradcheck.PureGo(), Ctx: ctx, Model: conditionalModel(4, tc.classes), Data: tc.data, Dir: runs.Open(t.TempDir()), Logf: t.Logf}
		if err := loop.Run(""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d classes: error %v, want one saying %q", tc.classes, err, tc.want)
		}
	}
}
