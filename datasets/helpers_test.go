package datasets

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// openOrSkip opens a data set, skipping the test when a packaged data set is not installed (the
// error names the install command) and failing it on any other error.
func openOrSkip(t testing.TB, spec string, opts Options) *Dataset {
	t.Helper()
	d, err := Open(spec, opts)
	if errors.Is(err, ErrNotInstalled) {
		t.Skipf("%s is not installed, install it with `bash scripts/setup-data.sh`: %v", spec, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func mustOpen(t testing.TB, spec string, opts Options) *Dataset {
	t.Helper()
	d, err := Open(spec, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// unit converts a stored byte to the served float, as the loaders do.
func unit(v uint8) float32 { return float32(v)/127.5 - 1 }

func near(a, b, tolerance float32) bool { return math.Abs(float64(a-b)) <= float64(tolerance) }

// pixel returns channel c of pixel (x, y) of image i of a batch.
func pixel(b Batch, i, x, y, c int) float32 {
	_, h, w, ch := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	return b.Images[((i*h+y)*w+x)*ch+c]
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// grayRamp is a w x h gray image whose pixel (x, y) is (x*w+y)*step mod 256, so every pixel
// of small images is distinct.
func grayRamp(w, h, step int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: uint8((x*w + y) * step % 256)})
		}
	}
	return img
}

// colorPattern is a w x h RGB image with smooth gradients and a diagonal band, like a photo
// as far as the codecs are concerned; seed shifts it.
func colorPattern(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			band := uint8(0)
			if (x+y+seed)%(w/2+1) < w/8+1 {
				band = 90
			}
			img.SetRGBA(x, y, color.RGBA{
				R: uint8(x*255/w) ^ band,
				G: uint8(y*255/h + seed*37),
				B: uint8((x + y + seed*11) * 255 / (w + h)),
				A: 255,
			})
		}
	}
	return img
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
