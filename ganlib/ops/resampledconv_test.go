package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// referenceResampledConv2D is stylegan2-ada-pytorch's conv2d_resample, as its SynthesisLayer and
// Conv2dLayer call it (padding k/2, the [1,3,3,1] filter, flip_weight = (up == 1)), written from
// the generic definition for every kernel size (the 1x1 shortcuts of the op are not used here):
//
//   - up: zero insertion, padding (k/2 + 2, k/2 + 1), the filter with gain 2 per axis, then a
//     valid stride-1 true convolution (the kernel flipped);
//   - down: padding (k/2 + 1, k/2 + 1), the filter with gain 1, then a valid stride-2
//     cross-correlation;
//   - none: the same-padded cross-correlation.
//
// The FIR stage is referenceUpFIRDn's loops; the convolution is the loop below.
func referenceResampledConv2D(x image, kernel *tensors.Tensor, r Resampling) ([]float64, []int) {
	kd := kernel.Shape().Dimensions
	kh, kw, cin, cout := kd[0], kd[1], kd[2], kd[3]
	var filtered image
	stride, flip := 1, false
	switch r {
	case NoResampling:
		return referenceConv2D(x, kernel, Padding{{kh / 2, kh / 2}, {kw / 2, kw / 2}})
	case Up2x:
		up := []float64{0.25, 0.75, 0.75, 0.25} // [1,3,3,1] / 8 * 2
		v, dims := referenceUpFIRDn(x, firAxis{up, 2, 1, kh/2 + 2, kh/2 + 1}, firAxis{up, 2, 1, kw/2 + 2, kw/2 + 1})
		filtered = image{dims[0], dims[1], dims[2], dims[3], v}
		flip = true
	case Down2x:
		down := []float64{0.125, 0.375, 0.375, 0.125} // [1,3,3,1] / 8
		v, dims := referenceUpFIRDn(x, firAxis{down, 1, 1, kh/2 + 1, kh/2 + 1}, firAxis{down, 1, 1, kw/2 + 1, kw/2 + 1})
		filtered = image{dims[0], dims[1], dims[2], dims[3], v}
		stride = 2
	}
	k := tensors.MustCopyFlatData[float64](kernel)
	outH, outW := (filtered.h-kh)/stride+1, (filtered.w-kw)/stride+1
	out := make([]float64, x.b*outH*outW*cout)
	for n := range x.b {
		for oy := range outH {
			for ox := range outW {
				for co := range cout {
					var sum float64
					for i := range kh {
						for j := range kw {
							ti, tj := i, j // the kernel tap that multiplies window sample (i, j)
							if flip {
								ti, tj = kh-1-i, kw-1-j
							}
							for ci := range cin {
								sum += filtered.at(n, oy*stride+i, ox*stride+j, ci) * k[((ti*kw+tj)*cin+ci)*cout+co]
							}
						}
					}
					out[((n*outH+oy)*outW+ox)*cout+co] = sum
				}
			}
		}
	}
	return out, []int{x.b, outH, outW, cout}
}

// assertPixelsClose compares two [B,H,W,C] results element by element and names every
// mismatching pixel (up to 10), saying whether it lies on the image border.
func assertPixelsClose(t *testing.T, what string, got *tensors.Tensor, want []float64, dims []int, tol float64) {
	t.Helper()
	if !equalDims(got.Shape().Dimensions, dims) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape().Dimensions, dims)
	}
	g := toImage(got)
	w := image{dims[0], dims[1], dims[2], dims[3], want}
	bad := 0
	for n := range g.b {
		for y := range g.h {
			for x := range g.w {
				for c := range g.c {
					if d := math.Abs(g.at(n, y, x, c) - w.at(n, y, x, c)); d > tol {
						bad++
						if bad <= 10 {
							t.Errorf("%s: pixel (n=%d, y=%d, x=%d, c=%d) of %dx%d%s = %.15g, want %.15g (diff %.3g)",
								what, n, y, x, c, g.h, g.w, borderTag(y, x, g.h, g.w), g.at(n, y, x, c), w.at(n, y, x, c), d)
						}
					}
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d mismatching elements in all", what, bad)
	}
}

func isBorder(y, x, h, w int) bool { return y == 0 || x == 0 || y == h-1 || x == w-1 }

func borderTag(y, x, h, w int) string {
	if isBorder(y, x, h, w) {
		return " (border)"
	}
	return " (interior)"
}

// flipKernel reverses a [kh,kw,Cin,Cout] kernel along kh and kw.
func flipKernel(kernel *tensors.Tensor) *tensors.Tensor {
	kd := kernel.Shape().Dimensions
	kh, kw, rest := kd[0], kd[1], kd[2]*kd[3]
	k := tensors.MustCopyFlatData[float64](kernel)
	flipped := make([]float64, len(k))
	for i := range kh {
		for j := range kw {
			copy(flipped[((kh-1-i)*kw+(kw-1-j))*rest:][:rest], k[(i*kw+j)*rest:][:rest])
		}
	}
	return fromFlat(flipped, kd...)
}

// TestResampledConv2DHandComputed pins the kernel's orientation and the borders on values worked
// out by hand. One channel, x a 2x2 (Up2x) or 4x4 (Down2x) impulse at (0,0), a 3x3 kernel whose
// only non-zero tap is kernel[0, 2, 0, 0] = 1, i.e. the reference's weight[0, 0, 0, 2] = 1 (our
// kernel[i, j, ci, co] is its weight[co, ci, i, j] in every mode). Both results are outer products
// of a row and a column profile, each worked out per axis:
//
// Up2x. Zero insertion gives 1 0 0 0; padding (k/2+2, k/2+1) = (3, 2) gives 0 0 0 1 0 0 0 0 0;
// the filter [1,3,3,1]/4 gives u = .25 .75 .75 .25 0 0 (2H+2 samples; UpsampleFIR2x would keep
// only u[1:5], the old code zero-padded those again, so its border read 0 where this reads the
// filter's tail .25). The valid true convolution makes tap i read u[o+2-i] (flipped): rows
// (i = 0) read u[o+2] = .75 .25 0 0, columns (j = 2) read u[o] = .25 .75 .75 .25. A
// cross-correlation would read u[o+i], shifting the image the other way.
//
// Down2x. Padding (k/2+1, k/2+1) = (2, 2) gives 0 0 1 0 0 0 0 0; the filter [1,3,3,1]/8 gives
// g = .375 .375 .125 0 0; the stride-2 cross-correlation makes tap i read g[2o+i] (not flipped):
// rows (i = 0) read g[0], g[2] = .375 .125, columns (j = 2) read g[2], g[4] = .125 0.
func TestResampledConv2DHandComputed(t *testing.T) {
	outer := func(rows, cols []float64) []float64 {
		var out []float64
		for _, r := range rows {
			for _, c := range cols {
				out = append(out, r*c)
			}
		}
		return out
	}
	kernel := make([]float64, 9)
	kernel[0*3+2] = 1
	cases := []struct {
		r          Resampling
		size       int
		rows, cols []float64
	}{
		{Up2x, 2, []float64{.75, .25, 0, 0}, []float64{.25, .75, .75, .25}},
		{Down2x, 4, []float64{.375, .125}, []float64{.125, 0}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for _, tc := range cases {
			t.Run(tc.r.String(), func(t *testing.T) {
				impulse := make([]float64, tc.size*tc.size)
				impulse[0] = 1
				x := fromFlat(impulse, 1, tc.size, tc.size, 1)
				conv := func(in []*Node) *Node { return ResampledConv2D(in[0], in[1], tc.r, BilinearFilter) }
				got := run(backend, conv, x, fromFlat(kernel, 3, 3, 1, 1))
				n := len(tc.rows)
				assertPixelsClose(t, "ResampledConv2D", got, outer(tc.rows, tc.cols), []int{1, n, n, 1}, 1e-15)
			})
		}
	})
}

// TestResampledConv2D compares every mode with the loop reference, borders included, on odd and
// even sizes (Down2x rounds odd sizes down, as the reference's strided convolution does).
func TestResampledConv2D(t *testing.T) {
	cases := []struct {
		r            Resampling
		kh, kw       int
		xDims        []int
		wantH, wantW int
	}{
		{Up2x, 3, 3, []int{2, 5, 5, 2}, 10, 10},
		{Up2x, 3, 3, []int{2, 4, 3, 2}, 8, 6},
		{Up2x, 1, 1, []int{2, 5, 4, 2}, 10, 8},
		{Up2x, 3, 1, []int{1, 3, 4, 2}, 6, 8},
		{Down2x, 3, 3, []int{2, 6, 4, 2}, 3, 2},
		{Down2x, 3, 3, []int{2, 4, 4, 2}, 2, 2},
		{Down2x, 3, 3, []int{1, 5, 7, 2}, 2, 3},
		{Down2x, 1, 1, []int{2, 6, 6, 2}, 3, 3},
		{NoResampling, 3, 3, []int{2, 5, 4, 2}, 5, 4},
		{NoResampling, 1, 1, []int{2, 3, 4, 2}, 3, 4},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			name := fmt.Sprintf("%s %dx%d kernel %v", tc.r, tc.kh, tc.kw, tc.xDims)
			t.Run(name, func(t *testing.T) {
				rng := newRNG(uint64(200 + i))
				x := gradcheck.RandomInput(rng, tc.xDims...)
				kernel := gradcheck.RandomInput(rng, tc.kh, tc.kw, tc.xDims[3], 3)
				conv := func(in []*Node) *Node { return ResampledConv2D(in[0], in[1], tc.r, BilinearFilter) }
				want, dims := referenceResampledConv2D(toImage(x), kernel, tc.r)
				if !equalDims(dims, []int{tc.xDims[0], tc.wantH, tc.wantW, 3}) {
					t.Fatalf("reference size %v, want %dx%d", dims, tc.wantH, tc.wantW)
				}
				assertPixelsClose(t, "ResampledConv2D", run(backend, conv, x, kernel), want, dims, 1e-12)
			})
		}
	})
}

// TestResampledConv2DFixesUpBorder documents the fix: the old up layer, Conv2D(UpsampleFIR2x(x),
// kernel, SamePadding(3)), zero-pads the upsampled image, while conv2d_resample pads once before
// the filter, so its 1-pixel border also sees the filter's tails. Both agree inside, once the
// kernel is flipped (the old layer cross-correlates, Up2x convolves).
func TestResampledConv2DFixesUpBorder(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		rng := newRNG(220)
		x := gradcheck.RandomInput(rng, 2, 5, 4, 2)
		kernel := gradcheck.RandomInput(rng, 3, 3, 2, 3)
		old := toImage(run(backend, func(in []*Node) *Node {
			return Conv2D(UpsampleFIR2x(in[0], BilinearFilter), in[1], SamePadding(3))
		}, x, kernel))
		fixed := toImage(run(backend, func(in []*Node) *Node {
			return ResampledConv2D(in[0], in[1], Up2x, BilinearFilter)
		}, x, flipKernel(kernel)))
		for n := range old.b {
			for y := range old.h {
				for xx := range old.w {
					for c := range old.c {
						d := math.Abs(old.at(n, y, xx, c) - fixed.at(n, y, xx, c))
						if border := isBorder(y, xx, old.h, old.w); border && d < 1e-6 {
							t.Errorf("border pixel (n=%d, y=%d, x=%d, c=%d): old %.15g = new %.15g, want them to differ",
								n, y, xx, c, old.at(n, y, xx, c), fixed.at(n, y, xx, c))
						} else if !border && d > 1e-12 {
							t.Errorf("interior pixel (n=%d, y=%d, x=%d, c=%d): old %.15g, new %.15g, want them equal",
								n, y, xx, c, old.at(n, y, xx, c), fixed.at(n, y, xx, c))
						}
					}
				}
			}
		}
	})
}

// TestResampledConv2DGradients checks the resampling convolutions to second order with respect
// to both x and kernel (the second order of a bilinear op is its cross term).
func TestResampledConv2DGradients(t *testing.T) {
	cases := []struct {
		r     Resampling
		xDims []int
	}{
		{Up2x, []int{2, 3, 3, 2}},
		{Down2x, []int{2, 4, 4, 2}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.r.String(), func(t *testing.T) {
				rng := newRNG(uint64(230 + i))
				x := gradcheck.RandomInput(rng, tc.xDims...)
				kernel := gradcheck.RandomInput(rng, 3, 3, 2, 2)
				conv := func(in []*Node) *Node { return ResampledConv2D(in[0], in[1], tc.r, BilinearFilter) }
				gradcheck.Check(t, backend, conv, []*tensors.Tensor{x, kernel}, gradcheck.Options{})
			})
		}
	})
}

func TestResampledConv2DEvenKernelPanics(t *testing.T) {
	msg := panicMessage(t, gradcheck.PureGo(), []int{1, 4, 4, 2}, func(x *Node) {
		ResampledConv2D(x, Zeros(x.Graph(), shapes.Make(dtypes.Float64, 2, 2, 2, 1)), Up2x, BilinearFilter)
	})
	assertContains(t, "panic", msg, "ResampledConv2D", "2x2", "odd")
}
