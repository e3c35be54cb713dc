package main

import (
	"log"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// run trains the model set by ctx on its data set with the training loop, writing sample grids
// at every snapshot, resuming from resumeFrom if set.
func run(ctx *context.Context, backend backends.Backend, dir runs.Dir, resumeFrom string) error {
	model, err := models.New(ctx)
	if err != nil {
		return err
	}
	cfg, err := train.RunConfigFromContext(ctx)
	if err != nil {
		return err
	}
	data, err := datasets.OpenFor(ctx, model, cfg.Seed)
	if err != nil {
		return err
	}
	defer data.Close()
	log.Printf("data %s: %d images %dx%dx%d", gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset), data.Len(), model.Resolution, model.Resolution, model.Channels)
	loop := &train.Loop{Backend: backend, Ctx: ctx, Model: model, Data: data, Dir: dir}
	loop.OnSnapshot(render.SampleGrids(ctx))
	return loop.Run(resumeFrom)
}
