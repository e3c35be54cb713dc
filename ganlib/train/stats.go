package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/pkg/errors"
)

// Tick is the statistics of one tick: means over its steps of every loss term, plus progress
// and speed. It is one line of stats.jsonl.
type Tick struct {
	Kimg         float64            `json:"kimg"`
	Iterations   int64              `json:"iterations"`
	Seconds      float64            `json:"seconds"`
	ImagesPerSec float64            `json:"images_per_second"`
	Stage        string             `json:"stage,omitempty"`
	Alpha        float64            `json:"alpha"`
	Terms        map[string]float64 `json:"terms"`
	TotalSeconds float64            `json:"total_seconds"`
	SnapshotPath string             `json:"snapshot,omitempty"`
	SamplesPath  string             `json:"samples,omitempty"`
	termSums     map[string]float64
	termCounts   map[string]int
}

// add accumulates one step's named scalar values, checking they are finite.
func (t *Tick) add(names []string, values []float64) error {
	if t.termSums == nil {
		t.termSums, t.termCounts = map[string]float64{}, map[string]int{}
	}
	for i, name := range names {
		if math.IsNaN(values[i]) || math.IsInf(values[i], 0) {
			return errors.Errorf("%s is %g", name, values[i])
		}
		t.termSums[name] += values[i]
		t.termCounts[name]++
	}
	return nil
}

// finish computes the means.
func (t *Tick) finish() {
	t.Terms = map[string]float64{}
	for name, sum := range t.termSums {
		t.Terms[name] = sum / float64(t.termCounts[name])
	}
}

// TermNames returns the tick's terms in a stable order.
func (t *Tick) TermNames() []string {
	var names []string
	for name := range t.Terms {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// appendStats appends one JSON line to dir/stats.jsonl, flushed to disk so a crash keeps it.
func appendStats(dir string, tick *Tick) error {
	line, err := json.Marshal(tick)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "stats.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.Wrap(err, "opening stats.jsonl")
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return errors.Wrap(err, "appending to stats.jsonl")
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
