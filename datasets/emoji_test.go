package datasets

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEmoji(t *testing.T) {
	d := openOrSkip(t, "emoji", Options{})
	if d.Len() != 3786 || d.Resolution() != 64 || d.Channels() != 3 || d.NumClasses() != 10 {
		t.Fatalf("emoji: Len %d Resolution %d Channels %d NumClasses %d; want 3786, 64, 3, 10",
			d.Len(), d.Resolution(), d.Channels(), d.NumClasses())
	}
	root, err := dataDir()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(root, "npm", "node_modules", emojiPackage, "img", "google", "64", "*.png"))
	grinning := slices.Index(names, filepath.Join(filepath.Dir(names[0]), "1f600.png"))
	if grinning < 0 {
		t.Fatal("1f600.png (grinning face) is not in the package")
	}
	b, err := d.Samples([]int{grinning})
	if err != nil {
		t.Fatal(err)
	}
	if class := d.ClassNames()[b.Labels[0]]; class != "Smileys & Emotion" {
		t.Errorf("grinning face is in class %q, want Smileys & Emotion", class)
	}
	// Values of 1f600.png: (0, 0) is transparent; (32, 32) is opaque (253, 224, 48); (2, 32) is
	// (244, 162, 35) at alpha 115, over white 244*115/255 + 140 = 250.0, 213.1, 155.8.
	for _, tc := range []struct {
		x, y int
		want []uint8
	}{
		{0, 0, []uint8{255, 255, 255}},
		{32, 32, []uint8{253, 224, 48}},
		{2, 32, []uint8{250, 213, 156}},
	} {
		for c, want := range tc.want {
			if got := pixel(b, 0, tc.x, tc.y, c); !near(got, unit(want), 1/127.5+1e-6) {
				t.Errorf("grinning face pixel (%d, %d) channel %d = %v, want %v (byte %d) within one level", tc.x, tc.y, c, got, unit(want), want)
			}
		}
	}
}

func TestEmojiMissingNamesTheSetupScript(t *testing.T) {
	t.Setenv(dataDirVariable, t.TempDir())
	_, err := Open("emoji", Options{})
	if err == nil || !strings.Contains(err.Error(), "bash scripts/setup-data.sh") || !strings.Contains(err.Error(), "package.json") {
		t.Errorf("emoji not installed: error %v, want one naming the missing file and bash scripts/setup-data.sh", err)
	}
}
