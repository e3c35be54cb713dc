package ops

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// UpsampleNearest2x repeats every pixel of x [B, H, W, C] into a 2x2 block: [B, 2H, 2W, C].
func UpsampleNearest2x(x *Node) *Node {
	checkImage("UpsampleNearest2x", x)
	b, h, w, c := imageDims(x)
	blocks := BroadcastToDims(Reshape(x, b, h, 1, w, 1, c), b, h, 2, w, 2, c)
	return Reshape(blocks, b, 2*h, 2*w, c)
}

// AvgPool2x averages non-overlapping 2x2 blocks of x [B, H, W, C] (H, W even): [B, H/2, W/2, C].
func AvgPool2x(x *Node) *Node {
	checkImage("AvgPool2x", x)
	b, h, w, c := imageDims(x)
	if h%2 != 0 || w%2 != 0 {
		panic(errors.Errorf("ops.AvgPool2x: spatial size %dx%d of %s is not even", h, w, x.Shape()))
	}
	return ReduceMean(Reshape(x, b, h/2, 2, w/2, 2, c), 2, 4)
}

// MaxPool2x takes the maximum of non-overlapping 2x2 blocks of x [B, H, W, C] (H, W even):
// [B, H/2, W/2, C], as a reduction (whose gradient every backend has; GoMLX's MaxPool gradient
// needs SelectAndScatter, which simplego lacks).
func MaxPool2x(x *Node) *Node {
	checkImage("MaxPool2x", x)
	b, h, w, c := imageDims(x)
	if h%2 != 0 || w%2 != 0 {
		panic(errors.Errorf("ops.MaxPool2x: spatial size %dx%d of %s is not even", h, w, x.Shape()))
	}
	return ReduceMax(Reshape(x, b, h/2, 2, w/2, 2, c), 2, 4)
}

// Pyramid returns the average-pooled pyramid of x from minResolution up to x's own resolution,
// coarsest first: MSG-GAN's real inputs, one per discriminator block.
func Pyramid(x *Node, minResolution int) []*Node {
	levels := []*Node{x}
	for x.Shape().Dimensions[1] > minResolution {
		x = AvgPool2x(x)
		levels = append([]*Node{x}, levels...)
	}
	return levels
}

// FIRFilter is a separable, normalized 1D filter applied along both spatial axes, as StyleGAN2's
// upfirdn2d with the outer product of the taps.
type FIRFilter []float64

// BilinearFilter is StyleGAN2's [1,3,3,1] resampling filter.
var BilinearFilter = FIRFilter{1, 3, 3, 1}

// normalized returns the taps scaled to sum to gain.
func (f FIRFilter) normalized(gain float64) []float64 {
	var sum float64
	for _, v := range f {
		sum += v
	}
	taps := make([]float64, len(f))
	for i, v := range f {
		taps[i] = v / sum * gain
	}
	return taps
}

// UpFIRDn1D implements upfirdn along one spatial axis (1 or 2) of x [B, H, W, C]: insert up-1
// zeros after every sample, pad by (padBefore, padAfter) (negative crops), convolve with taps
// (true convolution: taps are flipped), keep every down-th sample.
// Output length: (n*up + padBefore + padAfter - len(taps)) / down + 1.
func UpFIRDn1D(x *Node, axis int, taps []float64, up, down, padBefore, padAfter int) *Node {
	n := x.Shape().Dimensions[axis]
	cfg := make([]backends.PadAxis, x.Rank())
	cfg[axis] = backends.PadAxis{Start: padBefore, End: padAfter + (up - 1), Interior: up - 1}
	if cfg[axis] != (backends.PadAxis{}) {
		x = Pad(x, ScalarZero(x.Graph(), x.DType()), cfg...)
	}
	padded := n*up + padBefore + padAfter
	k := len(taps)
	if padded < k {
		panic(errors.Errorf("ops.UpFIRDn1D: axis %d of length %d (after up=%d and padding %d,%d: %d) shorter than the %d-tap filter",
			axis, n, up, padBefore, padAfter, padded, k))
	}
	outLen := (padded-k)/down + 1
	var sum *Node
	for i := range k {
		window := SliceAxis(x, axis, AxisRange(i, i+(outLen-1)*down+1).Stride(down))
		term := MulScalar(window, taps[k-1-i])
		if sum == nil {
			sum = term
		} else {
			sum = Add(sum, term)
		}
	}
	return sum
}

// UpFIRDn2D applies UpFIRDn1D with the same filter along height and width (a separable 2D filter
// equal to the outer product of the taps, as upfirdn2d).
func UpFIRDn2D(x *Node, taps []float64, up, down, padBefore, padAfter int) *Node {
	checkImage("UpFIRDn2D", x)
	x = UpFIRDn1D(x, 1, taps, up, down, padBefore, padAfter)
	return UpFIRDn1D(x, 2, taps, up, down, padBefore, padAfter)
}

// UpsampleFIR2x doubles the resolution of x [B, H, W, C] with filter f (StyleGAN2's upsample2d:
// zero insertion, then the filter with gain up^2 = 4 in 2D, 2 per axis).
func UpsampleFIR2x(x *Node, f FIRFilter) *Node {
	p := len(f) - 2
	return UpFIRDn2D(x, f.normalized(2), 2, 1, floorDiv(p+1, 2)+1, floorDiv(p, 2))
}

// DownsampleFIR2x halves the resolution of x [B, H, W, C] with filter f (StyleGAN2's
// downsample2d: filter, then keep every other sample).
func DownsampleFIR2x(x *Node, f FIRFilter) *Node {
	p := len(f) - 2
	return UpFIRDn2D(x, f.normalized(1), 1, 2, floorDiv(p+1, 2), floorDiv(p, 2))
}

// Resampling is the resolution change of ResampledConv2D: StyleGAN2's up=2 or down=2.
type Resampling int

const (
	// NoResampling keeps the resolution: a same-padded convolution.
	NoResampling Resampling = iota
	// Up2x doubles the resolution (the synthesis network's first conv of a block).
	Up2x
	// Down2x halves the resolution (the discriminator's second conv of a block and its skip).
	Down2x
)

func (r Resampling) String() string {
	switch r {
	case NoResampling:
		return "NoResampling"
	case Up2x:
		return "Up2x"
	case Down2x:
		return "Down2x"
	}
	return fmt.Sprintf("Resampling(%d)", int(r))
}

// ResampledConv2D is StyleGAN2's conv2d_resample of x [B, H, W, Cin] with kernel
// [kh, kw, Cin, Cout] (kh, kw odd) and filter f, with the arguments its layers pass (padding
// k/2, flip_weight only without upsampling). Up2x and Down2x differ from a same-padded
// convolution before or after UpsampleFIR2x/DownsampleFIR2x on the 1-pixel border: the padding
// is applied once, before the filter, so the border sees the filter's tails instead of zeros.
// With fw = len(f):
//
//   - NoResampling: Conv2D with padding (kh/2, kw/2): [B, H, W, Cout].
//   - Up2x: zero insertion, padding kh/2 + (fw+1)/2 before and kh/2 + (fw-2)/2 after, the
//     filter with gain 4, then a valid stride-1 convolution: [B, 2H, 2W, Cout]. A 1x1 kernel
//     convolves first and then runs UpsampleFIR2x (the same result, on fewer pixels).
//   - Down2x: padding kh/2 + (fw-1)/2 before and kh/2 + (fw-2)/2 after, the filter with gain 1,
//     then a valid convolution with stride 2: [B, H/2, W/2, Cout] for a 4-tap filter (odd
//     sizes round down, as in the reference). A 1x1 kernel runs DownsampleFIR2x first.
//
// Kernel orientation: our kernel[i, j, ci, co] is the reference's weight[co, ci, i, j] in every
// mode, a transpose without a spatial flip, because the kernel is flipped exactly where the
// reference flips it. With Up2x it is applied as a true convolution (flip_weight=False): tap
// (i, j) multiplies sample (kh-1-i, kw-1-j) of its window, so it equals Conv2D's
// cross-correlation with the kernel reversed along kh and kw. With NoResampling and Down2x it is
// a cross-correlation (flip_weight=True): tap (i, j) multiplies sample (i, j).
func ResampledConv2D(x, kernel *Node, resampling Resampling, f FIRFilter) *Node {
	checkImage("ResampledConv2D", x)
	if kernel.Rank() != 4 {
		panic(errors.Errorf("ops.ResampledConv2D: want kernel [kh,kw,Cin,Cout], got %s", kernel.Shape()))
	}
	kh, kw := kernel.Shape().Dimensions[0], kernel.Shape().Dimensions[1]
	if kh%2 == 0 || kw%2 == 0 {
		panic(errors.Errorf("ops.ResampledConv2D: kernel %s is %dx%d, want odd sides (the padding is k/2 on both ends)", kernel.Shape(), kh, kw))
	}
	if resampling != NoResampling && len(f) == 0 {
		panic(errors.Errorf("ops.ResampledConv2D: %s needs a filter", resampling))
	}
	fw := len(f)
	pointwise := kh == 1 && kw == 1
	switch resampling {
	case NoResampling:
		return Conv2D(x, kernel, Padding{{kh / 2, kh / 2}, {kw / 2, kw / 2}})
	case Up2x:
		if pointwise {
			return UpsampleFIR2x(Conv2D(x, kernel, Padding{}), f)
		}
		taps := f.normalized(2)
		before, after := floorDiv(fw+1, 2), floorDiv(fw-2, 2)
		x = UpFIRDn1D(x, 1, taps, 2, 1, kh/2+before, kh/2+after)
		x = UpFIRDn1D(x, 2, taps, 2, 1, kw/2+before, kw/2+after)
		return im2colConv("ResampledConv2D", x, kernel, Padding{}, 1, true)
	case Down2x:
		if pointwise {
			return Conv2D(DownsampleFIR2x(x, f), kernel, Padding{})
		}
		taps := f.normalized(1)
		before, after := floorDiv(fw-1, 2), floorDiv(fw-2, 2)
		x = UpFIRDn1D(x, 1, taps, 1, 1, kh/2+before, kh/2+after)
		x = UpFIRDn1D(x, 2, taps, 1, 1, kw/2+before, kw/2+after)
		return im2colConv("ResampledConv2D", x, kernel, Padding{}, 2, false)
	}
	panic(errors.Errorf("ops.ResampledConv2D: unknown resampling %s", resampling))
}

// floorDiv is Python's // (the reference's padding formulas): Go's / truncates toward zero,
// which differs for a 1-tap filter's negative padding.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func checkImage(op string, x *Node) {
	if x.Rank() != 4 {
		panic(errors.Errorf("ops.%s: want an image batch [B,H,W,C], got %s", op, x.Shape()))
	}
}

func imageDims(x *Node) (b, h, w, c int) {
	d := x.Shape().Dimensions
	return d[0], d[1], d[2], d[3]
}
