package datasets

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// classTree writes a folder in the class-per-subfolder layout: cats/ with a PNG and a JPEG,
// dogs/ with a PNG, plus files that are not images. It returns the folder.
func classTree(t testing.TB) string {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "cats", "a.png"), encodePNG(t, grayRamp(8, 8, 3)))
	writeFile(t, filepath.Join(root, "cats", "b.JPG"), encodeJPEG(t, colorPattern(12, 8, 1), 90))
	writeFile(t, filepath.Join(root, "dogs", "c.png"), encodePNG(t, colorPattern(8, 8, 2)))
	writeFile(t, filepath.Join(root, "notes.txt"), []byte("labels are folder names"))
	writeFile(t, filepath.Join(root, "dogs", ".DS_Store"), []byte{0, 0, 0, 1})
	return root
}

func TestFolderClassesAndIgnoredFiles(t *testing.T) {
	root := classTree(t)
	d := mustOpen(t, "folder:"+root, Options{Resolution: 8})
	if d.Len() != 3 || d.Channels() != 3 || !slices.Equal(d.ClassNames(), []string{"cats", "dogs"}) {
		t.Fatalf("folder: Len %d Channels %d classes %v; want 3, 3, [cats dogs]", d.Len(), d.Channels(), d.ClassNames())
	}
	b, err := d.Samples([]int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Labels, []int32{0, 0, 1}) {
		t.Errorf("labels = %v, want [0 0 1] (a.png, b.JPG in cats, c.png in dogs)", b.Labels)
	}
	// a.png is the gray ramp: pixel (x=2, y=1) is (2*8+1)*3 = 51 in all three channels.
	for c := range 3 {
		if got := pixel(b, 0, 2, 1, c); got != unit(51) {
			t.Errorf("a.png pixel (2, 1) channel %d = %v, want %v", c, got, unit(51))
		}
	}
	ignored := d.Report().Ignored()
	slices.Sort(ignored)
	if want := []string{filepath.Join(root, "dogs", ".DS_Store"), filepath.Join(root, "notes.txt")}; !slices.Equal(ignored, want) {
		t.Errorf("ignored = %v, want %v", ignored, want)
	}
	if len(d.Report().Skipped()) != 0 {
		t.Errorf("skipped = %v, want none", d.Report().Skipped())
	}
}

func TestFolderWithoutClassFoldersIsUnlabeled(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "one", "a.png"), encodePNG(t, grayRamp(4, 4, 1)))
	writeFile(t, filepath.Join(root, "one", "b.png"), encodePNG(t, grayRamp(4, 4, 2)))
	d := mustOpen(t, "folder:"+root, Options{Resolution: 4, Channels: 1})
	b, err := d.NextBatch(2)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumClasses() != 0 || b.Labels != nil {
		t.Errorf("one subfolder: NumClasses %d labels %v, want 0 and nil", d.NumClasses(), b.Labels)
	}
}

func TestFolderBadFiles(t *testing.T) {
	root := classTree(t)
	fake := filepath.Join(root, "cats", "fake.png")
	writeFile(t, fake, []byte("<html>not an image</html>"))
	_, err := Open("folder:"+root, Options{Resolution: 8})
	if err == nil || !strings.Contains(err.Error(), fake) || !strings.Contains(err.Error(), "not a PNG or JPEG") || !strings.Contains(err.Error(), "SkipBad") {
		t.Fatalf("text named .png: error %v, want one naming %s, the problem and Options.SkipBad", err, fake)
	}
	d := mustOpen(t, "folder:"+root, Options{Resolution: 8, SkipBad: true})
	skipped := d.Report().Skipped()
	if d.Len() != 3 || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), fake) {
		t.Errorf("with SkipBad: Len %d, skipped %v; want 3 and the fake PNG", d.Len(), skipped)
	}
	if !strings.Contains(d.Report().String(), "1 files skipped, 2 ignored") {
		t.Errorf("report %q does not count 1 skipped and 2 ignored files", d.Report())
	}

	onlyBad := t.TempDir()
	writeFile(t, filepath.Join(onlyBad, "fake.png"), []byte("GIF89a"))
	if _, err := Open("folder:"+onlyBad, Options{Resolution: 8, SkipBad: true}); err == nil || !strings.Contains(err.Error(), "no usable samples (1 files skipped") {
		t.Errorf("a folder of bad files with SkipBad: error %v, want no usable samples with the report", err)
	}

	os.Remove(fake)
	truncated := filepath.Join(root, "dogs", "cut.jpg")
	jpegData := encodeJPEG(t, colorPattern(16, 16, 3), 90)
	writeFile(t, truncated, jpegData[:40])
	if _, err := Open("folder:"+root, Options{Resolution: 8, SkipBad: false}); err == nil || !strings.Contains(err.Error(), truncated) ||
		!strings.Contains(err.Error(), "jpeg image is truncated or corrupt") {
		t.Errorf("JPEG cut in its header: error %v, want one naming %s as a truncated JPEG", err, truncated)
	}
}

func TestFolderTooSmallNeedsUpscale(t *testing.T) {
	root := t.TempDir()
	small := filepath.Join(root, "small.png")
	writeFile(t, small, encodePNG(t, grayRamp(6, 4, 1)))
	_, err := Open("folder:"+root, Options{Resolution: 8})
	if err == nil || !strings.Contains(err.Error(), small) || !strings.Contains(err.Error(), "6x4") || !strings.Contains(err.Error(), "AllowUpscale") {
		t.Fatalf("6x4 image at 8x8: error %v, want one naming the file, its size and Options.AllowUpscale", err)
	}
	if d := mustOpen(t, "folder:"+root, Options{Resolution: 8, AllowUpscale: true}); d.Len() != 1 {
		t.Errorf("with AllowUpscale: Len %d, want 1", d.Len())
	}
}

func TestFolderSpecErrors(t *testing.T) {
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "readme.md"), []byte("#"))
	for _, tc := range []struct {
		spec      string
		opts      Options
		wantError string
	}{
		{"folder:" + empty, Options{Resolution: 8}, "no .png, .jpg or .jpeg files (1 other files ignored)"},
		{"folder:" + empty, Options{}, "Options.Resolution"},
		{"folder:" + filepath.Join(empty, "missing"), Options{Resolution: 8}, "no such file"},
		{"folder:" + filepath.Join(empty, "readme.md"), Options{Resolution: 8}, "is a file, not a folder"},
		{"folder:" + empty, Options{Resolution: 48}, "not a power of two"},
		{"folder:" + empty, Options{Resolution: 8, Channels: 2}, "Options.Channels 2"},
		{"images:" + empty, Options{}, "unknown data set kind"},
	} {
		if _, err := Open(tc.spec, tc.opts); err == nil || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("Open(%q, %+v): error %v, want one containing %q", tc.spec, tc.opts, err, tc.wantError)
		}
	}
}

// zipFolder packs every file under root into a zip archive with a top-level folder "photos/",
// plus a macOS metadata entry.
func zipFolder(t testing.TB, root string) string {
	var buf bytes.Buffer
	archive := zip.NewWriter(&buf)
	err := filepath.WalkDir(root, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		w, err := archive.Create("photos/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if w, err := archive.Create("__MACOSX/photos/._a.png"); err == nil {
		w.Write([]byte{0, 5, 22, 7})
	}
	if err := archive.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "photos.zip")
	writeFile(t, path, buf.Bytes())
	return path
}

func TestZipMatchesFolder(t *testing.T) {
	root := classTree(t)
	archive := zipFolder(t, root)
	fromFolder := mustOpen(t, "folder:"+root, Options{Resolution: 8, Seed: 3})
	fromZip := mustOpen(t, "zip:"+archive, Options{Resolution: 8, Seed: 3})
	if !slices.Equal(fromZip.ClassNames(), []string{"cats", "dogs"}) {
		t.Fatalf("zip classes %v, want [cats dogs] (the common top folder photos/ is the root)", fromZip.ClassNames())
	}
	want, err := fromFolder.NextBatch(5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fromZip.NextBatch(5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Images, want.Images) || !slices.Equal(got.Labels, want.Labels) {
		t.Error("the zip of a folder serves other images or labels than the folder")
	}
	if ignored := fromZip.Report().Ignored(); len(ignored) != 3 {
		t.Errorf("zip ignored %v, want notes.txt, .DS_Store and the __MACOSX entry", ignored)
	}
	notZip := filepath.Join(root, "cats", "a.png")
	if _, err := Open("zip:"+notZip, Options{Resolution: 8}); err == nil || !strings.Contains(err.Error(), notZip) {
		t.Errorf("a PNG opened as zip: error %v, want one naming the file", err)
	}
}
