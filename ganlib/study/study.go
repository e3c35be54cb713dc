// Package study runs the cells of a paper's table as training runs and keeps their results: a run
// is identified by its settings, a finished one is not trained again unless forced, and each
// result (final metrics, final sample grid, when, on which commit and backend, wall time) is a
// small JSON and PNG in a results folder committed with the notebook. A re-execution on any
// machine renders the table from them and trains only what is missing, so a table grows by one
// column without rerunning the rest.
package study

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/pkg/errors"
)

// Run is one table cell's repetition.
type Run struct {
	// Variant names the cell, e.g. "connections=coarse"; Seed the repetition.
	Variant string
	Seed    int
	// Settings are everything the run trains with (the budget and the variant's settings), the
	// seed aside.
	Settings map[string]any
}

// Key identifies the run by its settings and seed, whatever the variant is called: the first
// 12 hex digits of the SHA-256 of its sorted key=value lines.
func (r Run) Key() string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(r.Settings)) {
		lines = append(lines, fmt.Sprintf("%s=%v", k, r.Settings[k]))
	}
	lines = append(lines, fmt.Sprintf("seed=%d", r.Seed))
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%x", sum[:6])
}

// Result is what a finished run leaves in the results folder.
type Result struct {
	Variant  string            `json:"variant"`
	Seed     int               `json:"seed"`
	Key      string            `json:"key"`
	Settings map[string]string `json:"settings"`
	// Metrics are the final snapshot's values by name ("fd10k-classifier", ...).
	Metrics map[string]float64 `json:"metrics"`
	// Grid is the final sample grid's file, beside the JSON ("" if none).
	Grid string `json:"grid,omitempty"`
	// Ticks are the run's statistics tick by tick (stats.jsonl without its file paths): loss
	// curves, alpha and speed per stage, per-snapshot metrics such as stability.
	Ticks []runs.Tick `json:"ticks,omitempty"`
	// Grids are earlier snapshots' sample grids (files beside the JSON), when the trainer kept them.
	Grids []GridFile `json:"grids,omitempty"`
	// Finished (UTC, RFC 3339), Commit, Backend and WallSeconds say how and when it was made.
	Finished    string  `json:"finished"`
	Commit      string  `json:"commit"`
	Backend     string  `json:"backend"`
	WallSeconds float64 `json:"wall_seconds"`
}

// GridFile is a stored snapshot grid: its file beside the result's JSON.
type GridFile struct {
	Kimg  float64 `json:"kimg"`
	Stage string  `json:"stage,omitempty"`
	File  string  `json:"file"`
}

// Trained is what Train returns for a run: its final metrics and sample grid (nil: none), and
// optionally its ticks and earlier snapshots' grids.
type Trained struct {
	Metrics map[string]float64
	Grid    image.Image
	Ticks   []runs.Tick
	Grids   []SnapshotGrid
}

// Study is one notebook's runs.
type Study struct {
	// Results holds the results (committed: notebooks/results/<notebook>); Runs the run folders
	// (not committed: runs/<notebook>).
	Results, Runs string
	// Force trains runs again even when they have a result.
	Force bool
	// Commit and Backend describe what trains now, for the results it writes (Commit: see
	// RepoCommit).
	Commit, Backend string
	// Train trains a run in its folder (a fresh one).
	Train func(r Run, dir runs.Dir) (Trained, error)
}

// path is the result file of r.
func (s Study) path(r Run) string {
	return filepath.Join(s.Results, sanitize(r.Variant)+fmt.Sprintf("-seed%d-%s.json", r.Seed, r.Key()))
}

// sanitize makes a variant name a file name: letters, digits, '-', '_' and '.', the rest '_'.
func sanitize(name string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			return c
		}
		return '_'
	}, name)
}

// Get returns r's result: the stored one, or (when there is none, or with Force) a fresh one
// trained with Train in a new run folder and stored, JSON and grid, before it is returned.
// trained says which.
func (s Study) Get(r Run) (result Result, trained bool, err error) {
	path := s.path(r)
	if !s.Force {
		if result, found, err := s.read(r); found || err != nil {
			return result, false, err
		}
	}
	dir := runs.Open(filepath.Join(s.Runs, strings.TrimSuffix(filepath.Base(path), ".json")))
	if err := os.RemoveAll(dir.Path); err != nil { // a fresh run: never continue a half-finished one's files
		return Result{}, false, err
	}
	if err := os.MkdirAll(dir.Path, 0o755); err != nil {
		return Result{}, false, err
	}
	start := time.Now()
	t, err := s.Train(r, dir)
	if err != nil {
		return Result{}, false, errors.WithMessagef(err, "training %s seed %d", r.Variant, r.Seed)
	}
	result = Result{Variant: r.Variant, Seed: r.Seed, Key: r.Key(), Settings: map[string]string{}, Metrics: t.Metrics, Ticks: t.Ticks,
		Finished: time.Now().UTC().Format(time.RFC3339), Commit: s.Commit, Backend: s.Backend, WallSeconds: time.Since(start).Seconds()}
	for k, v := range r.Settings {
		result.Settings[k] = fmt.Sprint(v)
	}
	if err := os.MkdirAll(s.Results, 0o755); err != nil {
		return Result{}, false, err
	}
	base := strings.TrimSuffix(filepath.Base(path), ".json")
	if t.Grid != nil {
		result.Grid = base + ".png"
		if err := render.WritePNG(filepath.Join(s.Results, result.Grid), t.Grid); err != nil {
			return Result{}, false, err
		}
	}
	for _, g := range t.Grids {
		file := fmt.Sprintf("%s-kimg%.3f.png", base, g.Kimg)
		if err := render.WritePNG(filepath.Join(s.Results, file), g.Image); err != nil {
			return Result{}, false, err
		}
		result.Grids = append(result.Grids, GridFile{Kimg: g.Kimg, Stage: g.Stage, File: file})
	}
	data, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return Result{}, false, err
	}
	return result, true, atomicfile.Write(path, append(data, '\n'))
}

// read returns r's stored result, found false when there is none.
func (s Study) read(r Run) (result Result, found bool, err error) {
	path := s.path(r)
	data, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return Result{}, false, nil
	case err != nil:
		return Result{}, false, errors.Wrap(err, "reading a result")
	}
	if err := json.Unmarshal(data, &result); err != nil {
		return Result{}, false, errors.Errorf("result %s is damaged (%v): delete it to train the run again", path, err)
	}
	return result, true, nil
}

// Collect returns the results of rs in their order: stored ones read, missing ones trained when
// train is true (report, when set, then hears of each result, whether it was trained and how
// long it took); with train false a missing result is an error naming the run, so that a table
// cell never trains by surprise, and nothing is reported.
func (s Study) Collect(rs []Run, train bool, report func(r Result, trained bool, took time.Duration)) ([]Result, error) {
	var out []Result
	for _, r := range rs {
		if !train { // read only: a missing result touches no run folder
			res, found, err := s.read(r)
			if err == nil && !found {
				err = errors.Errorf("%s seed %d has no result in %s: run the training cells first", r.Variant, r.Seed, s.Results)
			}
			if err != nil {
				return out, err
			}
			out = append(out, res)
			continue
		}
		start := time.Now()
		res, trained, err := s.Get(r)
		if err != nil {
			return out, err
		}
		if report != nil {
			report(res, trained, time.Since(start))
		}
		out = append(out, res)
	}
	return out, nil
}

// Progress is a Collect report writing one line per result to w: variant, seed, the metric's final
// value (from the last tick that has it when it is a snapshot metric such as "stability/32x32")
// and whether the result was read or trained, in how long.
func Progress(w io.Writer, metric string) func(r Result, trained bool, took time.Duration) {
	return func(r Result, trained bool, took time.Duration) {
		value, ok := r.Metrics[metric]
		for i := len(r.Ticks) - 1; i >= 0 && !ok; i-- {
			value, ok = r.Ticks[i].Metrics[metric]
		}
		what := "read"
		if trained {
			what = "trained in " + took.Round(time.Second).String()
		}
		shown := "none"
		if ok {
			shown = fmt.Sprintf("%.4g", value)
		}
		fmt.Fprintf(w, "%-24s seed %d: %s = %s (%s)\n", r.Variant, r.Seed, metric, shown, what)
	}
}

// RepoCommit describes the repository's checkout at dir: its short commit, "+dirty" when files
// differ from it (a result made by uncommitted code says so), or "unknown" outside git.
func RepoCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if status, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(status))) > 0 {
		commit += "+dirty"
	}
	return commit
}
