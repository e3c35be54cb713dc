package train

import (
	"github.com/ganlab/gogan/ganlib/losses"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Scopes of the two networks' variables in the context.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
)

// GAN is what the training machinery needs of a model family.
type GAN struct {
	// LatentDim is the size of z.
	LatentDim int
	// Generator maps z [B, LatentDim] to images, one per scale, the full resolution last.
	Generator func(ctx *context.Context, z *Node) []*Node
	// Discriminator scores images (as Generator returns them) with [B, 1].
	Discriminator func(ctx *context.Context, images []*Node) *Node
	// RealInputs turns a batch of real images [B, H, W, C] into what Discriminator takes: the
	// full-resolution batch alone, or its average-pooled pyramid for multi-scale models.
	RealInputs func(real *Node) []*Node
	// Mapping and Synthesis, set for style-based generators, split Generator into
	// Synthesis(ctx, Mapping(ctx, z)) with w [B, wDim] or [B, numWs, wDim]: path-length
	// regularization differentiates the final image with respect to w.
	Mapping   func(ctx *context.Context, z *Node) *Node
	Synthesis func(ctx *context.Context, w *Node) []*Node
}

// Pyramid returns the average-pooled pyramid of x from minResolution up to x's own
// resolution, coarsest first (MSG-GAN's real inputs).
func Pyramid(x *Node, minResolution int) []*Node {
	levels := []*Node{x}
	for x.Shape().Dimensions[1] > minResolution {
		x = ops.AvgPool2x(x)
		levels = append([]*Node{x}, levels...)
	}
	return levels
}

// networkContext is the context of one network's variables. It is unchecked: a step graph calls D
// several times (real, fake, interpolated) and several graphs (D step, G step, sampling) share
// the same variables, so variables are created on first use and reused afterwards.
func networkContext(ctx *context.Context, scope string) *context.Context {
	return ctx.InAbsPath(scope).Checked(false)
}

// Generate runs the generator on z with its variables.
func (m GAN) Generate(ctx *context.Context, z *Node) []*Node {
	return m.Generator(networkContext(ctx, GeneratorScope), z)
}

// GenerateEMA runs the generator on z with the moving average of its weights (for samples and
// metrics).
func (m GAN) GenerateEMA(ctx *context.Context, z *Node) []*Node {
	return m.Generator(networkContext(ctx, GeneratorEMAScope), z)
}

func (m GAN) critic(ctx *context.Context) losses.Critic {
	dctx := networkContext(ctx, DiscriminatorScope)
	return func(images []*Node) *Node { return m.Discriminator(dctx, images) }
}

// GraphParamAlpha is the graph parameter holding the fade-in alpha (a scalar node) that the loop
// feeds to every step graph: networks that grow (ProGAN) read it with Alpha.
const GraphParamAlpha = "fade_in_alpha"

// Alpha returns the fade-in alpha node of g's step, or nil outside the training loop.
func Alpha(ctx *context.Context, g *Graph) *Node {
	if value, found := ctx.GetGraphParam(g, GraphParamAlpha); found {
		return value.(*Node)
	}
	return nil
}

// WGANGPDiscriminatorStep is DiscriminatorStep with the WGAN-GP objective: it returns d_loss,
// wasserstein, gradient_penalty, drift and d_grad_norm.
func (m GAN) WGANGPDiscriminatorStep(ctx *context.Context, loss losses.WGANGP, opt Optimizer, real, z, eps *Node) []*Node {
	return m.DiscriminatorStep(ctx, Objective{Loss: LossWGANGP, WGANGP: loss}, opt, real, z, eps).values
}

// WGANGPGeneratorStep is GeneratorStep with the WGAN-GP objective: it returns g_loss and
// g_grad_norm.
func (m GAN) WGANGPGeneratorStep(ctx *context.Context, loss losses.WGANGP, opt Optimizer, z *Node) []*Node {
	return m.GeneratorStep(ctx, Objective{Loss: LossWGANGP, WGANGP: loss}, opt, z).values
}
