package study

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/gogan/ganlib/runs"
)

// TestStudyTrainsOnlyWhatIsMissing: a run is trained once and then read back (with its metrics,
// grid, commit and backend), whatever order its settings were written in; other settings or
// another seed are other runs; Force trains again; a damaged result is an error naming its file.
func TestStudyTrainsOnlyWhatIsMissing(t *testing.T) {
	root := t.TempDir()
	trainedRuns := 0
	s := Study{Results: filepath.Join(root, "results"), Runs: filepath.Join(root, "runs"), Commit: "abc123", Backend: "go",
		Train: func(r Run, dir runs.Dir) (Trained, error) {
			trainedRuns++
			if entries, _ := os.ReadDir(dir.Path); len(entries) != 0 {
				t.Errorf("run folder %s not fresh: %d entries", dir.Path, len(entries))
			}
			return Trained{Metrics: map[string]float64{"fd": float64(r.Seed) + 0.5}, Grid: image.NewGray(image.Rect(0, 0, 2, 2))}, nil
		}}
	coarse := Run{Variant: "connections=coarse", Seed: 1, Settings: map[string]any{"msggan_connections": "coarse", "kimg": 8.0}}
	first, trained, err := s.Get(coarse)
	if err != nil || !trained || first.Metrics["fd"] != 1.5 || first.Commit != "abc123" || first.Backend != "go" || first.Settings["kimg"] != "8" {
		t.Fatalf("first Get: %+v, trained %v, %v", first, trained, err)
	}
	if _, err := os.Stat(filepath.Join(s.Results, first.Grid)); err != nil {
		t.Errorf("no grid beside the result: %v", err)
	}
	reordered := Run{Variant: "connections=coarse", Seed: 1, Settings: map[string]any{"kimg": 8.0, "msggan_connections": "coarse"}}
	again, trained, err := s.Get(reordered)
	if err != nil || trained || again.Finished != first.Finished || trainedRuns != 1 {
		t.Fatalf("second Get trained %v (%d runs), %v: want the stored result", trained, trainedRuns, err)
	}
	for _, other := range []Run{
		{Variant: "connections=coarse", Seed: 2, Settings: coarse.Settings},
		{Variant: "connections=coarse", Seed: 1, Settings: map[string]any{"msggan_connections": "coarse", "kimg": 16.0}},
	} {
		if _, trained, err := s.Get(other); err != nil || !trained {
			t.Errorf("%+v: trained %v, %v; want a run of its own", other, trained, err)
		}
	}
	s.Force = true
	if _, trained, err := s.Get(coarse); err != nil || !trained || trainedRuns != 4 {
		t.Errorf("forced Get: trained %v (%d runs), %v", trained, trainedRuns, err)
	}
	s.Force = false
	other := Run{Variant: "connections=fine", Seed: 1, Settings: map[string]any{"msggan_connections": "fine"}}
	if _, err := s.Collect([]Run{coarse, other}, false, nil); err == nil || !strings.Contains(err.Error(), "connections=fine seed 1") || trainedRuns != 4 {
		t.Errorf("Collect without training, a result missing: %v (%d runs), want an error naming the run", err, trainedRuns)
	}
	if _, err := os.Stat(filepath.Join(s.Runs, strings.TrimSuffix(filepath.Base(s.path(other)), ".json"))); !os.IsNotExist(err) {
		t.Errorf("Collect without training made a run folder for the missing result: %v", err)
	}
	var reported []bool
	all, err := s.Collect([]Run{coarse, other}, true, func(_ Result, trained bool, _ time.Duration) { reported = append(reported, trained) })
	if err != nil || len(all) != 2 || all[1].Variant != "connections=fine" || !slices.Equal(reported, []bool{false, true}) || trainedRuns != 5 {
		t.Errorf("Collect with training: %v, reported %v, %d runs", err, reported, trainedRuns)
	}
	var lines strings.Builder
	report := Progress(&lines, "stability/8x8")
	report(Result{Variant: "a", Seed: 1, Ticks: []runs.Tick{{Metrics: map[string]float64{"stability/8x8": 0.25}}, {}}}, true, 1500*time.Millisecond)
	report(Result{Variant: "b", Seed: 2, Metrics: map[string]float64{"stability/8x8": 3}}, false, 0)
	report(Result{Variant: "c", Seed: 3}, false, 0)
	if want := "a                        seed 1: stability/8x8 = 0.25 (trained in 2s)\n" +
		"b                        seed 2: stability/8x8 = 3 (read)\n" +
		"c                        seed 3: stability/8x8 = none (read)\n"; lines.String() != want {
		t.Errorf("progress lines:\n%s\nwant:\n%s", lines.String(), want)
	}
	if err := os.WriteFile(s.path(coarse), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(coarse); err == nil || !strings.Contains(err.Error(), s.path(coarse)) || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("damaged result: %v, want an error naming the file", err)
	}
	if c := RepoCommit(t.TempDir()); c != "unknown" {
		t.Errorf("commit outside git: %q", c)
	}
	if c := RepoCommit("."); len(strings.TrimSuffix(c, "+dirty")) != 12 {
		t.Errorf("the repository's commit: %q, want 12 hex digits", c)
	}
}

// TestRowsProvenanceAndRank: results group into one row per variant in first-seen order;
// provenance names each commit; Spearman's rho is 1, -1 and the textbook value with ties.
func TestRowsProvenanceAndRank(t *testing.T) {
	results := []Result{
		{Variant: "all", Seed: 1, Metrics: map[string]float64{"fd": 3}, Commit: "c1"},
		{Variant: "none", Seed: 1, Metrics: map[string]float64{"fd": 9}, Commit: "c2"},
		{Variant: "all", Seed: 2, Metrics: map[string]float64{"fd": 4}, Commit: "c1"},
	}
	rows := Rows(results, "fd")
	if len(rows) != 2 || rows[0].Setting != "all" || !slices.Equal(rows[0].Values, []float64{3, 4}) || !slices.Equal(rows[0].Seeds, []int{1, 2}) || rows[1].Values[0] != 9 {
		t.Errorf("rows %+v", rows)
	}
	if p := Provenance(results); strings.Count(p, "<tr>") != 4 || !strings.Contains(p, "<td>c2</td>") {
		t.Errorf("provenance %s", p)
	}
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{[]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		// Ranks (1, 2.5, 2.5, 4) and (1, 2, 3, 4): rho = 4.5 / sqrt(4.5 * 5).
		{[]float64{1, 2, 2, 5}, []float64{1, 2, 3, 4}, 4.5 / math.Sqrt(4.5*5)},
	} {
		if got := SpearmanRank(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("SpearmanRank(%v, %v) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
	if !math.IsNaN(SpearmanRank([]float64{1}, []float64{2})) {
		t.Error("one value: want NaN")
	}
}
