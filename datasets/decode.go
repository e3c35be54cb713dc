package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers the JPEG decoder with image.Decode
	_ "image/png"  // registers the PNG decoder with image.Decode
	"os"
	"sync"
)

// maxImagePixels bounds the size a header may claim (64 megapixels, 256 MiB decoded), so a
// forged or corrupt header cannot make the decoder exhaust memory.
const maxImagePixels = 1 << 26

// background is the grey level (R = G = B) that transparent pixels are composited onto: white,
// as the emoji and other RGBA artwork appear on a light page. A GAN trained on them learns a
// white background.
const background = 255

// target is the sample format images are decoded into.
type target struct {
	resolution   int
	channels     int
	allowUpscale bool
}

func targetOf(opts *Options) target {
	return target{resolution: opts.Resolution, channels: opts.Channels, allowUpscale: opts.AllowUpscale}
}

// checkImageHeader reads just the header of a PNG or JPEG file and checks that it can become
// a sample of t, so that unusable files are found when a data set is opened, not mid-training.
func checkImageHeader(r *bufio.Reader, t target) error {
	magic, _ := r.Peek(len(pngMagic))
	sniffed := formatOf(magic) // before the decoder consumes the bytes
	config, format, err := image.DecodeConfig(r)
	if err != nil {
		return describeDecodeError(err, sniffed)
	}
	return checkImageSize(config.Width, config.Height, format, t)
}

// pngMagic and jpegMagic start every PNG and JPEG file; they name the format in errors about
// files too damaged for the decoders to say.
const (
	pngMagic  = "\x89PNG\r\n\x1a\n"
	jpegMagic = "\xff\xd8"
)

func formatOf(start []byte) string {
	switch {
	case bytes.HasPrefix(start, []byte(pngMagic)):
		return "png"
	case bytes.HasPrefix(start, []byte(jpegMagic)):
		return "jpeg"
	}
	return "the"
}

func checkImageSize(width, height int, format string, t target) error {
	if int64(width)*int64(height) > maxImagePixels {
		return fmt.Errorf("%s image is %dx%d, over the %d-megapixel limit: shrink it first", format, width, height, maxImagePixels>>20)
	}
	if side := min(width, height); side < t.resolution && !t.allowUpscale {
		return fmt.Errorf("%s image is %dx%d, so its square center crop (%dx%d) is smaller than Options.Resolution %d: "+
			"lower the resolution, set Options.AllowUpscale (gandata -upscale), or remove the file",
			format, width, height, side, side, t.resolution)
	}
	return nil
}

// describeDecodeError turns an image package error into one that says what is wrong and what to do.
func describeDecodeError(err error, format string) error {
	if errors.Is(err, image.ErrFormat) {
		return errors.New("not a PNG or JPEG image (unrecognised contents): remove the file or convert it to PNG")
	}
	return fmt.Errorf("%s image is truncated or corrupt (%v): re-export or remove the file", format, err)
}

// rgbaPool recycles the composited crops, the largest allocation of a decode.
var rgbaPool sync.Pool

// decodeImage decodes a PNG or JPEG file (any bit depth; gray, paletted, RGB or with alpha)
// into dst, a t.resolution x t.resolution x t.channels sample: the largest centered square is
// cropped, transparent pixels are composited onto Background, and the crop is resized with the
// box filter.
func decodeImage(data []byte, t target, dst []uint8) error {
	config, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return describeDecodeError(err, formatOf(data))
	}
	if err := checkImageSize(config.Width, config.Height, format, t); err != nil {
		return err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return describeDecodeError(err, format)
	}
	bounds := img.Bounds()
	side := min(bounds.Dx(), bounds.Dy())
	cropOrigin := image.Point{
		X: bounds.Min.X + (bounds.Dx()-side)/2,
		Y: bounds.Min.Y + (bounds.Dy()-side)/2,
	}

	pooled, _ := rgbaPool.Get().(*[]uint8)
	if pooled == nil || cap(*pooled) < 4*side*side {
		buffer := make([]uint8, 4*side*side)
		pooled = &buffer
	}
	defer rgbaPool.Put(pooled)
	crop := &image.RGBA{Pix: (*pooled)[:4*side*side], Stride: 4 * side, Rect: image.Rect(0, 0, side, side)}
	for i := 0; i < len(crop.Pix); i += 4 {
		crop.Pix[i], crop.Pix[i+1], crop.Pix[i+2], crop.Pix[i+3] = background, background, background, 255
	}
	draw.Draw(crop, crop.Rect, img, cropOrigin, draw.Over)

	if t.channels == 3 {
		resizeBox(crop.Pix, side, 4, 3, dst, t.resolution)
	} else {
		rgb := make([]uint8, t.resolution*t.resolution*3)
		resizeBox(crop.Pix, side, 4, 3, rgb, t.resolution)
		toChannels(rgb, 3, dst, 1)
	}
	return nil
}

// ReadImage reads one PNG or JPEG file as a training sample of the given resolution and
// channels would be (centre crop, transparency on white, box resize; smaller crops enlarged
// only with allowUpscale): values in [-1, 1], [resolution, resolution, channels] row-major. A
// projection's target goes through it, so a real image meets the generator as its data did.
func ReadImage(path string, resolution, channels int, allowUpscale bool) ([]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sample := make([]uint8, resolution*resolution*channels)
	if err := decodeImage(data, target{resolution: resolution, channels: channels, allowUpscale: allowUpscale}, sample); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]float32, len(sample))
	for i, v := range sample {
		out[i] = byteToUnit[v]
	}
	return out, nil
}
