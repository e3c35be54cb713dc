package main

import (
	"log"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// run trains the MSG-ProGAN set by ctx on its data set with the training loop, resuming from
// resumeFrom if set.
func run(ctx *context.Context, backend backends.Backend, outDir, resumeFrom string) error {
	cfg, err := msggan.FromContext(ctx)
	if err != nil {
		return err
	}
	spec := context.GetParamOr(ctx, train.ParamDataset, "mnist")
	data, err := datasets.Open(spec, datasets.Options{Resolution: cfg.Resolution, Channels: cfg.ImageChannels,
		Seed: uint64(context.GetParamOr(ctx, train.ParamSeed, 1))})
	if err != nil {
		return err
	}
	defer data.Close()
	log.Printf("data %s: %d images %dx%dx%d; model: MSG-ProGAN %+v", spec, data.Len(), cfg.Resolution, cfg.Resolution, cfg.ImageChannels, cfg)
	loop := &train.Loop{
		Backend: backend,
		Ctx:     ctx,
		GAN:     cfg.GAN(),
		Data:    data,
		OutDir:  outDir,
	}
	return loop.Run(resumeFrom)
}
