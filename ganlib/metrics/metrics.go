// Package metrics measures a run at its snapshots: each metric is a train.Loop snapshot hook,
// registered here by name and chosen with the "metrics" setting. Values go into the snapshot's
// tick (stats.jsonl, runs.Tick.Metrics) as "<metric>/<part>".
package metrics

import (
	"slices"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Setting keys.
const (
	ParamMetrics          = "metrics"
	ParamStabilityLatents = "stability_latents"
)

// Settings are the metrics' keys.
var Settings = gan.Settings{
	{Key: ParamMetrics, Default: "stability", Help: "metrics measured at every snapshot, comma-separated (stability: the MSG-GAN paper's Fig. 6); empty: none"},
	{Key: ParamStabilityLatents, Default: 16, Help: "fixed latents the stability metric follows from snapshot to snapshot"},
}

// Metric is a measurement made at every snapshot.
type Metric struct {
	Name, Description string
	// Hook returns the snapshot hook measuring the metric with ctx's settings.
	Hook func(ctx *context.Context) func(*train.SnapshotEvent) error
}

// Registry lists the metrics by name.
var Registry = []Metric{
	{Name: "stability", Description: "the MSG-GAN paper's Fig. 6: mean squared difference, per resolution, between the EMA generator's images for fixed latents at this snapshot and at the previous one", Hook: Stability},
}

// Names lists the registered metrics.
func Names() []string {
	var names []string
	for _, m := range Registry {
		names = append(names, m.Name)
	}
	return names
}

// Hooks returns the snapshot hooks of the metrics the "metrics" setting names.
func Hooks(ctx *context.Context) ([]func(*train.SnapshotEvent) error, error) {
	var hooks []func(*train.SnapshotEvent) error
	spec := gan.Get[string](ctx, Settings, ParamMetrics)
	for _, name := range strings.Split(spec, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		i := slices.IndexFunc(Registry, func(m Metric) bool { return m.Name == name })
		if i < 0 {
			return nil, errors.Errorf("%s=%q: no metric %q; the metrics are %s", ParamMetrics, spec, name, strings.Join(Names(), ", "))
		}
		hooks = append(hooks, Registry[i].Hook(ctx))
	}
	return hooks, nil
}
