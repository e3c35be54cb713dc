// Package launch puts a training run together the way every front end needs it (cmd/gantrain,
// ganlib/study): the model its settings select, checked with the objective and the metrics before
// any data is read; the data set, with a new run's image channels and classes following it; and
// the training loop with the sample grids (rows named by the data set's classes) and the metrics
// setting's hooks.
package launch

import (
	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Options say how a run's settings came about.
type Options struct {
	// Resumed is set for a run continued from a snapshot: its channels and classes are its own
	// (the data set converts), never the data set's.
	Resumed bool
	// Explicit reports whether the user named a setting: a named channel count must match the
	// data set instead of following it, a named class count is kept. Nil: none named.
	Explicit func(key string) bool
	// Logf receives what was adjusted and why (nil: nothing is said).
	Logf func(format string, args ...any)
}

// Open validates ctx's model, objective and metrics, then opens the data set and returns the
// model fitted to it: a new run's image channels follow the data set unless named, and a
// class-conditional model's classes follow the data set's unless named.
func Open(ctx *context.Context, o Options) (gan.Model, *datasets.Dataset, error) {
	explicit, logf := o.Explicit, o.Logf
	if explicit == nil {
		explicit = func(string) bool { return false }
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	family, _, err := models.Selected(ctx)
	if err != nil {
		return gan.Model{}, nil, err
	}
	model, err := models.New(ctx)
	if err != nil {
		return gan.Model{}, nil, err
	}
	if err := train.Check(ctx, model); err != nil {
		return gan.Model{}, nil, err
	}
	if _, err := metrics.Hooks(ctx); err != nil {
		return gan.Model{}, nil, err
	}
	cfg, _ := train.RunConfigFromContext(ctx)
	channels := model.Channels
	if !o.Resumed {
		channels = 0 // opened as it is
	}
	data, err := datasets.OpenFor(ctx, model.Resolution, channels, cfg.Seed)
	if err != nil {
		return gan.Model{}, nil, err
	}
	spec := gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset)
	refit := func(key string, value int) error {
		ctx.SetParam(key, value)
		model, err = models.New(ctx)
		return err
	}
	if data.Channels() != model.Channels {
		if explicit(family.ChannelsSetting) {
			data.Close()
			return gan.Model{}, nil, errors.Errorf("%s=%d, but data set %s has %d channels: drop the setting (a new run's channels follow its data set) or use data with %d",
				family.ChannelsSetting, model.Channels, spec, data.Channels(), model.Channels)
		}
		logf("image channels follow the data set: %d (%s), not the preset's %d", data.Channels(), spec, model.Channels)
		if err := refit(family.ChannelsSetting, data.Channels()); err != nil {
			data.Close()
			return gan.Model{}, nil, err
		}
	}
	if model.NumClasses > 0 && data.NumClasses() > 1 && data.NumClasses() != model.NumClasses && !o.Resumed && !explicit(gan.ParamClasses) {
		logf("classes follow the data set: %d (%s), not the preset's %d", data.NumClasses(), spec, model.NumClasses)
		if err := refit(gan.ParamClasses, data.NumClasses()); err != nil {
			data.Close()
			return gan.Model{}, nil, err
		}
	}
	if model.NumClasses == 0 && data.NumClasses() > 0 {
		logf("%s's %d class labels are not used: %s=%d trains class-conditionally", spec, data.NumClasses(), gan.ParamClasses, data.NumClasses())
	}
	return model, data, nil
}

// NewLoop is the training loop of model on data in dir, with a sample grid at every snapshot
// (one row per class, named by the data set, for a class-conditional model) and the metrics
// setting's hooks (logf nil: log.Printf, as train.Loop).
func NewLoop(backend backends.Backend, ctx *context.Context, model gan.Model, data *datasets.Dataset, dir runs.Dir, logf func(format string, args ...any)) (*train.Loop, error) {
	hooks, err := metrics.Hooks(ctx)
	if err != nil {
		return nil, err
	}
	loop := &train.Loop{Backend: backend, Ctx: ctx, Model: model, Data: data, Dir: dir, Logf: logf}
	loop.OnSnapshot(render.SampleGrids(ctx, data.ClassNames()...))
	for _, h := range hooks {
		loop.OnSnapshot(h)
	}
	return loop, nil
}
