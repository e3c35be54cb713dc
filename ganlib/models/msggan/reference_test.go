package msggan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"

	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// This file is an independent float64 reference of MSG-ProGAN's forward pass, written with
// plain loops from the papers' description (MSG-GAN Tables 6 and 7, ProGAN's layers) and the
// documented semantics of the ops, without ganlib/ops or ganlib/layers. It reads the weights the
// GoMLX networks created.

// referenceTolerance bounds |got - want| / max(1, |want|) per element: float64 rounding of two
// summation orders is ~1e-15, any real difference in the architecture is far larger.
const referenceTolerance = 1e-10

// featureMaps is a batch of NHWC feature maps, row-major: element (n, y, x, c) is at
// ((n*height+y)*width+x)*channels+c.
type featureMaps struct {
	batch, height, width, channels int
	values                         []float64
}

func newFeatureMaps(batch, height, width, channels int) featureMaps {
	return featureMaps{batch, height, width, channels, make([]float64, batch*height*width*channels)}
}

func fromTensor(t *tensors.Tensor) featureMaps {
	d := t.Shape().Dimensions
	return featureMaps{d[0], d[1], d[2], d[3], tensors.MustCopyFlatData[float64](t)}
}

func (f featureMaps) index(n, y, x, c int) int { return ((n*f.height+y)*f.width+x)*f.channels + c }

// conv2d is a stride-1 cross-correlation of x with the kernel [k, k, cin, cout] in equalized
// learning rate form (stored N(0,1), used times 1/sqrt(fan-in), fan-in k*k*cin), x zero-padded
// by pad on every side.
func conv2d(x featureMaps, kernel []float64, k, cout, pad int) featureMaps {
	cin := x.channels
	scale := 1 / math.Sqrt(float64(k*k*cin))
	y := newFeatureMaps(x.batch, x.height+2*pad-k+1, x.width+2*pad-k+1, cout)
	for n := range y.batch {
		for i := range y.height {
			for j := range y.width {
				for o := range cout {
					var sum float64
					for dy := range k {
						for dx := range k {
							yi, xj := i+dy-pad, j+dx-pad
							if yi < 0 || yi >= x.height || xj < 0 || xj >= x.width {
								continue // zero padding
							}
							for c := range cin {
								sum += x.values[x.index(n, yi, xj, c)] * kernel[((dy*k+dx)*cin+c)*cout+o]
							}
						}
					}
					y.values[y.index(n, i, j, o)] = scale * sum
				}
			}
		}
	}
	return y
}

// leakyReLU is max(x, 0.2x) times the gain sqrt(2) that keeps the signal's magnitude.
func leakyReLU(x featureMaps) featureMaps {
	y := newFeatureMaps(x.batch, x.height, x.width, x.channels)
	for i, v := range x.values {
		if v < 0 {
			v *= 0.2
		}
		y.values[i] = math.Sqrt2 * v
	}
	return y
}

// pixelNorm divides every pixel's feature vector by sqrt(mean of its squares + 1e-8).
func pixelNorm(x featureMaps) featureMaps {
	y := newFeatureMaps(x.batch, x.height, x.width, x.channels)
	for p := 0; p < len(x.values); p += x.channels {
		var sumSquares float64
		for _, v := range x.values[p : p+x.channels] {
			sumSquares += v * v
		}
		norm := math.Sqrt(sumSquares/float64(x.channels) + 1e-8)
		for c, v := range x.values[p : p+x.channels] {
			y.values[p+c] = v / norm
		}
	}
	return y
}

// upsampleNearest repeats every pixel into a 2x2 block.
func upsampleNearest(x featureMaps) featureMaps {
	y := newFeatureMaps(x.batch, 2*x.height, 2*x.width, x.channels)
	for n := range y.batch {
		for i := range y.height {
			for j := range y.width {
				for c := range y.channels {
					y.values[y.index(n, i, j, c)] = x.values[x.index(n, i/2, j/2, c)]
				}
			}
		}
	}
	return y
}

// avgPool averages non-overlapping 2x2 blocks.
func avgPool(x featureMaps) featureMaps {
	y := newFeatureMaps(x.batch, x.height/2, x.width/2, x.channels)
	for n := range y.batch {
		for i := range y.height {
			for j := range y.width {
				for c := range y.channels {
					y.values[y.index(n, i, j, c)] = (x.values[x.index(n, 2*i, 2*j, c)] + x.values[x.index(n, 2*i, 2*j+1, c)] +
						x.values[x.index(n, 2*i+1, 2*j, c)] + x.values[x.index(n, 2*i+1, 2*j+1, c)]) / 4
				}
			}
		}
	}
	return y
}

// concatChannels is [a; b] along channels.
func concatChannels(a, b featureMaps) featureMaps {
	y := newFeatureMaps(a.batch, a.height, a.width, a.channels+b.channels)
	for p := range a.batch * a.height * a.width {
		copy(y.values[p*y.channels:], a.values[p*a.channels:(p+1)*a.channels])
		copy(y.values[p*y.channels+a.channels:], b.values[p*b.channels:(p+1)*b.channels])
	}
	return y
}

// minibatchStdDev appends StyleGAN2's minibatch standard-deviation features: the batch splits
// into groups of G = min(group, B) samples taken with stride B/G (samples m, m+B/G, m+2B/G, ...),
// the channels into `features` consecutive slices; feature f of group m is the mean, over its
// slice's channels and all pixels, of sqrt(population variance over the group + 1e-8), and is
// appended as a constant channel to every sample of the group.
func minibatchStdDev(x featureMaps, group, features int) featureMaps {
	g := min(group, x.batch)
	stride := x.batch / g // also the number of groups
	sliceChannels := x.channels / features
	stats := make([]float64, stride*features)
	for m := range stride {
		for i := range x.height {
			for j := range x.width {
				for c := range x.channels {
					var mean, variance float64
					for k := range g {
						mean += x.values[x.index(m+k*stride, i, j, c)]
					}
					mean /= float64(g)
					for k := range g {
						d := x.values[x.index(m+k*stride, i, j, c)] - mean
						variance += d * d
					}
					stats[m*features+c/sliceChannels] += math.Sqrt(variance/float64(g) + 1e-8)
				}
			}
		}
	}
	y := newFeatureMaps(x.batch, x.height, x.width, x.channels+features)
	for n := range x.batch {
		for i := range x.height {
			for j := range x.width {
				copy(y.values[y.index(n, i, j, 0):], x.values[x.index(n, i, j, 0):x.index(n, i, j, 0)+x.channels])
				for f := range features {
					y.values[y.index(n, i, j, x.channels+f)] = stats[(n%stride)*features+f] / float64(x.height*x.width*sliceChannels)
				}
			}
		}
	}
	return y
}

// weightReader reads the weights a GoMLX network created under scope, checking that each has
// the size the architecture implies, and records which were read.
type weightReader struct {
	t     *testing.T
	ctx   *context.Context
	scope string // absolute, e.g. "/generator"
	read  map[*context.Variable]bool
}

func (w *weightReader) values(layer, name string, size int) []float64 {
	w.t.Helper()
	v := w.ctx.GetVariableByScopeAndName(w.scope+"/"+layer, name)
	if v == nil {
		w.t.Fatalf("no variable %q in %s/%s", name, w.scope, layer)
	}
	values := tensors.MustCopyFlatData[float64](v.MustValue())
	if len(values) != size {
		w.t.Fatalf("%s/%s/%s has %d values (%s), the architecture implies %d", w.scope, layer, name, len(values), v.Shape(), size)
	}
	w.read[v] = true
	return values
}

// checkAllRead fails the test if the network has a weight the reference did not use.
func (w *weightReader) checkAllRead() {
	w.t.Helper()
	for v := range w.ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), w.scope+"/") && !w.read[v] {
			w.t.Errorf("the network has %s/%s %s, which the reference does not use", v.Scope(), v.Name(), v.Shape())
		}
	}
}

// conv is an equalized k x k convolution without bias, same-padded for odd k, valid (no
// padding) for the 4x4 kernel of D's last block.
func (w *weightReader) conv(layer string, x featureMaps, cout, k int) featureMaps {
	pad := 0
	if k%2 == 1 {
		pad = (k - 1) / 2
	}
	return conv2d(x, w.values(layer, "weights", k*k*x.channels*cout), k, cout, pad)
}

// dense is an equalized fully connected layer [B, in] -> [B, 1, 1, out]: a 1x1 convolution of
// the features seen as a 1x1 map, with the same weights layout [in, out] and fan-in.
func (w *weightReader) dense(layer string, x featureMaps, out int) featureMaps {
	flat := featureMaps{x.batch, 1, 1, len(x.values) / x.batch, x.values}
	return w.conv(layer, flat, out, 1)
}

// bias adds the layer's per-channel biases.
func (w *weightReader) bias(layer string, x featureMaps) featureMaps {
	biases := w.values(layer, "biases", x.channels)
	y := newFeatureMaps(x.batch, x.height, x.width, x.channels)
	for i, v := range x.values {
		y.values[i] = v + biases[i%x.channels]
	}
	return y
}

// convLReLU is conv, bias and leaky ReLU: ProGAN's conv layer (and fromRGB with k=1).
func (w *weightReader) convLReLU(layer string, x featureMaps, cout, k int) featureMaps {
	return leakyReLU(w.bias(layer, w.conv(layer, x, cout, k)))
}

// referenceGenerator is MSG-ProGAN's generator (MSG-GAN Table 6): normalized latent, "4x4 conv"
// from 1x1 (a dense layer to 4x4xC), a 3x3 conv, then per resolution nearest upsampling and two
// 3x3 convs, each conv followed by leaky ReLU and pixel norm; a linear 1x1 toRGB at every scale.
func referenceGenerator(w *weightReader, cfg Config, z featureMaps) []featureMaps {
	c := cfg.Channels(4)
	x := w.dense("block4/dense", pixelNorm(z), 16*c)
	x = featureMaps{x.batch, 4, 4, c, x.values} // the dense output's feature (h*4+w)*C + c
	x = pixelNorm(leakyReLU(w.bias("block4/dense", x)))
	x = pixelNorm(w.convLReLU("block4/conv", x, c, 3))
	toRGB := func(r int, x featureMaps) featureMaps {
		layer := fmt.Sprintf("to_rgb%d", r)
		return w.bias(layer, w.conv(layer, x, cfg.ImageChannels, 1))
	}
	outputs := []featureMaps{toRGB(4, x)}
	for r := 8; r <= cfg.Resolution; r *= 2 {
		x = upsampleNearest(x)
		x = pixelNorm(w.convLReLU(fmt.Sprintf("block%d/conv0", r), x, cfg.Channels(r), 3))
		x = pixelNorm(w.convLReLU(fmt.Sprintf("block%d/conv1", r), x, cfg.Channels(r), 3))
		outputs = append(outputs, toRGB(r, x))
	}
	return outputs
}

// referenceDiscriminator is MSG-ProGAN's discriminator (MSG-GAN Table 7): fromRGB at the final
// resolution; every block combines the image at its resolution when connected (phi, Eqs. 10-12,
// image first), appends the minibatch stddev, and applies two 3x3 convs and 2x2 average pooling;
// the 4x4 block ends with a 3x3 conv, a 4x4 valid conv and a linear score. images maps
// resolution to [B, r, r, ImageChannels].
func referenceDiscriminator(w *weightReader, cfg Config, images map[int]featureMaps, group, features int) []float64 {
	x := w.convLReLU(fmt.Sprintf("from_rgb%d", cfg.Resolution), images[cfg.Resolution], cfg.Channels(cfg.Resolution), 1)
	for r := cfg.Resolution; r >= 4; r /= 2 {
		block := fmt.Sprintf("block%d/", r)
		if r < cfg.Resolution && slices.Contains(cfg.Connections, r) {
			img, channels := images[r], cfg.Channels(r)
			switch cfg.Phi {
			case blocks.PhiLinCat: // [r'(x1); x2], r' a linear 1x1 conv to half the channels
				x = concatChannels(w.bias(block+"phi", w.conv(block+"phi", img, channels/2, 1)), x)
			case blocks.PhiCatLin: // r'([x1; x2]), r' a linear 1x1 conv to the channels
				joined := concatChannels(img, x)
				x = w.bias(block+"phi", w.conv(block+"phi", joined, channels, 1))
			default: // [x1; x2]
				x = concatChannels(img, x)
			}
		}
		x = minibatchStdDev(x, group, features)
		if r > 4 {
			x = w.convLReLU(block+"conv0", x, cfg.Channels(r), 3)
			x = w.convLReLU(block+"conv1", x, cfg.Channels(r/2), 3)
			x = avgPool(x)
			continue
		}
		x = w.convLReLU(block+"conv0", x, cfg.Channels(4), 3)
		x = w.convLReLU(block+"conv1", x, cfg.Channels(4), 4) // 4x4 -> 1x1
		x = w.bias(block+"score", w.dense(block+"score", x, 1))
	}
	return x.values
}

// compareToReference checks got against want element-wise and returns the largest relative
// difference.
func compareToReference(t *testing.T, what string, got, want []float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, the reference has %d", what, len(got), len(want))
	}
	var worst float64
	for i := range want {
		diff := math.Abs(got[i]-want[i]) / max(1, math.Abs(want[i]))
		if !(diff <= referenceTolerance) { // also catches NaN
			t.Errorf("%s[%d] = %.15g, reference %.15g (relative difference %.2g)", what, i, got[i], want[i], diff)
			return diff
		}
		worst = max(worst, diff)
	}
	return worst
}

// TestForwardReference checks the values of Generator's outputs at every scale and of
// Discriminator's scores (on a random pyramid and on G's outputs) against referenceGenerator
// and referenceDiscriminator: plain float64 loops written from the MSG-GAN/ProGAN description,
// not from ganlib/ops or ganlib/layers, using the weights the GoMLX networks created and random
// nonzero biases. It covers every phi, all and partial connections, and minibatch stddev with one
// group, with two and four strided groups, and with two features.
func TestForwardReference(t *testing.T) {
	for i, tc := range []struct {
		phi                           blocks.Phi
		connections                   []int
		batch, mbstdGroup, mbstdFeats int
	}{
		{blocks.PhiSimple, blocks.AllConnections(16), 4, 4, 1},
		{blocks.PhiSimple, []int{8}, 8, 4, 1}, // two strided groups
		{blocks.PhiLinCat, blocks.AllConnections(16), 8, 4, 1},
		{blocks.PhiLinCat, []int{8}, 4, 4, 1},
		{blocks.PhiCatLin, blocks.AllConnections(16), 4, 4, 1},
		{blocks.PhiCatLin, []int{8}, 8, 2, 2}, // four strided groups, two features (channel counts allow it)
	} {
		connections := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(tc.connections)), "+"), "[]")
		name := fmt.Sprintf("%s,connections=%s,batch=%d,mbstd=%dx%d", tc.phi, connections, tc.batch, tc.mbstdGroup, tc.mbstdFeats)
		t.Run(name, func(t *testing.T) {
			cfg := tiny(tc.phi, tc.connections)
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			ctx := context.New()
			ctx.SetParams(map[string]any{layers.ParamMbstdGroupSize: tc.mbstdGroup, layers.ParamMbstdNumFeatures: tc.mbstdFeats})
			generate := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, z *Node) []*Node {
				return Generator(ctx.In("generator"), cfg, z, nil)
			})
			score := discriminator(ctx, cfg)
			z, real := gradcheck.RandomInput(rng, tc.batch, cfg.LatentDim), pyramid(rng, tc.batch)

			// Run once to create the weights, then give every bias a random value (they start at 0)
			// so the bias paths count.
			generate.MustExec(z)
			score(real)
			for v := range ctx.IterVariables() {
				if v.Name() == "biases" {
					v.MustSetValue(gradcheck.RandomInput(rng, v.Shape().Dimensions...))
				}
			}

			gReader := &weightReader{t: t, ctx: ctx, scope: "/generator", read: map[*context.Variable]bool{}}
			fakes := generate.MustExec(z)
			zMaps := featureMaps{tc.batch, 1, 1, cfg.LatentDim, tensors.MustCopyFlatData[float64](z)}
			wantFakes := referenceGenerator(gReader, cfg, zMaps)
			if len(fakes) != len(wantFakes) {
				t.Fatalf("generator has %d outputs, the reference %d", len(fakes), len(wantFakes))
			}
			var worst float64
			for s, fake := range fakes {
				worst = max(worst, compareToReference(t, fmt.Sprintf("G output %dx%d", 4<<s, 4<<s), fromTensor(fake).values, wantFakes[s].values))
			}
			gReader.checkAllRead()
			t.Logf("generator: largest relative difference %.2g over %d scales", worst, len(fakes))

			dReader := &weightReader{t: t, ctx: ctx, scope: "/discriminator", read: map[*context.Variable]bool{}}
			for _, input := range []struct {
				what   string
				images []*tensors.Tensor
			}{{"random pyramid", real}, {"G's outputs", fakes}} {
				byResolution := map[int]featureMaps{}
				for _, img := range input.images {
					byResolution[img.Shape().Dimensions[1]] = fromTensor(img)
				}
				want := referenceDiscriminator(dReader, cfg, byResolution, tc.mbstdGroup, tc.mbstdFeats)
				diff := compareToReference(t, "D score of "+input.what, score(input.images), want)
				t.Logf("discriminator on %s: largest relative difference %.2g (scores %.4g)", input.what, diff, want)
			}
			dReader.checkAllRead()
		})
	}
}
