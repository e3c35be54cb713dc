package explore

import (
	"fmt"
	"image"
	"slices"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// TruncationGrid shows the truncation trick's sweep: one row per psi, one column per latent of
// z, the first cutoff latents truncated (0: all).
func (e *Explorer) TruncationGrid(z *tensors.Tensor, psis []float64, cutoff int) (*image.RGBA, error) {
	var rows []render.Images
	labels := make([]string, len(psis))
	for i, psi := range psis {
		w, err := e.Styles(z, psi, cutoff)
		if err != nil {
			return nil, err
		}
		images, err := e.Synthesize(w)
		if err != nil {
			return nil, err
		}
		rows = append(rows, images)
		labels[i] = fmt.Sprintf("psi %g", psi)
	}
	cells := make([][]render.Cell, len(rows))
	for r := range rows {
		for c := range rows[r].Batch {
			cells[r] = append(cells[r], render.Cell{Images: &rows[r], Index: c})
		}
	}
	which := "all styles"
	if cutoff > 0 {
		which = fmt.Sprintf("the first %d styles", cutoff)
	}
	title := fmt.Sprintf("%s: truncation of %s around w_avg", e.Source, which)
	return render.LabelledGrid(cells, render.MinTile, title, labels, nil), nil
}

// Band names the styles style mixing copies: those of the coarse, middle or fine resolutions.
type Band string

const (
	Coarse Band = "coarse"
	Middle Band = "middle"
	Fine   Band = "fine"
)

// Bands are the bands, for flags and errors.
var Bands = []Band{Coarse, Middle, Fine}

// BandLimits returns the largest resolution of the coarse band and of the middle one for a
// model of the given resolution. At 128 and above they are the StyleGAN paper's (Fig. 3):
// coarse 4-8, middle 16-32, fine 64 up. Smaller models keep three bands, each shrunk: coarse to
// at most resolution/8, middle to at most resolution/2 (32x32: coarse 4, middle 8-16, fine 32).
func BandLimits(resolution int) (coarse, middle int) {
	coarse = max(4, min(8, resolution/8))
	middle = max(coarse, min(32, resolution/2))
	return coarse, middle
}

// BandStyles marks the latents of band among latents styling the given resolutions (a model's
// StyleResolutions).
func BandStyles(resolutions []int, band Band) ([]bool, error) {
	if !slices.Contains(Bands, band) {
		return nil, errors.Errorf("style band %q: use coarse, middle or fine", band)
	}
	coarse, middle := BandLimits(slices.Max(resolutions))
	in := make([]bool, len(resolutions))
	any := false
	for i, r := range resolutions {
		switch band {
		case Coarse:
			in[i] = r <= coarse
		case Middle:
			in[i] = r > coarse && r <= middle
		case Fine:
			in[i] = r > middle
		}
		any = any || in[i]
	}
	if !any {
		return nil, errors.Errorf("a %dx%d model has no %s styles (coarse up to %d, middle up to %d)", slices.Max(resolutions), slices.Max(resolutions), band, coarse, middle)
	}
	return in, nil
}

// BandName says which resolutions a band covers: "coarse (4x4-8x8)".
func BandName(resolutions []int, band Band) string {
	in, err := BandStyles(resolutions, band)
	if err != nil {
		return string(band)
	}
	lo, hi := 0, 0
	for i, r := range resolutions {
		if in[i] {
			if lo == 0 {
				lo = r
			}
			hi = r
		}
	}
	if lo == hi {
		return fmt.Sprintf("%s (%dx%d)", band, lo, lo)
	}
	return fmt.Sprintf("%s (%dx%d-%dx%d)", band, lo, lo, hi, hi)
}

// Mix is style mixing: for every pair (row i of a, column j of b), a's latents with those of
// band taken from b, in row-major order (a.Batch * b.Batch).
func (e *Explorer) Mix(a, b W, band Band) (W, error) {
	if err := e.StyleBased("style mixing"); err != nil {
		return W{}, err
	}
	in, err := BandStyles(e.Model.StyleResolutions, band)
	if err != nil {
		return W{}, err
	}
	out := W{Batch: a.Batch * b.Batch, NumWs: a.NumWs, Dim: a.Dim}
	for i := range a.Batch {
		for j := range b.Batch {
			la, lb := a.Latent(i), b.Latent(j)
			for s := range a.NumWs {
				src := la
				if in[s] {
					src = lb
				}
				out.Values = append(out.Values, src[s*a.Dim:(s+1)*a.Dim]...)
			}
		}
	}
	return out, nil
}

// MixingGrid is the StyleGAN papers' style-mixing figure: source A images down the left, source
// B images along the top, and in cell (i, j) A_i with B_j's styles of band, all with
// truncation psi (1: none).
func (e *Explorer) MixingGrid(zA, zB *tensors.Tensor, band Band, psi float64) (*image.RGBA, error) {
	a, err := e.Styles(zA, psi, 0)
	if err != nil {
		return nil, err
	}
	b, err := e.Styles(zB, psi, 0)
	if err != nil {
		return nil, err
	}
	mixed, err := e.Mix(a, b, band)
	if err != nil {
		return nil, err
	}
	images, err := e.Synthesize(concat(a, b, mixed))
	if err != nil {
		return nil, err
	}
	cells := [][]render.Cell{{{}}}
	columns, rows := []string{""}, []string{""}
	for j := range b.Batch {
		cells[0] = append(cells[0], render.Cell{Images: &images, Index: a.Batch + j})
		columns = append(columns, fmt.Sprintf("B%d", j))
	}
	for i := range a.Batch {
		row := []render.Cell{{Images: &images, Index: i}}
		for j := range b.Batch {
			row = append(row, render.Cell{Images: &images, Index: a.Batch + b.Batch + i*b.Batch + j})
		}
		cells = append(cells, row)
		rows = append(rows, fmt.Sprintf("A%d", i))
	}
	title := fmt.Sprintf("%s: A with the %s styles of B", e.Source, BandName(e.Model.StyleResolutions, band))
	if psi != 1 {
		title += fmt.Sprintf(", psi %g", psi)
	}
	return render.LabelledGrid(cells, render.MinTile, title, rows, columns), nil
}
