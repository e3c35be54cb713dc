package blocks

import (
	"slices"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// DiscriminatorBlocks are one paper's discriminator blocks, as Discriminator calls them.
type DiscriminatorBlocks interface {
	// FromImage turns an image at resolution r into features ("from_rgb<r>").
	FromImage(ctx *context.Context, img *Node, r int) *Node
	// Block takes features from resolution r > 4 to r/2 ("block<r>").
	Block(ctx *context.Context, x *Node, r int) *Node
	// Output scores the 4x4 features, [B, 1] ("block4"); labels are nil when unconditional.
	Output(ctx *context.Context, x, labels *Node) *Node
	// Channels is the number of feature maps at resolution r (phi's r' maps to them).
	Channels(r int) int
}

// Inputs says which images a discriminator reads besides the full-resolution one.
type Inputs struct {
	// Connections lists the resolutions below the full one whose images enter the block of
	// their resolution (MSG-GAN); none for a single-input discriminator.
	Connections []int
	// Phi merges each connected image with the block's main path.
	Phi Phi
	// FadeIn blends, by the graph's gan.Alpha, the first block's output with the half-resolution
	// image's features (fromRGB of its 2x average pool): ProGAN's growing, D's side. Without an
	// alpha in the graph there is nothing to blend.
	FadeIn bool
	// Skip adds to each block's input the fromRGB of the image downsampled to its resolution
	// with the [1,3,3,1] filter (StyleGAN2's input skips, Fig. 7b), down to the 4x4 output
	// block.
	Skip bool
}

// Discriminator scores images (one per resolution, in any order; those at unconnected
// resolutions are ignored) with blocks from resolution down to 4x4.
func Discriminator(ctx *context.Context, blocks DiscriminatorBlocks, resolution int, inputs Inputs, images []*Node, labels *Node) *Node {
	byResolution := make(map[int]*Node, len(images))
	for _, img := range images {
		byResolution[img.Shape().Dimensions[1]] = img
	}
	full, ok := byResolution[resolution]
	if !ok {
		panic(errors.Errorf("blocks.Discriminator: no image at the final resolution %d among the inputs", resolution))
	}
	x := blocks.FromImage(ctx.Inf("from_rgb%d", resolution), full, resolution)
	skipped := full
	for r := resolution; ; r /= 2 {
		blockCtx := ctx.Inf("block%d", r)
		if r < resolution && inputs.Skip {
			skipped = ops.DownsampleFIR2x(skipped, ops.BilinearFilter)
			x = Add(x, blocks.FromImage(ctx.Inf("from_rgb%d", r), skipped, r))
		}
		if r < resolution && slices.Contains(inputs.Connections, r) {
			img, ok := byResolution[r]
			if !ok {
				panic(errors.Errorf("blocks.Discriminator: resolution %d is connected but no %dx%d image was given", r, r, r))
			}
			x = inputs.Phi.Combine(blockCtx.In("phi"), img, x, blocks.Channels(r))
		}
		if r == 4 {
			return blocks.Output(blockCtx, x, labels)
		}
		x = blocks.Block(blockCtx, x, r)
		if alpha := gan.Alpha(ctx, x.Graph()); r == resolution && inputs.FadeIn && alpha != nil {
			old := blocks.FromImage(ctx.Inf("from_rgb%d", r/2), ops.AvgPool2x(full), r/2)
			x = Add(old, Mul(ConvertDType(alpha, x.DType()), Sub(x, old)))
		}
	}
}
