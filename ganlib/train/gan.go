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

// WGANGPTerms names the values WGANGPDiscriminatorStep returns, in order.
var WGANGPTerms = []string{"d_loss", "wasserstein", "gradient_penalty", "drift", "d_grad_norm"}

// WGANGPDiscriminatorStep builds one discriminator update with WGAN-GP: generated images from z
// (no gradient to G), the loss on the real batch and eps [B] (interpolation weights), and the
// optimizer step. It returns the values named by WGANGPTerms.
func (m GAN) WGANGPDiscriminatorStep(ctx *context.Context, loss losses.WGANGP, opt Optimizer, real, z, eps *Node) []*Node {
	fake := m.Generate(ctx, z)
	for i := range fake {
		fake[i] = StopGradient(fake[i])
	}
	total, wass, penalty, drift := loss.DiscriminatorLoss(m.critic(ctx), m.RealInputs(real), fake, eps)
	gradNorm := opt.Minimize(ctx, total)
	return []*Node{total, wass, penalty, drift, gradNorm}
}

// GeneratorTerms names the values WGANGPGeneratorStep returns, in order.
var GeneratorTerms = []string{"g_loss", "g_grad_norm"}

// WGANGPGeneratorStep builds one generator update: -E[D(G(z))] and the optimizer step over the
// generator's variables only. It returns the values named by GeneratorTerms.
func (m GAN) WGANGPGeneratorStep(ctx *context.Context, loss losses.WGANGP, opt Optimizer, z *Node) []*Node {
	fake := m.Generate(ctx, z)
	total := loss.GeneratorLoss(m.critic(ctx)(fake))
	return []*Node{total, opt.Minimize(ctx, total)}
}
