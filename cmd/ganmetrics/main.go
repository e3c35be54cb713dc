// Command ganmetrics measures metrics on the snapshots of a run, after (or while) it trains:
// the same protocols as the metrics setting (fd10k-classifier, kid10k-classifier, ppl-w, ...),
// appended to the run folder's metrics.jsonl and printed.
//
//	go run ./cmd/ganmetrics -run runs/00003-e32 -metrics fd10k-classifier,kid10k-classifier
//	go run ./cmd/ganmetrics -run runs/00003-e32 -metrics is10k-classifier -snapshot all
package main

import (
	"flag"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/tables"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/pkg/errors"
)

func main() {
	run := flag.String("run", "", "the run folder (runs/NNNNN-name)")
	names := flag.String("metrics", "", "comma-separated metrics: "+strings.Join(metrics.Names(), ", ")+", ppl-w, ppl-z or <kind><samples>-<extractor> (fd, kid, is, pr, pplw, pplz; such as fd10k-classifier)")
	which := flag.String("snapshot", "latest", "latest, all, or a snapshot file of the run")
	backend := flag.String("backend", engine.Config(""), "backend config passed to engine.New (go, xla:cpu)")
	settings := flag.String("set", "", `settings over the run's, such as "metrics_cache=/tmp/m" (not the model's)`)
	flag.Parse()
	if err := measure(*run, *names, *which, *backend, *settings); err != nil {
		log.Fatalf("ganmetrics: %v", err)
	}
}

func measure(run, names, which, backendConfig, settings string) error {
	if run == "" || names == "" {
		return errors.New("give -run (a run folder) and -metrics (see -help)")
	}
	dir := runs.Open(run)
	snapshots, err := dir.Snapshots()
	if err != nil {
		return errors.WithMessagef(err, "-run %s", run)
	}
	if len(snapshots) == 0 {
		return errors.Errorf("-run %s holds no snapshot", run)
	}
	var paths []string
	switch which {
	case "latest":
		latest, _, err := dir.LatestSnapshot()
		if err != nil {
			return err
		}
		paths = []string{latest}
	case "all":
		for _, s := range snapshots {
			paths = append(paths, s.Path)
		}
	default:
		if !slices.ContainsFunc(snapshots, func(f runs.File) bool { return f.Path == which }) {
			return errors.Errorf("-snapshot %s is not a snapshot of %s: use latest, all or one of its snapshot files", which, run)
		}
		paths = []string{which}
	}
	backend, err := engine.New(backendConfig)
	if err != nil {
		return errors.WithMessage(err, "-backend")
	}
	defer backend.Finalize()
	for _, path := range paths {
		start := time.Now()
		ctx, err := runContext(path, names, settings)
		if err != nil {
			return err
		}
		model, err := models.New(ctx)
		if err != nil {
			return errors.WithMessagef(err, "the model of %s", path)
		}
		hooks, err := metrics.Hooks(ctx)
		if err != nil {
			return errors.WithMessage(err, "-metrics")
		}
		tick, err := train.Measure(backend, ctx, model, dir, path, hooks)
		if err != nil {
			return err
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range tick.Metrics {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			fmt.Printf("%s kimg %.3f %s %.6g\n", run, tick.Kimg, k, tick.Metrics[k])
		}
		log.Printf("ganmetrics: %s in %s; results appended to %s/%s", path, time.Since(start).Round(time.Millisecond), run, runs.MetricsName)
	}
	return nil
}

// runContext is the settings of the run that wrote the snapshot, with -metrics and -set over
// them.
func runContext(path, names, settings string) (*context.Context, error) {
	s, err := runs.ReadSnapshot(path)
	if err != nil {
		return nil, err
	}
	ctx, err := s.Settings(path, tables.Settings()...)
	if err != nil {
		return nil, err
	}
	ctx.SetParam(metrics.ParamMetrics, names)
	if _, err := commandline.ParseContextSettings(ctx, settings); err != nil {
		return nil, errors.WithMessagef(err, "-set %q", settings)
	}
	return ctx, nil
}
