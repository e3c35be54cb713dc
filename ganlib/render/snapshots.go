package render

import (
	"os"
	"strconv"
	"strings"

	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/pkg/errors"
)

// Spread picks at most n of a run's sample grids (runs.Dir.Samples) evenly spaced over the run,
// always keeping the first and the last, so a long run's browser shows its whole course (n = 1
// keeps the last only).
func Spread(snaps []runs.File, n int) []runs.File {
	switch {
	case len(snaps) <= n:
		return snaps
	case n < 1:
		return nil
	case n == 1:
		return snaps[len(snaps)-1:]
	}
	picked := make([]runs.File, n)
	for i := range n {
		picked[i] = snaps[(i*(len(snaps)-1)+(n-1)/2)/(n-1)]
	}
	return picked
}

// SnapshotBrowser returns a scrollable row of the snapshots' images, each labelled by its kimg
// (width: displayed width of each image, 0 for its own size).
func SnapshotBrowser(snaps []runs.File, width int) (string, error) {
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
