package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// powerIteration64 is ops.PowerIteration in float64 loops: m is n x k row-major, u [k].
func powerIteration64(m []float64, n, k int, u []float64) (sigma float64, next []float64) {
	unit := func(x []float64) []float64 {
		norm := 0.0
		for _, v := range x {
			norm += v * v
		}
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v / (math.Sqrt(norm) + 1e-12)
		}
		return out
	}
	v := make([]float64, n)
	for i := range n {
		for j := range k {
			v[i] += m[i*k+j] * u[j]
		}
	}
	v = unit(v)
	next = make([]float64, k)
	for j := range k {
		for i := range n {
			next[j] += m[i*k+j] * v[i]
		}
	}
	next = unit(next)
	for i := range n {
		for j := range k {
			sigma += v[i] * m[i*k+j] * next[j]
		}
	}
	return sigma, next
}

func largestSingularValue(m []float64, n, k int) float64 {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(n, k, m), mat.SVDNone) {
		panic("SVD failed")
	}
	return svd.Values(nil)[0]
}

// TestSpectralWeightMatchesSVD: each training step is one power iteration from the persistent
// u, and sigma = w / SpectralWeight(w) reaches the largest singular value of the SVD within 1%
// after 30 steps (it is below it before), for a dense weight, a conv kernel and an embedding
// table; sampling graphs leave u as it is.
func TestSpectralWeightMatchesSVD(t *testing.T) {
	// Random matrices have close top singular values, so the iteration converges slowly; in
	// training u persists over thousands of steps.
	const steps = 30
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		dims []int
	}{{"dense", []int{24, 10}}, {"conv", []int{3, 3, 4, 8}}, {"embedding", []int{10, 16}}} {
		size := 1
		for _, d := range tc.dims {
			size *= d
		}
		k := tc.dims[len(tc.dims)-1]
		n := size / k
		for _, training := range []bool{true, false} {
			r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
				ctx.SetTraining(xs[0].Graph(), training)
				return SpectralWeight(ctx.In("sn"), xs[0].Graph(), "weights", xs[0].Shape())
			})
			zero := tensors.FromFlatDataAndDimensions(make([]float64, size), tc.dims...)
			r.run(zero) // creates the variables
			w := randomValues(rng, size)
			u := randomValues(rng, k)
			r.set("/sn", "weights", w)
			r.set("/sn", "weights_sn_u", u)
			want := largestSingularValue(w, n, k)
			var sigmas []float64
			for range steps {
				normalized := r.run(zero)
				sigmas = append(sigmas, w[0]/normalized[0])
			}
			got := r.value("/sn", "weights_sn_u")
			if !training {
				assertClose(t, tc.name+": u after sampling graphs", got, u, 0)
				first, _ := powerIteration64(w, n, k, u)
				assertClose(t, tc.name+": sigma of a sampling graph", sigmas[len(sigmas)-1:], []float64{first}, 1e-9)
				continue
			}
			ref := u
			var refSigma float64
			for range steps {
				refSigma, ref = powerIteration64(w, n, k, ref)
			}
			assertClose(t, tc.name+": u after the steps (loop reference)", got, ref, 1e-9)
			last := sigmas[len(sigmas)-1]
			if math.Abs(last-refSigma) > 1e-9*want {
				t.Errorf("%s: sigma %.10g, loop reference %.10g", tc.name, last, refSigma)
			}
			if math.Abs(last-want) > 0.01*want {
				t.Errorf("%s: sigma after %d power iterations %.6g, SVD %.6g: beyond 1%%", tc.name, steps, last, want)
			}
			if sigmas[0] > want*(1+1e-9) || want-sigmas[0] < want-last {
				t.Errorf("%s: the first estimate %.6g should be below the SVD's %.6g and farther than the last %.6g", tc.name, sigmas[0], want, last)
			}
		}
	}
}

// snMatrix returns the spectrally normalized weights variable of scope as the layer's training
// graph saw it: divided by the sigma of one iteration from u, and the iterated u.
func snMatrix(w []float64, n, k int, u []float64) []float64 {
	sigma, _ := powerIteration64(w, n, k, u)
	out := make([]float64, len(w))
	for i, v := range w {
		out[i] = v / sigma
	}
	return out
}

// TestConditionalBatchNormMatchesLoops compares BatchNorm with a loop reference: training graphs
// normalize with the batch's statistics and scale by 1 + gain(cond), shift by bias(cond) (both
// spectrally normalized projections), updating running averages with momentum 0.1 (unbiased
// variance); sampling graphs use the running statistics, a standing-statistics graph folds batch
// statistics into running means of them, and standing sampling uses those.
func TestConditionalBatchNormMatchesLoops(t *testing.T) {
	const b, h, w, c, d = 4, 2, 3, 3, 5
	rng := rand.New(rand.NewPCG(5, 6))
	newRun := func(setup func(ctx *context.Context, g *Graph, xs []*Node), stats BatchNormStats) *layerRun {
		return newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
			setup(ctx, xs[0].Graph(), xs)
			return BatchNorm(ctx.In("bn"), xs[0], xs[1], stats)
		})
	}
	x := randomValues(rng, b*h*w*c)
	cond := randomValues(rng, b*d)
	xT := func(v []float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(v, b, h, w, c) }
	condT := tensors.FromFlatDataAndDimensions(cond, b, d)

	train := newRun(func(ctx *context.Context, g *Graph, _ []*Node) { ctx.SetTraining(g, true) }, RunningStatistics)
	train.run(xT(x), condT)
	gainW, biasW := randomValues(rng, d*c), randomValues(rng, d*c)
	gainU, biasU := randomValues(rng, c), randomValues(rng, c)
	runningMean, runningVar := randomValues(rng, c), []float64{0.5, 1.5, 2}
	train.set("/bn/gain", "weights", gainW)
	train.set("/bn/gain", "weights_sn_u", gainU)
	train.set("/bn/bias", "weights", biasW)
	train.set("/bn/bias", "weights_sn_u", biasU)
	train.set("/bn", "running_mean", runningMean)
	train.set("/bn", "running_var", runningVar)
	got := train.run(xT(x), condT)

	// The reference.
	mean, variance := make([]float64, c), make([]float64, c)
	count := float64(b * h * w)
	for i, v := range x {
		mean[i%c] += v / count
	}
	for i, v := range x {
		variance[i%c] += (v - mean[i%c]) * (v - mean[i%c]) / count
	}
	// affine is the reference: v standardized per channel, times 1 + gain(cond) plus bias(cond),
	// the projections normalized by the sigmas of one iteration from the u vectors given.
	affine := func(v, mean, variance, gainU, biasU []float64) []float64 {
		out := make([]float64, len(v))
		gm, bm := snMatrix(gainW, d, c, gainU), snMatrix(biasW, d, c, biasU)
		for i, x := range v {
			sample, ch := i/(h*w*c), i%c
			gain, bias := 1.0, 0.0
			for j := range d {
				gain += cond[sample*d+j] * gm[j*c+ch]
				bias += cond[sample*d+j] * bm[j*c+ch]
			}
			out[i] = (x-mean[ch])/math.Sqrt(variance[ch]+BatchNormEpsilon)*gain + bias
		}
		return out
	}
	assertClose(t, "conditional batch norm (training)", got, affine(x, mean, variance, gainU, biasU), 1e-9)
	wantMean, wantVar := make([]float64, c), make([]float64, c)
	for ch := range c {
		wantMean[ch] = 0.9*runningMean[ch] + 0.1*mean[ch]
		wantVar[ch] = 0.9*runningVar[ch] + 0.1*variance[ch]*count/(count-1)
	}
	assertClose(t, "running mean", train.value("/bn", "running_mean"), wantMean, 1e-12)
	assertClose(t, "running variance", train.value("/bn", "running_var"), wantVar, 1e-12)

	// Sampling graphs on the same variables: running statistics, then standing ones.
	sampleWith := func(stats BatchNormStats, setup func(ctx *context.Context, g *Graph, xs []*Node)) func(x []float64) []float64 {
		exec := context.MustNewExec(gradcheck.PureGo(), train.ctx.Reuse(), func(ctx *context.Context, xs []*Node) *Node {
			setup(ctx, xs[0].Graph(), xs)
			return BatchNorm(ctx.In("bn"), xs[0], xs[1], stats)
		})
		return func(x []float64) []float64 {
			return tensors.MustCopyFlatData[float64](exec.MustExec(xT(x), condT)[0])
		}
	}
	// Sampling graphs iterate from the u vectors the training step saved.
	savedGainU, savedBiasU := train.value("/bn/gain", "weights_sn_u"), train.value("/bn/bias", "weights_sn_u")
	running := sampleWith(RunningStatistics, func(*context.Context, *Graph, []*Node) {})
	assertClose(t, "sampling with running statistics", running(x), affine(x, wantMean, wantVar, savedGainU, savedBiasU), 1e-9)

	accumulate := context.MustNewExec(gradcheck.PureGo(), train.ctx.Checked(false), func(ctx *context.Context, xs []*Node) *Node {
		SetStandingCount(ctx, xs[0].Graph(), xs[2])
		return BatchNorm(ctx.In("bn"), xs[0], xs[1], StandingStatistics)
	})
	x2 := randomValues(rng, len(x))
	standingMean, standingVar := make([]float64, c), make([]float64, c)
	for k, batch := range [][]float64{x, x2} {
		accumulate.MustExec(xT(batch), condT, tensors.FromScalar(float64(k)))
		m, v := make([]float64, c), make([]float64, c)
		for i, val := range batch {
			m[i%c] += val / count
		}
		for i, val := range batch {
			v[i%c] += (val - m[i%c]) * (val - m[i%c]) / count
		}
		for ch := range c {
			standingMean[ch] += m[ch] / 2
			standingVar[ch] += v[ch] / 2
		}
	}
	assertClose(t, "standing mean (two batches)", train.value("/bn", "standing_mean"), standingMean, 1e-12)
	assertClose(t, "standing variance (two batches)", train.value("/bn", "standing_var"), standingVar, 1e-12)
	standing := sampleWith(StandingStatistics, func(*context.Context, *Graph, []*Node) {})
	assertClose(t, "sampling with standing statistics", standing(x2), affine(x2, standingMean, standingVar, savedGainU, savedBiasU), 1e-9)
	assertClose(t, "running statistics untouched by sampling", train.value("/bn", "running_mean"), wantMean, 0)
}

// TestProjectionHeadClosedForm: score = h . w / sigma(w) + bias + h . E[y] / sigma(E), with the
// sigmas of one power iteration.
func TestProjectionHeadClosedForm(t *testing.T) {
	const b, f, classes = 3, 4, 5
	rng := rand.New(rand.NewPCG(7, 8))
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return ProjectionHead(ctx.In("head"), xs[0], xs[1], classes)
	})
	h := randomValues(rng, b*f)
	labels := tensors.FromFlatDataAndDimensions([]int32{4, 0, 2}, b)
	hT := tensors.FromFlatDataAndDimensions(h, b, f)
	r.run(hT, labels)
	w, wu := randomValues(rng, f), randomValues(rng, 1)
	e, eu := randomValues(rng, classes*f), randomValues(rng, f)
	r.set("/head/linear", "weights", w)
	r.set("/head/linear", "weights_sn_u", wu)
	r.set("/head/linear", "biases", []float64{0.25})
	r.set("/head/embed", "embeddings", e)
	r.set("/head/embed", "embeddings_sn_u", eu)
	got := r.run(hT, labels)
	wn, en := snMatrix(w, f, 1, wu), snMatrix(e, classes, f, eu)
	want := make([]float64, b)
	for i, y := range []int{4, 0, 2} {
		want[i] = 0.25
		for j := range f {
			want[i] += h[i*f+j]*wn[j] + h[i*f+j]*en[y*f+j]
		}
	}
	assertClose(t, "projection head", got, want, 1e-9)
}
