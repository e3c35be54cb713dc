package explore

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func backend(t *testing.T) backends.Backend {
	b := engine.MustNew("go")
	t.Cleanup(b.Finalize)
	return b
}

// tinyStyleGAN is a fixed-seed (untrained) StyleGAN2 at 16x16: 6 style latents of 16 values.
func tinyStyleGAN(t *testing.T, extra map[string]any) *Explorer {
	settings := map[string]any{gan.ParamModel: "stylegan2", "stylegan2_resolution": 16, "stylegan2_channel_max": 16,
		"stylegan2_latent_dim": 16, "stylegan2_w_dim": 16, "stylegan2_mapping_layers": 2}
	for k, v := range extra {
		settings[k] = v
	}
	ctx, err := models.Context(settings, train.Settings(), datasets.Settings, metrics.Settings)
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetParam(context.ParamInitialSeed, int64(5))
	model, err := models.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return New(backend(t), ctx, model)
}

// setVariables sets every variable of the generator's moving average called name to values drawn
// by fill (after a first synthesis created them).
func setVariables(t *testing.T, e *Explorer, name string, fill func(i int) float32) {
	t.Helper()
	found := false
	for v := range e.Ctx.InAbsPath(gan.GeneratorEMAScope).IterVariablesInScope() {
		if v.Name() != name {
			continue
		}
		value := tensors.FromShape(v.Shape())
		tensors.MutableFlatData(value, func(flat []float32) {
			for i := range flat {
				flat[i] = fill(i)
			}
		})
		v.MustSetValue(value)
		found = true
	}
	if !found {
		t.Fatalf("no variable %s under %s", name, gan.GeneratorEMAScope)
	}
}

func maxAbsDiff(a, b []float32) float64 {
	worst := 0.0
	for i := range a {
		worst = max(worst, math.Abs(float64(a[i]-b[i])))
	}
	return worst
}

// TestTruncationToTheAverage: psi 0 gives every latent the image of w_avg (set here to values
// far from w's mean), psi 1 distinct images; the sweep grid has a row per psi.
func TestTruncationToTheAverage(t *testing.T) {
	e := tinyStyleGAN(t, nil)
	z := e.Latents(3, 4)
	if _, err := e.Styles(z, 1, 0); err != nil { // creates the variables
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	avg := make([]float32, 16)
	for i := range avg {
		avg[i] = float32(rng.NormFloat64())
	}
	setVariables(t, e, "w_avg", func(i int) float32 { return avg[i] })
	if got, err := e.AverageW(); err != nil || maxAbsDiff(got, avg) != 0 {
		t.Fatalf("AverageW = %v, %v; want the variable's %v", got, err, avg)
	}
	center := W{Batch: 1, NumWs: 6, Dim: 16}
	for range 6 {
		center.Values = append(center.Values, avg...)
	}
	want, err := e.Synthesize(center)
	if err != nil {
		t.Fatal(err)
	}
	truncated, err := e.Styles(z, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Synthesize(truncated)
	if err != nil {
		t.Fatal(err)
	}
	size := 16 * 16
	for b := range 4 {
		if d := maxAbsDiff(got.Pixels[b*size:(b+1)*size], want.Pixels); d > 1e-6 {
			t.Errorf("latent %d at psi 0 differs from the w_avg image by %g", b, d)
		}
	}
	free, err := e.Styles(z, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	images, err := e.Synthesize(free)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(images.Pixels[:size], images.Pixels[size:2*size]); d < 1e-3 {
		t.Errorf("two latents at psi 1 differ by %g only: the test generator does not depend on z", d)
	}
	half, err := e.Styles(z, 0.5, 2)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 6 {
		for i := range 16 {
			want := free.Values[s*16+i]
			if s < 2 {
				want = avg[i] + 0.5*(want-avg[i])
			}
			if got := half.Values[s*16+i]; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("psi 0.5 cutoff 2: style %d [%d] = %g, want %g", s, i, got, want)
			}
		}
	}
	grid, err := e.TruncationGrid(z, []float64{1, 0.5, 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 16-pixel images enlarged to 64: 3 rows under a one-line title.
	if h := grid.Bounds().Dy(); h != 14+2+3*(64+2)+2 {
		t.Errorf("truncation grid %v high, want 3 rows of 64-pixel tiles", grid.Bounds())
	}
}

// separable is a 16x16 RGB "generator" whose bands do separate things, as a trained StyleGAN's
// are found to: the coarse style (4x4) is the picture's layout, the middle ones (8x8) the
// strength of a fine checker texture, the fine ones (16x16) its colour.
func separable() gan.Model {
	const res, dim = 16, 16
	numWs := blocks.NumWs(res)
	return gan.Model{Name: "separable test generator", Resolution: res, Channels: 3, LatentDim: dim,
		Mapping: func(_ *context.Context, z, _ *Node) *Node {
			return BroadcastToDims(Reshape(z, -1, 1, dim), z.Shape().Dimensions[0], numWs, dim)
		},
		Synthesis: func(_ *context.Context, ws *Node) []*Node {
			b := ws.Shape().Dimensions[0]
			style := func(from, to int) *Node { return Slice(ws, AxisRange(), AxisRange(from, to), AxisRange()) }
			layout := Reshape(BroadcastToDims(Reshape(Squeeze(style(0, 1), 1), b, 4, 1, 4, 1, 1), b, 4, 4, 4, 4, 1), b, res, res, 1)
			texture := Mul(Reshape(ReduceMean(Slice(style(1, 3), AxisRange(), AxisRange(), AxisRange(0, 1)), 1, 2), b, 1, 1, 1),
				Reshape(checker(ws.Graph(), res), 1, res, res, 1))
			colour := Reshape(ReduceMean(Slice(style(3, numWs), AxisRange(), AxisRange(), AxisRange(0, 3)), 1), b, 1, 1, 3)
			return []*Node{Tanh(Add(Mul(layout, OnePlus(MulScalar(Tanh(colour), 0.5))), texture))}
		},
		AverageW:         func(_ *context.Context, ws *Node) *Node { return Zeros(ws.Graph(), shapes.Make(ws.DType(), dim)) },
		StyleResolutions: blocks.StyleResolutions(res),
		Generator:        func(*context.Context, *Node, *Node) []*Node { panic("unused") },
	}
}

func checker(g *Graph, res int) *Node {
	values := make([]float32, res*res)
	for i := range values {
		values[i] = float32(1 - 2*((i/res+i%res)%2))
	}
	return Const(g, values)
}

// separableImage is separable's image computed on the host from the latents of each band.
func separableImage(layout, texture, colour []float32) []float32 {
	out := make([]float32, 16*16*3)
	for y := range 16 {
		for x := range 16 {
			for c := range 3 {
				check := float64(1 - 2*((y+x)%2))
				v := float64(layout[(y/4)*4+x/4])*(1+0.5*math.Tanh(float64(colour[c]))) + float64(texture[0])*check
				out[(y*16+x)*3+c] = float32(math.Tanh(v))
			}
		}
	}
	return out
}

// TestStyleMixingKeepsTheOtherBands: with a generator whose bands are separable, A with B's
// coarse styles has B's layout and A's texture and colours; with B's middle styles A's layout
// and colours and B's texture; with B's fine styles B's colours only. The grid holds the sources
// along its edges.
func TestStyleMixingKeepsTheOtherBands(t *testing.T) {
	e := New(backend(t), context.New(), separable())
	zA, zB := e.Latents(1, 2), e.Latents(2, 3)
	a, b := rows(zA), rows(zB)
	for _, tc := range []struct {
		band                     Band
		layout, texture, colours string
	}{{Coarse, "B", "A", "A"}, {Middle, "A", "B", "A"}, {Fine, "A", "A", "B"}} {
		wA, err := e.Styles(zA, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		wB, err := e.Styles(zB, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		mixed, err := e.Mix(wA, wB, tc.band)
		if err != nil {
			t.Fatal(err)
		}
		images, err := e.Synthesize(mixed)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			for j := range 3 {
				source := map[string][]float32{"A": a[i], "B": b[j]}
				// Colour is read from the first 3 values of the fine styles, texture from the
				// first of the middle ones, layout from all of the coarse one.
				want := separableImage(source[tc.layout], source[tc.texture], source[tc.colours])
				got := images.Pixels[(i*3+j)*16*16*3:][:16*16*3]
				if d := maxAbsDiff(got, want); d > 1e-5 {
					t.Errorf("%s mixing of A%d and B%d: %g from layout of %s, texture of %s, colours of %s", tc.band, i, j, d, tc.layout, tc.texture, tc.colours)
				}
			}
		}
	}
	grid, err := e.MixingGrid(zA, zB, Coarse, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b := grid.Bounds(); b.Dy() != 2*14+2+3*(64+2)+2 || b.Dx() < 4*(64+2)+2 {
		t.Errorf("mixing grid %v: want a header row and 2 rows of A, 4 columns (the B sources and A)", b)
	}
	if got := BandName(blocks.StyleResolutions(1024), Coarse) + " " + BandName(blocks.StyleResolutions(1024), Fine); got != "coarse (4x4-8x8) fine (64x64-1024x1024)" {
		t.Errorf("bands at 1024: %s, want the paper's", got)
	}
	if got := BandName(blocks.StyleResolutions(32), Middle); got != "middle (8x8-16x16)" {
		t.Errorf("middle band at 32: %s", got)
	}
	if _, err := BandStyles(blocks.StyleResolutions(8), Middle); err == nil || !strings.Contains(err.Error(), "no middle styles") {
		t.Errorf("an 8x8 model's middle band: %v, want a clear error", err)
	}
}

// TestInterpolation: slerp keeps the endpoints and, between orthogonal unit latents, the unit
// sphere; a strip starts and ends at its endpoints' images in both spaces; a looping walk of 3
// keyframes has 3 segments of frames; a model without a mapping network walks in Z but refuses W.
func TestInterpolation(t *testing.T) {
	a, b := []float32{1, 0}, []float32{0, 1}
	if mid := Slerp(a, b, 0.5); math.Abs(float64(mid[0])-math.Sqrt(0.5)) > 1e-7 || math.Abs(float64(mid[1])-math.Sqrt(0.5)) > 1e-7 {
		t.Errorf("slerp of orthogonal unit vectors at 0.5 = %v, want (1/sqrt2, 1/sqrt2)", mid)
	}
	if q := Slerp([]float32{2, 0}, []float32{0, 4}, 1.0/3); math.Abs(math.Hypot(float64(q[0]), float64(q[1]))-8.0/3) > 1e-6 || math.Abs(math.Atan2(float64(q[1]), float64(q[0]))-math.Pi/6) > 1e-6 {
		t.Errorf("slerp a third of the way = %v, want norm 8/3 at 30 degrees", q)
	}
	e := tinyStyleGAN(t, nil)
	z := e.Latents(4, 2)
	w, err := e.Styles(z, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	ends, err := e.Synthesize(w)
	if err != nil {
		t.Fatal(err)
	}
	size := 16 * 16
	for _, space := range []Space{SpaceZ, SpaceW} {
		strip, err := e.Interpolation(z, 5, space, 1)
		if err != nil {
			t.Fatal(err)
		}
		if strip.Batch != 5 || maxAbsDiff(strip.Pixels[:size], ends.Pixels[:size]) > 1e-5 || maxAbsDiff(strip.Pixels[4*size:], ends.Pixels[size:]) > 1e-5 {
			t.Errorf("%s strip of %d images: want 5 from the first endpoint's image to the second's", space, strip.Batch)
		}
		if maxAbsDiff(strip.Pixels[2*size:3*size], ends.Pixels[:size]) < 1e-4 {
			t.Errorf("%s strip: the middle image is an endpoint's", space)
		}
		// The middle image is that of the slerp of the z (Z) or of the mean of the w (W).
		mid := w
		mid.Batch, mid.Values = 1, Lerp(w.Latent(0), w.Latent(1), 0.5)
		if space == SpaceZ {
			r := rows(z)
			if mid, err = e.Styles(tensors.FromFlatDataAndDimensions(Slerp(r[0], r[1], 0.5), 1, 16), 1, 0); err != nil {
				t.Fatal(err)
			}
		}
		want, err := e.Synthesize(mid)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(strip.Pixels[2*size:3*size], want.Pixels); d > 1e-5 {
			t.Errorf("%s strip: the middle image is %g from the %s midpoint's", space, d, map[Space]string{SpaceZ: "slerp", SpaceW: "lerp"}[space])
		}
	}
	frames, err := e.Walk(e.Latents(5, 6), 3, 4, SpaceW, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 12 || frames[0].Bounds().Dx() != 2*(64+2)+2 {
		t.Errorf("walk of 3 keyframes of 2 latents, 4 frames each: %d frames of %v", len(frames), frames[0].Bounds())
	}

	ctx, err := models.Context(map[string]any{gan.ParamModel: "msggan", "msggan_resolution": 8, "msggan_channel_max": 8, "msggan_latent_dim": 8}, train.Settings(), datasets.Settings, metrics.Settings)
	if err != nil {
		t.Fatal(err)
	}
	model, err := models.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	progan := New(e.Backend, ctx, model)
	if strip, err := progan.Interpolation(progan.Latents(1, 2), 3, SpaceZ, 1); err != nil || strip.Batch != 3 {
		t.Errorf("MSG-ProGAN interpolation in Z: %d images, %v", strip.Batch, err)
	}
	for name, run := range map[string]func() error{
		"interpolation in W": func() error { _, err := progan.Interpolation(progan.Latents(1, 2), 3, SpaceW, 1); return err },
		"mixing": func() error {
			_, err := progan.MixingGrid(progan.Latents(1, 2), progan.Latents(2, 2), Coarse, 1)
			return err
		},
		"truncation": func() error { _, err := progan.TruncationGrid(progan.Latents(1, 2), []float64{0.5}, 0); return err },
	} {
		if err := run(); err == nil || !strings.Contains(err.Error(), "no mapping network") {
			t.Errorf("%s on MSG-ProGAN: %v, want an error naming the missing mapping network", name, err)
		}
	}
}

// TestScheduleClosedForms: the learning rate ramps from 0 up to its peak at 5% of the steps,
// holds, and falls as a half cosine over the last 25% (half the peak at 87.5%); the latent noise
// starts at 0.05 and decays quadratically to 0 at 75%.
func TestScheduleClosedForms(t *testing.T) {
	o := DefaultProjectOptions()
	for _, c := range []struct{ step, rate, noise float64 }{
		{0, 0, 0.05}, {25, 0.05, 0.05 * math.Pow(1-0.025/0.75, 2)}, {50, 0.1, 0.05 * math.Pow(1-0.05/0.75, 2)},
		{500, 0.1, 0.05 * math.Pow(1-0.5/0.75, 2)}, {750, 0.1, 0}, {875, 0.05, 0}, {900, 0.1 * (0.5 - 0.5*math.Cos(0.4*math.Pi)), 0},
	} {
		rate, noise := o.Schedule(int(c.step))
		if math.Abs(rate-c.rate) > 1e-12 || math.Abs(noise-c.noise) > 1e-12 {
			t.Errorf("step %g: rate %g noise %g, want %g and %g", c.step, rate, noise, c.rate, c.noise)
		}
	}
}

// convFeatures is a feature extractor for tests: a fixed random 3x3 conv to 8 maps, leaky ReLU,
// pooled to 4x4 (128 features).
type convFeatures struct{ kernel []float32 }

func newConvFeatures() convFeatures {
	rng := rand.New(rand.NewPCG(3, 3))
	k := make([]float32, 3*3*1*8)
	for i := range k {
		k[i] = float32(rng.NormFloat64() / 3)
	}
	return convFeatures{k}
}

func (convFeatures) Name() string                                                   { return "conv" }
func (convFeatures) FeatureDim() int                                                { return 128 }
func (convFeatures) Classes() int                                                   { return 0 }
func (convFeatures) Resolution() int                                                { return 16 }
func (convFeatures) Channels() int                                                  { return 1 }
func (convFeatures) Describe() string                                               { return "a random conv" }
func (convFeatures) Extract(*tensors.Tensor) (features, probs []float32, err error) { panic("unused") }
func (c convFeatures) FeatureFn(*context.Context) (func(*Node) *Node, error) {
	return func(x *Node) *Node {
		kernel := ConvertDType(Reshape(Const(x.Graph(), c.kernel), 3, 3, 1, 8), x.DType())
		y := ops.LeakyReLU(ops.Conv2D(x, kernel, ops.SamePadding(3)), 0.2, 1)
		return Reshape(ops.AvgPool2x(ops.AvgPool2x(y)), x.Shape().Dimensions[0], -1)
	}, nil
}

// TestProjectionRecoversAGeneratedImage: projecting an image the generator made (with noise of
// strength 0.1, drawn differently from the projection's start) gets far closer to it, in pixels
// and in features, than w's mean (where it starts) or a random w; the explorer's noise maps are
// left as they were; W+ projects too.
func TestProjectionRecoversAGeneratedImage(t *testing.T) {
	e := tinyStyleGAN(t, nil)
	w, err := e.Styles(e.Latents(11, 2), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Synthesize(w); err != nil { // creates the noise maps
		t.Fatal(err)
	}
	setVariables(t, e, "noise_strength", func(int) float32 { return 0.1 })
	images, err := e.Synthesize(w)
	if err != nil {
		t.Fatal(err)
	}
	target, random := images, images
	target.Batch, target.Pixels = 1, images.Pixels[:256]
	random.Batch, random.Pixels = 1, images.Pixels[256:]
	before := noiseMaps(t, e)
	o := DefaultProjectOptions()
	o.Steps, o.WSamples, o.Features, o.Record = 250, 2000, newConvFeatures(), []int{50}
	p, err := e.Project(target, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Log) != 250 || !slices.Equal(p.Steps, []int{0, 50, 250}) || len(p.NoiseMaps) != 5 || p.W.NumWs != 6 {
		t.Fatalf("projection: %d log lines, kept steps %v, %d noise maps, %d styles", len(p.Log), p.Steps, len(p.NoiseMaps), p.W.NumWs)
	}
	dRandom, err := e.Distances(random, target, o.Features)
	if err != nil {
		t.Fatal(err)
	}
	start, end := p.Distances[0], p.Distances[len(p.Distances)-1]
	t.Logf("pixel MSE: random w %.4g, w's mean %.4g, projected %.4g; features: %.4g, %.4g, %.4g; sigma_w %.3g",
		dRandom[0].Pixel, start.Pixel, end.Pixel, dRandom[0].Feature, start.Feature, end.Feature, p.SigmaW)
	if !(end.Pixel < 0.1*min(start.Pixel, dRandom[0].Pixel)) || !(end.Feature < 0.1*min(start.Feature, dRandom[0].Feature)) {
		t.Errorf("projection's distances %+v, want a tenth of those of the start %+v and of a random w %+v", end, start, dRandom[0])
	}
	for name, m := range p.NoiseMaps {
		checkNoiseMap(t, name, m)
	}
	for i := 1; i < 6; i++ {
		if d := maxAbsDiff(p.W.Values[:16], p.W.Values[i*16:(i+1)*16]); d != 0 {
			t.Fatalf("W projection: style %d differs from the first by %g", i, d)
		}
	}
	if after := noiseMaps(t, e); !slices.Equal(after, before) {
		t.Error("projecting changed the explorer's noise maps")
	}
	o.PlusW, o.Steps = true, 100
	plus, err := e.Project(target, o)
	if err != nil {
		t.Fatal(err)
	}
	if d := plus.Distances[len(plus.Distances)-1]; !(d.Pixel < 0.5*start.Pixel) || maxAbsDiff(plus.W.Values[:16], plus.W.Values[16:32]) == 0 {
		t.Errorf("W+ projection: distance %+v from %+v, styles equal: want each style its own w and a closer image", d, start)
	}
	if _, err := e.Project(images, o); err == nil || !strings.Contains(err.Error(), "takes one image [1, 16, 16, 1]") {
		t.Errorf("projecting two images: %v, want a clear error", err)
	}
}

// checkNoiseMap: a projected noise map has zero mean and unit variance (renormalized), and the
// 4x4 one, which the autocorrelation penalty reaches undiluted, near-zero one-pixel
// autocorrelations (drawn i.i.d. they would spread by 1/4).
func checkNoiseMap(t *testing.T, name string, m *tensors.Tensor) {
	t.Helper()
	d := m.Shape().Dimensions
	values := tensors.MustCopyFlatData[float32](m)
	var mean, sq, x, y float64
	h, w := d[1], d[2]
	for i, v := range values {
		mean += float64(v) / float64(len(values))
		sq += float64(v) * float64(v) / float64(len(values))
		x += float64(v*values[(i/w)*w+(i%w+w-1)%w]) / float64(len(values))
		y += float64(v*values[((i/w+h-1)%h)*w+i%w]) / float64(len(values))
	}
	if math.Abs(mean) > 1e-4 || math.Abs(sq-1) > 1e-3 {
		t.Errorf("noise map %s: mean %g, mean square %g: want renormalized to 0 and 1", name, mean, sq)
	}
	if h == 4 && (math.Abs(x) > 0.02 || math.Abs(y) > 0.02) {
		t.Errorf("4x4 noise map %s: autocorrelations %g and %g, want near 0", name, x, y)
	}
}

func noiseMaps(t *testing.T, e *Explorer) []float32 {
	var values []float32
	for v := range e.Ctx.InAbsPath(gan.GeneratorEMAScope).IterVariablesInScope() {
		if v.Name() == gan.NoiseMapsName {
			values = append(values, tensors.MustCopyFlatData[float32](v.MustValue())...)
		}
	}
	return values
}

// TestClassConditionalModel: a class-conditional StyleGAN2 maps every latent with the explorer's
// class (another class, other styles), and projects with it.
func TestClassConditionalModel(t *testing.T) {
	e := tinyStyleGAN(t, map[string]any{gan.ParamClasses: 3})
	z := e.Latents(6, 2)
	e.Class = 0
	a, err := e.Styles(z, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Class = 2
	b, err := e.Styles(z, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if maxAbsDiff(a.Values, b.Values) == 0 {
		t.Error("classes 0 and 2 map z to the same w")
	}
	images, err := e.Synthesize(b)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultProjectOptions()
	o.Steps, o.WSamples, o.FeatureWeight = 20, 100, 0
	target := images
	target.Batch, target.Pixels = 1, images.Pixels[:256]
	if p, err := e.Project(target, o); err != nil || !(p.Distances[1].Pixel < p.Distances[0].Pixel) {
		t.Errorf("conditional projection: %v", err)
	}
}

// TestMSGStyleGAN: an MSG-StyleGAN (a synthesis with an image per resolution) is explored at its
// final resolution.
func TestMSGStyleGAN(t *testing.T) {
	e := tinyStyleGAN(t, map[string]any{"stylegan2_d_architecture": "msg", "stylegan2_g_architecture": "orig"})
	w, err := e.Styles(e.Latents(8, 2), 0.7, 0)
	if err != nil {
		t.Fatal(err)
	}
	images, err := e.Synthesize(w)
	if err != nil || images.Batch != 2 || images.Height != 16 {
		t.Fatalf("MSG-StyleGAN synthesis: %d images of %d pixels, %v; want 2 of 16", images.Batch, images.Height, err)
	}
	if _, err := e.MixingGrid(e.Latents(1, 2), e.Latents(2, 2), Fine, 1); err != nil {
		t.Error(err)
	}
}
