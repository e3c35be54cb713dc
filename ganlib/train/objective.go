package train

import (
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// Loss names (ParamLoss).
const (
	LossWGANGP         = "wgangp"
	LossNonSaturating  = "ns"
	LossHinge          = "hinge"
	LossLeastSquares   = "lsgan"
	pathLengthScope    = "/path_length"
	pathLengthMeanName = "mean"
)

// Objective is what D and G minimise: an adversarial loss, and the regularizers with their
// (lazy) schedules.
type Objective struct {
	// Loss is LossWGANGP (with WGANGP's penalty and drift), or a score loss.
	Loss   string
	WGANGP losses.WGANGP
	// R1Gamma > 0 adds R1 on reals to D, every R1.Interval D steps (lazily, in its own step).
	R1Gamma float64
	R1      losses.Lazy
	// PathLength.Weight > 0 adds path-length regularization to G (style-based generators only),
	// every PLInterval.Interval G steps, on batches shrunk by PLBatchShrink.
	PathLength    losses.PathLength
	PLInterval    losses.Lazy
	PLBatchShrink int
	// OrthogonalBeta > 0 adds BigGAN's orthogonal regularization of G's weights to G's loss.
	OrthogonalBeta float64
}

// ObjectiveFromContext reads the objective settings.
func ObjectiveFromContext(ctx *context.Context) (Objective, error) {
	o := Objective{
		Loss:           param[string](ctx, ParamLoss),
		WGANGP:         WGANGPFor(ctx),
		R1Gamma:        param[float64](ctx, ParamR1Gamma),
		R1:             losses.Lazy{Interval: param[int](ctx, ParamR1Interval)},
		PathLength:     losses.PathLength{Weight: param[float64](ctx, ParamPLWeight), Decay: param[float64](ctx, ParamPLDecay)},
		PLInterval:     losses.Lazy{Interval: param[int](ctx, ParamPLInterval)},
		PLBatchShrink:  param[int](ctx, ParamPLBatchShrink),
		OrthogonalBeta: param[float64](ctx, ParamOrthogonalBeta),
	}
	if _, err := o.scoreLoss(); err != nil && o.Loss != LossWGANGP {
		return o, err
	}
	if o.PLBatchShrink < 1 {
		return o, errors.Errorf("%s=%d must be >= 1", ParamPLBatchShrink, o.PLBatchShrink)
	}
	return o, nil
}

func (o Objective) scoreLoss() (losses.ScoreLoss, error) {
	switch o.Loss {
	case LossNonSaturating:
		return losses.NonSaturating{}, nil
	case LossHinge:
		return losses.Hinge{}, nil
	case LossLeastSquares:
		return losses.LeastSquares{}, nil
	}
	return nil, errors.Errorf("unknown %s %q: use %q, %q, %q or %q", ParamLoss, o.Loss, LossWGANGP, LossNonSaturating, LossHinge, LossLeastSquares)
}

// lazyR1 says whether R1 runs in its own steps (else it is part of every D step).
func (o Objective) lazyR1() bool { return o.R1Gamma > 0 && o.R1.Interval > 1 }

// usesPathLength says whether G has path-length steps (it needs a style-based GAN).
func (o Objective) usesPathLength() bool { return o.PathLength.Weight > 0 }

// optimizers returns D's and G's optimizers, corrected for lazy regularization (StyleGAN2).
func (o Objective) optimizers(ctx *context.Context) (d, g Optimizer) {
	d, g = OptimizerFor(ctx, DiscriminatorScope), OptimizerFor(ctx, GeneratorScope)
	if o.lazyR1() {
		d = d.LazyCorrected(o.R1.Interval)
	}
	if o.usesPathLength() && o.PLInterval.Interval > 1 {
		g = g.LazyCorrected(o.PLInterval.Interval)
	}
	return d, g
}

// terms collects named scalar outputs of a step graph.
type terms struct {
	names  []string
	values []*Node
}

func (t *terms) add(name string, value *Node) {
	t.names = append(t.names, name)
	t.values = append(t.values, value)
}

// DiscriminatorStep builds one D update on a real batch, latents z and interpolation weights
// eps [B] (used by WGAN-GP), returning its named terms.
func (m GAN) DiscriminatorStep(ctx *context.Context, o Objective, opt Optimizer, real, z, eps *Node) terms {
	fake := m.Generate(ctx, z)
	for i := range fake {
		fake[i] = StopGradient(fake[i])
	}
	critic := m.critic(ctx)
	var t terms
	var total *Node
	if o.Loss == LossWGANGP {
		var wass, penalty, drift *Node
		total, wass, penalty, drift = o.WGANGP.DiscriminatorLoss(critic, m.RealInputs(real), fake, eps)
		t.add("d_loss", total)
		t.add("wasserstein", wass)
		t.add("gradient_penalty", penalty)
		t.add("drift", drift)
	} else {
		loss, _ := o.scoreLoss()
		var realScores *Node
		var r1 *Node
		if o.R1Gamma > 0 && !o.lazyR1() {
			r1, realScores = losses.R1Penalty(critic, m.RealInputs(real), o.R1Gamma)
		} else {
			realScores = critic(m.RealInputs(real))
		}
		fakeScores := critic(fake)
		total = loss.DiscriminatorLoss(realScores, fakeScores)
		t.add("d_loss", total)
		t.add("d_real_score", ReduceAllMean(realScores))
		t.add("d_fake_score", ReduceAllMean(fakeScores))
		if r1 != nil {
			t.add("r1", r1)
			total = Add(total, r1)
		}
	}
	t.add("d_grad_norm", opt.Minimize(ctx, total))
	return t
}

// DiscriminatorRegStep builds StyleGAN2's lazy R1 step: R1 times its interval, alone.
func (m GAN) DiscriminatorRegStep(ctx *context.Context, o Objective, opt Optimizer, real *Node) terms {
	r1, _ := losses.R1Penalty(m.critic(ctx), m.RealInputs(real), o.R1Gamma)
	var t terms
	t.add("r1", r1)
	t.add("d_reg_grad_norm", opt.Minimize(ctx, MulScalar(r1, o.R1.Weight())))
	return t
}

// GeneratorStep builds one G update from latents z.
func (m GAN) GeneratorStep(ctx *context.Context, o Objective, opt Optimizer, z *Node) terms {
	fakeScores := m.critic(ctx)(m.Generate(ctx, z))
	var total *Node
	if o.Loss == LossWGANGP {
		total = o.WGANGP.GeneratorLoss(fakeScores)
	} else {
		loss, _ := o.scoreLoss()
		total = loss.GeneratorLoss(fakeScores)
	}
	var t terms
	t.add("g_loss", total)
	if o.OrthogonalBeta > 0 {
		g := z.Graph()
		var weights []*Node
		for _, v := range opt.Variables(ctx) {
			if v.Shape().Rank() >= 2 && v.InUseByGraph(g) {
				weights = append(weights, v.ValueGraph(g))
			}
		}
		ortho := losses.OrthogonalRegularization(o.OrthogonalBeta, weights...)
		t.add("orthogonal", ortho)
		total = Add(total, ortho)
	}
	t.add("g_grad_norm", opt.Minimize(ctx, total))
	return t
}

// GeneratorRegStep builds StyleGAN2's lazy path-length step from latents z and image-shaped
// noise, updating the running mean of lengths kept in the context.
func (m GAN) GeneratorRegStep(ctx *context.Context, o Objective, opt Optimizer, z, noise *Node) terms {
	if m.Mapping == nil || m.Synthesis == nil {
		panic(errors.Errorf("path-length regularization (%s > 0) needs a style-based GAN with Mapping and Synthesis", ParamPLWeight))
	}
	gctx := networkContext(ctx, GeneratorScope)
	w := m.Mapping(gctx, z)
	meanVar := ctx.InAbsPath(pathLengthScope).Checked(false).WithInitializer(initializers.Zero).
		VariableWithShape(pathLengthMeanName, shapes.Make(z.DType())).SetTrainable(false)
	synthesis := func(w *Node) *Node {
		images := m.Synthesis(gctx, w)
		return images[len(images)-1]
	}
	penalty, newMean, meanLength := o.PathLength.Penalty(synthesis, w, noise, meanVar.ValueGraph(z.Graph()))
	meanVar.SetValueGraph(StopGradient(newMean))
	var t terms
	t.add("path_length_penalty", penalty)
	t.add("path_length", meanLength)
	t.add("g_reg_grad_norm", opt.Minimize(ctx, MulScalar(penalty, o.PLInterval.Weight())))
	return t
}
