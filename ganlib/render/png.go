package render

import (
	"image"

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
