package runs

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/pkg/errors"
)

// Tick is the statistics of one tick: the means over its steps of every loss term, plus
// progress and speed. It is one line of stats.jsonl.
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

// AppendTick appends one line to stats.jsonl, flushed to disk so a crash keeps it.
func (d Dir) AppendTick(tick *Tick) error {
	line, err := json.Marshal(tick)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(d.Path, statsName), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.Wrapf(err, "opening %s", statsName)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return errors.Wrapf(err, "appending to %s", statsName)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Ticks reads stats.jsonl, failing on a line that is not a tick (naming it).
func (d Dir) Ticks() ([]Tick, error) {
	path := filepath.Join(d.Path, statsName)
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "runs: reading the statistics")
	}
	defer f.Close()
	var ticks []Tick
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; scanner.Scan(); line++ {
		var tick Tick
		if err := json.Unmarshal(scanner.Bytes(), &tick); err != nil {
			return nil, errors.Errorf("runs: %s line %d is not a tick (%v): %.80q", path, line, err, scanner.Text())
		}
		ticks = append(ticks, tick)
	}
	return ticks, errors.Wrapf(scanner.Err(), "runs: reading %s", path)
}
