package ops

import (
	"math"
	"strconv"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestPixelNorm(t *testing.T) {
	// Images (normalized over channels per pixel) and latents [B, dim] (StyleGAN's z).
	cases := [][]int{{2, 3, 2, 4}, {3, 5}}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, dims := range cases {
			t.Run(strconv.Itoa(len(dims))+"d", func(t *testing.T) {
				x := gradcheck.RandomInput(newRNG(uint64(50+i)), dims...)
				flat := tensors.MustCopyFlatData[float64](x)
				c := dims[len(dims)-1]
				want := make([]float64, len(flat))
				for start := 0; start < len(flat); start += c {
					var sumSquares float64
					for _, v := range flat[start : start+c] {
						sumSquares += v * v
					}
					scale := 1 / math.Sqrt(sumSquares/float64(c)+1e-8)
					for k := range c {
						want[start+k] = flat[start+k] * scale
					}
				}
				norm := func(in []*Node) *Node { return PixelNorm(in[0]) }
				assertClose(t, "PixelNorm", run(backend, norm, x), want, dims, 1e-14)
				gradcheck.Check(t, backend, norm, []*tensors.Tensor{x}, gradcheck.Options{})
			})
		}
	})
}

// referenceMinibatchStdDev follows StyleGAN2's definition element by element: sample n belongs to
// the group {n mod M + g*M : g < G} with M = B/G; feature f of that group is the mean, over the
// channels f*C/F..(f+1)*C/F-1 and all pixels, of sqrt(biased variance over the group + 1e-8).
func referenceMinibatchStdDev(x image, groupSize, numFeatures int) ([]float64, []int) {
	g := min(groupSize, x.b)
	m := x.b / g
	perFeature := x.c / numFeatures
	stats := make([][]float64, m) // [group][feature]
	for mi := range m {
		stats[mi] = make([]float64, numFeatures)
		for f := range numFeatures {
			var sum float64
			for y := range x.h {
				for xx := range x.w {
					for ci := range perFeature {
						ch := f*perFeature + ci
						var mean, variance float64
						for gi := range g {
							mean += x.at(mi+gi*m, y, xx, ch)
						}
						mean /= float64(g)
						for gi := range g {
							d := x.at(mi+gi*m, y, xx, ch) - mean
							variance += d * d
						}
						sum += math.Sqrt(variance/float64(g) + 1e-8)
					}
				}
			}
			stats[mi][f] = sum / float64(x.h*x.w*perFeature)
		}
	}
	outC := x.c + numFeatures
	out := make([]float64, 0, x.b*x.h*x.w*outC)
	for n := range x.b {
		for y := range x.h {
			for xx := range x.w {
				for ch := range x.c {
					out = append(out, x.at(n, y, xx, ch))
				}
				out = append(out, stats[n%m]...)
			}
		}
	}
	return out, []int{x.b, x.h, x.w, outC}
}

func TestMinibatchStdDev(t *testing.T) {
	cases := []struct {
		name                   string
		batch, group, features int
	}{
		{"batch 8 group 4 one feature", 8, 4, 1},
		{"batch 8 group 4 two features", 8, 4, 2},
		{"group 4 larger than batch 3", 3, 4, 1},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				x := gradcheck.RandomInput(newRNG(uint64(60+i)), tc.batch, 2, 3, 4)
				want, dims := referenceMinibatchStdDev(toImage(x), tc.group, tc.features)
				mbstd := func(in []*Node) *Node { return MinibatchStdDev(in[0], tc.group, tc.features) }
				assertClose(t, "MinibatchStdDev", run(backend, mbstd, x), want, dims, 1e-14)
				gradcheck.Check(t, backend, mbstd, []*tensors.Tensor{x}, gradcheck.Options{})
			})
		}
	})
}

func TestMinibatchStdDevPanics(t *testing.T) {
	backend := gradcheck.PureGo()
	// A batch the group does not divide: silently shrinking the group would change the statistic.
	msg := panicMessage(t, backend, []int{6, 2, 2, 3}, func(x *Node) { MinibatchStdDev(x, 4, 1) })
	assertContains(t, "panic", msg, "batch 6", "group size 4")
	msg = panicMessage(t, backend, []int{4, 2, 2, 3}, func(x *Node) { MinibatchStdDev(x, 4, 2) })
	assertContains(t, "panic", msg, "3 channels", "2 features")
}

// TestInstanceNorm compares with the definition per sample and channel, and checks that each
// normalized channel has mean 0 and variance var/(var+1e-8), i.e. 1 to within 1e-6 here.
func TestInstanceNorm(t *testing.T) {
	dims := []int{2, 3, 4, 3}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		x := gradcheck.RandomInput(newRNG(70), dims...)
		in := toImage(x)
		want := make([]float64, len(in.v))
		pixels := float64(in.h * in.w)
		for n := range in.b {
			for c := range in.c {
				var sum, sumSquares float64
				for y := range in.h {
					for xx := range in.w {
						sum += in.at(n, y, xx, c)
					}
				}
				mean := sum / pixels
				for y := range in.h {
					for xx := range in.w {
						d := in.at(n, y, xx, c) - mean
						sumSquares += d * d
					}
				}
				scale := 1 / math.Sqrt(sumSquares/pixels+1e-8)
				for y := range in.h {
					for xx := range in.w {
						want[((n*in.h+y)*in.w+xx)*in.c+c] = (in.at(n, y, xx, c) - mean) * scale
					}
				}
			}
		}
		norm := func(in []*Node) *Node { return InstanceNorm(in[0]) }
		got := run(backend, norm, x)
		assertClose(t, "InstanceNorm", got, want, dims, 1e-14)
		out := toImage(got)
		for n := range out.b {
			for c := range out.c {
				var sum, sumSquares float64
				for y := range out.h {
					for xx := range out.w {
						v := out.at(n, y, xx, c)
						sum += v
						sumSquares += v * v
					}
				}
				if mean, variance := sum/pixels, sumSquares/pixels; math.Abs(mean) > 1e-14 || math.Abs(variance-1) > 1e-6 {
					t.Errorf("sample %d channel %d: mean %.3g, variance %.10g after InstanceNorm", n, c, mean, variance)
				}
			}
		}
		gradcheck.Check(t, backend, norm, []*tensors.Tensor{x}, gradcheck.Options{})
	})
}
