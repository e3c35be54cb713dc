package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// layerRun compiles fn once; the first call initializes the variables, which tests then overwrite.
type layerRun struct {
	t    *testing.T
	ctx  *context.Context
	exec *context.Exec
}

func newLayerRun(t *testing.T, backend backends.Backend, fn func(ctx *context.Context, inputs []*Node) *Node) *layerRun {
	ctx := context.New()
	return &layerRun{t: t, ctx: ctx, exec: context.MustNewExec(backend, ctx, fn)}
}

func (r *layerRun) run(inputs ...*tensors.Tensor) []float64 {
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	return tensors.MustCopyFlatData[float64](r.exec.MustExec(args...)[0])
}

// set overwrites variable scope/name with values (its shape is kept).
func (r *layerRun) set(scope, name string, values []float64) {
	r.t.Helper()
	v := r.ctx.InspectVariable(scope, name)
	if v == nil {
		r.t.Fatalf("no variable %s/%s", scope, name)
	}
	v.MustSetValue(tensors.FromFlatDataAndDimensions(values, v.Shape().Dimensions...))
}

func (r *layerRun) value(scope, name string) []float64 {
	return tensors.MustCopyFlatData[float64](r.ctx.InspectVariable(scope, name).MustValue())
}

func randomValues(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 2*rng.Float64() - 1
	}
	return v
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s: element %d = %.10g, want %.10g", what, i, got[i], want[i])
		}
	}
}

func leaky(v float64) float64 {
	if v < 0 {
		v *= 0.2
	}
	return v * math.Sqrt2
}

func TestDenseEqualizedScaleAndLRMultiplier(t *testing.T) {
	const in, out, lrMul = 3, 2, 0.01
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return Dense(ctx.In("fc"), xs[0], out, lrMul)
	})
	rng := rand.New(rand.NewPCG(1, 1))
	x := gradcheck.RandomInput(rng, 2, in)
	r.run(x)
	w := randomValues(rng, in*out)
	r.set("/fc", "weights", w)
	got := r.run(x)
	xs := tensors.MustCopyFlatData[float64](x)
	want := make([]float64, 2*out)
	scale := lrMul / math.Sqrt(in)
	for b := range 2 {
		for j := range out {
			for i := range in {
				want[b*out+j] += xs[b*in+i] * w[i*out+j] * scale
			}
		}
	}
	assertClose(t, "Dense", got, want, 1e-12)
}

func TestEqualizedInitialization(t *testing.T) {
	// Stored weights ~ N(0, 1/lrMul^2): check the sample standard deviation of 64k of them.
	for _, lrMul := range []float64{1, 0.01} {
		r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
			return Dense(ctx.In("fc"), xs[0], 256, lrMul)
		})
		r.ctx.SetParam(context.ParamInitialSeed, int64(3))
		r.run(gradcheck.RandomInput(rand.New(rand.NewPCG(1, 1)), 1, 256))
		w := r.value("/fc", "weights")
		var sum, sumSq float64
		for _, v := range w {
			sum += v
			sumSq += v * v
		}
		n := float64(len(w))
		std := math.Sqrt(sumSq/n - (sum/n)*(sum/n))
		if want := 1 / lrMul; math.Abs(std-want) > 0.02*want || math.Abs(sum/n) > 0.02*want {
			t.Errorf("lrMul %g: stored weights mean %.4g std %.4g, want mean 0 std %.4g", lrMul, sum/n, std, want)
		}
	}
}

func TestConvLeakyReLU(t *testing.T) {
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return ConvLeakyReLU(ctx.In("conv"), xs[0], 2, 3)
	})
	rng := rand.New(rand.NewPCG(2, 2))
	x := gradcheck.RandomInput(rng, 1, 4, 4, 3)
	r.run(x)
	kernel := randomValues(rng, 3*3*3*2)
	bias := []float64{0.25, -0.5}
	r.set("/conv", "weights", kernel)
	r.set("/conv", "biases", bias)
	got := r.run(x)
	// Same-padded conv in loops, scaled by 1/sqrt(fan_in = 27), plus bias, leaky ReLU with gain.
	xs := tensors.MustCopyFlatData[float64](x)
	want := make([]float64, 4*4*2)
	for y := range 4 {
		for xx := range 4 {
			for co := range 2 {
				var sum float64
				for dy := range 3 {
					for dx := range 3 {
						iy, ix := y+dy-1, xx+dx-1
						if iy < 0 || iy >= 4 || ix < 0 || ix >= 4 {
							continue
						}
						for ci := range 3 {
							sum += xs[(iy*4+ix)*3+ci] * kernel[((dy*3+dx)*3+ci)*2+co]
						}
					}
				}
				want[(y*4+xx)*2+co] = leaky(sum/math.Sqrt(27) + bias[co])
			}
		}
	}
	assertClose(t, "ConvLeakyReLU", got, want, 1e-12)
}

func TestToRGBAndFromRGB(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := gradcheck.RandomInput(rng, 2, 2, 2, 4)
	xs := tensors.MustCopyFlatData[float64](x)
	kernel := randomValues(rng, 4*3)
	bias := []float64{0.1, 0.2, 0.3}
	for _, fromRGB := range []bool{false, true} {
		r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
			if fromRGB {
				return FromRGB(ctx.In("rgb"), xs[0], 3)
			}
			return ToRGB(ctx.In("rgb"), xs[0], 3)
		})
		r.run(x)
		r.set("/rgb", "weights", kernel)
		r.set("/rgb", "biases", bias)
		got := r.run(x)
		want := make([]float64, 8*3)
		for p := range 8 {
			for co := range 3 {
				var sum float64
				for ci := range 4 {
					sum += xs[p*4+ci] * kernel[ci*3+co]
				}
				want[p*3+co] = sum/2 + bias[co] // fan_in 4: scale 1/2
				if fromRGB {
					want[p*3+co] = leaky(want[p*3+co])
				}
			}
		}
		assertClose(t, "1x1 RGB layer", got, want, 1e-12)
	}
}

func TestBiasLearningRateMultiplier(t *testing.T) {
	// The stored bias is init/lrMul, so the effective bias starts at init whatever lrMul is.
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return Bias(ctx.In("b"), xs[0], 0.5, 0.01)
	})
	x := tensors.FromFlatDataAndDimensions([]float64{1, 2}, 1, 2)
	assertClose(t, "Bias", r.run(x), []float64{1.5, 2.5}, 1e-12)
	assertClose(t, "stored bias", r.value("/b", "biases"), []float64{50, 50}, 1e-12)
}

func TestModulatedConvAndStyleLayer(t *testing.T) {
	const b, h, w, cin, cout, wDim = 2, 4, 4, 3, 2, 5
	rng := rand.New(rand.NewPCG(5, 5))
	x := gradcheck.RandomInput(rng, b, h, w, cin)
	latent := gradcheck.RandomInput(rng, b, wDim)
	noise := gradcheck.RandomInput(rng, b, h, w, 1)
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return Style(ctx.In("layer"), xs[0], xs[1], cout).Noise(xs[2]).Done()
	})
	r.run(x, latent, noise)
	affine := randomValues(rng, wDim*cin)
	affineBias := randomValues(rng, cin)
	kernel := randomValues(rng, 3*3*cin*cout)
	bias := []float64{0.3, -0.2}
	r.set("/layer/affine", "weights", affine)
	r.set("/layer/affine", "biases", affineBias)
	r.set("/layer", "weights", kernel)
	r.set("/layer", "biases", bias)
	r.set("/layer", "noise_strength", []float64{0.7})
	got := r.run(x, latent, noise)

	xs, ws, ns := tensors.MustCopyFlatData[float64](x), tensors.MustCopyFlatData[float64](latent), tensors.MustCopyFlatData[float64](noise)
	want := make([]float64, b*h*w*cout)
	for n := range b {
		// Styles s_i = A(w) with equalized scale 1/sqrt(wDim), plus bias.
		s := make([]float64, cin)
		for i := range cin {
			for j := range wDim {
				s[i] += ws[n*wDim+j] * affine[j*cin+i] / math.Sqrt(wDim)
			}
			s[i] += affineBias[i]
		}
		// Per-sample kernel w''_ijk = s_i w_ijk / sigma_j, w = stored / sqrt(9*cin).
		modulated := make([]float64, len(kernel))
		for co := range cout {
			var energy float64
			for k := range 9 {
				for ci := range cin {
					idx := (k*cin+ci)*cout + co
					modulated[idx] = s[ci] * kernel[idx] / math.Sqrt(9*cin)
					energy += modulated[idx] * modulated[idx]
				}
			}
			for k := range 9 {
				for ci := range cin {
					modulated[(k*cin+ci)*cout+co] /= math.Sqrt(energy + 1e-8)
				}
			}
		}
		for y := range h {
			for xx := range w {
				for co := range cout {
					var sum float64
					for dy := range 3 {
						for dx := range 3 {
							iy, ix := y+dy-1, xx+dx-1
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							for ci := range cin {
								sum += xs[((n*h+iy)*w+ix)*cin+ci] * modulated[((dy*3+dx)*cin+ci)*cout+co]
							}
						}
					}
					sum += 0.7 * ns[(n*h+y)*w+xx]
					want[((n*h+y)*w+xx)*cout+co] = leaky(sum + bias[co])
				}
			}
		}
	}
	assertClose(t, "StyleLayer", got, want, 1e-10)
}

// TestNoiseStartsAtZeroStrength: Noise adds nothing at init; with strength s it adds s times
// standard normal noise, one value per pixel shared by its channels, drawn afresh at each run.
// The statistics of 4096 draws are held to 4 standard errors (a false alarm once in ~16000 runs
// for each, with this fixed seed: never).
func TestNoiseStartsAtZeroStrength(t *testing.T) {
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return Noise(ctx.In("noise"), xs[0], nil)
	})
	r.ctx.SetParam(context.ParamInitialSeed, int64(6))
	const b, side, channels = 4, 32, 2
	x := gradcheck.RandomInput(rand.New(rand.NewPCG(6, 6)), b, side, side, channels)
	base := tensors.MustCopyFlatData[float64](x)
	assertClose(t, "Noise at init", r.run(x), base, 0)

	const strength = 0.5
	r.set("/noise", "noise_strength", []float64{strength})
	draw := func() []float64 {
		got := r.run(x)
		noise := make([]float64, 0, len(got)/channels)
		for p := 0; p < len(got); p += channels {
			d0, d1 := got[p]-base[p], got[p+1]-base[p+1]
			if math.Abs(d0-d1) > 1e-12 {
				t.Fatalf("pixel %d: noise differs across channels (%g vs %g)", p/channels, d0, d1)
			}
			noise = append(noise, d0/strength)
		}
		return noise
	}
	noise, again := draw(), draw()
	n := float64(len(noise))
	var sum, sumSq, within1, lag1, same float64
	for i, v := range noise {
		sum += v
		sumSq += v * v
		if math.Abs(v) < 1 {
			within1++
		}
		if i > 0 {
			lag1 += v * noise[i-1]
		}
		if v == again[i] {
			same++
		}
	}
	mean, variance := sum/n, sumSq/n-(sum/n)*(sum/n)
	p1 := math.Erf(1 / math.Sqrt2) // P(|N(0,1)| < 1) = 0.6827
	for _, c := range []struct {
		what          string
		got, want, se float64
	}{
		{"mean", mean, 0, 1 / math.Sqrt(n)},
		{"variance", variance, 1, math.Sqrt(2 / n)},
		{"fraction within one standard deviation", within1 / n, p1, math.Sqrt(p1 * (1 - p1) / n)},
		{"correlation of neighbouring pixels", lag1 / n, 0, 1 / math.Sqrt(n)},
	} {
		t.Logf("noise / strength: %s %.4f (want %.4f ± %.4f)", c.what, c.got, c.want, 4*c.se)
		if math.Abs(c.got-c.want) > 4*c.se {
			t.Errorf("noise / strength: %s %.4f, want %.4f within %.4f: not standard normal per pixel", c.what, c.got, c.want, 4*c.se)
		}
	}
	if same > 0 {
		t.Errorf("%g of %g noise values repeat in the next run: noise must be drawn afresh", same, n)
	}
}

func TestMappingNetwork(t *testing.T) {
	const zDim, wDim, lrMul = 4, 3, 0.01
	rng := rand.New(rand.NewPCG(7, 7))
	z := gradcheck.RandomInput(rng, 2, zDim)
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return Mapping(ctx, xs[0]).Layers(2).WDim(wDim).LRMul(lrMul).Done()
	})
	r.run(z)
	w0, b0 := randomValues(rng, zDim*wDim), randomValues(rng, wDim)
	w1, b1 := randomValues(rng, wDim*wDim), randomValues(rng, wDim)
	r.set("/mapping/fc0", "weights", w0)
	r.set("/mapping/fc0", "biases", b0)
	r.set("/mapping/fc1", "weights", w1)
	r.set("/mapping/fc1", "biases", b1)
	got := r.run(z)
	zs := tensors.MustCopyFlatData[float64](z)
	var want []float64
	for n := range 2 {
		x := append([]float64(nil), zs[n*zDim:(n+1)*zDim]...)
		var meanSq float64
		for _, v := range x {
			meanSq += v * v / zDim
		}
		for i := range x {
			x[i] /= math.Sqrt(meanSq + 1e-8)
		}
		for _, layer := range []struct{ w, b []float64 }{{w0, b0}, {w1, b1}} {
			in := len(x)
			y := make([]float64, wDim)
			for j := range wDim {
				for i := range in {
					y[j] += x[i] * layer.w[i*wDim+j] * lrMul / math.Sqrt(float64(in))
				}
				y[j] = leaky(y[j] + layer.b[j]*lrMul)
			}
			x = y
		}
		want = append(want, x...)
	}
	assertClose(t, "MappingNetwork", got, want, 1e-12)
}

func TestMinibatchStdDevReadsContext(t *testing.T) {
	r := newLayerRun(t, gradcheck.PureGo(), func(ctx *context.Context, xs []*Node) *Node {
		return MinibatchStdDev(ctx, xs[0])
	})
	r.ctx.SetParam(ParamMbstdGroupSize, 2)
	r.ctx.SetParam(ParamMbstdNumFeatures, 2)
	// Batch 2 (one group), 1x1 pixels, 2 channels split into 2 features of one channel each:
	// std of {1, 3} is 1, of {0, 4} is 2 (plus the 1e-8 inside the root).
	x := tensors.FromFlatDataAndDimensions([]float64{1, 0, 3, 4}, 2, 1, 1, 2)
	want := []float64{1, 0, 1, 2, 3, 4, 1, 2}
	assertClose(t, "MinibatchStdDev", r.run(x), want, 1e-7)
}

// TestStyleLayerGradients checks the Style layer itself (not a rebuild of it) against finite
// differences, first and second order, with respect to its input and its latent: a gradient cut
// anywhere in the layer (styles, modulation, upsampling, bias, activation) fails. Its value is
// also compared with the same computation written with the ops, so the layer is what it claims.
func TestStyleLayerGradients(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		ctx := context.New()
		ctx.SetParam(context.ParamInitialSeed, int64(11))
		rng := rand.New(rand.NewPCG(8, 8))
		x := gradcheck.RandomInput(rng, 2, 4, 4, 3)
		latent := gradcheck.RandomInput(rng, 2, 4)
		noise := gradcheck.RandomInput(rng, 2, 8, 8, 1) // the layer upsamples 4x4 -> 8x8
		layer := func(xs []*Node) *Node {
			return Style(ctx.In("layer").Checked(false), xs[0], xs[1], 2).Upsample().Noise(Const(xs[0].Graph(), noise)).Done()
		}
		init := context.MustNewExec(backend, ctx, func(_ *context.Context, xs []*Node) *Node { return layer(xs) })
		init.MustExec(x, latent) // creates the variables
		// Non-zero noise strength and biases (both start at 0), so their paths count too.
		ctx.InspectVariable("/layer", "noise_strength").MustSetValue(tensors.FromScalar(0.3))
		bias := []float64{0.2, -0.4}
		ctx.InspectVariable("/layer", "biases").MustSetValue(tensors.FromFlatDataAndDimensions(bias, 2))
		affineBias := []float64{1.1, 0.7, 1.3}
		ctx.InspectVariable("/layer/affine", "biases").MustSetValue(tensors.FromFlatDataAndDimensions(affineBias, 3))

		ops_ := func(xs []*Node) *Node {
			g := xs[0].Graph()
			kernel := Const(g, ctx.InspectVariable("/layer", "weights").MustValue())
			affine := Const(g, ctx.InspectVariable("/layer/affine", "weights").MustValue())
			// Styles: equalized dense (wDim 4 -> scale 1/2) plus the affine bias.
			styles := Add(MulScalar(DotGeneral(xs[1], []int{1}, nil, affine, []int{0}, nil), 0.5), Const(g, [][]float64{affineBias}))
			y := ops.ModulatedConv2D(xs[0], MulScalar(kernel, 1/math.Sqrt(27)), styles, true, ops.Up2x)
			y = Add(Add(y, MulScalar(Const(g, noise), 0.3)), Const(g, [][][][]float64{{{bias}}}))
			return ops.LeakyReLU(y, 0.2, math.Sqrt2)
		}
		layerOut := tensors.MustCopyFlatData[float64](init.MustExec(x, latent)[0])
		refOut := tensors.MustCopyFlatData[float64](MustNewExec(backend, ops_).MustExec(x, latent)[0])
		assertClose(t, "Style layer vs its ops", layerOut, refOut, 1e-12)
		gradcheck.Check(t, backend, layer, []*tensors.Tensor{x, latent}, gradcheck.Options{Context: ctx})
	})
}
