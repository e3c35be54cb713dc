package blocks

import (
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Phi is MSG-GAN's function combining a discriminator block's image input x1 with its
// main-path activations x2 (Karnewar & Wang 2020, Eqs. 10-12).
type Phi string

const (
	// PhiSimple is [x1; x2]: the raw image concatenated along channels (best for MSG-ProGAN).
	PhiSimple Phi = "simple"
	// PhiLinCat is [r'(x1); x2] with r' a 1x1 conv to half the block's channels.
	PhiLinCat Phi = "lin_cat"
	// PhiCatLin is r'([x1; x2]) with r' a 1x1 conv to the block's channels (best for MSG-StyleGAN).
	PhiCatLin Phi = "cat_lin"
)

// Phis are the combine functions, in the paper's order.
var Phis = []Phi{PhiSimple, PhiLinCat, PhiCatLin}

// Validate reports an unknown phi.
func (phi Phi) Validate() error {
	switch phi {
	case PhiSimple, PhiLinCat, PhiCatLin:
		return nil
	}
	return errors.Errorf("unknown phi %q: use %q, %q or %q", phi, PhiSimple, PhiLinCat, PhiCatLin)
}

// Combine is phi(img, x) for a block with the given channels; r' has the weights of ctx.
func (phi Phi) Combine(ctx *context.Context, img, x *Node, channels int) *Node {
	switch phi {
	case PhiLinCat:
		img = layers.Bias(ctx, layers.Conv2D(ctx, img, channels/2, 1, ops.Padding{}), 0, 1)
		return Concatenate([]*Node{img, x}, 3)
	case PhiCatLin:
		joined := Concatenate([]*Node{img, x}, 3)
		return layers.Bias(ctx, layers.Conv2D(ctx, joined, channels, 1, ops.Padding{}), 0, 1)
	case PhiSimple:
		return Concatenate([]*Node{img, x}, 3)
	}
	panic(phi.Validate())
}
