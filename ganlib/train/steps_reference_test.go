package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// The tests here check each loss and regularizer of the training steps against a plain Go
// computation of the same tiny two-scale GAN, written from the papers' formulas: the step's
// reported terms, and the weights after two optimizer steps against Adam applied by hand to
// central finite differences of the hand-written loss. A term that the step computes but leaves
// out of the loss, an interpolation weight lost, a regularizer weighted 0, all change the weights.
//
// The GAN, with every weight in float64 (batch quadB, latents 3, one 2x2 grey image and its 1x1
// average):
//
//	G: w = z M (M [3, 3], the mapping), fine = tanh(w S) (S [3, 4], the synthesis), coarse = mean(fine)
//	D: score = sum over the two scales i of sum_p (a_i[p] x_i[p]^2 / 2 + v_i[p] x_i[p])
//
// D is quadratic, so its input gradient a_i ⊙ x + v_i depends on where it is taken (WGAN-GP's
// interpolate, R1's reals), and G is nonlinear in w, so the path length depends on the weights.

const (
	quadB   = 4 // batch
	quadZ   = 3 // latent and w size
	quadPix = 4 // pixels of the fine 2x2 image
)

// quadParams holds the GAN's weights by variable name; shapes are in quadShapes.
type quadParams map[string][]float64

var (
	quadShapes = map[string][]int{
		"mapping": {quadZ, quadZ}, "synthesis": {quadZ, quadPix},
		"a1": {1}, "v1": {1}, "a4": {quadPix}, "v4": {quadPix},
	}
	quadGenerator     = []string{"mapping", "synthesis"}
	quadDiscriminator = []string{"a1", "v1", "a4", "v4"}
)

func (p quadParams) clone() quadParams {
	c := quadParams{}
	for k, v := range p {
		c[k] = slices.Clone(v)
	}
	return c
}

func randomQuadParams(rng *rand.Rand) quadParams {
	p := quadParams{}
	for name, dims := range quadShapes {
		n := 1
		for _, d := range dims {
			n *= d
		}
		p[name] = randomSlice(rng, n, 0.8)
	}
	return p
}

func randomSlice(rng *rand.Rand, n int, scale float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = scale * (2*rng.Float64() - 1)
	}
	return s
}

// --- The plain Go GAN ---

// quadInputs are one step's inputs: real fine images, latents, interpolation weights and
// path-length noise, one row per sample.
type quadInputs struct {
	real, z, noise [][]float64
	eps            []float64
}

func randomQuadInputs(rng *rand.Rand) quadInputs {
	var in quadInputs
	for range quadB {
		in.real = append(in.real, randomSlice(rng, quadPix, 1))
		in.z = append(in.z, randomSlice(rng, quadZ, 1.5))
		in.noise = append(in.noise, randomSlice(rng, quadPix, 1.5))
		in.eps = append(in.eps, rng.Float64())
	}
	return in
}

// pyramid returns a fine image's two scales, coarse first: [mean], fine.
func pyramid(fine []float64) [2][]float64 {
	var sum float64
	for _, x := range fine {
		sum += x
	}
	return [2][]float64{{sum / float64(len(fine))}, fine}
}

func (p quadParams) mapping(z []float64) []float64 {
	w := make([]float64, quadZ)
	for k := range quadZ {
		for i := range quadZ {
			w[k] += z[i] * p["mapping"][i*quadZ+k]
		}
	}
	return w
}

// synthesis returns tanh(w S), the fine image.
func (p quadParams) synthesis(w []float64) []float64 {
	img := make([]float64, quadPix)
	for j := range quadPix {
		var u float64
		for k := range quadZ {
			u += w[k] * p["synthesis"][k*quadPix+j]
		}
		img[j] = math.Tanh(u)
	}
	return img
}

func (p quadParams) generate(z []float64) [2][]float64 { return pyramid(p.synthesis(p.mapping(z))) }

func (p quadParams) scaleNames(i int) (a, v string) {
	if i == 0 {
		return "a1", "v1"
	}
	return "a4", "v4"
}

func (p quadParams) score(xs [2][]float64) float64 {
	var s float64
	for i, x := range xs {
		a, v := p.scaleNames(i)
		for k, xk := range x {
			s += p[a][k]*xk*xk/2 + p[v][k]*xk
		}
	}
	return s
}

// inputGradNorm2 is ||d score / d x_i||^2 = ||a_i ⊙ x_i + v_i||^2 for scale i.
func (p quadParams) inputGradNorm2(i int, x []float64) float64 {
	a, v := p.scaleNames(i)
	var sum float64
	for k, xk := range x {
		g := p[a][k]*xk + p[v][k]
		sum += g * g
	}
	return sum
}

func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// scores returns D's scores of the real pyramids and of the fakes G makes of the latents.
func (p quadParams) scores(in quadInputs) (real, fake []float64) {
	for b := range quadB {
		real = append(real, p.score(pyramid(in.real[b])))
		fake = append(fake, p.score(p.generate(in.z[b])))
	}
	return real, fake
}

// wganGP returns E[D(fake)] - E[D(real)], the penalty E_i E_b (||grad_{x_i} D(x̂)|| - 1)^2 at
// x̂ = real + eps (fake - real) (eps shared by a sample's scales) and the drift E[D(real)^2].
func (p quadParams) wganGP(in quadInputs) (wasserstein, penalty, drift float64) {
	real, fake := p.scores(in)
	wasserstein = mean(fake) - mean(real)
	for b := range quadB {
		r, f := pyramid(in.real[b]), p.generate(in.z[b])
		for i := range 2 {
			x := make([]float64, len(r[i]))
			for k := range x {
				x[k] = r[i][k] + in.eps[b]*(f[i][k]-r[i][k])
			}
			d := math.Sqrt(p.inputGradNorm2(i, x)) - 1
			penalty += d * d / (2 * quadB)
		}
		drift += real[b] * real[b] / quadB
	}
	return wasserstein, penalty, drift
}

// r1 is gamma/2 E_i E_b ||grad_{x_i} D(real)||^2, each scale's own partial gradient.
func (p quadParams) r1(in quadInputs, gamma float64) float64 {
	var sum float64
	for b := range quadB {
		r := pyramid(in.real[b])
		for i := range 2 {
			sum += p.inputGradNorm2(i, r[i])
		}
	}
	return gamma / 2 * sum / (2 * quadB)
}

// nsDiscriminator is E[softplus(D(fake))] + E[softplus(-D(real))].
func (p quadParams) nsDiscriminator(in quadInputs) float64 {
	real, fake := p.scores(in)
	var loss float64
	for b := range quadB {
		loss += (softplus(fake[b]) + softplus(-real[b])) / quadB
	}
	return loss
}

// orthogonal is beta * sum over G's matrices of ||W^T W ⊙ (1 - I)||_F^2 (BigGAN Sec. 3.1).
func (p quadParams) orthogonal(beta float64) float64 {
	var sum float64
	for _, name := range quadGenerator {
		rows, cols := quadShapes[name][0], quadShapes[name][1]
		w := p[name]
		for i := range cols {
			for j := range cols {
				if i == j {
					continue
				}
				var dot float64
				for r := range rows {
					dot += w[r*cols+i] * w[r*cols+j]
				}
				sum += dot * dot
			}
		}
	}
	return beta * sum
}

// pathLengths returns each sample's ||J_w^T y||, y = noise / sqrt(H W), for the synthesis
// tanh(w S): (J_w^T y)_k = sum_j S[k, j] (1 - tanh(u_j)^2) y_j.
func (p quadParams) pathLengths(in quadInputs, batch int) []float64 {
	lengths := make([]float64, batch)
	for b := range batch {
		w := p.mapping(in.z[b])
		img := p.synthesis(w)
		var sum float64
		for k := range quadZ {
			var g float64
			for j := range quadPix {
				y := in.noise[b][j] / math.Sqrt(quadPix)
				g += p["synthesis"][k*quadPix+j] * (1 - img[j]*img[j]) * y
			}
			sum += g * g
		}
		lengths[b] = math.Sqrt(sum)
	}
	return lengths
}

// pathLength returns StyleGAN2's penalty weight E_b (length_b - a')^2 with the running mean
// a' = a + decay (E_b length_b - a) updated first, a' and the batch's mean length.
func (p quadParams) pathLength(in quadInputs, batch int, pl losses.PathLength, runningMean float64) (penalty, newMean, meanLength float64) {
	lengths := p.pathLengths(in, batch)
	meanLength = mean(lengths)
	newMean = runningMean + pl.Decay*(meanLength-runningMean)
	for _, l := range lengths {
		penalty += (l - newMean) * (l - newMean) / float64(batch)
	}
	return pl.Weight * penalty, newMean, meanLength
}

// --- Optimizer by hand ---

// handAdam is Adam (Kingma & Ba, with bias correction) on named parameters.
type handAdam struct {
	lr, beta1, beta2, eps float64
	step                  int
	m, v                  quadParams
}

func newHandAdam(o Optimizer) *handAdam {
	return &handAdam{lr: o.LearningRate, beta1: o.Beta1, beta2: o.Beta2, eps: o.Epsilon, m: quadParams{}, v: quadParams{}}
}

// lazy returns Adam with StyleGAN2's lazy-regularization correction (App. B): lr and betas
// raised to c = interval / (interval + 1), written out here from the paper.
func (a *handAdam) lazy(interval int) *handAdam {
	c := float64(interval) / float64(interval+1)
	return &handAdam{lr: a.lr * c, beta1: math.Pow(a.beta1, c), beta2: math.Pow(a.beta2, c), eps: a.eps, m: quadParams{}, v: quadParams{}}
}

func (a *handAdam) apply(p quadParams, grads quadParams) {
	a.step++
	for name, g := range grads {
		if a.m[name] == nil {
			a.m[name], a.v[name] = make([]float64, len(g)), make([]float64, len(g))
		}
		for k := range g {
			a.m[name][k] = a.beta1*a.m[name][k] + (1-a.beta1)*g[k]
			a.v[name][k] = a.beta2*a.v[name][k] + (1-a.beta2)*g[k]*g[k]
			mHat := a.m[name][k] / (1 - math.Pow(a.beta1, float64(a.step)))
			vHat := a.v[name][k] / (1 - math.Pow(a.beta2, float64(a.step)))
			p[name][k] -= a.lr * mHat / (math.Sqrt(vHat) + a.eps)
		}
	}
}

// numericGradient is the central finite-difference gradient of loss with respect to the named
// parameters (float64; its error, ~1e-10 here, is far below the tests' tolerance).
func numericGradient(p quadParams, names []string, loss func(quadParams) float64) (grads quadParams, norm float64) {
	const h = 1e-6
	grads = quadParams{}
	for _, name := range names {
		grads[name] = make([]float64, len(p[name]))
		for k := range p[name] {
			q := p.clone()
			q[name][k] += h
			plus := loss(q)
			q[name][k] -= 2 * h
			grads[name][k] = (plus - loss(q)) / (2 * h)
			norm += grads[name][k] * grads[name][k]
		}
	}
	return grads, math.Sqrt(norm)
}

// --- The steps, in GoMLX ---

// quadGAN is the GAN above as the training steps see it, its variables created from init.
func quadGAN(init quadParams) gan.Model {
	variable := func(ctx *context.Context, g *Graph, name string) *Node {
		value := tensors.FromFlatDataAndDimensions(slices.Clone(init[name]), quadShapes[name]...)
		return ctx.VariableWithValue(name, value).ValueGraph(g)
	}
	m := gan.Model{Name: "quadratic test GAN", Resolution: 2, Channels: 1, LatentDim: quadZ}
	m.Mapping = func(ctx *context.Context, z, _ *Node) *Node { return MatMul(z, variable(ctx, z.Graph(), "mapping")) }
	m.Synthesis = func(ctx *context.Context, w *Node) []*Node {
		fine := Reshape(Tanh(MatMul(w, variable(ctx, w.Graph(), "synthesis"))), -1, 2, 2, 1)
		return []*Node{ops.AvgPool2x(fine), fine}
	}
	m.Generator = func(ctx *context.Context, z, labels *Node) []*Node {
		return m.Synthesis(ctx, m.Mapping(ctx, z, labels))
	}
	m.Discriminator = func(ctx *context.Context, images []*Node, _ *Node) *Node {
		var score *Node
		for i, x := range images {
			flat := Reshape(x, x.Shape().Dimensions[0], -1)
			aName, vName := quadParams{}.scaleNames(i)
			a, v := Reshape(variable(ctx, x.Graph(), aName), 1, -1), Reshape(variable(ctx, x.Graph(), vName), 1, -1)
			term := ReduceSum(Add(MulScalar(Mul(a, Square(flat)), 0.5), Mul(v, flat)), 1)
			if score == nil {
				score = term
			} else {
				score = Add(score, term)
			}
		}
		return Reshape(score, -1, 1)
	}
	m.RealInputs = func(_ *context.Context, real *Node) []*Node { return ops.Pyramid(real, 1) }
	return m
}

// tensorOf returns rows as a tensor [len(rows), dims...].
func tensorOf(rows [][]float64, dims ...int) *tensors.Tensor {
	var flat []float64
	for _, r := range rows {
		flat = append(flat, r...)
	}
	return tensors.FromFlatDataAndDimensions(flat, append([]int{len(rows)}, dims...)...)
}

// stepRun is a step graph run twice on the same inputs.
type stepRun struct {
	terms quadParams // the first run's named outputs (one value each)
	ctx   *context.Context
}

func (r stepRun) term(t *testing.T, name string) float64 {
	t.Helper()
	v, ok := r.terms[name]
	if !ok {
		t.Fatalf("the step reports no %q (it has %v)", name, r.terms)
	}
	return v[0]
}

// weights reads the named variables of scope.
func (r stepRun) weights(scope string, names []string) quadParams {
	p := quadParams{}
	for _, name := range names {
		p[name] = tensors.MustCopyFlatData[float64](r.ctx.InspectVariable(scope, name).MustValue())
	}
	return p
}

// runTwice builds the case's step named phase ("D", "Dreg", "G", "Greg") and executes it twice
// on the same inputs (two optimizer steps), given in the step's input order.
func (c stepCase) runTwice(t *testing.T, phase string, inputs ...*tensors.Tensor) stepRun {
	t.Helper()
	step := c.step(t, phase)
	if len(step.Inputs()) != len(inputs) {
		t.Fatalf("the %s step reads inputs %v, the test gives %d", phase, step.Inputs(), len(inputs))
	}
	var names []string
	exec := context.MustNewExec(gradcheck.PureGo(), c.ctx, func(ctx *context.Context, in []*Node) []*Node {
		tm := step.Build(ctx, c.model, in)
		names = tm.Names
		return tm.Values
	})
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	run := stepRun{terms: quadParams{}, ctx: c.ctx}
	for i, out := range exec.MustExec(args...) {
		run.terms[names[i]] = []float64{tensors.ToScalar[float64](out)}
	}
	exec.MustExec(args...)
	return run
}

// assertNearAll fails t for every element of got not within 1e-8 (relative to max(1, |want|))
// of want's; the finite-difference gradients the references use are good to ~1e-10.
func assertNearAll(t *testing.T, what string, got, want quadParams) {
	t.Helper()
	for name, g := range got {
		w := want[name]
		for k := range g {
			if d := math.Abs(got[name][k] - w[k]); !(d <= 1e-8*max(1, math.Abs(w[k]))) {
				t.Errorf("%s %s[%d] = %.12g, want %.12g", what, name, k, got[name][k], w[k])
			}
		}
	}
}

func assertNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= 1e-9*max(1, math.Abs(want))) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

// stepCase is one test's GAN weights, inputs, training settings and steps.
type stepCase struct {
	init  quadParams
	in    quadInputs
	ctx   *context.Context
	model gan.Model
	o     objective.Objective
	steps []Step
}

// newStepCase draws weights and inputs from seed; settings override the training defaults.
func newStepCase(t *testing.T, seed uint64, settings map[string]any) stepCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	c := stepCase{init: randomQuadParams(rng), in: randomQuadInputs(rng), ctx: context.New()}
	c.model = quadGAN(c.init)
	c.ctx.SetParams(Settings().Defaults())
	c.ctx.SetParams(settings)
	var err error
	if c.o, err = objective.FromContext(c.ctx); err != nil {
		t.Fatal(err)
	}
	if c.steps, err = Steps(c.ctx, c.model, c.o); err != nil {
		t.Fatal(err)
	}
	return c
}

// step returns the case's step of the named phase.
func (c stepCase) step(t *testing.T, phase string) Step {
	t.Helper()
	for _, s := range c.steps {
		if s.Phase.Name == phase {
			return s
		}
	}
	t.Fatalf("the objective %s has no %s step", c.o, phase)
	return Step{}
}

// real, latents and eps are the case's inputs as the steps take them.
func (c stepCase) real() *tensors.Tensor    { return tensorOf(c.in.real, 2, 2, 1) }
func (c stepCase) latents() *tensors.Tensor { return tensorOf(c.in.z, quadZ) }
func (c stepCase) eps() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(slices.Clone(c.in.eps), quadB)
}

// checkUpdates compares the weights (of the named parameters of scope) after run's two steps
// with two steps of adam by hand down the finite-difference gradient of loss, and the step's
// gradient norm term with the first gradient's norm. without is the loss without the term under
// test (nil: no step at all): the term must change the weights far beyond the tolerance, so
// that a step leaving it out cannot pass.
func (c stepCase) checkUpdates(t *testing.T, run stepRun, scope string, names []string, adam func() *handAdam,
	normTerm string, loss, without func(quadParams) float64) {
	t.Helper()
	want := c.init.clone()
	norm := handSteps(want, names, adam(), loss)
	reference := c.init.clone()
	if without != nil {
		handSteps(reference, names, adam(), without)
	}
	if d := largestDifference(want, reference); d < 1e-5 {
		t.Fatalf("the test cannot tell the term from its absence: the weights differ by %.3g at most", d)
	}
	assertNear(t, normTerm, run.term(t, normTerm), norm)
	assertNearAll(t, "weights after two steps", run.weights(scope, names), want)
}

func largestDifference(a, b quadParams) float64 {
	var largest float64
	for name, v := range a {
		for k := range v {
			largest = max(largest, math.Abs(v[k]-b[name][k]))
		}
	}
	return largest
}

// handSteps applies two hand Adam steps to the named parameters of p, each down the
// finite-difference gradient of loss; it returns the first gradient's norm.
func handSteps(p quadParams, names []string, adam *handAdam, loss func(quadParams) float64) float64 {
	grads, norm := numericGradient(p, names, loss)
	adam.apply(p, grads)
	grads, _ = numericGradient(p, names, loss)
	adam.apply(p, grads)
	return norm
}

// noPenalties turns off the WGAN-GP terms the defaults add to D's loss.
var noPenalties = map[string]any{objective.ParamGPLambda: 0.0, objective.ParamDrift: 0.0}

func with(settings ...map[string]any) map[string]any {
	all := map[string]any{}
	for _, s := range settings {
		for k, v := range s {
			all[k] = v
		}
	}
	return all
}

// TestWGANGPStep: the WGAN-GP discriminator step's terms (Wasserstein estimate, MSG-GAN's
// multi-scale penalty at the interpolates, drift) and the weights after two steps.
func TestWGANGPStep(t *testing.T) {
	c := newStepCase(t, 11, nil)
	run := c.runTwice(t, "D", c.real(), c.latents(), c.eps())

	wass, penalty, drift := c.init.wganGP(c.in)
	atReals := c.in
	atReals.eps = make([]float64, quadB)
	if _, penaltyAtReals, _ := c.init.wganGP(atReals); math.Abs(penalty-penaltyAtReals) < 1e-2 {
		t.Fatalf("penalty at the interpolates %.6g, at the reals %.6g: the test cannot tell them apart", penalty, penaltyAtReals)
	}
	lambda, driftWeight := gan.Get[float64](c.ctx, objective.Settings(), objective.ParamGPLambda), gan.Get[float64](c.ctx, objective.Settings(), objective.ParamDrift)
	assertNear(t, "wasserstein", run.term(t, "wasserstein"), wass)
	assertNear(t, "gradient_penalty", run.term(t, "gradient_penalty"), penalty)
	assertNear(t, "drift", run.term(t, "drift"), drift)
	assertNear(t, "d_loss", run.term(t, "d_loss"), wass+lambda*penalty+driftWeight*drift)

	loss := func(lambda float64) func(quadParams) float64 {
		return func(p quadParams) float64 {
			w, gp, dr := p.wganGP(c.in)
			return w + lambda*gp + driftWeight*dr
		}
	}
	c.checkUpdates(t, run, gan.DiscriminatorScope, quadDiscriminator, func() *handAdam { return newHandAdam(c.step(t, "D").Optimizer) },
		"d_grad_norm", loss(lambda), loss(0))
	assertNearAll(t, "G (untouched by D's step)", run.weights(gan.GeneratorScope, quadGenerator), c.init)
}

// TestNonSaturatingStepWithR1: the non-lazy R1 branch, R1 added to every D step (r1_interval 1).
func TestNonSaturatingStepWithR1(t *testing.T) {
	const gamma = 3.0
	c := newStepCase(t, 12, with(noPenalties, map[string]any{objective.ParamLoss: "ns", objective.ParamR1Gamma: gamma, objective.ParamR1Interval: 1}))
	if len(c.steps) != 2 {
		t.Fatalf("r1_interval 1 made R1 lazy: steps %v", c.steps)
	}
	run := c.runTwice(t, "D", c.real(), c.latents())

	real, fake := c.init.scores(c.in)
	// d_loss is the whole loss D minimises: the adversarial loss and R1.
	assertNear(t, "d_loss", run.term(t, "d_loss"), c.init.nsDiscriminator(c.in)+c.init.r1(c.in, gamma))
	assertNear(t, "d_real_score", run.term(t, "d_real_score"), mean(real))
	assertNear(t, "d_fake_score", run.term(t, "d_fake_score"), mean(fake))
	assertNear(t, "r1", run.term(t, "r1"), c.init.r1(c.in, gamma))

	loss := func(gamma float64) func(quadParams) float64 {
		return func(p quadParams) float64 { return p.nsDiscriminator(c.in) + p.r1(c.in, gamma) }
	}
	c.checkUpdates(t, run, gan.DiscriminatorScope, quadDiscriminator, func() *handAdam { return newHandAdam(c.step(t, "D").Optimizer) },
		"d_grad_norm", loss(gamma), loss(0))
}

// TestLazyR1Step: StyleGAN2's lazy R1 step minimises interval * R1 alone, with D's optimizer
// lazily corrected.
func TestLazyR1Step(t *testing.T) {
	const gamma, interval = 0.5, 4
	c := newStepCase(t, 13, map[string]any{objective.ParamLoss: "ns", objective.ParamR1Gamma: gamma, objective.ParamR1Interval: interval})
	run := c.runTwice(t, "Dreg", c.real())

	assertNear(t, "r1", run.term(t, "r1"), c.init.r1(c.in, gamma))
	adam := func() *handAdam { return newHandAdam(OptimizerFor(c.ctx, gan.DiscriminatorScope)).lazy(interval) }
	c.checkUpdates(t, run, gan.DiscriminatorScope, quadDiscriminator, adam, "d_reg_grad_norm",
		func(p quadParams) float64 { return interval * p.r1(c.in, gamma) }, nil)
}

// TestGeneratorStepWithOrthogonalRegularization: the hinge generator loss -E[D(G(z))] plus
// BigGAN's orthogonal regularization of G's matrices.
func TestGeneratorStepWithOrthogonalRegularization(t *testing.T) {
	const beta = 0.05
	c := newStepCase(t, 14, map[string]any{objective.ParamLoss: "hinge", objective.ParamOrthogonalBeta: beta})
	run := c.runTwice(t, "G", c.latents())

	hinge := func(p quadParams) float64 {
		_, fake := p.scores(c.in)
		return -mean(fake)
	}
	// g_loss is the whole loss G minimises.
	assertNear(t, "g_loss", run.term(t, "g_loss"), hinge(c.init)+c.init.orthogonal(beta))
	assertNear(t, "orthogonal", run.term(t, "orthogonal"), c.init.orthogonal(beta))
	loss := func(beta float64) func(quadParams) float64 {
		return func(p quadParams) float64 { return hinge(p) + p.orthogonal(beta) }
	}
	c.checkUpdates(t, run, gan.GeneratorScope, quadGenerator, func() *handAdam { return newHandAdam(c.step(t, "G").Optimizer) },
		"g_grad_norm", loss(beta), loss(0))
	assertNearAll(t, "D (untouched by G's step)", run.weights(gan.DiscriminatorScope, quadDiscriminator), c.init)
}

// TestPathLengthStep: StyleGAN2's lazy path-length step on a halved batch: its penalty, the
// batch's mean length, the running mean kept in the context, and G after two steps of
// interval * penalty with G's optimizer lazily corrected (the running mean, updated by each step,
// makes the two steps' losses differ: written out here rather than with checkUpdates).
func TestPathLengthStep(t *testing.T) {
	const interval, shrink = 4, 2
	c := newStepCase(t, 15, map[string]any{objective.ParamLoss: "ns", objective.ParamPLWeight: 2.0, objective.ParamPLDecay: 0.3,
		objective.ParamPLInterval: interval, objective.ParamPLBatchShrink: shrink})
	batch := c.step(t, "Greg").Batch(quadB)
	if batch != quadB/shrink {
		t.Fatalf("path-length batch %d, want %d", batch, quadB/shrink)
	}
	run := c.runTwice(t, "Greg", tensorOf(c.in.noise[:batch], 2, 2, 1), tensorOf(c.in.z[:batch], quadZ))

	pl := losses.PathLength{Weight: 2, Decay: 0.3}
	penalty, firstMean, meanLength := c.init.pathLength(c.in, batch, pl, 0)
	assertNear(t, "path_length_penalty", run.term(t, "path_length_penalty"), penalty)
	assertNear(t, "path_length", run.term(t, "path_length"), meanLength)

	want := c.init.clone()
	adam := newHandAdam(OptimizerFor(c.ctx, gan.GeneratorScope)).lazy(interval)
	runningMean := 0.0
	var norms []float64
	for range 2 {
		loss := func(p quadParams) float64 {
			penalty, _, _ := p.pathLength(c.in, batch, pl, runningMean)
			return interval * penalty
		}
		grads, norm := numericGradient(want, quadGenerator, loss)
		_, runningMean, _ = want.pathLength(c.in, batch, pl, runningMean)
		adam.apply(want, grads)
		norms = append(norms, norm)
	}
	if runningMean == firstMean || largestDifference(want, c.init) < 1e-5 {
		t.Fatal("the running mean or the weights barely move: the test cannot check the step")
	}
	assertNear(t, "g_reg_grad_norm", run.term(t, "g_reg_grad_norm"), norms[0])
	assertNearAll(t, "G after two path-length steps", run.weights(gan.GeneratorScope, quadGenerator), want)
	assertNear(t, "running mean of lengths after two steps", tensors.ToScalar[float64](
		run.ctx.InspectVariable(objective.PathLengthScope, objective.PathLengthMeanName).MustValue()), runningMean)
}
