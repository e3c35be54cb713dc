package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePhotoFolder writes two class folders of 16x16 PNGs and one text file.
func writePhotoFolder(t *testing.T) string {
	root := t.TempDir()
	for i, name := range []string{"red/a.png", "red/b.png", "blue/c.png"} {
		img := image.NewRGBA(image.Rect(0, 0, 16, 16))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+2], img.Pix[p+3] = uint8(200-50*i), uint8(50*i), 255
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "LICENSE.txt"), []byte("CC0"), 0o644)
	return root
}

func TestInspectFolderWritesGrid(t *testing.T) {
	root := writePhotoFolder(t)
	grid := filepath.Join(t.TempDir(), "grid.png")
	var out bytes.Buffer
	if err := run([]string{"inspect", "-res", "8", "-n", "4", "-grid", grid, "folder:" + root}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"samples:     3\n", "resolution:  8x8\n", "channels:    3\n", "classes:     2: blue, red\n", "1 ignored"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out.String())
		}
	}
	file, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, err := png.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	// Four samples tile as 2x2 cells of 8 pixels with 2-pixel gaps: 2 + 2*(8+2) = 22 pixels.
	if size := img.Bounds().Size(); size != (image.Point{22, 22}) {
		t.Errorf("grid is %v, want 22x22", size)
	}
	if c := color.RGBAModel.Convert(img.At(3, 3)).(color.RGBA); c.G != 0 || c.A != 255 || (c.R != 200 && c.R != 150 && c.R != 100) {
		t.Errorf("first tile pixel = %v, want one of the folder's colours", c)
	}
}

func TestPrepareWritesCacheThatInspectReads(t *testing.T) {
	root := writePhotoFolder(t)
	cache := filepath.Join(t.TempDir(), "photos.cache")
	var out bytes.Buffer
	if err := run([]string{"prepare", "-res", "4", "folder:" + root, cache}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "use it as the data set spec cache:"+cache) {
		t.Errorf("prepare output lacks the spec to use:\n%s", out.String())
	}
	out.Reset()
	if err := run([]string{"inspect", "-grid", "", "-time", "10ms", "cache:" + cache}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"samples:     3\n", "resolution:  4x4\n", "classes:     2: blue, red\n", "images/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect of the cache lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		wantError string
	}{
		{nil, "no command given"},
		{[]string{"convert"}, `unknown command "convert"`},
		{[]string{"prepare", "mnist"}, "prepare takes SPEC OUT.cache"},
		{[]string{"inspect", "-res", "8", "folder:/nonexistent/gandata"}, "/nonexistent/gandata"},
	} {
		err := run(tc.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("gandata %q: error %v, want one containing %q", tc.args, err, tc.wantError)
		}
	}
}

// TestInspectWritesOnlyWhereTold: without -grid, inspect writes no file (it used to drop
// samples.png into the current folder).
func TestInspectWritesOnlyWhereTold(t *testing.T) {
	root := writePhotoFolder(t)
	cwd := t.TempDir()
	t.Chdir(cwd)
	var out strings.Builder
	if err := run([]string{"inspect", "-res", "8", "folder:" + root}, &out); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("inspect wrote %v into the current folder", entries)
	}
}
