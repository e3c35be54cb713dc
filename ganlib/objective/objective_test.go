package objective

import (
	"math"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func objectiveOf(t *testing.T, settings map[string]any) Objective {
	t.Helper()
	ctx := context.New()
	ctx.SetParams(Settings().Defaults())
	ctx.SetParams(settings)
	o, err := FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestPhases: the default objective (ProGAN's WGAN-GP) is one D and one G step; StyleGAN2's
// (non-saturating, lazy R1 and path length) adds a lazy step per network, with its interval and
// batch; two lazy intervals on one network are refused.
func TestPhases(t *testing.T) {
	describe := func(phases []Phase) string {
		var parts []string
		for _, p := range phases {
			var regs []string
			for _, r := range p.Regularizers {
				regs = append(regs, r.Name)
			}
			parts = append(parts, p.Name+"/"+p.String()+"/"+strings.Join(regs, "+")+"/"+p.GradNormName())
		}
		return strings.Join(parts, " ")
	}
	phases, err := objectiveOf(t, nil).Phases()
	if want := "D/discriminator step/gradient_penalty+drift/d_grad_norm G/generator step//g_grad_norm"; err != nil || describe(phases) != want {
		t.Errorf("default phases %q, %v; want %q", describe(phases), err, want)
	}
	stylegan2 := objectiveOf(t, map[string]any{ParamLoss: "ns", ParamGPLambda: 0.0, ParamDrift: 0.0, ParamR1Gamma: 10.0, ParamPLWeight: 2.0})
	phases, err = stylegan2.Phases()
	want := "D/discriminator step//d_grad_norm Dreg/discriminator r1 step/r1/d_reg_grad_norm G/generator step//g_grad_norm Greg/generator path_length_penalty step/path_length_penalty/g_reg_grad_norm"
	if err != nil || describe(phases) != want {
		t.Fatalf("StyleGAN2 phases %q, %v; want %q", describe(phases), err, want)
	}
	if phases[1].Interval != 16 || phases[3].Interval != 4 || phases[3].BatchShrink != 2 || phases[1].BatchShrink != 1 {
		t.Errorf("lazy phases %+v and %+v: want R1 every 16 D steps, path length every 4 G steps on half batches", phases[1], phases[3])
	}
	if s := stylegan2.String(); s != "ns + r1 x10 on D every 16 steps + path_length_penalty x2 on G every 4 steps" {
		t.Errorf("objective described as %q", s)
	}
	// The lazy schedule: steps 0, 16, 32 of 16; every step at interval 1.
	for step, due := range map[int]bool{0: true, 1: false, 15: false, 16: true, 17: false, 32: true, 33: false} {
		if got := phases[1].Due(step); got != due {
			t.Errorf("R1 every 16: Due(%d) = %v, want %v", step, got, due)
		}
	}
	for step := range 3 {
		if !phases[0].Due(step) {
			t.Errorf("a main step not due at step %d", step)
		}
	}
	// Needs: D's main step reads reals and latents, G's latents only (reals too for RaHinge),
	// the path-length step latents and noise.
	if n := phases[0].Needs(stylegan2.Loss); n != NeedsReal|NeedsLatents {
		t.Errorf("D main step needs %b", n)
	}
	if n := phases[2].Needs(stylegan2.Loss); n != NeedsLatents {
		t.Errorf("G main step needs %b", n)
	}
	if n := phases[3].Needs(stylegan2.Loss); n != NeedsLatents|NeedsNoise {
		t.Errorf("path-length step needs %b", n)
	}
	rahinge := objectiveOf(t, map[string]any{ParamLoss: "rahinge"})
	if phases, _ := rahinge.Phases(); phases[1].Needs(rahinge.Loss) != NeedsReal|NeedsLatents {
		t.Errorf("RaHinge's G step needs %b, want reals too", phases[1].Needs(rahinge.Loss))
	}
	mixed := objectiveOf(t, map[string]any{ParamR1Gamma: 1.0, ParamR1Interval: 16, ParamPLWeight: 1.0})
	mixed.Regularizers = append(mixed.Regularizers, &Regularizer{Name: "other", Network: Discriminator, Interval: 8})
	if _, err := mixed.Phases(); err == nil || !strings.Contains(err.Error(), "every 8") {
		t.Errorf("two lazy intervals on D: error %v, want one naming both", err)
	}
}

func TestSettingErrors(t *testing.T) {
	for _, bad := range []map[string]any{
		{ParamLoss: "wgangp2"},
		{ParamR1Gamma: 1.0, ParamR1Interval: 0},
		{ParamPLWeight: 1.0, ParamPLBatchShrink: 0},
	} {
		ctx := context.New()
		ctx.SetParams(Settings().Defaults())
		ctx.SetParams(bad)
		if _, err := FromContext(ctx); err == nil {
			t.Errorf("%v accepted", bad)
		} else {
			t.Logf("%v: %v", bad, err)
		}
	}
	if _, err := LossNamed("x"); err == nil || !strings.Contains(err.Error(), "wgan, ns, hinge, lsgan, rahinge") {
		t.Errorf("unknown loss: %v, want the list of losses", err)
	}
}

// linearModel has D(x) = sum(w * x) on one full-resolution input; G is not needed (its images
// are given).
func linearModel(w *Node) gan.Model {
	return gan.Model{Name: "linear", Resolution: 1, Channels: 2, LatentDim: 1,
		Discriminator: func(_ *context.Context, images []*Node, _ *Node) *Node {
			x := images[0]
			return Reshape(ReduceSum(Reshape(Mul(x, Reshape(w, 1, 1, 1, 2)), x.Shape().Dimensions[0], -1), 1), -1, 1)
		},
		RealInputs: func(_ *context.Context, real *Node) []*Node { return []*Node{real} },
	}
}

// TestWGANGPMainStepTerms: with a linear critic of unit norm (no penalty), the D step's terms
// are the Wasserstein term mean(w.fake) - mean(w.real), drift mean((w.real)^2), and their sum.
func TestWGANGPMainStepTerms(t *testing.T) {
	w := tensors.FromFlatDataAndDimensions([]float64{0.6, 0.8}, 2)
	real := tensors.FromFlatDataAndDimensions([]float64{1, 0, 0, 1}, 2, 1, 1, 2)
	fake := tensors.FromFlatDataAndDimensions([]float64{2, 2, -1, 0}, 2, 1, 1, 2)
	eps := tensors.FromFlatDataAndDimensions([]float64{0.3, 0.7}, 2)
	o := objectiveOf(t, nil)
	phases, _ := o.Phases()
	var names []string
	outs := MustNewExec(gradcheck.PureGo(), func(in []*Node) []*Node {
		s := &Step{Ctx: context.New(), Model: linearModel(in[0]), Network: Discriminator, Real: in[1], Eps: in[3]}
		s.fake = []*Node{in[2]} // G's images, given
		_, terms := phases[0].Build(s, o.Loss)
		names = terms.Names
		return terms.Values
	}).MustExec(w, real, fake, eps)
	// Real scores 0.6, 0.8; fake scores 2.8, -0.6.
	wantWass := (2.8-0.6)/2 - (0.6+0.8)/2
	wantDrift := (0.36 + 0.64) / 2
	want := map[string]float64{"d_loss": wantWass + 0.001*wantDrift, "wasserstein": wantWass, "gradient_penalty": 0, "drift": wantDrift}
	if len(names) != len(want) {
		t.Fatalf("terms %v, want %v", names, want)
	}
	for i, name := range names {
		if got := tensors.ToScalar[float64](outs[i]); math.Abs(got-want[name]) > 1e-12 {
			t.Errorf("%s = %.12g, want %.12g", name, got, want[name])
		}
	}
}
