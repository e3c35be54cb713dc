package msggan

import (
	"fmt"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Generator maps latents z [B, LatentDim] (and labels [B] of a class-conditional model, else
// nil) to images at every resolution, 4x4 first: outputs[i] is [B, 4*2^i, 4*2^i, ImageChannels]
// (the paper's o_i = r^i(a_i)).
func Generator(ctx *context.Context, cfg Config, z, labels *Node) []*Node {
	g := blocks.ProGANGenerator{FeatureMaps: cfg.Channels, ImageChannels: cfg.ImageChannels, Classes: cfg.Classes}
	return blocks.Generator(ctx, g, cfg.Resolution, blocks.OutputEveryScale, z, labels)
}

// Discriminator scores a multi-scale batch ([B, 1]): images[i] is [B, 4*2^i, 4*2^i,
// ImageChannels], as Generator returns (or an average-pooled pyramid of real images); images at
// resolutions not in cfg.Connections are ignored. Minibatch stddev starts every block (Table 7)
// or, with MbstdFinalOnly, the last one. Labels are a class-conditional model's (else nil).
func Discriminator(ctx *context.Context, cfg Config, images []*Node, labels *Node) *Node {
	d := blocks.ProGANDiscriminator{FeatureMaps: cfg.Channels, MbstdEveryBlock: !cfg.MbstdFinalOnly, Classes: cfg.Classes}
	return blocks.Discriminator(ctx, d, cfg.Resolution, blocks.Inputs{Connections: cfg.Connections, Phi: cfg.Phi}, images, labels)
}

// Model is c as the training machinery sees it: real batches become their average-pooled
// pyramid, one image per discriminator block.
func (c Config) Model() gan.Model {
	return gan.Model{
		Name:       fmt.Sprintf("MSG-ProGAN %dx%dx%d", c.Resolution, c.Resolution, c.ImageChannels),
		Resolution: c.Resolution, Channels: c.ImageChannels, LatentDim: c.LatentDim, NumClasses: c.Classes,
		Generator: func(ctx *context.Context, z, labels *Node) []*Node { return Generator(ctx, c, z, labels) },
		Discriminator: func(ctx *context.Context, images []*Node, labels *Node) *Node {
			return Discriminator(ctx, c, images, labels)
		},
		RealInputs: func(_ *context.Context, real *Node) []*Node { return ops.Pyramid(real, 4) },
	}
}
