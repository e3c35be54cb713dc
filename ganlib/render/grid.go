// Package render turns generated images into pictures: PNG grids for files, snapshots and
// notebooks.
package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// Images is a host batch of images [B, H, W, C] (C = 1 or 3) with values in [-1, 1].
type Images struct {
	Batch, Height, Width, Channels int
	Pixels                         []float32
}

// FromTensor copies a float32 or float64 tensor [B, H, W, C] into Images.
func FromTensor(t *tensors.Tensor) (Images, error) {
	d := t.Shape().Dimensions
	if len(d) != 4 || (d[3] != 1 && d[3] != 3) {
		return Images{}, errors.Errorf("render: want images [B,H,W,1 or 3], got %s", t.Shape())
	}
	im := Images{Batch: d[0], Height: d[1], Width: d[2], Channels: d[3]}
	switch t.DType() {
	case dtypes.Float32:
		im.Pixels = tensors.MustCopyFlatData[float32](t)
	case dtypes.Float64:
		for _, v := range tensors.MustCopyFlatData[float64](t) {
			im.Pixels = append(im.Pixels, float32(v))
		}
	default:
		return Images{}, errors.Errorf("render: images must be float32 or float64, got %s", t.Shape())
	}
	return im, nil
}

// gap is the grey border between tiles, in pixels.
const gap = 2

var gapColor = color.RGBA{128, 128, 128, 255}

// SampleGrid tiles the first rows*columns images of a batch (fewer if the batch is smaller).
func SampleGrid(im Images, columns, rows int) *image.RGBA {
	n := min(im.Batch, columns*rows)
	columns = min(columns, n)
	rows = (n + columns - 1) / columns
	dst := canvas(columns, rows, im.Width, im.Height)
	for i := range n {
		drawTile(dst, i%columns, i/columns, im.Width, im.Height, im, i)
	}
	return dst
}

// ScaleGrid shows multi-scale outputs (MSG-GAN's o_i, coarsest first): one row per sample (the
// first samples of the batch), one column per resolution, every tile scaled up by nearest
// neighbour to the largest resolution.
func ScaleGrid(scales []Images, samples int) *image.RGBA {
	largest := scales[len(scales)-1]
	samples = min(samples, largest.Batch)
	dst := canvas(len(scales), samples, largest.Width, largest.Height)
	for col, im := range scales {
		for row := range samples {
			drawTile(dst, col, row, largest.Width, largest.Height, im, row)
		}
	}
	return dst
}

// MinTile is the smallest tile side of a labelled grid: small models' images are enlarged to it.
const MinTile = 64

// labelFace is the header's font: 7x13 pixels per character, 13-pixel lines.
var labelFace = basicfont.Face7x13

// Cell is one tile of a LabelledGrid: image Index of Images, or an empty tile (nil Images).
type Cell struct {
	Images *Images
	Index  int
}

// LabelledGrid draws rows of cells as tiles of the largest image's size enlarged (nearest, by an
// integer factor) to at least minTile pixels, each image scaled to the tile, under a header: the
// title on the first line, columnLabels (if any) centred over their columns on the second;
// rowLabels (if any) sit in a left margin, centred on their rows. Without title and column
// labels there is no header (an animation's frames).
func LabelledGrid(cells [][]Cell, minTile int, title string, rowLabels, columnLabels []string) *image.RGBA {
	columns, side := 0, 1
	for _, row := range cells {
		columns = max(columns, len(row))
		for _, c := range row {
			if c.Images != nil {
				side = max(side, c.Images.Width)
			}
		}
	}
	factor := max((minTile+side-1)/side, 1)
	tile := side * factor
	body := canvas(columns, len(cells), tile, tile)
	for r, row := range cells {
		for col, c := range row {
			if c.Images != nil {
				drawTile(body, col, r, tile, tile, *c.Images, c.Index)
			}
		}
	}
	const lineHeight = 14
	margin := 0
	for _, label := range rowLabels {
		margin = max(margin, font.MeasureString(labelFace, label).Ceil()+2*gap)
	}
	lines := 0
	switch {
	case len(columnLabels) > 0:
		lines = 2
	case title != "":
		lines = 1
	}
	header := 0
	if lines > 0 {
		header = lines*lineHeight + gap
	}
	width := max(margin+body.Bounds().Dx(), font.MeasureString(labelFace, title).Ceil()+2*gap)
	dst := image.NewRGBA(image.Rect(0, 0, width, header+body.Bounds().Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(gapColor), image.Point{}, draw.Src)
	draw.Draw(dst, body.Bounds().Add(image.Pt(margin, header)), body, image.Point{}, draw.Src)
	text := func(s string, x, y int) {
		d := font.Drawer{Dst: dst, Src: image.Black, Face: labelFace, Dot: fixed.P(x, y+labelFace.Ascent)}
		d.DrawString(s)
	}
	text(title, gap, gap)
	for col, label := range columnLabels {
		left := margin + gap + col*(tile+gap)
		text(label, max(left+(tile-font.MeasureString(labelFace, label).Ceil())/2, left), gap+lineHeight)
	}
	for r, label := range rowLabels {
		text(label, gap, header+gap+r*(tile+gap)+(tile-lineHeight)/2)
	}
	return dst
}

// LabelledScaleGrid is ScaleGrid as a LabelledGrid (MinTile for small models; a growing model's
// final resolution, so its early stages show at the size they grow to), each column's
// resolution above it.
func LabelledScaleGrid(scales []Images, samples, minTile int, title string) *image.RGBA {
	samples = min(samples, scales[len(scales)-1].Batch)
	cells := make([][]Cell, samples)
	labels := make([]string, len(scales))
	for col := range scales {
		labels[col] = fmt.Sprintf("%dx%d", scales[col].Width, scales[col].Height)
		for row := range samples {
			cells[row] = append(cells[row], Cell{&scales[col], row})
		}
	}
	return LabelledGrid(cells, minTile, title, nil, labels)
}

// LabelledClassGrid shows a class-conditional model's images: row r holds the images of class r
// (im's images in row-major order, columns per row), each row named by its class at the left
// (names[r], or its number).
func LabelledClassGrid(im Images, classes, columns, minTile int, title string, names []string) *image.RGBA {
	cells := make([][]Cell, classes)
	labels := make([]string, classes)
	for r := range classes {
		labels[r] = fmt.Sprint(r)
		if r < len(names) {
			labels[r] = fmt.Sprintf("%d %s", r, names[r])
		}
		for col := range columns {
			if i := r*columns + col; i < im.Batch {
				cells[r] = append(cells[r], Cell{&im, i})
			}
		}
	}
	return LabelledGrid(cells, minTile, title, labels, nil)
}

func canvas(columns, rows, tileW, tileH int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, columns*(tileW+gap)+gap, rows*(tileH+gap)+gap))
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = gapColor.R, gapColor.G, gapColor.B, gapColor.A
	}
	return dst
}

// drawTile draws image index of im into cell (col, row) of size tileW x tileH, nearest-neighbour.
func drawTile(dst *image.RGBA, col, row, tileW, tileH int, im Images, index int) {
	x0, y0 := gap+col*(tileW+gap), gap+row*(tileH+gap)
	base := index * im.Height * im.Width * im.Channels
	for y := range tileH {
		sy := y * im.Height / tileH
		for x := range tileW {
			sx := x * im.Width / tileW
			p := base + (sy*im.Width+sx)*im.Channels
			var c color.RGBA
			if im.Channels == 1 {
				v := toByte(im.Pixels[p])
				c = color.RGBA{v, v, v, 255}
			} else {
				c = color.RGBA{toByte(im.Pixels[p]), toByte(im.Pixels[p+1]), toByte(im.Pixels[p+2]), 255}
			}
			dst.SetRGBA(x0+x, y0+y, c)
		}
	}
}

// toByte maps [-1, 1] to [0, 255], clipping.
func toByte(v float32) uint8 {
	return uint8(max(0, min(255, math.Round(float64(v+1)*127.5))))
}

// EncodePNG returns img as PNG bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, errors.Wrap(err, "render: encoding PNG")
	}
	return buf.Bytes(), nil
}
