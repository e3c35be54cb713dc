package ops

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// DemodulationEpsilon is StyleGAN2's epsilon in the demodulation square root.
const DemodulationEpsilon = 1e-8

// ModulatedConv2D is StyleGAN2's modulated convolution of x [B, H, W, Cin] with a kernel
// [k, k, Cin, Cout] shared by the batch and per-sample styles [B, Cin], resampled as
// ResampledConv2D with BilinearFilter (Up2x for a block's first synthesis layer):
//
//	w'_ijk = s_i w_ijk,   w''_ijk = w'_ijk / sqrt(sum_{i,k} w'_ijk^2 + 1e-8)  (if demodulate)
//
// computed without per-sample kernels, as the paper's equivalent form: scale the input channels
// by s, convolve with the shared kernel, scale each output channel by 1/sigma_j, where
// sigma_j^2 = sum_i s_i^2 sum_k w_ijk^2 + 1e-8 is one matrix product. The scalings commute with
// the per-channel resampling filter, and sigma does not depend on the kernel's orientation, so
// this equals the per-sample kernels of the reference in every resampling mode. toRGB layers use
// demodulate=false.
func ModulatedConv2D(x, kernel, styles *Node, demodulate bool, resampling Resampling) *Node {
	checkImage("ModulatedConv2D", x)
	b, _, _, cin := imageDims(x)
	if styles.Rank() != 2 || styles.Shape().Dimensions[0] != b || styles.Shape().Dimensions[1] != cin {
		panic(errors.Errorf("ops.ModulatedConv2D: styles %s must be [batch=%d, inChannels=%d] for x %s", styles.Shape(), b, cin, x.Shape()))
	}
	y := ResampledConv2D(Mul(x, Reshape(styles, b, 1, 1, cin)), kernel, resampling, BilinearFilter)
	if !demodulate {
		return y
	}
	kernelEnergy := ReduceSum(Square(kernel), 0, 1) // [Cin, Cout]
	sigmaSquare := DotGeneral(Square(styles), []int{1}, nil, kernelEnergy, []int{0}, nil)
	demod := Rsqrt(AddScalar(sigmaSquare, DemodulationEpsilon)) // [B, Cout]
	cout := kernel.Shape().Dimensions[3]
	return Mul(y, Reshape(demod, b, 1, 1, cout))
}
