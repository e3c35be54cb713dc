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
	ParamMetricsCache     = "metrics_cache"
	ParamClassifierSteps  = "metrics_classifier_steps"
	ParamInceptionWeights = "metrics_inception_weights"
	ParamInceptionH5      = "metrics_inception_h5"
	ParamFDBootstrap      = "metrics_fd_bootstrap"
)

// Settings are the metrics' keys.
var Settings = gan.Settings{
	{Key: ParamMetrics, Default: "stability", Help: "metrics measured at every snapshot, comma-separated: stability (the MSG-GAN paper's Fig. 6) and the quality metrics <kind><samples>-<extractor>, kind fd, kid, is, pr, pplw or pplz (path length in W or Z, alias ppl-w and ppl-z), ifd or acc (class-conditional models: intra-FD, accuracy on the requested class), such as fd10k-classifier, with -trunc<threshold> for BigGAN's truncation of the latents (fd, kid, is, pr: is10k-classifier-trunc0.5) (results also in metrics.jsonl); empty: none"},
	{Key: ParamClassifierSteps, Default: 0, Help: "the classifier extractor's training steps at lr 0.01 (then a third as many at 0.001), batch 128; 0: the data set's default (MNIST 1500, Fashion-MNIST 3000); its cache key holds them"},
	{Key: ParamInceptionWeights, Default: InceptionWeightsPath, Help: "the nsfwinception extractor's converted weights (" + InceptionSetup + " writes them)"},
	{Key: ParamInceptionH5, Default: "", Help: "the inception extractor's Keras ImageNet InceptionV3 weights file (inception_v3_weights_tf_dim_ordering_tf_kernels.h5), yours: never downloaded here"},
	{Key: ParamFDBootstrap, Default: 10, Help: "resamples of the generated features for the Fréchet distance's bootstrap spread (one eigendecomposition each; 0: none)"},
	{Key: ParamMetricsCache, Default: ".cache/metrics", Help: "folder of the trained classifiers and the real-data feature statistics the quality metrics reuse"},
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

// aliases are short names of protocols: StyleGAN's path lengths.
var aliases = map[string]string{"ppl-w": "pplw10k-classifier", "ppl-z": "pplz10k-classifier"}

// Lookup returns the metric called name: a registered one, or a quality metric's protocol.
func Lookup(name string) (Metric, error) {
	if i := slices.IndexFunc(Registry, func(m Metric) bool { return m.Name == name }); i >= 0 {
		return Registry[i], nil
	}
	if _, ok := aliases[name]; !ok && !slices.ContainsFunc(qualityKinds, func(kind string) bool { return strings.HasPrefix(name, kind) }) {
		return Metric{}, errors.Errorf("no metric %q; the metrics are %s, ppl-w, ppl-z and <kind><samples>-<extractor> (fd, kid, is, pr, pplw, pplz, ifd or acc; such as fd10k-classifier)",
			name, strings.Join(Names(), ", "))
	}
	if alias, ok := aliases[name]; ok {
		name = alias
	}
	p, err := ParseProtocol(name)
	if err != nil {
		return Metric{}, err
	}
	if p.Kind == KindIntraFD || p.Kind == KindAccuracy {
		return Metric{Name: p.String(), Description: "per-class metric " + p.String(), Hook: perClassHook(p)}, nil
	}
	if p.Kind == KindPPLW || p.Kind == KindPPLZ {
		return Metric{Name: p.String(), Description: "perceptual path length " + p.String(), Hook: pplHook(p)}, nil
	}
	return Metric{Name: p.String(), Description: "quality metric " + p.String(), Hook: qualityHook(p)}, nil
}

// Hooks returns the snapshot hooks of the metrics the "metrics" setting names.
func Hooks(ctx *context.Context) ([]func(*train.SnapshotEvent) error, error) {
	var hooks []func(*train.SnapshotEvent) error
	spec := gan.Get[string](ctx, Settings, ParamMetrics)
	for _, name := range strings.Split(spec, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		m, err := Lookup(name)
		if err != nil {
			return nil, errors.WithMessagef(err, "%s=%q", ParamMetrics, spec)
		}
		hooks = append(hooks, m.Hook(ctx))
	}
	return hooks, nil
}
