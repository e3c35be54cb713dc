package ops

import (
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
	return UpFIRDn2D(x, f.normalized(2), 2, 1, (p+1)/2+1, p/2)
}

// DownsampleFIR2x halves the resolution of x [B, H, W, C] with filter f (StyleGAN2's
// downsample2d: filter, then keep every other sample).
func DownsampleFIR2x(x *Node, f FIRFilter) *Node {
	p := len(f) - 2
	return UpFIRDn2D(x, f.normalized(1), 1, 2, (p+1)/2, p/2)
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
