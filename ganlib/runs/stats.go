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
func (d Dir) AppendTick(tick *Tick) error { return d.appendLine(statsName, tick) }

// MetricResult is one line of metrics.jsonl: a quality metric measured on one snapshot.
type MetricResult struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Parts holds a metric's other numbers (IS's spread, precision and recall).
	Parts    map[string]float64 `json:"parts,omitempty"`
	Kimg     float64            `json:"kimg"`
	Snapshot string             `json:"snapshot,omitempty"`
	// Extractor says which feature extractor made the number.
	Extractor string  `json:"extractor"`
	Seconds   float64 `json:"seconds"`
}

// MetricsName is the file of quality metrics in a run folder.
const MetricsName = "metrics.jsonl"

// AppendMetric appends one line to metrics.jsonl, flushed to disk.
func (d Dir) AppendMetric(r *MetricResult) error { return d.appendLine(MetricsName, r) }

// appendLine appends v as one JSON line to the run folder's file name.
func (d Dir) appendLine(name string, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return err
	}
	// 0666 less the umask, as the atomically written files of a run.
	f, err := os.OpenFile(filepath.Join(d.Path, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return errors.Wrapf(err, "opening %s", name)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return errors.Wrapf(err, "appending to %s", name)
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

// Metrics reads metrics.jsonl (none: an empty list), failing on a line that is not a result.
func (d Dir) Metrics() ([]MetricResult, error) {
	data, err := os.ReadFile(filepath.Join(d.Path, MetricsName))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var results []MetricResult
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var r MetricResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, errors.Wrapf(err, "%s line %d", filepath.Join(d.Path, MetricsName), i+1)
		}
		results = append(results, r)
	}
	return results, nil
}

// TruncateMetrics keeps the results of metrics.jsonl measured up to shown images (a resumed run
// measures the later snapshots again), rewriting the file atomically.
func (d Dir) TruncateMetrics(shown int64) error {
	results, err := d.Metrics()
	if err != nil || results == nil {
		return err
	}
	var kept bytes.Buffer
	for i := range results {
		if int64(math.Round(results[i].Kimg*1000)) > shown {
			continue
		}
		line, err := json.Marshal(&results[i])
		if err != nil {
			return err
		}
		kept.Write(append(line, '\n'))
	}
	return atomicfile.Write(filepath.Join(d.Path, MetricsName), kept.Bytes())
}
