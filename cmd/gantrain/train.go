package main

import (
	"fmt"
	"log"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// run trains with alternating WGAN-GP discriminator and generator steps for kimg thousand real
// images, logging the losses every tick and writing sample grids of fixed latents at the start
// and the end.
func run(ctx *context.Context, backend backends.Backend, outDir string) error {
	cfg, err := msggan.FromContext(ctx, msggan.MNIST())
	if err != nil {
		return err
	}
	seed := context.GetParamOr(ctx, train.ParamSeed, 1)
	ctx.SetParam(context.ParamInitialSeed, int64(seed))
	batchSize := context.GetParamOr(ctx, train.ParamBatchSize, 16)
	spec := context.GetParamOr(ctx, train.ParamDataset, "mnist")
	data, err := datasets.Open(spec, datasets.Options{Resolution: cfg.Resolution, Channels: cfg.ImageChannels, Seed: uint64(seed)})
	if err != nil {
		return err
	}
	defer data.Close()
	log.Printf("data %s: %d images %dx%dx%d; model: MSG-ProGAN %+v", spec, data.Len(), cfg.Resolution, cfg.Resolution, cfg.ImageChannels, cfg)

	gan := train.GAN{
		LatentDim:     cfg.LatentDim,
		Generator:     func(ctx *context.Context, z *Node) []*Node { return msggan.Generator(ctx, cfg, z) },
		Discriminator: func(ctx *context.Context, images []*Node) *Node { return msggan.Discriminator(ctx, cfg, images) },
		RealInputs:    func(real *Node) []*Node { return train.Pyramid(real, 4) },
	}
	loss := train.WGANGPFor(ctx)
	optD, optG := train.OptimizerFor(ctx, train.DiscriminatorScope), train.OptimizerFor(ctx, train.GeneratorScope)
	dStep := context.MustNewExec(backend, ctx, func(ctx *context.Context, real, z, eps *Node) []*Node {
		return gan.WGANGPDiscriminatorStep(ctx, loss, optD, real, z, eps)
	})
	gStep := context.MustNewExec(backend, ctx, func(ctx *context.Context, z *Node) []*Node {
		return gan.WGANGPGeneratorStep(ctx, loss, optG, z)
	})
	generate := context.MustNewExec(backend, ctx, func(ctx *context.Context, z *Node) []*Node {
		return gan.Generate(ctx, z)
	})

	rng := rand.New(rand.NewPCG(uint64(seed), 0x6761_6e73))
	fixedLatents := normalTensor(rng, 8, cfg.LatentDim)
	total := int(context.GetParamOr(ctx, train.ParamKimg, 1.0) * 1000)
	tick := max(int(context.GetParamOr(ctx, train.ParamTickKimg, 0.25)*1000), batchSize)
	start := time.Now()
	for shown, nextTick := 0, 0; shown < total; shown += batchSize {
		batch, err := data.NextBatch(batchSize)
		if err != nil {
			return err
		}
		real, err := batch.Tensor()
		if err != nil {
			return err
		}
		dOut := dStep.MustExec(real, normalTensor(rng, batchSize, cfg.LatentDim), uniformTensor(rng, batchSize))
		gOut := gStep.MustExec(normalTensor(rng, batchSize, cfg.LatentDim))
		if shown == 0 {
			// The first call compiled the graphs: now the initial weights exist, sample them.
			if err := writeSamples(generate, fixedLatents, filepath.Join(outDir, "samples-kimg0000.0.png")); err != nil {
				return err
			}
		}
		if shown >= nextTick || shown+batchSize >= total {
			log.Printf("kimg %.3f: D loss %.4f (wasserstein %.4f, gp %.4f, drift %.4f), G loss %.4f, %.1f images/s",
				float64(shown+batchSize)/1000, scalar(dOut[0]), scalar(dOut[1]), scalar(dOut[2]), scalar(dOut[3]),
				scalar(gOut[0]), float64(shown+batchSize)/time.Since(start).Seconds())
			nextTick += tick
		}
	}
	return writeSamples(generate, fixedLatents, filepath.Join(outDir, fmt.Sprintf("samples-kimg%06.1f.png", float64(total)/1000)))
}

// writeSamples renders the generator's multi-scale outputs for the latents, one row per latent.
func writeSamples(generate *context.Exec, latents *tensors.Tensor, path string) error {
	outputs := generate.MustExec(latents)
	scales := make([]render.Images, len(outputs))
	for i, out := range outputs {
		im, err := render.FromTensor(out)
		if err != nil {
			return err
		}
		scales[i] = im
	}
	if err := render.WritePNG(path, render.ScaleGrid(scales, latents.Shape().Dimensions[0])); err != nil {
		return errors.WithMessage(err, "writing samples")
	}
	log.Printf("wrote %s", path)
	return nil
}

func scalar(t *tensors.Tensor) float64 { return float64(tensors.ToScalar[float32](t)) }

func normalTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(rng.NormFloat64())
		}
	})
	return t
}

func uniformTensor(rng *rand.Rand, n int) *tensors.Tensor {
	values := make([]float32, n)
	for i := range values {
		values[i] = rng.Float32()
	}
	return tensors.FromFlatDataAndDimensions(values, n)
}
