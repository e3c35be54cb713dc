package render

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/runs"
)

func TestSampleGridsListedAndBrowsed(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"samples-kimg000001.000.png": "one",
		"samples-kimg000000.500.png": "half",
		"samples-kimg0000.0.png":     "zero",
		"samples-kimgX.png":          "bad number",
		"stats.jsonl":                "not a sample",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "samples-kimg2.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	snaps, err := runs.Open(dir).Samples()
	if err != nil {
		t.Fatal(err)
	}
	var kimgs []float64
	for _, s := range snaps {
		kimgs = append(kimgs, s.Kimg)
	}
	if len(kimgs) != 3 || kimgs[0] != 0 || kimgs[1] != 0.5 || kimgs[2] != 1 {
		t.Fatalf("kimgs %v, want [0 0.5 1]", kimgs)
	}
	html, err := SnapshotBrowser(snaps, 96)
	if err != nil {
		t.Fatal(err)
	}
	// Images in kimg order with their labels; the contents are the files' bytes ("zero" = emVybw==).
	got := regexp.MustCompile(`<img alt="([^"]*)" src="data:image/png;base64,([^"]*)" width="96"`).FindAllStringSubmatch(html, -1)
	want := [][2]string{{"kimg 0", "emVybw=="}, {"kimg 0.5", "aGFsZg=="}, {"kimg 1", "b25l"}}
	if len(got) != len(want) {
		t.Fatalf("%d images, want 3:\n%s", len(got), html)
	}
	for i, w := range want {
		if got[i][1] != w[0] || got[i][2] != w[1] {
			t.Errorf("image %d = %q %q, want %q %q", i, got[i][1], got[i][2], w[0], w[1])
		}
	}
	if !strings.Contains(html, "<figcaption style=\"font:12px sans-serif\">kimg 0.5</figcaption>") {
		t.Errorf("no kimg caption:\n%s", html)
	}
	if _, err := runs.Open(filepath.Join(dir, "missing")).Samples(); err == nil {
		t.Error("a missing folder must be an error")
	}
	if err := os.Remove(snaps[1].Path); err != nil {
		t.Fatal(err)
	}
	if _, err := SnapshotBrowser(snaps, 0); err == nil {
		t.Error("a snapshot file that vanished must be an error")
	}
}

func TestSpreadKeepsEnds(t *testing.T) {
	var snaps []runs.File
	for i := range 10 {
		snaps = append(snaps, runs.File{Kimg: float64(i)})
	}
	for _, tc := range []struct {
		n    int
		want []float64
	}{{4, []float64{0, 3, 6, 9}}, {3, []float64{0, 5, 9}}, {1, []float64{9}}, {0, nil}, {12, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}} {
		got := Spread(snaps, tc.n)
		var kimgs []float64
		for _, s := range got {
			kimgs = append(kimgs, s.Kimg)
		}
		if len(kimgs) != len(tc.want) {
			t.Errorf("Spread(10, %d) = %v, want %v", tc.n, kimgs, tc.want)
			continue
		}
		for i := range kimgs {
			if kimgs[i] != tc.want[i] {
				t.Errorf("Spread(10, %d) = %v, want %v", tc.n, kimgs, tc.want)
				break
			}
		}
	}
}
