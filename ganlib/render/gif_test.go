package render

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
)

// TestEncodeGIF: grey frames decode to the same grey levels; a colour frame's flat colour comes
// back within the palette's reach; every frame has the delay and the animation loops forever.
func TestEncodeGIF(t *testing.T) {
	greyFrame := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		greyFrame.SetRGBA(i%4, i/4, color.RGBA{uint8(i * 17), uint8(i * 17), uint8(i * 17), 255})
	}
	colourFrame := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		colourFrame.SetRGBA(i%4, i/4, color.RGBA{200, 40, 40, 255})
	}
	data, err := EncodeGIF([]image.Image{greyFrame, colourFrame}, 7)
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) != 2 || anim.Delay[0] != 7 || anim.Delay[1] != 7 || anim.LoopCount != 0 {
		t.Fatalf("%d frames, delays %v, loop count %d: want 2 frames of 7, looping", len(anim.Image), anim.Delay, anim.LoopCount)
	}
	for i := range 16 {
		if r, g, b, _ := anim.Image[0].At(i%4, i/4).RGBA(); r>>8 != uint32(i*17) || g != r || b != r {
			t.Errorf("grey pixel %d = (%d, %d, %d), want %d", i, r>>8, g>>8, b>>8, i*17)
		}
	}
	var red float64
	for i := range 16 {
		r, g, _, _ := anim.Image[1].At(i%4, i/4).RGBA()
		red += float64(r>>8) - float64(g>>8)
	}
	if red/16 < 120 {
		t.Errorf("the red frame decodes to red minus green %.0f on average, want about 160", red/16)
	}
	if _, err := EncodeGIF(nil, 7); err == nil {
		t.Error("no frames: want an error")
	}
	if html := GIFImg(data, "walk", 128); !strings.HasPrefix(html, `<img alt="walk" src="data:image/gif;base64,R0lG`) || !strings.Contains(html, `width="128"`) {
		t.Errorf("GIFImg = %.80s...", html)
	}
}

// TestLabelledGridLayout: row labels make a left margin, column labels a second header line,
// an empty cell stays background grey, and tiles of a smaller image fill the common tile size.
func TestLabelledGridLayout(t *testing.T) {
	white := Images{Batch: 1, Height: 8, Width: 8, Channels: 1, Pixels: make([]float32, 64)}
	for i := range white.Pixels {
		white.Pixels[i] = 1
	}
	black := Images{Batch: 1, Height: 4, Width: 4, Channels: 1, Pixels: make([]float32, 16)}
	for i := range black.Pixels {
		black.Pixels[i] = -1
	}
	cells := [][]Cell{{{}, {&white, 0}}, {{&black, 0}, {&white, 0}}}
	grid := LabelledGrid(cells, 16, "mix", []string{"", "A0 long label"}, []string{"", "B0"})
	margin := len("A0 long label")*7 + 2*gap
	const header = 2*14 + gap
	if b := grid.Bounds(); b.Dx() != margin+2*(16+gap)+gap || b.Dy() != header+2*(16+gap)+gap {
		t.Fatalf("grid %v, want %dx%d", b, margin+2*(16+gap)+gap, header+2*(16+gap)+gap)
	}
	at := func(col, row, dx, dy int) color.RGBA {
		return grid.RGBAAt(margin+gap+col*(16+gap)+dx, header+gap+row*(16+gap)+dy)
	}
	if got := at(0, 0, 8, 8); got != gapColor {
		t.Errorf("empty cell %v, want background grey", got)
	}
	if got := at(0, 1, 15, 15); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("the 4x4 image's tile corner %v, want black (scaled to 16x16)", got)
	}
	if got := at(1, 1, 0, 0); got != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("white tile %v", got)
	}
	dark := 0
	for y := header; y < grid.Bounds().Dy(); y++ {
		for x := range margin {
			if grid.RGBAAt(x, y).R < 64 {
				dark++
			}
		}
	}
	if dark < 20 {
		t.Errorf("%d dark pixels in the left margin: want the row label drawn", dark)
	}
}
