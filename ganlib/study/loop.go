package study

import (
	"image"
	"maps"
	"slices"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/launch"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/tables"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/pkg/errors"
)

// Loop trains a study's runs with the training loop, as cmd/gantrain does: the run's settings and
// seed over the defaults of every settings table, put together by ganlib/launch (the model fitted
// to the data set, sample grids at each snapshot, the metrics setting's hooks). Its Train is a
// Study's Train.
type Loop struct {
	// Backend is the engine configuration ("": the default, as engine.Config says).
	Backend string
	// MetricsCache is the folder of the metrics' cached classifier and real-image statistics,
	// shared by every run (metrics_cache).
	MetricsCache string
	// EveryGrid keeps the sample grid of every snapshot in the result, not only the last one
	// (ProGAN's stage outputs).
	EveryGrid bool
	// Logf, when set, receives the loop's progress lines.
	Logf func(format string, args ...any)
}

// Train trains r in dir and returns the last snapshot's quality metrics (a metric's parts, such
// as precision and recall, as "<metric>/<part>"), its sample grid, every tick's statistics and,
// with EveryGrid, every snapshot's grid.
func (l Loop) Train(r Run, dir runs.Dir) (Trained, error) {
	settings := map[string]any{train.ParamSeed: r.Seed}
	if l.MetricsCache != "" {
		settings[metrics.ParamMetricsCache] = l.MetricsCache
	}
	maps.Copy(settings, r.Settings)
	ctx, err := tables.Context(settings)
	if err != nil {
		return Trained{}, err
	}
	logf := l.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	model, data, err := launch.Open(ctx, launch.Options{Logf: logf})
	if err != nil {
		return Trained{}, err
	}
	defer data.Close()
	backend, err := engine.New(l.Backend)
	if err != nil {
		return Trained{}, err
	}
	defer backend.Finalize()
	loop, err := launch.NewLoop(backend, ctx, model, data, dir, logf)
	if err != nil {
		return Trained{}, err
	}
	if err := loop.Run(""); err != nil {
		return Trained{}, err
	}
	return l.read(dir)
}

// read collects a finished run's result from its folder.
func (l Loop) read(dir runs.Dir) (Trained, error) {
	var t Trained
	ticks, err := dir.Ticks()
	if err != nil {
		return Trained{}, err
	}
	for _, tick := range ticks {
		tick.SnapshotPath, tick.SamplesPath = "", "" // the run folder is not kept with the result
		t.Ticks = append(t.Ticks, tick)
	}
	measured, err := dir.Metrics()
	if err != nil {
		return Trained{}, err
	}
	if len(measured) > 0 {
		t.Metrics = map[string]float64{}
		last := slices.MaxFunc(measured, func(a, b runs.MetricResult) int { return cmpFloat(a.Kimg, b.Kimg) }).Kimg
		for _, m := range measured {
			if m.Kimg != last {
				continue
			}
			t.Metrics[m.Metric] = m.Value
			for part, v := range m.Parts {
				t.Metrics[m.Metric+"/"+part] = v
			}
		}
	}
	samples, err := dir.Samples()
	if err != nil {
		return Trained{}, err
	}
	if len(samples) == 0 {
		return Trained{}, errors.Errorf("no sample grid in %s: the run wrote no snapshot", dir.Path)
	}
	if t.Grid, err = render.ReadPNG(samples[len(samples)-1].Path); err != nil {
		return Trained{}, err
	}
	if l.EveryGrid {
		for _, s := range samples {
			img, err := render.ReadPNG(s.Path)
			if err != nil {
				return Trained{}, err
			}
			t.Grids = append(t.Grids, SnapshotGrid{Kimg: s.Kimg, Stage: stageAt(ticks, s.Kimg), Image: img})
		}
	}
	return t, nil
}

// stageAt is the stage of the tick that ended at kimg (the one whose snapshot it is).
func stageAt(ticks []runs.Tick, kimg float64) string {
	for _, tick := range ticks {
		if tick.Kimg >= kimg-1e-9 {
			return tick.Stage
		}
	}
	return ""
}

// SnapshotGrid is a snapshot's sample grid, with the stage training was in.
type SnapshotGrid struct {
	Kimg  float64
	Stage string
	Image image.Image
}
