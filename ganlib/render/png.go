package render

import (
	"image"
	"image/draw"
	"image/png"
	"os"

	"github.com/pkg/errors"

	"github.com/ganlab/gogan/ganlib/atomicfile"
)

// WritePNG encodes img and writes it to path atomically.
func WritePNG(path string, img image.Image) error {
	data, err := EncodePNG(img)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// ReadPNG decodes a PNG file into RGBA (e.g. a saved sample grid, to compare snapshots).
func ReadPNG(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "render: reading PNG")
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, errors.Wrapf(err, "render: decoding %s", path)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba, nil
}
