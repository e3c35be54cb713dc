package blocks

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// GeneratorBlocks are one paper's generator blocks, as Generator calls them.
type GeneratorBlocks interface {
	// Input makes the 4x4 features from latents z and labels (nil: unconditional), in the
	// context of scope "block4".
	Input(ctx *context.Context, z, labels *Node) *Node
	// Block takes features from resolution r/2 to r ("block<r>").
	Block(ctx *context.Context, x *Node, r int) *Node
	// ToImage turns features at resolution r into an image ("to_rgb<r>").
	ToImage(ctx *context.Context, x *Node, r int) *Node
}

// Outputs says which images a generator returns.
type Outputs string

const (
	// OutputFinal is one image at the output resolution (ProGAN without growing, DCGAN).
	OutputFinal Outputs = "final"
	// OutputEveryScale is one image per resolution, 4x4 first (MSG-GAN's o_i = r_i(a_i)).
	OutputEveryScale Outputs = "every_scale"
	// OutputFadeIn is one image at the output resolution faded in over the previous
	// resolution's, upsampled (ProGAN's growing, Fig. 2): old + alpha (new - old), alpha the
	// graph's gan.Alpha (none: the new image alone).
	OutputFadeIn Outputs = "fade_in"
	// OutputSkip is one image at the output resolution, the sum of every resolution's image,
	// each upsampled with the [1,3,3,1] filter: img = up(img) + toRGB_r(x) (StyleGAN2's output
	// skips, Fig. 7b).
	OutputSkip Outputs = "skip"
)

// Generator runs blocks from 4x4 up to resolution (a power of two >= 4) and returns the images
// outputs asks for, the full resolution last.
func Generator(ctx *context.Context, blocks GeneratorBlocks, resolution int, outputs Outputs, z, labels *Node) []*Node {
	switch outputs {
	case OutputFinal, OutputEveryScale, OutputFadeIn, OutputSkip:
	default:
		panic(errors.Errorf("blocks.Generator: unknown outputs %q: use %q, %q, %q or %q", outputs, OutputFinal, OutputEveryScale, OutputFadeIn, OutputSkip))
	}
	alpha := gan.Alpha(ctx, z.Graph())
	fading := outputs == OutputFadeIn && resolution > 4 && alpha != nil
	x := blocks.Input(ctx.In("block4"), z, labels)
	var images []*Node
	for r := 4; ; r *= 2 {
		if r > 4 {
			previous := x
			x = blocks.Block(ctx.Inf("block%d", r), x, r)
			if r == resolution && fading {
				// The previous resolution's image, nearest-upsampled, fades out as the new one fades in.
				old := ops.UpsampleNearest2x(blocks.ToImage(ctx.Inf("to_rgb%d", r/2), previous, r/2))
				img := blocks.ToImage(ctx.Inf("to_rgb%d", r), x, r)
				return append(images, Add(old, Mul(ConvertDType(alpha, img.DType()), Sub(img, old))))
			}
		}
		switch {
		case outputs == OutputSkip:
			img := blocks.ToImage(ctx.Inf("to_rgb%d", r), x, r)
			if len(images) > 0 {
				img = Add(ops.UpsampleFIR2x(images[0], ops.BilinearFilter), img)
			}
			images = []*Node{img}
		case r == resolution || outputs == OutputEveryScale:
			images = append(images, blocks.ToImage(ctx.Inf("to_rgb%d", r), x, r))
		}
		if r >= resolution {
			return images
		}
	}
}
