package runs

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ganlab/gogan/ganlib/atomicfile"
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
	// Metrics are the values snapshot hooks measured, by name (such as "stability/8x8").
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// SkippedSamples counts the unreadable samples skipped so far (skip_bad), when there are any.
	SkippedSamples int `json:"skipped_samples,omitempty"`
	// Warnings name the statistics past the divergence bound in this tick.
	Warnings []string `json:"warnings,omitempty"`
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
	// 0666 less the umask, as the atomically written files of a run.
	f, err := os.OpenFile(filepath.Join(d.Path, statsName), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
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
	ticks, _, err := d.readTicks(false)
	return ticks, err
}

// readTicks reads stats.jsonl; with partialTail, a last line that does not parse (a write cut
// short by a kill) is dropped and reported instead of failing.
func (d Dir) readTicks(partialTail bool) (ticks []Tick, droppedTail bool, err error) {
	path := filepath.Join(d.Path, statsName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, errors.Wrap(err, "runs: reading the statistics")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for i, line := range lines {
		var tick Tick
		if err := json.Unmarshal([]byte(line), &tick); err != nil {
			if partialTail && i == len(lines)-1 {
				return ticks, true, nil
			}
			return nil, false, errors.Errorf("runs: %s line %d is not a tick (%v): %.80q", path, i+1, err, line)
		}
		ticks = append(ticks, tick)
	}
	return ticks, false, nil
}

// TruncateTicks keeps the ticks of stats.jsonl up to shown images (a resumed run writes the later
// ones again; after a kill they would be there twice), rewriting the file atomically.
func (d Dir) TruncateTicks(shown int64) error {
	ticks, _, err := d.readTicks(true)
	if os.IsNotExist(errors.Cause(err)) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept bytes.Buffer
	for i := range ticks {
		if int64(math.Round(ticks[i].Kimg*1000)) > shown {
			break
		}
		line, err := json.Marshal(&ticks[i])
		if err != nil {
			return err
		}
		kept.Write(append(line, '\n'))
	}
	return atomicfile.Write(filepath.Join(d.Path, statsName), kept.Bytes())
}
