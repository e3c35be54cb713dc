package study

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/ganlab/gogan/ganlib/render"
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
