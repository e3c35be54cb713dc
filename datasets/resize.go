package datasets

import (
	"math"
	"sync"
)

// boxTaps holds, for one axis resampled from in to out pixels, the source pixels each output
// pixel covers and the fraction of the output pixel each one covers (weights sum to 1). This is
// the area (box) filter: downsampling by an integer factor k averages k x k blocks exactly;
// fractional factors weight partially covered pixels by their overlap; upsampling repeats pixels
// (blending the two neighbours where an output pixel straddles a source edge).
type boxTaps struct {
	first   []int
	weights [][]float32
}

// boxTapsCache holds the taps per (in, out) pair; a data set uses few pairs, computed once.
var boxTapsCache sync.Map

func taps(in, out int) *boxTaps {
	key := [2]int{in, out}
	if cached, ok := boxTapsCache.Load(key); ok {
		return cached.(*boxTaps)
	}
	t := &boxTaps{first: make([]int, out), weights: make([][]float32, out)}
	scale := float64(in) / float64(out)
	for o := range out {
		lo, hi := float64(o)*scale, float64(o+1)*scale
		first := int(math.Floor(lo))
		last := min(in, int(math.Ceil(hi))) // exclusive
		t.first[o] = first
		for i := first; i < last; i++ {
			overlap := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			t.weights[o] = append(t.weights[o], float32(overlap/scale))
		}
	}
	cached, _ := boxTapsCache.LoadOrStore(key, t)
	return cached.(*boxTaps)
}

// resizeBox resamples a side x side image of interleaved pixels, stride bytes apart (the first
// channels bytes of each are used), to an out x out x channels image in dst, with the box filter
// applied separably (rows, then columns).
func resizeBox(src []uint8, side, stride, channels int, dst []uint8, out int) {
	if side == out && stride == channels {
		copy(dst, src[:side*side*channels])
		return
	}
	if side == out {
		for i := range side * side {
			copy(dst[i*channels:(i+1)*channels], src[i*stride:])
		}
		return
	}
	if side%out == 0 {
		averageBlocks(src, side, stride, channels, dst, out)
		return
	}
	resizeWeighted(src, side, stride, channels, dst, out)
}

// resizeWeighted is resizeBox for any pair of sizes: rows, then columns, weighted by the taps.
func resizeWeighted(src []uint8, side, stride, channels int, dst []uint8, out int) {
	horizontal, vertical := taps(side, out), taps(side, out)
	// rows holds every source row resampled horizontally: side x out x channels.
	rows := make([]float32, side*out*channels)
	for y := range side {
		srcRow := src[y*side*stride:]
		dstRow := rows[y*out*channels:]
		for o := range out {
			base := horizontal.first[o] * stride
			for c := range channels {
				var sum float32
				for k, w := range horizontal.weights[o] {
					sum += w * float32(srcRow[base+k*stride+c])
				}
				dstRow[o*channels+c] = sum
			}
		}
	}
	rowLen := out * channels
	sums := make([]float32, rowLen)
	for oy := range out {
		clear(sums)
		first := vertical.first[oy]
		for k, w := range vertical.weights[oy] {
			row := rows[(first+k)*rowLen : (first+k+1)*rowLen]
			for j, v := range row {
				sums[j] += w * v
			}
		}
		dstRow := dst[oy*rowLen : (oy+1)*rowLen]
		for j, v := range sums {
			dstRow[j] = roundToByte(v)
		}
	}
}

// averageBlocks is resizeBox for an integer factor: each output pixel is the mean of a
// factor x factor block, summed exactly in integers (twice as fast as the weighted path on
// photos, the common case of power-of-two sources).
func averageBlocks(src []uint8, side, stride, channels int, dst []uint8, out int) {
	factor := side / out
	area := uint32(factor * factor)
	sums := make([]uint32, out*channels)
	for oy := range out {
		clear(sums)
		for y := oy * factor; y < (oy+1)*factor; y++ {
			row := src[y*side*stride : (y+1)*side*stride]
			for ox := range out {
				block := row[ox*factor*stride : (ox+1)*factor*stride]
				for c := range channels {
					var sum uint32
					for k := c; k < len(block); k += stride {
						sum += uint32(block[k])
					}
					sums[ox*channels+c] += sum
				}
			}
		}
		dstRow := dst[oy*out*channels : (oy+1)*out*channels]
		for j, sum := range sums {
			dstRow[j] = uint8((sum + area/2) / area)
		}
	}
}

func roundToByte(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// toChannels converts interleaved pixels between 1 and 3 channels (or copies when equal).
// RGB to gray uses the ITU-R 601 luma weights of image/color's GrayModel.
func toChannels(src []uint8, srcChannels int, dst []uint8, dstChannels int) {
	switch {
	case srcChannels == dstChannels:
		copy(dst, src)
	case dstChannels == 1:
		for i := range dst {
			r, g, b := uint32(src[3*i]), uint32(src[3*i+1]), uint32(src[3*i+2])
			dst[i] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		}
	default:
		for i, v := range src {
			dst[3*i], dst[3*i+1], dst[3*i+2] = v, v, v
		}
	}
}

// convertSample converts one stored sample to another resolution and channel count.
func convertSample(src []uint8, srcRes, srcChannels int, dst []uint8, dstRes, dstChannels int) {
	switch {
	case srcRes == dstRes:
		toChannels(src, srcChannels, dst, dstChannels)
	case srcChannels == dstChannels:
		resizeBox(src, srcRes, srcChannels, srcChannels, dst, dstRes)
	default:
		resized := make([]uint8, dstRes*dstRes*srcChannels)
		resizeBox(src, srcRes, srcChannels, srcChannels, resized, dstRes)
		toChannels(resized, srcChannels, dst, dstChannels)
	}
}
