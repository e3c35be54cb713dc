package render

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"

	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/pkg/errors"
)

// EncodeGIF returns frames as an endlessly looping animated GIF showing each for delay
// hundredths of a second. Grey frames keep their 256 levels exactly; colour frames are
// dithered (Floyd-Steinberg) to the Plan 9 palette, GIF's 256-colour limit.
func EncodeGIF(frames []image.Image, delay int) ([]byte, error) {
	if len(frames) == 0 {
		return nil, errors.New("render: a GIF needs at least one frame")
	}
	anim := &gif.GIF{}
	for _, frame := range frames {
		b := frame.Bounds()
		var p *image.Paletted
		if grey(frame) {
			p = image.NewPaletted(b, greyPalette)
			draw.Draw(p, b, frame, b.Min, draw.Src)
		} else {
			p = image.NewPaletted(b, palette.Plan9)
			draw.FloydSteinberg.Draw(p, b, frame, b.Min)
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, delay)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return nil, errors.Wrap(err, "render: encoding GIF")
	}
	return buf.Bytes(), nil
}

var greyPalette = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{Y: uint8(i)}
	}
	return p
}()

// grey reports whether every pixel of img has equal red, green and blue.
func grey(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != g || g != bl {
				return false
			}
		}
	}
	return true
}

// WriteGIF encodes frames (EncodeGIF) and writes them to path atomically.
func WriteGIF(path string, frames []image.Image, delay int) error {
	data, err := EncodeGIF(frames, delay)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// GIFImg returns an <img> showing GIF bytes inline (an animation plays in the notebook and in
// its saved HTML), width > 0 its displayed width in CSS pixels.
func GIFImg(data []byte, alt string, width int) string { return inlineImg("gif", data, alt, width) }
