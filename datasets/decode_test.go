package datasets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"
)

func decodeOrFail(t *testing.T, data []byte, tg target) []uint8 {
	t.Helper()
	dst := make([]uint8, tg.resolution*tg.resolution*tg.channels)
	if err := decodeImage(data, tg, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestDecodeGrayPNGExact(t *testing.T) {
	img := grayRamp(4, 4, 13)
	data := encodePNG(t, img)
	if got := decodeOrFail(t, data, target{resolution: 4, channels: 1}); !slices.Equal(got, img.Pix) {
		t.Errorf("gray 4x4 at 4x4x1 = %v, want the pixels %v", got, img.Pix)
	}
	rgb := decodeOrFail(t, data, target{resolution: 4, channels: 3})
	for i, v := range img.Pix {
		if rgb[3*i] != v || rgb[3*i+1] != v || rgb[3*i+2] != v {
			t.Fatalf("gray as RGB: pixel %d = %v, want %d three times", i, rgb[3*i:3*i+3], v)
		}
	}
}

func TestDecodeDownsamplesByBoxAverage(t *testing.T) {
	img := grayRamp(4, 4, 10) // rows: (0,40,80,120), (10,50,90,130), (20,60,100,140), (30,70,110,150) by x
	got := decodeOrFail(t, encodePNG(t, img), target{resolution: 2, channels: 1})
	// Top-left block: pixels (0,0)=0, (1,0)=40, (0,1)=10, (1,1)=50 -> 25.
	want := []uint8{25, 105, 45, 125}
	if !slices.Equal(got, want) {
		t.Errorf("4x4 ramp at 2x2 = %v, want 2x2 block means %v", got, want)
	}
}

func TestDecodeCentreCropsNonSquare(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			img.SetGray(x, y, color.Gray{Y: uint8(10 * x)})
		}
	}
	got := decodeOrFail(t, encodePNG(t, img), target{resolution: 4, channels: 1})
	for y := range 4 {
		if row := got[4*y : 4*y+4]; !slices.Equal(row, []uint8{10, 20, 30, 40}) {
			t.Errorf("6x4 image cropped to 4x4: row %d = %v, want columns 1-4 (10 20 30 40)", y, row)
		}
	}
}

func TestDecodeAlphaCompositesOnWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 0, A: 128})
	img.SetNRGBA(1, 0, color.NRGBA{R: 10, G: 20, B: 30, A: 0})
	// A 2x1 image crops to its 1x1 center, so scale it up to 2x2 without resampling across.
	wide := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	copy(wide.Pix, img.Pix)
	copy(wide.Pix[wide.Stride:], img.Pix)
	got := decodeOrFail(t, encodePNG(t, wide), target{resolution: 2, channels: 3})
	// c*a/255 + 255*(255-a)/255 with a = 128: 227.4, 177.2, 127.
	want := []uint8{227, 177, 127}
	for c := range 3 {
		if d := int(got[c]) - int(want[c]); d < -1 || d > 1 {
			t.Errorf("half-transparent (200,100,0) over white = %v, want %v within 1", got[:3], want)
			break
		}
	}
	if !slices.Equal(got[3:6], []uint8{255, 255, 255}) {
		t.Errorf("fully transparent pixel = %v, want white", got[3:6])
	}
}

func TestDecodePalettedSixteenBitAndGrayAlpha(t *testing.T) {
	paletted := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{
		color.RGBA{R: 255, A: 255}, color.NRGBA{G: 255, A: 0},
	})
	paletted.Pix = []uint8{0, 1, 1, 0}
	if got := decodeOrFail(t, encodePNG(t, paletted), target{resolution: 2, channels: 3}); !slices.Equal(got,
		[]uint8{255, 0, 0, 255, 255, 255, 255, 255, 255, 255, 0, 0}) {
		t.Errorf("paletted red/transparent = %v, want red, white, white, red", got)
	}

	deep := image.NewNRGBA64(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		deep.SetNRGBA64(i%2, i/2, color.NRGBA64{R: 0xffff, G: 0x1234, B: 0x8000, A: 0xffff})
	}
	if got := decodeOrFail(t, encodePNG(t, deep), target{resolution: 2, channels: 3}); !slices.Equal(got[:3], []uint8{0xff, 0x12, 0x80}) {
		t.Errorf("16-bit (ffff,1234,8000) = %v, want the high bytes [255 18 128]", got[:3])
	}

	gray16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	gray16.SetGray16(0, 0, color.Gray16{Y: 0xabcd})
	if got := decodeOrFail(t, encodePNG(t, gray16), target{resolution: 2, channels: 1}); got[0] != 0xab || got[1] != 0 {
		t.Errorf("16-bit gray 0xabcd, 0 = %v, want [171 0 ...]", got)
	}

	// Gray with alpha is stored as NRGBA by the PNG decoder: 100 at alpha 51 -> 100*0.2 + 255*0.8 = 224.
	grayAlpha := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		grayAlpha.SetNRGBA(i%2, i/2, color.NRGBA{R: 100, G: 100, B: 100, A: 51})
	}
	if got := decodeOrFail(t, encodePNG(t, grayAlpha), target{resolution: 2, channels: 1}); got[0] < 223 || got[0] > 225 {
		t.Errorf("gray 100 at alpha 0.2 over white = %d, want 224 within 1", got[0])
	}
}

func TestDecodeJPEG(t *testing.T) {
	solid := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(solid.Pix); i += 4 {
		copy(solid.Pix[i:], []uint8{200, 60, 30, 255})
	}
	got := decodeOrFail(t, encodeJPEG(t, solid, 95), target{resolution: 8, channels: 3})
	for i, v := range got {
		if want := []int{200, 60, 30}[i%3]; int(v) < want-4 || int(v) > want+4 {
			t.Fatalf("solid (200,60,30) JPEG: value %d = %d, want %d within 4", i, v, want)
		}
	}
}

func TestDecodeUpscaleOnlyWhenAllowed(t *testing.T) {
	data := encodePNG(t, grayRamp(2, 2, 50)) // 0, 50 / 100, 150 by x
	err := decodeImage(data, target{resolution: 4, channels: 1}, make([]uint8, 16))
	if err == nil || !strings.Contains(err.Error(), "2x2") || !strings.Contains(err.Error(), "AllowUpscale") {
		t.Fatalf("2x2 image at 4x4: error %v, want one giving the size and naming Options.AllowUpscale", err)
	}
	got := decodeOrFail(t, data, target{resolution: 4, channels: 1, allowUpscale: true})
	want := []uint8{0, 0, 100, 100, 0, 0, 100, 100, 50, 50, 150, 150, 50, 50, 150, 150}
	if !slices.Equal(got, want) {
		t.Errorf("2x2 upscaled to 4x4 = %v, want each pixel repeated 2x2 %v", got, want)
	}
}

// pngWithSize returns a PNG header (signature and IHDR with a valid CRC) claiming the given size.
func pngWithSize(width, height uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, no interlace
	data := []byte("\x89PNG\r\n\x1a\n")
	data = binary.BigEndian.AppendUint32(data, 13)
	data = append(data, ihdr...)
	return binary.BigEndian.AppendUint32(data, crc32.ChecksumIEEE(ihdr))
}

// malformedImages are the bad inputs of the decoder tests and the fuzz seed corpus.
func malformedImages(t testing.TB) map[string][]byte {
	goodPNG := encodePNG(t, colorPattern(16, 16, 1))
	goodJPEG := encodeJPEG(t, colorPattern(16, 16, 2), 90)
	corruptPNG := slices.Clone(goodPNG)
	corruptPNG[len(corruptPNG)/2] ^= 0xff // inside the compressed data: the CRC check fails
	corruptJPEG := slices.Clone(goodJPEG)
	start := bytes.Index(corruptJPEG, []byte{0xff, 0xda}) // start of scan
	for i := start + 14; i < len(corruptJPEG)-2; i += 3 {
		corruptJPEG[i] = 0xff // marker bytes in the middle of entropy-coded data
	}
	return map[string][]byte{
		"empty":           nil,
		"text":            []byte("this is a text file, not a picture\n"),
		"truncated PNG":   goodPNG[:len(goodPNG)*2/3],
		"corrupt PNG":     corruptPNG,
		"truncated JPEG":  goodJPEG[:len(goodJPEG)/2],
		"corrupt JPEG":    corruptJPEG,
		"huge PNG header": pngWithSize(100000, 100000),
		"empty PNG":       pngWithSize(0, 0),
		"PNG header only": pngWithSize(16, 16),
	}
}

func TestDecodeRejectsMalformedWithClearErrors(t *testing.T) {
	wantErrors := map[string]string{
		"empty":           "not a PNG or JPEG",
		"text":            "not a PNG or JPEG",
		"truncated PNG":   "png image is truncated or corrupt",
		"corrupt PNG":     "png image is truncated or corrupt",
		"truncated JPEG":  "jpeg image is truncated or corrupt",
		"corrupt JPEG":    "jpeg image is truncated or corrupt",
		"huge PNG header": "100000x100000, over the 64-megapixel limit",
		"empty PNG":       "non-positive dimension",
		"PNG header only": "png image is truncated or corrupt",
	}
	for name, data := range malformedImages(t) {
		err := decodeImage(data, target{resolution: 8, channels: 3}, make([]uint8, 8*8*3))
		if err == nil || !strings.Contains(err.Error(), wantErrors[name]) {
			t.Errorf("%s: error %v, want one containing %q", name, err, wantErrors[name])
		}
	}
}

// FuzzDecodeImage checks that no file makes the decoder panic, and what it decodes:
//   - it passes the header check used when a data set is opened, and decodes the same twice;
//   - at the crop's own size (no resampling) its pixels are the standard library's decoding of
//     the file composited over white, within one grey level;
//   - a grey image (R = G = B everywhere) decodes to three equal channels;
//   - the one-channel decoding is the luma of the three-channel one.
//
// Run it for a bounded time with:
//
//	go test ./datasets -run '^$' -fuzz FuzzDecodeImage -fuzztime 20s
func FuzzDecodeImage(f *testing.F) {
	f.Add(encodePNG(f, colorPattern(8, 8, 3)))
	f.Add(encodePNG(f, grayRamp(5, 9, 7)))
	f.Add(encodeJPEG(f, colorPattern(16, 8, 4), 75))
	translucent := image.NewNRGBA(image.Rect(0, 0, 6, 6))
	for i := range translucent.Pix {
		translucent.Pix[i] = uint8(37 * i)
	}
	f.Add(encodePNG(f, translucent))
	for _, data := range malformedImages(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decoded := map[target][]uint8{}
		for _, tg := range []target{{resolution: 4, channels: 3, allowUpscale: true}, {resolution: 4, channels: 1, allowUpscale: true}, {resolution: 8, channels: 1}} {
			first := make([]uint8, tg.resolution*tg.resolution*tg.channels)
			if err := decodeImage(data, tg, first); err != nil {
				continue
			}
			if err := checkImageHeader(bufio.NewReader(bytes.NewReader(data)), tg); err != nil {
				t.Fatalf("decoded, yet the header check fails: %v", err)
			}
			second := make([]uint8, len(first))
			if err := decodeImage(data, tg, second); err != nil || !slices.Equal(first, second) {
				t.Fatalf("decoding twice differs (second error %v)", err)
			}
			decoded[tg] = first
		}
		rgb, grey := decoded[target{resolution: 4, channels: 3, allowUpscale: true}], decoded[target{resolution: 4, channels: 1, allowUpscale: true}]
		if rgb == nil {
			return
		}
		if grey == nil {
			t.Fatal("decoded to 3 channels but not to 1 at the same size")
		}
		for i, v := range grey {
			r, g, b := uint32(rgb[3*i]), uint32(rgb[3*i+1]), uint32(rgb[3*i+2])
			if luma := uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16); v != luma {
				t.Fatalf("pixel %d: grey %d, but the RGB decoding %v has luma %d", i, v, rgb[3*i:3*i+3], luma)
			}
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decoded, yet the standard library's decoder fails: %v", err)
		}
		reference, side := compositedOverWhite(img)
		if isGrey(reference) {
			for i := 0; i < len(rgb); i += 3 {
				if rgb[i] != rgb[i+1] || rgb[i] != rgb[i+2] {
					t.Fatalf("a grey image decoded to unequal channels at pixel %d: %v", i/3, rgb[i:i+3])
				}
			}
		}
		if side > 64 {
			return
		}
		native := decodeOrFail(t, data, target{resolution: side, channels: 3})
		for i, want := range reference {
			if d := int(native[i]) - int(want); d < -1 || d > 1 {
				t.Fatalf("%dx%d crop, pixel %d channel %d = %d, the standard library's decoding over white %d",
					side, side, i/3, i%3, native[i], want)
			}
		}
	})
}

// compositedOverWhite is the image's largest centered square, each pixel put over white with
// the standard library's premultiplied colours (c + (1 - alpha) * white), as 8-bit RGB.
func compositedOverWhite(img image.Image) ([]uint8, int) {
	bounds := img.Bounds()
	side := min(bounds.Dx(), bounds.Dy())
	x0, y0 := bounds.Min.X+(bounds.Dx()-side)/2, bounds.Min.Y+(bounds.Dy()-side)/2
	out := make([]uint8, 0, 3*side*side)
	for y := range side {
		for x := range side {
			r, g, b, a := img.At(x0+x, y0+y).RGBA()
			for _, c := range []uint32{r, g, b} {
				out = append(out, uint8((c+0xffff-a)>>8))
			}
		}
	}
	return out, side
}

func isGrey(rgb []uint8) bool {
	for i := 0; i < len(rgb); i += 3 {
		if rgb[i] != rgb[i+1] || rgb[i] != rgb[i+2] {
			return false
		}
	}
	return true
}
