package render

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

func TestMeanCI95(t *testing.T) {
	// Two values 1 and 3: mean 2, sd sqrt(2), half-width t(1) * sqrt(2) / sqrt(2) = 12.706.
	if mean, half := MeanCI95([]float64{1, 3}); mean != 2 || math.Abs(half-12.706) > 1e-12 {
		t.Errorf("MeanCI95(1, 3) = %g ± %g, want 2 ± 12.706", mean, half)
	}
	// Five values 1..5: mean 3, sd sqrt(2.5), half-width 2.776 * sqrt(2.5/5).
	if mean, half := MeanCI95([]float64{1, 2, 3, 4, 5}); mean != 3 || math.Abs(half-2.776*math.Sqrt(0.5)) > 1e-12 {
		t.Errorf("MeanCI95(1..5) = %g ± %g", mean, half)
	}
	if mean, half := MeanCI95([]float64{7}); mean != 7 || !math.IsNaN(half) {
		t.Errorf("one value: %g ± %g, want 7 ± NaN", mean, half)
	}
}

func TestStudentT975(t *testing.T) {
	// Exact quantiles: df 40 -> 2.0211, 60 -> 2.0003, 120 -> 1.9799; the table ends at 30 -> 2.042.
	for _, tc := range []struct {
		df   int
		want float64
	}{{1, 12.706}, {30, 2.042}, {40, 2.0211}, {60, 2.0003}, {120, 1.9799}} {
		if got := StudentT975(tc.df); math.Abs(got-tc.want) > 1e-3 {
			t.Errorf("StudentT975(%d) = %.4f, want %.4f", tc.df, got, tc.want)
		}
	}
}

// tableCells returns the text of each <td> or <th>, row by row.
func tableCells(table string) [][]string {
	var rows [][]string
	for _, row := range regexp.MustCompile(`<tr>(.*?)</tr>`).FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, c := range regexp.MustCompile(`<t[dh][^>]*>(.*?)</t[dh]>`).FindAllStringSubmatch(row[1], -1) {
			cells = append(cells, c[1])
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestResultTableCells(t *testing.T) {
	table := ResultTable{Caption: "MSG-GAN connections", Metric: "FID (lower is better)", Rows: []ResultRow{
		{Setting: "all", Seeds: []int{1, 2}, Values: []float64{1, 3}, Paper: &PaperRef{Value: 8.36, Source: "MSG-GAN Table 4"}},
		{Setting: "none <DCGAN>", Seeds: []int{1}, Values: []float64{14.2}},
		{Setting: "coarse"},
	}}.HTML()
	want := [][]string{
		{"setting", "FID (lower is better): mean ± 95% CI", "seeds", "paper"},
		{"all", "2.00 ± 12.71", "1, 2", "8.36 [MSG-GAN Table 4]"},
		{"none &lt;DCGAN&gt;", "14.20 (1 seed: no CI)", "1", "—"},
		{"coarse", "—", "", "—"},
	}
	got := tableCells(table)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), table)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(table, `<caption style="text-align:left;font-weight:bold">MSG-GAN connections</caption>`) {
		t.Errorf("caption missing:\n%s", table)
	}
	if got := tableCells(ResultTable{Digits: 3, Rows: []ResultRow{{Setting: "x", Seeds: []int{4}, Values: []float64{1.23456}}}}.HTML()); got[1][1] != "1.235 (1 seed: no CI)" {
		t.Errorf("3 digits: %q", got[1][1])
	}
}

func TestResultGridCells(t *testing.T) {
	// Values 1, 2, 3: mean 2, sd 1, half-width t(2) / sqrt(3) = 4.303 / 1.732 = 2.484.
	grid := ResultGrid{Caption: "Table 2", Metric: "FD (lower is better)", Corner: "G \\ D", Rows: []string{"orig", "skip"}, Columns: []string{"orig", "resnet"},
		Cells: [][]ResultRow{
			{{Seeds: []int{1, 2, 3}, Values: []float64{1, 2, 3}, Paper: &PaperRef{Value: 4.32}}, {Seeds: []int{1}, Values: []float64{7}}},
			{{}, {Seeds: []int{1, 2}, Values: []float64{1, 3}, Paper: &PaperRef{Value: 3.31}}},
		}}.HTML()
	want := [][]string{
		{"G \\ D", "orig", "resnet"},
		{"orig", `2.00 ± 2.48<br><span style="color:#666">paper 4.32</span>`, "7.00 (1 seed: no CI)"},
		{"skip", "—", `2.00 ± 12.71<br><span style="color:#666">paper 3.31</span>`},
	}
	got := tableCells(grid)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), grid)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(grid, "Table 2: FD (lower is better), mean ± 95% CI</caption>") {
		t.Errorf("caption missing:\n%s", grid)
	}
}
