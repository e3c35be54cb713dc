package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBoxTapsFractional(t *testing.T) {
	// 3 pixels to 2: output 0 covers [0, 1.5) = all of pixel 0 and half of pixel 1.
	got := taps(3, 2)
	if got.first[0] != 0 || got.first[1] != 1 ||
		!slices.Equal(got.weights[0], []float32{2.0 / 3, 1.0 / 3}) || !slices.Equal(got.weights[1], []float32{1.0 / 3, 2.0 / 3}) {
		t.Errorf("taps(3, 2) = first %v weights %v, want [0 1] and [[2/3 1/3] [1/3 2/3]]", got.first, got.weights)
	}
}

func TestResizeBoxHandValues(t *testing.T) {
	// 3x3 gray to 2x2: out(0,0) = (9*4 + 3*2*1 ... ) computed by hand as a weighted mean with
	// weights (2/3, 1/3) per axis: rows 0 and 1, columns 0 and 1.
	src := []uint8{
		0, 30, 60,
		90, 120, 150,
		180, 210, 240,
	}
	dst := make([]uint8, 4)
	resizeBox(src, 3, 1, 1, dst, 2)
	// Row pass, row 0: 0*2/3 + 30/3 = 10 and 30/3 + 60*2/3 = 50; row 1: 100, 140; row 2: 190, 230.
	// Column pass: (10*2/3 + 100/3) = 40, (50*2/3 + 140/3) = 80, (100/3 + 190*2/3) = 160, 200.
	if want := []uint8{40, 80, 160, 200}; !slices.Equal(dst, want) {
		t.Errorf("3x3 to 2x2 box = %v, want %v", dst, want)
	}
}

func TestResizeBoxStridedRGBA(t *testing.T) {
	// Two RGBA pixels per row, 2x2, averaged to 1x1 RGB; the alpha byte (stride 4) is skipped.
	src := []uint8{
		10, 20, 30, 99, 30, 40, 50, 99,
		50, 60, 70, 99, 70, 80, 94, 99,
	}
	dst := make([]uint8, 3)
	resizeBox(src, 2, 4, 3, dst, 1)
	if want := []uint8{40, 50, 61}; !slices.Equal(dst, want) {
		t.Errorf("2x2 RGBA to 1x1 RGB = %v, want %v (60.5 rounds up)", dst, want)
	}
	same := make([]uint8, 12)
	resizeBox(src, 2, 4, 3, same, 2)
	if want := []uint8{10, 20, 30, 30, 40, 50, 50, 60, 70, 70, 80, 94}; !slices.Equal(same, want) {
		t.Errorf("2x2 RGBA to 2x2 RGB = %v, want the pixels without alpha %v", same, want)
	}
}

func TestToChannels(t *testing.T) {
	gray := make([]uint8, 3)
	toChannels([]uint8{255, 0, 0, 0, 255, 0, 10, 10, 10}, 3, gray, 1)
	// ITU-R 601: 0.299 R + 0.587 G + 0.114 B.
	if want := []uint8{76, 150, 10}; !slices.Equal(gray, want) {
		t.Errorf("red, green, gray 10 to luma = %v, want %v", gray, want)
	}
	rgb := make([]uint8, 6)
	toChannels([]uint8{7, 200}, 1, rgb, 3)
	if want := []uint8{7, 7, 7, 200, 200, 200}; !slices.Equal(rgb, want) {
		t.Errorf("gray to RGB = %v, want %v", rgb, want)
	}
}

func TestAverageBlocksMatchesWeightedPath(t *testing.T) {
	random := rand.New(rand.NewPCG(4, 4))
	src := make([]uint8, 24*24*4)
	for i := range src {
		src[i] = uint8(random.IntN(256))
	}
	for _, out := range []int{12, 8, 6, 3} {
		blocks, weighted := make([]uint8, out*out*3), make([]uint8, out*out*3)
		averageBlocks(src, 24, 4, 3, blocks, out)
		resizeWeighted(src, 24, 4, 3, weighted, out)
		for i := range blocks {
			if d := int(blocks[i]) - int(weighted[i]); d < -1 || d > 1 {
				t.Fatalf("24 to %d: value %d is %d by integer blocks but %d by weights", out, i, blocks[i], weighted[i])
			}
		}
	}
}
