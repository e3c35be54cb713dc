package ops

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// referenceModulatedConv2D builds StyleGAN2's explicit per-sample kernel
//
//	w''_ijk = s_i w_ijk / sqrt(sum_{i,k} (s_i w_ijk)^2 + 1e-8)
//
// (i input channel, j output channel, k kernel position; just s_i w_ijk without demodulation)
// and convolves each sample with its own kernel, resampled as referenceResampledConv2D.
func referenceModulatedConv2D(x image, kernel, styles *tensors.Tensor, demodulate bool, r Resampling) ([]float64, []int) {
	kd := kernel.Shape().Dimensions
	kh, kw, cin, cout := kd[0], kd[1], kd[2], kd[3]
	w := tensors.MustCopyFlatData[float64](kernel)
	s := tensors.MustCopyFlatData[float64](styles)
	var out []float64
	var dims []int
	for n := range x.b {
		modulated := make([]float64, len(w))
		for k := range kh * kw {
			for i := range cin {
				for j := range cout {
					idx := (k*cin+i)*cout + j
					modulated[idx] = s[n*cin+i] * w[idx]
				}
			}
		}
		if demodulate {
			for j := range cout {
				var sumSquares float64
				for k := range kh * kw {
					for i := range cin {
						v := modulated[(k*cin+i)*cout+j]
						sumSquares += v * v
					}
				}
				scale := 1 / math.Sqrt(sumSquares+1e-8)
				for k := range kh * kw {
					for i := range cin {
						modulated[(k*cin+i)*cout+j] *= scale
					}
				}
			}
		}
		sampleSize := x.h * x.w * x.c
		sample := image{1, x.h, x.w, x.c, x.v[n*sampleSize : (n+1)*sampleSize]}
		y, yDims := referenceResampledConv2D(sample, fromFlat(modulated, kd...), r)
		out = append(out, y...)
		dims = []int{x.b, yDims[1], yDims[2], yDims[3]}
	}
	return out, dims
}

func TestModulatedConv2D(t *testing.T) {
	cases := []struct {
		r          Resampling
		demodulate bool
		xDims      []int
		gradients  bool
	}{
		{NoResampling, true, []int{2, 4, 3, 3}, true},
		{NoResampling, false, []int{2, 4, 3, 3}, true},
		{Up2x, true, []int{2, 3, 2, 3}, true},
		{Up2x, false, []int{2, 3, 2, 3}, false},
		{Down2x, true, []int{2, 4, 6, 3}, false},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			name := tc.r.String() + " modulate only"
			if tc.demodulate {
				name = tc.r.String() + " demodulate"
			}
			t.Run(name, func(t *testing.T) {
				rng := newRNG(uint64(80 + i))
				x := gradcheck.RandomInput(rng, tc.xDims...)
				kernel := gradcheck.RandomInput(rng, 3, 3, 3, 2)
				styles := gradcheck.RandomInput(rng, 2, 3)
				modconv := func(in []*Node) *Node { return ModulatedConv2D(in[0], in[1], in[2], tc.demodulate, tc.r) }
				want, dims := referenceModulatedConv2D(toImage(x), kernel, styles, tc.demodulate, tc.r)
				assertPixelsClose(t, "ModulatedConv2D", run(backend, modconv, x, kernel, styles), want, dims, 1e-13)
				if tc.gradients {
					gradcheck.Check(t, backend, modconv, []*tensors.Tensor{x, kernel, styles}, gradcheck.Options{})
				}
			})
		}
	})
}
