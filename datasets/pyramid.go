package datasets

import (
	"fmt"
	"slices"
)

// Data-side transforms of progressive and multi-scale GANs, computed on the host in one pass
// over the batch each.

// checkShape verifies that b.Images matches b.Shape and that the images can be halved.
func checkShape(b Batch, operation string) error {
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	if n < 1 || h < 1 || w < 1 || c < 1 || len(b.Images) != n*h*w*c {
		return fmt.Errorf("%s: batch shape %v does not describe its %d values", operation, b.Shape, len(b.Images))
	}
	if h%2 != 0 || w%2 != 0 {
		return fmt.Errorf("%s: batch shape %v has an odd height or width, so it has no 2x2 average", operation, b.Shape)
	}
	return nil
}

// AvgPool2 halves the height and width of a batch by averaging each 2x2 block (labels are shared).
func AvgPool2(b Batch) (Batch, error) {
	if err := checkShape(b, "AvgPool2"); err != nil {
		return Batch{}, err
	}
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	out := Batch{Images: make([]float32, n*h*w*c/4), Shape: [4]int{n, h / 2, w / 2, c}, Labels: b.Labels}
	rowLen, outRowLen := w*c, w/2*c
	for row := range n * h / 2 { // output rows of all images, since an image's rows are contiguous
		top := b.Images[2*row*rowLen : (2*row+1)*rowLen]
		bottom := b.Images[(2*row+1)*rowLen : (2*row+2)*rowLen]
		dst := out.Images[row*outRowLen : (row+1)*outRowLen]
		for x := range w / 2 {
			left, right := 2*x*c, (2*x+1)*c
			for k := range c {
				dst[x*c+k] = 0.25 * (top[left+k] + top[right+k] + bottom[left+k] + bottom[right+k])
			}
		}
	}
	return out, nil
}

// Pyramid returns the batch at every resolution from minRes x minRes up to its own, lowest first,
// each level the 2x2 average of the one above: the multi-scale real input of MSG-GAN's
// discriminator. The last level is b itself, not a copy. Images must be square with a power-of-two
// side, and minRes a power of two no larger.
func Pyramid(b Batch, minRes int) ([]Batch, error) {
	res := b.Shape[1]
	if b.Shape[2] != res || res < 1 || res&(res-1) != 0 {
		return nil, fmt.Errorf("Pyramid: batch shape %v is not square with a power-of-two side", b.Shape)
	}
	if minRes < 1 || minRes > res || minRes&(minRes-1) != 0 {
		return nil, fmt.Errorf("Pyramid: minRes %d is not a power of two between 1 and the batch's resolution %d", minRes, res)
	}
	if n, c := b.Shape[0], b.Shape[3]; n < 1 || c < 1 || len(b.Images) != n*res*res*c {
		return nil, fmt.Errorf("Pyramid: batch shape %v does not describe its %d values", b.Shape, len(b.Images))
	}
	levels := []Batch{b}
	for levels[len(levels)-1].Shape[1] > minRes {
		lower, err := AvgPool2(levels[len(levels)-1])
		if err != nil {
			return nil, err
		}
		levels = append(levels, lower)
	}
	slices.Reverse(levels)
	return levels, nil
}

// FadeIn returns alpha*x + (1-alpha)*upsample_nearest(avgpool2(x)) for the batch x: ProGAN's
// real images while a new resolution fades in (alpha grows from 0, the previous resolution's
// detail, to 1, full detail). The result has x's shape and shares its labels.
func FadeIn(b Batch, alpha float32) (Batch, error) {
	if err := checkShape(b, "FadeIn"); err != nil {
		return Batch{}, err
	}
	if !(alpha >= 0 && alpha <= 1) {
		return Batch{}, fmt.Errorf("FadeIn: alpha %v is not in [0, 1]", alpha)
	}
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	out := Batch{Images: make([]float32, len(b.Images)), Shape: b.Shape, Labels: b.Labels}
	rowLen := w * c
	coarse := 0.25 * (1 - alpha) // weight of each of the 4 pixels in the blurred term
	for pair := range n * h / 2 {
		top, bottom := 2*pair*rowLen, (2*pair+1)*rowLen
		for x := range w / 2 {
			left, right := 2*x*c, (2*x+1)*c
			for k := range c {
				i00, i01, i10, i11 := top+left+k, top+right+k, bottom+left+k, bottom+right+k
				blur := coarse * (b.Images[i00] + b.Images[i01] + b.Images[i10] + b.Images[i11])
				out.Images[i00] = alpha*b.Images[i00] + blur
				out.Images[i01] = alpha*b.Images[i01] + blur
				out.Images[i10] = alpha*b.Images[i10] + blur
				out.Images[i11] = alpha*b.Images[i11] + blur
			}
		}
	}
	return out, nil
}
