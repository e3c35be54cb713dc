package render

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// ResultTable is a table of results over seeds, one row per setting, with the paper's number
// beside each measured one.
type ResultTable struct {
	Caption string
	// Metric names the measured value, with its direction, e.g. "FID (lower is better)".
	Metric string
	// Digits is the number of decimals shown (0: 2).
	Digits int
	Rows   []ResultRow
}

// ResultRow is one setting measured over one or more seeds.
type ResultRow struct {
	Setting string
	// Seeds and Values are parallel: Values[i] was measured with Seeds[i].
	Seeds  []int
	Values []float64
	// Paper is the published number for this setting, if any.
	Paper *PaperRef
}

// PaperRef is a published reference number and where it is printed.
type PaperRef struct {
	Value  float64
	Source string // e.g. "MSG-GAN Table 4, FFHQ 1024"
}

// MeanCI95 returns the mean of values and the half-width of its 95% confidence interval under
// Student's t distribution (n-1 degrees of freedom); the half-width is NaN for fewer than two
// values, where no interval exists.
func MeanCI95(values []float64) (mean, halfWidth float64) {
	n := len(values)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range values {
		mean += v
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	return mean, StudentT975(n-1) * sd / math.Sqrt(float64(n))
}

// t975 holds the 0.975 quantiles of Student's t for 1..30 degrees of freedom (standard tables).
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// StudentT975 returns the 0.975 quantile of Student's t with df >= 1 degrees of freedom: from
// the table up to 30, beyond that from the Cornish-Fisher expansion around the normal quantile
// (within 1e-3 of the exact value there).
func StudentT975(df int) float64 {
	if df <= len(t975) {
		return t975[df-1]
	}
	const z = 1.959964
	v := float64(df)
	return z + (z*z*z+z)/(4*v) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*v*v)
}

// HTML returns the table with columns setting, metric (mean ± 95% CI), seeds and paper.
func (t ResultTable) HTML() string {
	digits := t.Digits
	if digits <= 0 {
		digits = 2
	}
	format := func(v float64) string { return strconv.FormatFloat(v, 'f', digits, 64) }
	var b strings.Builder
	b.WriteString(`<table class="gogan-results" style="border-collapse:collapse;font:13px sans-serif">`)
	if t.Caption != "" {
		fmt.Fprintf(&b, `<caption style="text-align:left;font-weight:bold">%s</caption>`, html.EscapeString(t.Caption))
	}
	const cell = ` style="border:1px solid #ccc;padding:2px 8px;text-align:%s"`
	header := []string{"setting", t.Metric + ": mean ± 95% CI", "seeds", "paper"}
	b.WriteString(`<thead><tr>`)
	for _, h := range header {
		fmt.Fprintf(&b, `<th`+cell+`>%s</th>`, "left", html.EscapeString(h))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, row := range t.Rows {
		measured := row.measured(format)
		seeds := make([]string, len(row.Seeds))
		for i, s := range row.Seeds {
			seeds[i] = strconv.Itoa(s)
		}
		paper := "—"
		if row.Paper != nil {
			paper = format(row.Paper.Value) + " [" + row.Paper.Source + "]"
		}
		b.WriteString(`<tr>`)
		for i, v := range []string{row.Setting, measured, strings.Join(seeds, ", "), paper} {
			align := "left"
			if i == 1 {
				align = "right"
			}
			fmt.Fprintf(&b, `<td`+cell+`>%s</td>`, align, html.EscapeString(v))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}

// measured is the row's mean ± 95% CI ("—" without values).
func (row ResultRow) measured(format func(float64) string) string {
	mean, half := MeanCI95(row.Values)
	switch {
	case len(row.Values) == 1:
		return format(mean) + " (1 seed: no CI)"
	case len(row.Values) > 1:
		return format(mean) + " ± " + format(half)
	}
	return "—"
}

// ResultGrid is a two-factor table, such as the StyleGAN2 paper's Table 2 (G's architecture by
// D's): each cell one setting over its seeds, mean ± 95% CI with the paper's number under it.
type ResultGrid struct {
	Caption string
	// Metric names the value with its direction; Corner titles the factors, e.g. "G \\ D".
	Metric, Corner string
	// Digits is the number of decimals shown (0: 2).
	Digits        int
	Rows, Columns []string
	// Cells[i][j] is row i's and column j's setting.
	Cells [][]ResultRow
}

// HTML returns the grid: a header of the columns, then one line per row.
func (g ResultGrid) HTML() string {
	digits := g.Digits
	if digits <= 0 {
		digits = 2
	}
	format := func(v float64) string { return strconv.FormatFloat(v, 'f', digits, 64) }
	const cell = ` style="border:1px solid #ccc;padding:2px 8px;text-align:%s"`
	var b strings.Builder
	b.WriteString(`<table class="gogan-results" style="border-collapse:collapse;font:13px sans-serif">`)
	if g.Caption != "" {
		fmt.Fprintf(&b, `<caption style="text-align:left;font-weight:bold">%s</caption>`, html.EscapeString(g.Caption+": "+g.Metric+", mean ± 95% CI"))
	}
	fmt.Fprintf(&b, `<thead><tr><th`+cell+`>%s</th>`, "left", html.EscapeString(g.Corner))
	for _, c := range g.Columns {
		fmt.Fprintf(&b, `<th`+cell+`>%s</th>`, "left", html.EscapeString(c))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, r := range g.Rows {
		fmt.Fprintf(&b, `<tr><th`+cell+`>%s</th>`, "left", html.EscapeString(r))
		for j := range g.Columns {
			text := "—"
			if i < len(g.Cells) && j < len(g.Cells[i]) {
				row := g.Cells[i][j]
				text = html.EscapeString(row.measured(format))
				if row.Paper != nil {
					text += `<br><span style="color:#666">paper ` + html.EscapeString(format(row.Paper.Value)) + `</span>`
				}
			}
			fmt.Fprintf(&b, `<td`+cell+`>%s</td>`, "right", text)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}
