package explore

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// ProjectOptions is the projector: StyleGAN2's schedule (Sec. 5, App. D, with stylegan2-ada's
// projector.py defaults) and the distance it descends.
type ProjectOptions struct {
	// Steps of Adam (1000).
	Steps int
	// PlusW optimizes one w per synthesis layer (W+, Abdal et al. 2019) instead of the paper's
	// single w for all of them.
	PlusW bool
	// LearningRate is Adam's peak rate (0.1), ramped up linearly over the first RampUp of the
	// steps (0.05) and down with a half cosine over the last RampDown (0.25).
	LearningRate, RampUp, RampDown float64
	// LatentNoise and NoiseRamp set the noise added to w at t = step/Steps:
	// N(0, 1) * sigma_w * LatentNoise * max(0, 1 - t/NoiseRamp)^2 (0.05, 0.75), sigma_w the spread
	// of w around its mean.
	LatentNoise, NoiseRamp float64
	// NoiseWeight weighs the noise maps' autocorrelation (losses.NoiseMapsWeight, 1e5);
	// RescaledPyramid doubles its pooled levels as the paper's text says (the authors' code, the
	// default, does not).
	NoiseWeight     float64
	RescaledPyramid bool
	// PixelWeight weighs the mean squared pixel difference (in [-1, 1] units), FeatureWeight the
	// squared distance between unit-length features of Features (nil: no feature term). The
	// paper's distance is LPIPS alone, whose VGG weights are not available offline here.
	PixelWeight, FeatureWeight float64
	Features                   metrics.FeatureGraph `json:"-"`
	// WSamples latents give w's mean, where the projection starts, and sigma_w (10000).
	WSamples int
	// Seed draws those latents, the noise maps' start and the latent noise.
	Seed uint64
	// Record lists steps after which the reconstruction is kept (the start and the end always are).
	Record []int
	// Progress, if set, gets every step's loss.
	Progress func(Loss) `json:"-"`
}

// DefaultProjectOptions are the paper's schedule with the pixel and feature terms weighted 1.
func DefaultProjectOptions() ProjectOptions {
	return ProjectOptions{Steps: 1000, LearningRate: 0.1, RampUp: 0.05, RampDown: 0.25, LatentNoise: 0.05, NoiseRamp: 0.75,
		NoiseWeight: losses.NoiseMapsWeight, PixelWeight: 1, FeatureWeight: 1, WSamples: 10000, Seed: 1}
}

// Schedule returns the learning rate and the latent noise (in units of sigma_w) of step (0 to
// Steps-1).
func (o ProjectOptions) Schedule(step int) (rate, noise float64) {
	t := float64(step) / float64(o.Steps)
	noise = o.LatentNoise * math.Pow(max(0, 1-t/o.NoiseRamp), 2)
	ramp := 0.5 - 0.5*math.Cos(min(1, (1-t)/o.RampDown)*math.Pi)
	return o.LearningRate * ramp * min(1, t/o.RampUp), noise
}

// Loss is one projection step's terms, as the loss log (loss.jsonl) has them.
type Loss struct {
	Step         int     `json:"step"`
	Loss         float64 `json:"loss"`
	Pixel        float64 `json:"pixel"`
	Feature      float64 `json:"feature"`
	NoiseReg     float64 `json:"noise_reg"`
	LearningRate float64 `json:"learning_rate"`
	LatentNoise  float64 `json:"latent_noise"`
}

// Distance is how far an image is from the target: mean squared pixel difference and feature
// distance (0 without features).
type Distance struct {
	Pixel   float64 `json:"pixel"`
	Feature float64 `json:"feature"`
}

// Projection is a projected image.
type Projection struct {
	Target render.Images
	// W is the projected latents [1, NumWs, Dim]: all rows equal unless projected into W+.
	W W
	// NoiseMaps are the optimized noise maps [1, H, W, 1] by variable (scope/name).
	NoiseMaps map[string]*tensors.Tensor
	// Steps, Images and Distances are the reconstructions kept: step 0 (the start, w's mean), the
	// recorded steps and the last.
	Steps     []int
	Images    []render.Images
	Distances []Distance
	Log       []Loss
	// SigmaW is the spread of w the latent noise scales with.
	SigmaW float64
	// Notes say what the projection could not do as asked.
	Notes []string
}

func (o ProjectOptions) validate() error {
	switch {
	case o.Steps < 1 || o.WSamples < 2:
		return errors.Errorf("projection: %d steps and %d samples of w: want at least 1 and 2", o.Steps, o.WSamples)
	case !(o.LearningRate > 0 && o.RampUp > 0 && o.RampDown > 0 && o.NoiseRamp > 0):
		return errors.Errorf("projection: learning rate %g and ramps %g, %g, %g must be positive", o.LearningRate, o.RampUp, o.RampDown, o.NoiseRamp)
	case o.LatentNoise < 0 || o.NoiseWeight < 0 || o.PixelWeight < 0 || o.FeatureWeight < 0 || o.PixelWeight+o.FeatureWeight == 0:
		return errors.Errorf("projection: latent noise %g and weights (noise %g, pixel %g, feature %g) must be >= 0, pixel or feature > 0",
			o.LatentNoise, o.NoiseWeight, o.PixelWeight, o.FeatureWeight)
	case o.FeatureWeight > 0 && o.Features == nil:
		return errors.Errorf("projection: feature weight %g without a feature extractor (set Features, or the weight to 0)", o.FeatureWeight)
	}
	return nil
}

// wStatistics returns the mean of w over samples latents and sigma_w, the root of the mean
// squared distance to it (stylegan2-ada's w_std).
func (e *Explorer) wStatistics(samples int, seed uint64) ([]float64, float64, error) {
	var mean []float64
	var ws [][]float32
	for done := 0; done < samples; done += 500 {
		w, err := e.Styles(e.Latents(seed+uint64(done), min(500, samples-done)), 1, 0)
		if err != nil {
			return nil, 0, err
		}
		if mean == nil {
			mean = make([]float64, w.Dim)
		}
		for b := range w.Batch {
			row := w.Latent(b)[:w.Dim]
			ws = append(ws, row)
			for i, v := range row {
				mean[i] += float64(v) / float64(samples)
			}
		}
	}
	var sq float64
	for _, row := range ws {
		for i, v := range row {
			sq += (float64(v) - mean[i]) * (float64(v) - mean[i])
		}
	}
	return mean, math.Sqrt(sq / float64(samples)), nil
}

// checkTarget reports a target that is not one image of the model's size.
func (e *Explorer) checkTarget(target render.Images, features metrics.FeatureGraph) error {
	m := e.Model
	if target.Batch != 1 || target.Height != m.Resolution || target.Width != m.Resolution || target.Channels != m.Channels {
		return errors.Errorf("projection target [%d, %d, %d, %d]: %s takes one image [1, %d, %d, %d]",
			target.Batch, target.Height, target.Width, target.Channels, m.Name, m.Resolution, m.Resolution, m.Channels)
	}
	if features != nil && features.Resolution() != 0 && (features.Resolution() != m.Resolution || features.Channels() != m.Channels) {
		return errors.Errorf("the %s feature extractor takes %dx%dx%d images, %s makes %dx%dx%d: use another extractor or none",
			features.Name(), features.Resolution(), features.Resolution(), features.Channels(), m.Name, m.Resolution, m.Resolution, m.Channels)
	}
	return nil
}

// distanceFn returns the graph of Distance's terms, building the features into ctx.
func distanceFn(ctx *context.Context, features metrics.FeatureGraph) (func(images, target *Node) (pixel, feature *Node), error) {
	var fn func(*Node) *Node
	if features != nil {
		var err error
		if fn, err = features.FeatureFn(ctx); err != nil {
			return nil, err
		}
	}
	unit := func(f *Node) *Node { return Div(f, Sqrt(AddScalar(ReduceSum(Square(f), -1, 1), 1e-8))) }
	return func(images, target *Node) (pixel, feature *Node) {
		pixel = ReduceAllMean(Square(Sub(images, target)))
		if fn == nil {
			return pixel, ZerosLike(pixel)
		}
		return pixel, ReduceAllMean(ReduceSum(Square(Sub(unit(fn(images)), unit(fn(target)))), -1))
	}, nil
}

// Distances measures each of images against target (one image) as the projection does.
func (e *Explorer) Distances(images, target render.Images, features metrics.FeatureGraph) ([]Distance, error) {
	ctx, err := e.Ctx.Clone()
	if err != nil {
		return nil, err
	}
	distance, err := distanceFn(ctx.Checked(false), features)
	if err != nil {
		return nil, err
	}
	exec, err := context.NewExec(e.Backend, ctx.Checked(false), func(ctx *context.Context, image, target *Node) []*Node {
		pixel, feature := distance(image, target)
		return []*Node{pixel, feature}
	})
	if err != nil {
		return nil, err
	}
	out := make([]Distance, images.Batch)
	for b := range images.Batch {
		d, err := exec.Exec(imagesTensor(images, b), imagesTensor(target, 0))
		if err != nil {
			return nil, err
		}
		out[b] = Distance{Pixel: float64(tensors.ToScalar[float32](d[0])), Feature: float64(tensors.ToScalar[float32](d[1]))}
	}
	return out, nil
}

// imagesTensor is image b of im as a tensor [1, H, W, C].
func imagesTensor(im render.Images, b int) *tensors.Tensor {
	size := im.Height * im.Width * im.Channels
	return float32Tensor(im.Pixels[b*size:(b+1)*size], 1, im.Height, im.Width, im.Channels)
}

// projectionScope holds the projected w and its optimizer's step count.
const projectionScope = "/projection"

// Project finds the latents (and noise maps) whose image is target, one image [1, R, R, C] in
// [-1, 1], as the StyleGAN2 paper's projector does: Adam on w, from w's mean, and on the noise
// maps, from N(0, 1); ramped noise on w early on; the noise maps' autocorrelation penalized and
// the maps renormalized to zero mean and unit variance after each step. The explorer's own
// variables are left as they were.
func (e *Explorer) Project(target render.Images, o ProjectOptions) (*Projection, error) {
	if err := e.StyleBased("projection"); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := e.checkTarget(target, o.Features); err != nil {
		return nil, err
	}
	mean, sigma, err := e.wStatistics(o.WSamples, o.Seed)
	if err != nil {
		return nil, err
	}
	numWs, dim := len(e.Model.StyleResolutions), len(mean)
	k := 1
	if o.PlusW {
		k = numWs
	}
	start := make([]float32, 0, k*dim)
	for range k {
		for _, v := range mean {
			start = append(start, float32(v))
		}
	}
	base, err := e.Ctx.Clone()
	if err != nil {
		return nil, err
	}
	ctx := base.Checked(false)
	wVar := ctx.InAbsPath(projectionScope).VariableWithValue("w", float32Tensor(start, 1, k, dim)).SetTrainable(false)
	ws := func(g *Graph, noise *Node) *Node {
		w := wVar.ValueGraph(g)
		if noise != nil {
			w = Add(w, noise)
		}
		return BroadcastToDims(w, 1, numWs, dim)
	}
	synthesize := func(ctx *context.Context, ws *Node) *Node {
		images := e.Model.Synthesis(gan.NetworkContext(ctx, gan.GeneratorEMAScope), ws)
		return images[len(images)-1]
	}
	distance, err := distanceFn(ctx, o.Features)
	if err != nil {
		return nil, err
	}
	// The reconstruction without latent noise; its first run also creates the noise maps of a
	// generator that has not sampled yet.
	reconstruct, err := context.NewExec(e.Backend, ctx, func(ctx *context.Context, target *Node) []*Node {
		image := synthesize(ctx, ws(target.Graph(), nil))
		pixel, feature := distance(image, target)
		return []*Node{image, pixel, feature}
	})
	if err != nil {
		return nil, err
	}
	p := &Projection{Target: target, SigmaW: sigma, NoiseMaps: map[string]*tensors.Tensor{}}
	targetTensor := imagesTensor(target, 0)
	record := func(step int) error {
		out, err := reconstruct.Exec(targetTensor)
		if err != nil {
			return errors.WithMessage(err, "projection: reconstructing")
		}
		image, err := render.FromTensor(out[0])
		if err != nil {
			return err
		}
		p.Steps, p.Images = append(p.Steps, step), append(p.Images, image)
		p.Distances = append(p.Distances, Distance{Pixel: float64(tensors.ToScalar[float32](out[1])), Feature: float64(tensors.ToScalar[float32](out[2]))})
		return nil
	}
	if err := record(0); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed+1))
	var maps []*context.Variable
	for v := range ctx.InAbsPath(gan.GeneratorEMAScope).IterVariablesInScope() {
		if v.Name() == gan.NoiseMapsName {
			maps = append(maps, v)
			if err := v.SetValue(unitTensor(gan.NormalTensor(rng, v.Shape().Dimensions...))); err != nil {
				return nil, err
			}
		}
	}
	if len(maps) == 0 {
		p.Notes = append(p.Notes, "the generator adds no fixed noise outside training (stylegan2_sample_noise is not const): only w is optimized")
	}
	opt := train.Optimizer{Scope: projectionScope, Algorithm: train.Adam, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	step, err := context.NewExec(e.Backend, ctx, func(ctx *context.Context, rate, noise, target *Node) []*Node {
		g := rate.Graph()
		pixel, feature := distance(synthesize(ctx, ws(g, noise)), target)
		var mapNodes []*Node
		for _, v := range maps {
			mapNodes = append(mapNodes, v.ValueGraph(g))
		}
		reg := ZerosLike(pixel)
		if len(maps) > 0 {
			reg = losses.NoiseAutocorrelation(mapNodes, o.RescaledPyramid)
		}
		loss := Add(Add(MulScalar(pixel, o.PixelWeight), MulScalar(feature, o.FeatureWeight)), MulScalar(reg, o.NoiseWeight))
		opt.Descend(ctx, loss, append([]*context.Variable{wVar}, maps...), rate)
		for _, v := range maps {
			n := v.ValueGraph(g)
			n = Sub(n, ReduceAllMean(n))
			v.SetValueGraph(Mul(n, Rsqrt(ReduceAllMean(Square(n)))))
		}
		return []*Node{loss, pixel, feature, reg}
	})
	if err != nil {
		return nil, err
	}
	for s := range o.Steps {
		rate, noise := o.Schedule(s)
		latentNoise := gan.NormalTensor(rng, 1, k, dim)
		tensors.MutableFlatData(latentNoise, func(flat []float32) {
			for i := range flat {
				flat[i] *= float32(sigma * noise)
			}
		})
		out, err := step.Exec(float32(rate), latentNoise, targetTensor)
		if err != nil {
			return nil, errors.WithMessagef(err, "projection step %d", s)
		}
		l := Loss{Step: s, LearningRate: rate, LatentNoise: sigma * noise}
		for i, v := range []*float64{&l.Loss, &l.Pixel, &l.Feature, &l.NoiseReg} {
			*v = float64(tensors.ToScalar[float32](out[i]))
		}
		if !finite(l.Loss) {
			return nil, errors.Errorf("projection step %d: the loss is %g (pixel %g, feature %g, noise maps %g): lower the learning rate", s, l.Loss, l.Pixel, l.Feature, l.NoiseReg)
		}
		p.Log = append(p.Log, l)
		if o.Progress != nil {
			o.Progress(l)
		}
		if s+1 == o.Steps || slices.Contains(o.Record, s+1) {
			if err := record(s + 1); err != nil {
				return nil, err
			}
		}
	}
	w, err := wVar.Value()
	if err != nil {
		return nil, err
	}
	p.W = W{Batch: 1, NumWs: numWs, Dim: dim}
	values := tensors.MustCopyFlatData[float32](w)
	for i := range numWs {
		row := i % k
		p.W.Values = append(p.W.Values, values[row*dim:(row+1)*dim]...)
	}
	for _, v := range maps {
		value, err := v.Value()
		if err != nil {
			return nil, err
		}
		p.NoiseMaps[v.ScopeAndName()] = value
	}
	return p, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// unitTensor normalizes t to zero mean and unit variance (the projector's noise maps).
func unitTensor(t *tensors.Tensor) *tensors.Tensor {
	tensors.MutableFlatData(t, func(flat []float32) {
		var mean, sq float64
		for _, v := range flat {
			mean += float64(v) / float64(len(flat))
		}
		for _, v := range flat {
			sq += (float64(v) - mean) * (float64(v) - mean) / float64(len(flat))
		}
		for i, v := range flat {
			flat[i] = float32((float64(v) - mean) / math.Sqrt(sq))
		}
	})
	return t
}

// ProgressGrid shows the target beside the kept reconstructions, each headed by its step.
func (p *Projection) ProgressGrid(title string) *image.RGBA {
	cells := [][]render.Cell{{{Images: &p.Target}}}
	labels := []string{"target"}
	for i := range p.Images {
		cells[0] = append(cells[0], render.Cell{Images: &p.Images[i]})
		labels = append(labels, fmt.Sprintf("step %d", p.Steps[i]))
	}
	return render.LabelledGrid(cells, render.MinTile, title, nil, labels)
}

// ProgressFrames are an animation of the projection: the target beside each kept
// reconstruction.
func (p *Projection) ProgressFrames() []image.Image {
	var frames []image.Image
	for i := range p.Images {
		frames = append(frames, render.LabelledGrid([][]render.Cell{{{Images: &p.Target}, {Images: &p.Images[i]}}}, render.MinTile,
			fmt.Sprintf("step %d", p.Steps[i]), nil, nil))
	}
	return frames
}
