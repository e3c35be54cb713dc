package msggan

import (
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// GAN adapts the configuration to the training machinery: the generator's multi-scale outputs
// feed the discriminator directly, and real batches become their average-pooled pyramid.
func (c Config) GAN() train.GAN {
	return train.GAN{
		LatentDim:     c.LatentDim,
		Generator:     func(ctx *context.Context, z *Node) []*Node { return Generator(ctx, c, z) },
		Discriminator: func(ctx *context.Context, images []*Node) *Node { return Discriminator(ctx, c, images) },
		RealInputs:    func(real *Node) []*Node { return train.Pyramid(real, 4) },
	}
}
