package stylegan2

import (
	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Model is c as the training machinery sees it: Generator is Synthesis of Mapping, which path
// length regularization differentiates apart.
func (c Config) Model() gan.Model {
	m := gan.Model{
		Name:       c.name(),
		Resolution: c.Resolution, Channels: c.ImageChannels, LatentDim: c.LatentDim, NumClasses: c.Classes,
		Mapping:   c.Mapping,
		Synthesis: c.Synthesis,
		Generator: func(ctx *context.Context, z, labels *Node) []*Node {
			return c.Synthesis(ctx, c.truncated(ctx, c.Mapping(ctx, z, labels)))
		},
		AverageW: func(ctx *context.Context, ws *Node) *Node {
			return c.averageW(ctx, ws.DType()).ValueGraph(ws.Graph())
		},
		StyleResolutions: blocks.StyleResolutions(c.Resolution),
		Discriminator:    c.Discriminator,
		RealInputs: func(ctx *context.Context, real *Node) []*Node {
			switch {
			case c.Growing:
				return []*Node{c.Schedule.Reals(ctx, real)}
			case c.DArchitecture == MSG:
				return ops.Pyramid(real, 4)
			}
			return []*Node{real}
		},
	}
	if c.Growing {
		m = c.Schedule.Grow(m)
	}
	return m
}

// Mapping maps z [B, LatentDim] to the style latents ws [B, NumWs, WDim], untruncated. In
// training graphs it updates w's tracked average and mixes styles: with probability MixingProb
// the latents from a random crossover index on come from a second z (stylegan2-ada's run_G). A
// class-conditional model maps z with the embedding of labels.
func (c Config) Mapping(ctx *context.Context, z, labels *Node) *Node {
	g := z.Graph()
	batch, numWs := z.Shape().Dimensions[0], c.NumWs()
	var embedding *Node
	if c.Classes > 0 {
		embedding = layers.ClassEmbedding(ctx.In("mapping").In("embed"), labels, c.Classes, c.WDim, z.DType())
	}
	mapping := func(z *Node) *Node {
		return layers.Mapping(ctx, z).Layers(c.MappingLayers).WDim(c.WDim).LRMul(c.MappingLRMul).Condition(embedding).Done()
	}
	w := mapping(z)
	broadcast := func(w *Node) *Node { return BroadcastToDims(Reshape(w, batch, 1, c.WDim), batch, numWs, c.WDim) }
	ws := broadcast(w)
	if !ctx.IsTraining(g) {
		return ws
	}
	average := c.averageW(ctx, w.DType())
	avg := average.ValueGraph(g)
	if c.WAvgBeta > 0 {
		mean := StopGradient(ReduceMean(w, 0))
		average.SetValueGraph(Add(mean, MulScalar(Sub(avg, mean), c.WAvgBeta)))
	}
	if c.MixingProb == 0 {
		return ws
	}
	other := broadcast(mapping(ctx.RandomNormal(g, z.Shape())))
	// The crossover: uniform in [1, numWs) with probability MixingProb, else numWs (no mixing).
	u := ctx.RandomUniform(g, shapes.Make(w.DType()))
	cutoff := AddScalar(Floor(MulScalar(ctx.RandomUniform(g, shapes.Make(w.DType())), float64(numWs-1))), 1)
	cutoff = Where(LessThan(u, Scalar(g, w.DType(), c.MixingProb)), cutoff, Scalar(g, w.DType(), float64(numWs)))
	index := Iota(g, shapes.Make(w.DType(), batch, numWs, c.WDim), 1)
	return Where(GreaterOrEqual(index, BroadcastToDims(cutoff, batch, numWs, c.WDim)), other, ws)
}

// averageW is w's tracked average [WDim], the truncation trick's centre.
func (c Config) averageW(ctx *context.Context, dtype dtypes.DType) *context.Variable {
	return ctx.In("mapping").WithInitializer(initializers.Zero).VariableWithShape("w_avg", shapes.Make(dtype, c.WDim)).SetTrainable(false)
}

// truncated applies the sampling truncation (TruncationPsi, TruncationCutoff) outside training.
func (c Config) truncated(ctx *context.Context, ws *Node) *Node {
	g := ws.Graph()
	if ctx.IsTraining(g) || c.TruncationPsi == 1 {
		return ws
	}
	cutoff := c.TruncationCutoff
	if cutoff == 0 {
		cutoff = c.NumWs()
	}
	return gan.Truncate(ws, c.averageW(ctx, ws.DType()).ValueGraph(g), Scalar(g, ws.DType(), c.TruncationPsi), Scalar(g, ws.DType(), float64(cutoff)))
}

// Synthesis maps ws [B, NumWs, WDim] to images: the final one, or one per resolution for the msg
// discriminator; a growing model's current stage.
func (c Config) Synthesis(ctx *context.Context, ws *Node) []*Node {
	g := ws.Graph()
	resolution, fading := c.Resolution, false
	if c.Growing {
		resolution, fading = c.Schedule.Of(ctx, g)
	}
	noise := c.SampleNoise
	if ctx.IsTraining(g) {
		noise = layers.NoiseRandom
	}
	synthesis := blocks.StyleGAN2Generator{FeatureMaps: c.Channels, ImageChannels: c.ImageChannels,
		Residual: c.GArchitecture == Resnet, AdaIN: c.Normalization == AdaIN, Noise: noise}
	outputs := blocks.OutputFinal
	switch {
	case c.DArchitecture == MSG:
		outputs = blocks.OutputEveryScale
	case c.GArchitecture == Skip:
		outputs = blocks.OutputSkip
	case fading:
		outputs = blocks.OutputFadeIn
	}
	return blocks.StyleGAN2Synthesis(ctx, synthesis, resolution, outputs, ws)
}

// Discriminator scores images [B, 1]: StyleGAN2's (orig, skip or resnet) on the final image, or
// MSG-GAN's on one image per resolution.
func (c Config) Discriminator(ctx *context.Context, images []*Node, labels *Node) *Node {
	if c.DArchitecture == MSG {
		d := blocks.ProGANDiscriminator{FeatureMaps: c.Channels, MbstdEveryBlock: !c.MbstdFinalOnly, Classes: c.Classes}
		return blocks.Discriminator(ctx, d, c.Resolution, blocks.Inputs{Connections: c.Connections, Phi: c.Phi}, images, labels)
	}
	resolution, fading := c.Resolution, false
	if c.Growing {
		resolution, fading = c.Schedule.Of(ctx, images[0].Graph())
	}
	d := blocks.StyleGAN2Discriminator{FeatureMaps: c.Channels, Residual: c.DArchitecture == Resnet, Classes: c.Classes}
	return blocks.Discriminator(ctx, d, resolution, blocks.Inputs{Skip: c.DArchitecture == Skip, FadeIn: fading}, images, labels)
}
