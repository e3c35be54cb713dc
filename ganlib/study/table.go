package study

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
)

// Rows groups results by variant, in the order variants first appear, into rows of one metric
// for render.ResultTable (the paper's numbers go into the rows' Paper fields).
func Rows(results []Result, metric string) []render.ResultRow {
	var rows []render.ResultRow
	for _, r := range results {
		i := slices.IndexFunc(rows, func(row render.ResultRow) bool { return row.Setting == r.Variant })
		if i < 0 {
			rows = append(rows, render.ResultRow{Setting: r.Variant})
			i = len(rows) - 1
		}
		if v, ok := r.Metrics[metric]; ok {
			rows[i].Seeds = append(rows[i].Seeds, r.Seed)
			rows[i].Values = append(rows[i].Values, v)
		}
	}
	return rows
}

// Provenance is an HTML table of how each result was made: when, on which commit and backend, and
// in how long.
func Provenance(results []Result) string {
	var b strings.Builder
	b.WriteString(`<table style="font:12px sans-serif"><tr><th>variant</th><th>seed</th><th>finished (UTC)</th><th>commit</th><th>backend</th><th>wall time</th></tr>`)
	for _, r := range results {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%.0f s</td></tr>",
			html.EscapeString(r.Variant), r.Seed, html.EscapeString(r.Finished), html.EscapeString(r.Commit), html.EscapeString(r.Backend), r.WallSeconds)
	}
	b.WriteString("</table>")
	return b.String()
}

// SpearmanRank is the rank correlation of two orderings of the same variants (ours against the
// paper's): 1 for the same order, -1 for the reverse; ties share their mean rank. NaN for fewer
// than two values or a constant list.
func SpearmanRank(a, b []float64) float64 {
	if len(a) != len(b) || len(a) < 2 {
		return math.NaN()
	}
	ra, rb := ranks(a), ranks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i] / float64(len(ra))
		mb += rb[i] / float64(len(rb))
	}
	var cov, va, vb float64
	for i := range ra {
		cov += (ra[i] - ma) * (rb[i] - mb)
		va += (ra[i] - ma) * (ra[i] - ma)
		vb += (rb[i] - mb) * (rb[i] - mb)
	}
	return cov / math.Sqrt(va*vb)
}

// ranks are the 1-based ranks of values, ties averaged.
func ranks(values []float64) []float64 {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmpFloat(values[i], values[j]) })
	r := make([]float64, len(values))
	for start := 0; start < len(order); {
		end := start
		for end+1 < len(order) && values[order[end+1]] == values[order[start]] {
			end++
		}
		for k := start; k <= end; k++ {
			r[order[k]] = float64(start+end)/2 + 1
		}
		start = end + 1
	}
	return r
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Agreement compares the order of the rows' means with the order of their Paper values (rows
// without either are left out): both orders, best first (lower first unless higherIsBetter), and
// Spearman's rank correlation, as an HTML paragraph; rho alone too, for the notebook's sentence.
func Agreement(rows []render.ResultRow, higherIsBetter bool) (paragraph string, rho float64) {
	var names []string
	var ours, paper []float64
	for _, row := range rows {
		mean, _ := render.MeanCI95(row.Values)
		if row.Paper == nil || math.IsNaN(mean) {
			continue
		}
		names, ours, paper = append(names, row.Setting), append(ours, mean), append(paper, row.Paper.Value)
	}
	order := func(values []float64) string {
		idx := make([]int, len(values))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			if higherIsBetter {
				return cmpFloat(values[b], values[a])
			}
			return cmpFloat(values[a], values[b])
		})
		var sorted []string
		for _, i := range idx {
			sorted = append(sorted, names[i])
		}
		return html.EscapeString(strings.Join(sorted, " > "))
	}
	rho = SpearmanRank(ours, paper)
	return fmt.Sprintf(`<p style="font:13px sans-serif">Ours, best first: %s.<br>The paper's: %s.<br>Spearman's rank correlation: %.2f.</p>`,
		order(ours), order(paper), rho), rho
}

// MeanCurve is value over training for one variant, averaged over its seeds tick by tick (runs of
// the same settings have the same ticks; a tick some seed lacks, or where value has no number,
// is left out), named after the variant.
func MeanCurve(results []Result, variant string, value func(runs.Tick) (float64, bool)) render.Series {
	type sum struct {
		kimg, total float64
		n           int
	}
	var sums []sum
	seeds := 0
	for _, r := range results {
		if r.Variant != variant {
			continue
		}
		seeds++
		for i, tick := range r.Ticks {
			if i == len(sums) {
				sums = append(sums, sum{kimg: tick.Kimg})
			}
			if v, ok := value(tick); ok && !math.IsNaN(v) {
				sums[i].total += v
				sums[i].n++
			}
		}
	}
	s := render.Series{Name: variant}
	for _, p := range sums {
		if p.n == seeds && p.n > 0 {
			s.X, s.Y = append(s.X, p.kimg), append(s.Y, p.total/float64(p.n))
		}
	}
	return s
}

// Term reads a loss term of a tick, for MeanCurve.
func Term(name string) func(runs.Tick) (float64, bool) {
	return func(t runs.Tick) (float64, bool) { v, ok := t.Terms[name]; return v, ok }
}

// TickMetric reads a snapshot metric recorded in a tick (such as "stability/8x8"), for MeanCurve.
func TickMetric(name string) func(runs.Tick) (float64, bool) {
	return func(t runs.Tick) (float64, bool) { v, ok := t.Metrics[name]; return v, ok }
}

// StageSpeed is a training stage's mean speed over its ticks.
type StageSpeed struct {
	Stage        string
	Kimg         float64 // thousands of images shown in the stage
	ImagesPerSec float64
}

// StageSpeeds are the stages of a run in training order, each with its images per second (images
// shown over seconds, over the stage's ticks).
func StageSpeeds(ticks []runs.Tick) []StageSpeed {
	var out []StageSpeed
	var seconds []float64
	last := 0.0
	for _, t := range ticks {
		if len(out) == 0 || out[len(out)-1].Stage != t.Stage {
			out, seconds = append(out, StageSpeed{Stage: t.Stage}), append(seconds, 0)
		}
		out[len(out)-1].Kimg += t.Kimg - last
		seconds[len(seconds)-1] += t.Seconds
		last = t.Kimg
	}
	for i := range out {
		if seconds[i] > 0 {
			out[i].ImagesPerSec = out[i].Kimg * 1000 / seconds[i]
		}
	}
	return out
}
