package datasets

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// ramp is a 1 x res x res x 1 batch holding 0, 1, 2, ... in row-major order.
func ramp(res int) Batch {
	b := Batch{Images: make([]float32, res*res), Shape: [4]int{1, res, res, 1}, Labels: []int32{4}}
	for i := range b.Images {
		b.Images[i] = float32(i)
	}
	return b
}

func randomBatch(n, res, channels int, seed uint64) Batch {
	random := rand.New(rand.NewPCG(seed, 0))
	b := Batch{Images: make([]float32, n*res*res*channels), Shape: [4]int{n, res, res, channels}}
	for i := range b.Images {
		b.Images[i] = 2*random.Float32() - 1
	}
	return b
}

// referenceAvgPool2 is AvgPool2 written as the plainest loops over (image, y, x, channel).
func referenceAvgPool2(b Batch) Batch {
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	at := func(i, y, x, k int) float32 { return b.Images[((i*h+y)*w+x)*c+k] }
	out := Batch{Images: make([]float32, n*h/2*w/2*c), Shape: [4]int{n, h / 2, w / 2, c}}
	for i := range n {
		for y := range h / 2 {
			for x := range w / 2 {
				for k := range c {
					sum := at(i, 2*y, 2*x, k) + at(i, 2*y, 2*x+1, k) + at(i, 2*y+1, 2*x, k) + at(i, 2*y+1, 2*x+1, k)
					out.Images[((i*h/2+y)*w/2+x)*c+k] = sum / 4
				}
			}
		}
	}
	return out
}

// referenceFadeIn is alpha*x + (1-alpha)*upsample_nearest(avgpool(x)) written as plain loops.
func referenceFadeIn(b Batch, alpha float32) Batch {
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	pooled := referenceAvgPool2(b)
	out := Batch{Images: make([]float32, len(b.Images)), Shape: b.Shape}
	for i := range n {
		for y := range h {
			for x := range w {
				for k := range c {
					j := ((i*h+y)*w+x)*c + k
					coarse := pooled.Images[((i*h/2+y/2)*w/2+x/2)*c+k]
					out.Images[j] = alpha*b.Images[j] + (1-alpha)*coarse
				}
			}
		}
	}
	return out
}

func TestPyramidHandValues(t *testing.T) {
	input := ramp(4)
	levels, err := Pyramid(input, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != 3 {
		t.Fatalf("pyramid of 4x4 down to 1x1 has %d levels, want 3 (1, 2, 4)", len(levels))
	}
	// 2x2 blocks of 0..15: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, (8+9+12+13)/4 = 10.5, 12.5.
	if want := []float32{2.5, 4.5, 10.5, 12.5}; !slices.Equal(levels[1].Images, want) || levels[1].Shape != [4]int{1, 2, 2, 1} {
		t.Errorf("2x2 level = %v %v, want %v [1 2 2 1]", levels[1].Images, levels[1].Shape, want)
	}
	if want := []float32{7.5}; !slices.Equal(levels[0].Images, want) || levels[0].Shape != [4]int{1, 1, 1, 1} {
		t.Errorf("1x1 level = %v %v, want %v", levels[0].Images, levels[0].Shape, want)
	}
	if &levels[2].Images[0] != &input.Images[0] || levels[2].Shape != input.Shape {
		t.Errorf("top level has shape %v and is not the input itself", levels[2].Shape)
	}
	if !slices.Equal(levels[0].Labels, []int32{4}) {
		t.Errorf("labels %v, want the input's [4]", levels[0].Labels)
	}
}

func TestPyramidMatchesReferenceLoops(t *testing.T) {
	b := randomBatch(3, 32, 3, 1)
	levels, err := Pyramid(b, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != 4 || levels[0].Shape != [4]int{3, 4, 4, 3} || &levels[3].Images[0] != &b.Images[0] {
		t.Fatalf("pyramid 32 to 4: %d levels, lowest %v; want 4 levels from [3 4 4 3] up to the input itself", len(levels), levels[0].Shape)
	}
	want := b
	for level := 3; level > 0; level-- {
		want = referenceAvgPool2(want)
		for i, v := range want.Images {
			if !near(levels[level-1].Images[i], v, 1e-6) {
				t.Fatalf("level %v value %d = %v, reference %v", want.Shape, i, levels[level-1].Images[i], v)
			}
		}
	}
}

func TestFadeInHandValues(t *testing.T) {
	b := Batch{Images: []float32{0, 1, 2, 3}, Shape: [4]int{1, 2, 2, 1}}
	for _, tc := range []struct {
		alpha float32
		want  []float32
	}{
		{0.25, []float32{1.125, 1.375, 1.625, 1.875}}, // 0.25*x + 0.75*1.5
		{0, []float32{1.5, 1.5, 1.5, 1.5}},
		{1, []float32{0, 1, 2, 3}},
	} {
		got, err := FadeIn(b, tc.alpha)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Images, tc.want) {
			t.Errorf("FadeIn(alpha %v) = %v, want %v", tc.alpha, got.Images, tc.want)
		}
	}
}

func TestFadeInMatchesReferenceLoops(t *testing.T) {
	b := randomBatch(2, 16, 3, 2)
	got, err := FadeIn(b, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range referenceFadeIn(b, 0.3).Images {
		if !near(got.Images[i], v, 1e-6) {
			t.Fatalf("value %d = %v, reference %v", i, got.Images[i], v)
		}
	}
}

func TestPyramidAndFadeInErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		run       func() error
		wantError string
	}{
		{"minRes 3", func() error { _, err := Pyramid(ramp(8), 3); return err }, "minRes 3"},
		{"minRes above", func() error { _, err := Pyramid(ramp(8), 16); return err }, "minRes 16"},
		{"not square", func() error {
			_, err := Pyramid(Batch{Images: make([]float32, 32), Shape: [4]int{1, 4, 8, 1}}, 4)
			return err
		}, "not square"},
		{"short data", func() error {
			_, err := Pyramid(Batch{Images: make([]float32, 15), Shape: [4]int{1, 4, 4, 1}}, 2)
			return err
		}, "does not describe its 15 values"},
		{"alpha", func() error { _, err := FadeIn(ramp(4), 1.5); return err }, "alpha 1.5"},
		{"odd", func() error {
			_, err := FadeIn(Batch{Images: make([]float32, 9), Shape: [4]int{1, 3, 3, 1}}, 0.5)
			return err
		}, "odd"},
	} {
		if err := tc.run(); err == nil || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantError)
		}
	}
}
