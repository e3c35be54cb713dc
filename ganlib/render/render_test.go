package render

import (
	"image/color"
	"testing"
)

func TestSampleGridLayoutAndValues(t *testing.T) {
	// Three 1x2 grey images: -1 (black), 0 (mid grey), 1 (white) in the left pixel.
	im := Images{Batch: 3, Height: 1, Width: 2, Channels: 1, Pixels: []float32{-1, 1, 0, 0, 1, -1}}
	grid := SampleGrid(im, 2, 2)
	// 2 columns, 2 rows of 2x1 tiles with 2-pixel gaps: 2*(2+2)+2 = 10 by 2*(1+2)+2 = 8.
	if b := grid.Bounds(); b.Dx() != 10 || b.Dy() != 8 {
		t.Fatalf("grid %v, want 10x8", b)
	}
	for _, tc := range []struct {
		x, y int
		want uint8
	}{{2, 2, 0}, {3, 2, 255}, {6, 2, 128}, {2, 5, 255}, {3, 5, 0}} {
		if got := grid.RGBAAt(tc.x, tc.y); got != (color.RGBA{tc.want, tc.want, tc.want, 255}) {
			t.Errorf("pixel (%d,%d) = %v, want grey %d", tc.x, tc.y, got, tc.want)
		}
	}
	if got := grid.RGBAAt(0, 0); got != gapColor {
		t.Errorf("gap pixel %v, want %v", got, gapColor)
	}
	if got := grid.RGBAAt(6, 5); got != gapColor {
		t.Errorf("empty cell pixel %v, want the gap colour", got)
	}
}

func TestScaleGridUpscalesNearest(t *testing.T) {
	coarse := Images{Batch: 1, Height: 1, Width: 1, Channels: 3, Pixels: []float32{1, -1, -1}}
	fine := Images{Batch: 1, Height: 2, Width: 2, Channels: 3, Pixels: make([]float32, 12)}
	grid := ScaleGrid([]Images{coarse, fine}, 4)
	if b := grid.Bounds(); b.Dx() != 2*(2+2)+2 || b.Dy() != 2+2+2 {
		t.Fatalf("grid %v", b)
	}
	for _, p := range [][2]int{{2, 2}, {3, 3}} {
		if got := grid.RGBAAt(p[0], p[1]); got != (color.RGBA{255, 0, 0, 255}) {
			t.Errorf("coarse tile pixel %v = %v, want red everywhere", p, got)
		}
	}
	if got := grid.RGBAAt(6, 2); got != (color.RGBA{128, 128, 128, 255}) {
		t.Errorf("fine tile pixel = %v, want 0 -> grey 128", got)
	}
}

// TestLabelledScaleGrid: small tiles are enlarged to at least MinTile pixels (nearest, an integer
// factor), under a header of two text lines (the title, and each column's resolution).
func TestLabelledScaleGrid(t *testing.T) {
	coarse := Images{Batch: 2, Height: 4, Width: 4, Channels: 1, Pixels: make([]float32, 2*16)}
	fine := Images{Batch: 2, Height: 8, Width: 8, Channels: 1, Pixels: make([]float32, 2*64)}
	for i := range fine.Pixels {
		fine.Pixels[i] = 1 // white
	}
	grid := LabelledScaleGrid([]Images{coarse, fine}, 2, MinTile, "kimg 1.008")
	const header = 2*14 + gap
	// 8 px enlarged 8x: 64-pixel tiles, 2 columns and 2 rows with 2-pixel gaps.
	if b := grid.Bounds(); b.Dx() != 2*(64+gap)+gap || b.Dy() != header+2*(64+gap)+gap {
		t.Fatalf("grid %v, want %dx%d", b, 2*(64+gap)+gap, header+2*(64+gap)+gap)
	}
	// The first tile of the fine column is white over its whole 64x64 area.
	x0, y0 := gap+64+gap, header+gap
	for _, p := range [][2]int{{x0, y0}, {x0 + 63, y0 + 63}} {
		if got := grid.RGBAAt(p[0], p[1]); got != (color.RGBA{255, 255, 255, 255}) {
			t.Errorf("pixel %v = %v, want white", p, got)
		}
	}
	// The header holds text: dark pixels on the grey background in both lines.
	dark := [2]int{}
	for y := range header {
		for x := range grid.Bounds().Dx() {
			if grid.RGBAAt(x, y).R < 64 {
				dark[min(y/14, 1)]++
			}
		}
	}
	if dark[0] < 50 || dark[1] < 10 {
		t.Errorf("header dark pixels per line %v: want the title and the column labels drawn", dark)
	}
}

// TestLabelledScaleGridToFinalSize: a growing model's early stage (one 8x8 image) shown at its
// final 128x128 size.
func TestLabelledScaleGridToFinalSize(t *testing.T) {
	stage := Images{Batch: 1, Height: 8, Width: 8, Channels: 1, Pixels: make([]float32, 64)}
	grid := LabelledScaleGrid([]Images{stage}, 1, 128, "stage 8x8")
	if b := grid.Bounds(); b.Dy() != 2*14+gap+128+2*gap {
		t.Errorf("grid %v: want one 128-pixel tile under the header", b)
	}
}
