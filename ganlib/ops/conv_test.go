package ops

import (
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// referenceConv2D is the textbook zero-padded cross-correlation in loops.
func referenceConv2D(x image, kernel *tensors.Tensor, p Padding) ([]float64, []int) {
	kd := kernel.Shape().Dimensions
	kh, kw, cin, cout := kd[0], kd[1], kd[2], kd[3]
	k := tensors.MustCopyFlatData[float64](kernel)
	outH, outW := x.h+p[0][0]+p[0][1]-kh+1, x.w+p[1][0]+p[1][1]-kw+1
	out := make([]float64, x.b*outH*outW*cout)
	for n := range x.b {
		for oy := range outH {
			for ox := range outW {
				for co := range cout {
					var sum float64
					for dy := range kh {
						for dx := range kw {
							iy, ix := oy+dy-p[0][0], ox+dx-p[1][0]
							if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w {
								continue
							}
							for ci := range cin {
								sum += x.at(n, iy, ix, ci) * k[((dy*kw+dx)*cin+ci)*cout+co]
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

func TestConv2D(t *testing.T) {
	cases := []struct {
		name    string
		kernel  int
		padding Padding
	}{
		{"3x3 same", 3, SamePadding(3)},
		{"1x1", 1, Padding{}},
		{"4x4 valid", 4, Padding{}},
		{"3x3 asymmetric", 3, Padding{{0, 2}, {1, 0}}},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rng := newRNG(uint64(i))
				x := gradcheck.RandomInput(rng, 2, 5, 4, 3)
				kernel := gradcheck.RandomInput(rng, tc.kernel, tc.kernel, 3, 2)
				conv := func(in []*Node) *Node { return Conv2D(in[0], in[1], tc.padding) }
				want, dims := referenceConv2D(toImage(x), kernel, tc.padding)
				assertClose(t, "Conv2D", run(backend, conv, x, kernel), want, dims, 1e-12)
				gradcheck.Check(t, backend, conv, []*tensors.Tensor{x, kernel}, gradcheck.Options{})
			})
		}
	})
}

// TestConv2DStrided compares with the stride-1 loop reference kept at every stride-th position.
func TestConv2DStrided(t *testing.T) {
	cases := []struct {
		name    string
		kernel  int
		padding Padding
		stride  int
	}{
		{"3x3 same stride 2", 3, SamePadding(3), 2},
		{"3x3 valid stride 2", 3, Padding{}, 2},
		{"1x1 stride 2", 1, Padding{}, 2},
		{"2x2 asymmetric stride 3", 2, Padding{{1, 0}, {0, 2}}, 3},
		{"3x3 same stride 1", 3, SamePadding(3), 1},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rng := newRNG(uint64(60 + i))
				x := gradcheck.RandomInput(rng, 2, 5, 6, 3)
				kernel := gradcheck.RandomInput(rng, tc.kernel, tc.kernel, 3, 2)
				conv := func(in []*Node) *Node { return Conv2DStrided(in[0], in[1], tc.padding, tc.stride) }
				dense, dd := referenceConv2D(toImage(x), kernel, tc.padding)
				outH, outW := (dd[1]-1)/tc.stride+1, (dd[2]-1)/tc.stride+1
				var want []float64
				for n := range dd[0] {
					for y := range outH {
						for xx := range outW {
							start := ((n*dd[1]+y*tc.stride)*dd[2] + xx*tc.stride) * dd[3]
							want = append(want, dense[start:start+dd[3]]...)
						}
					}
				}
				assertClose(t, "Conv2DStrided", run(backend, conv, x, kernel), want, []int{dd[0], outH, outW, dd[3]}, 1e-12)
				gradcheck.Check(t, backend, conv, []*tensors.Tensor{x, kernel}, gradcheck.Options{})
			})
		}
	})
}
