package ops

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

func TestUpsampleNearest2x(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		x := gradcheck.RandomInput(newRNG(10), 2, 3, 2, 2)
		in := toImage(x)
		want := make([]float64, 0, in.b*2*in.h*2*in.w*in.c)
		for n := range in.b {
			for y := range 2 * in.h {
				for xx := range 2 * in.w {
					for c := range in.c {
						want = append(want, in.at(n, y/2, xx/2, c))
					}
				}
			}
		}
		up := func(in []*Node) *Node { return UpsampleNearest2x(in[0]) }
		assertClose(t, "UpsampleNearest2x", run(backend, up, x), want, []int{2, 6, 4, 2}, 0)
		checkLinear(t, backend, up, x)
	})
}

func TestAvgPool2x(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		x := gradcheck.RandomInput(newRNG(11), 2, 4, 6, 3)
		in := toImage(x)
		var want []float64
		for n := range in.b {
			for y := range in.h / 2 {
				for xx := range in.w / 2 {
					for c := range in.c {
						sum := in.at(n, 2*y, 2*xx, c) + in.at(n, 2*y, 2*xx+1, c) + in.at(n, 2*y+1, 2*xx, c) + in.at(n, 2*y+1, 2*xx+1, c)
						want = append(want, sum/4)
					}
				}
			}
		}
		pool := func(in []*Node) *Node { return AvgPool2x(in[0]) }
		assertClose(t, "AvgPool2x", run(backend, pool, x), want, []int{2, 2, 3, 3}, 1e-15)
		checkLinear(t, backend, pool, x)
	})
}

func TestAvgPool2xOddSizePanics(t *testing.T) {
	msg := panicMessage(t, gradcheck.PureGo(), []int{1, 5, 4, 2}, func(x *Node) { AvgPool2x(x) })
	assertContains(t, "panic", msg, "AvgPool2x", "5x4", "not even")
}

// firAxis is the upfirdn configuration of one spatial axis.
type firAxis struct {
	taps                []float64
	up, down            int
	padBefore, padAfter int
}

// identityAxis leaves an axis unchanged.
var identityAxis = firAxis{taps: []float64{1}, up: 1, down: 1}

// referenceUpFIRDn is upfirdn2d written out literally: insert up-1 zeros after every sample, pad
// (a negative pad drops samples), convolve with the outer product of the taps (true convolution:
// the kernel is flipped), keep every down-th sample.
func referenceUpFIRDn(x image, ay, ax firAxis) ([]float64, []int) {
	upH, upW := x.h*ay.up, x.w*ax.up
	zeroInserted := make([]float64, x.b*upH*upW*x.c)
	for n := range x.b {
		for y := range x.h {
			for xx := range x.w {
				for c := range x.c {
					zeroInserted[((n*upH+y*ay.up)*upW+xx*ax.up)*x.c+c] = x.at(n, y, xx, c)
				}
			}
		}
	}
	padH, padW := upH+ay.padBefore+ay.padAfter, upW+ax.padBefore+ax.padAfter
	padded := make([]float64, x.b*padH*padW*x.c)
	for n := range x.b {
		for y := range padH {
			for xx := range padW {
				sy, sx := y-ay.padBefore, xx-ax.padBefore
				if sy < 0 || sy >= upH || sx < 0 || sx >= upW {
					continue
				}
				for c := range x.c {
					padded[((n*padH+y)*padW+xx)*x.c+c] = zeroInserted[((n*upH+sy)*upW+sx)*x.c+c]
				}
			}
		}
	}
	kh, kw := len(ay.taps), len(ax.taps)
	convH, convW := padH-kh+1, padW-kw+1
	outH, outW := (convH-1)/ay.down+1, (convW-1)/ax.down+1
	out := make([]float64, x.b*outH*outW*x.c)
	for n := range x.b {
		for oy := range outH {
			for ox := range outW {
				for c := range x.c {
					var sum float64
					for i := range kh {
						for j := range kw {
							flipped := ay.taps[kh-1-i] * ax.taps[kw-1-j]
							sum += flipped * padded[((n*padH+oy*ay.down+i)*padW+ox*ax.down+j)*x.c+c]
						}
					}
					out[((n*outH+oy)*outW+ox)*x.c+c] = sum
				}
			}
		}
	}
	return out, []int{x.b, outH, outW, x.c}
}

// TestUpFIRDn1DHandComputed pins the semantics on values worked out by hand, independently of the
// loop reference: with taps {1,2,3}, a unit impulse must come out as 1,2,3 (a correlation would
// give 3,2,1).
func TestUpFIRDn1DHandComputed(t *testing.T) {
	taps := []float64{1, 2, 3}
	cases := []struct {
		name                    string
		in                      []float64
		up, down, before, after int
		want                    []float64
	}{
		// padded: 0 0 1 0 0 0 0
		{"impulse", []float64{1, 0, 0}, 1, 1, 2, 2, []float64{1, 2, 3, 0, 0}},
		// zero-inserted 1 0 2 0, padded 0 0 1 0 2 0 0, out[o] = 3p[o] + 2p[o+1] + p[o+2].
		{"up 2", []float64{1, 2}, 2, 1, 2, 1, []float64{1, 2, 5, 4, 6}},
		{"up 2 down 2", []float64{1, 2}, 2, 2, 2, 1, []float64{1, 5, 6}},
		// padded (first sample dropped): 2 3 0, out[0] = 3*2 + 2*3 + 1*0.
		{"negative pad", []float64{1, 2, 3}, 1, 1, -1, 1, []float64{12}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				x := fromFlat(tc.in, 1, len(tc.in), 1, 1)
				fir := func(in []*Node) *Node { return UpFIRDn1D(in[0], 1, taps, tc.up, tc.down, tc.before, tc.after) }
				assertClose(t, "UpFIRDn1D", run(backend, fir, x), tc.want, []int{1, len(tc.want), 1, 1}, 1e-15)
			})
		}
	})
}

func TestUpFIRDn1D(t *testing.T) {
	asym := []float64{1, 2, 3}
	cases := []struct {
		name string
		axis int
		cfg  firAxis
	}{
		{"height up 2, negative end", 1, firAxis{asym, 2, 1, 2, -1}},
		{"width down 2, negative start", 2, firAxis{asym, 1, 2, -1, 2}},
		{"height up 3 down 2", 1, firAxis{[]float64{0.5, -1, 2, 0.25}, 3, 2, 1, 2}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				x := gradcheck.RandomInput(newRNG(uint64(20+i)), 2, 4, 5, 2)
				ay, ax := tc.cfg, identityAxis
				if tc.axis == 2 {
					ay, ax = identityAxis, tc.cfg
				}
				want, dims := referenceUpFIRDn(toImage(x), ay, ax)
				c := tc.cfg
				fir := func(in []*Node) *Node {
					return UpFIRDn1D(in[0], tc.axis, c.taps, c.up, c.down, c.padBefore, c.padAfter)
				}
				assertClose(t, "UpFIRDn1D", run(backend, fir, x), want, dims, 1e-14)
				checkLinear(t, backend, fir, x)
			})
		}
	})
}

func TestUpFIRDn2D(t *testing.T) {
	asym := []float64{1, 2, 3}
	cases := []struct {
		name string
		cfg  firAxis
	}{
		{"asymmetric taps up 2", firAxis{asym, 2, 1, 1, 1}},
		{"asymmetric taps down 2", firAxis{asym, 1, 2, 1, 0}},
		{"up 2 down 2 negative padding", firAxis{[]float64{1, 3, 3, 1}, 2, 2, -1, 2}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				x := gradcheck.RandomInput(newRNG(uint64(30+i)), 2, 4, 3, 2)
				want, dims := referenceUpFIRDn(toImage(x), tc.cfg, tc.cfg)
				c := tc.cfg
				fir := func(in []*Node) *Node { return UpFIRDn2D(in[0], c.taps, c.up, c.down, c.padBefore, c.padAfter) }
				assertClose(t, "UpFIRDn2D", run(backend, fir, x), want, dims, 1e-14)
				checkLinear(t, backend, fir, x)
			})
		}
	})
}

// StyleGAN2's upsample2d/downsample2d settings for the [1,3,3,1] filter, written out from its
// formulas (p = 4 - factor): up pads ((p+1)/2 + factor - 1, p/2) = (2, 1) with gain factor^2
// (2 per axis, so taps sum to 2); down pads ((p+1)/2, p/2) = (1, 1) with gain 1.
var (
	bilinearUp   = firAxis{[]float64{0.25, 0.75, 0.75, 0.25}, 2, 1, 2, 1}
	bilinearDown = firAxis{[]float64{0.125, 0.375, 0.375, 0.125}, 1, 2, 1, 1}
)

func TestUpsampleFIR2x(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		up := func(in []*Node) *Node { return UpsampleFIR2x(in[0], BilinearFilter) }

		x := gradcheck.RandomInput(newRNG(40), 2, 3, 4, 2)
		want, dims := referenceUpFIRDn(toImage(x), bilinearUp, bilinearUp)
		assertClose(t, "UpsampleFIR2x", run(backend, up, x), want, []int{2, 6, 8, 2}, 1e-14)
		if !equalDims(dims, []int{2, 6, 8, 2}) {
			t.Fatalf("reference upsample size %v, want 2H x 2W", dims)
		}
		checkLinear(t, backend, up, x)

		// Output pixel o reads zero-inserted samples o-2..o+1, all inside the image for 2 <= o < 2H-2.
		const value = 0.7
		h, w := 5, 6
		constant := fromFlat(filled(value, 1*h*w*1), 1, h, w, 1)
		out := toImage(run(backend, up, constant))
		for y := 2; y < 2*h-2; y++ {
			for xx := 2; xx < 2*w-2; xx++ {
				if got := out.at(0, y, xx, 0); math.Abs(got-value) > 1e-14 {
					t.Fatalf("upsampled constant %g at (%d,%d) = %.10g", value, y, xx, got)
				}
			}
		}
	})
}

func TestDownsampleFIR2x(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		down := func(in []*Node) *Node { return DownsampleFIR2x(in[0], BilinearFilter) }

		x := gradcheck.RandomInput(newRNG(41), 2, 6, 4, 2)
		want, dims := referenceUpFIRDn(toImage(x), bilinearDown, bilinearDown)
		assertClose(t, "DownsampleFIR2x", run(backend, down, x), want, []int{2, 3, 2, 2}, 1e-14)
		if !equalDims(dims, []int{2, 3, 2, 2}) {
			t.Fatalf("reference downsample size %v, want H/2 x W/2", dims)
		}
		checkLinear(t, backend, down, x)

		// Output pixel o reads input samples 2o-1..2o+2, all inside the image for 1 <= o < H/2-1.
		const value = -1.3
		h, w := 8, 10
		constant := fromFlat(filled(value, 1*h*w*1), 1, h, w, 1)
		out := toImage(run(backend, down, constant))
		for y := 1; y < h/2-1; y++ {
			for xx := 1; xx < w/2-1; xx++ {
				if got := out.at(0, y, xx, 0); math.Abs(got-value) > 1e-14 {
					t.Fatalf("downsampled constant %g at (%d,%d) = %.10g", value, y, xx, got)
				}
			}
		}
	})
}

// filled returns n copies of v.
func filled(v float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}
