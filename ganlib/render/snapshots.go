package render

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// SampleSnapshot is one sample grid written during training, at Kimg thousand images shown.
type SampleSnapshot struct {
	Kimg float64
	Path string
}

// samplesPrefix and samplesSuffix frame the kimg in the training loop's sample file names
// (samples-kimg000000.500.png; older runs wrote samples-kimg0000.5.png, parsed the same way).
const samplesPrefix, samplesSuffix = "samples-kimg", ".png"

// ListSampleSnapshots returns the sample grids in a run folder, by kimg. Files whose name does
// not parse as samples-kimg<number>.png are ignored.
func ListSampleSnapshots(dir string) ([]SampleSnapshot, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "render: listing sample snapshots")
	}
	var snaps []SampleSnapshot
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, samplesPrefix) || !strings.HasSuffix(name, samplesSuffix) {
			continue
		}
		kimg, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(name, samplesPrefix), samplesSuffix), 64)
		if err != nil {
			continue
		}
		snaps = append(snaps, SampleSnapshot{Kimg: kimg, Path: filepath.Join(dir, name)})
	}
	slices.SortFunc(snaps, func(a, b SampleSnapshot) int {
		switch {
		case a.Kimg < b.Kimg:
			return -1
		case a.Kimg > b.Kimg:
			return 1
		}
		return 0
	})
	return snaps, nil
}

// Spread picks at most n snapshots evenly spaced over the run, always keeping the first and the
// last, so a long run's browser shows its whole course (n = 1 keeps the last only).
func Spread(snaps []SampleSnapshot, n int) []SampleSnapshot {
	switch {
	case len(snaps) <= n:
		return snaps
	case n < 1:
		return nil
	case n == 1:
		return snaps[len(snaps)-1:]
	}
	picked := make([]SampleSnapshot, n)
	for i := range n {
		picked[i] = snaps[(i*(len(snaps)-1)+(n-1)/2)/(n-1)]
	}
	return picked
}

// SnapshotBrowser returns a scrollable row of the snapshots' images, each labelled by its kimg
// (width: displayed width of each image, 0 for its own size).
func SnapshotBrowser(snaps []SampleSnapshot, width int) (string, error) {
	var b strings.Builder
	b.WriteString(`<div class="gogan-snapshots" style="display:flex;gap:10px;overflow-x:auto;align-items:flex-start">`)
	for _, s := range snaps {
		png, err := os.ReadFile(s.Path)
		if err != nil {
			return "", errors.Wrap(err, "render: reading a sample snapshot")
		}
		label := "kimg " + strconv.FormatFloat(s.Kimg, 'f', -1, 64)
		b.WriteString(Figure(PNGImg(png, label, width), label))
	}
	b.WriteString(`</div>`)
	return b.String(), nil
}
