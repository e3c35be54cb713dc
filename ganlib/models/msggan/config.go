// Package msggan builds MSG-GAN (Karnewar & Wang, 2020) with ProGAN blocks (MSG-ProGAN): a
// generator that outputs an image at every resolution from 4x4 up, and a discriminator whose
// blocks each take the matching-resolution image, combined with its main path through phi.
// Tables 6 and 7 of the paper give the layout; its ablations are settings here: which
// resolutions are connected (Table 4) and the combine function phi (Table 5).
package msggan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Phi is the function combining a discriminator block's image input x1 with its main-path
// activations x2 (paper Eqs. 10-12).
type Phi string

const (
	// PhiSimple is [x1; x2]: the raw image concatenated along channels (best for MSG-ProGAN).
	PhiSimple Phi = "simple"
	// PhiLinCat is [r'(x1); x2] with r' a 1x1 conv to half the block's channels.
	PhiLinCat Phi = "lin_cat"
	// PhiCatLin is r'([x1; x2]) with r' a 1x1 conv to the block's channels (best for MSG-StyleGAN).
	PhiCatLin Phi = "cat_lin"
)

// Config describes one MSG-ProGAN. Presets are plain Config values; FromContext reads overrides.
type Config struct {
	// Resolution of the final image (power of two, >= 8).
	Resolution int
	// ImageChannels is 3 for RGB, 1 for grey.
	ImageChannels int
	// LatentDim is the size of z (paper: 512).
	LatentDim int
	// ChannelBase and ChannelMax set the channels at resolution r to min(ChannelBase/r, ChannelMax)
	// (paper: 512 up to 32x32, then halving: base 16384, max 512).
	ChannelBase, ChannelMax int
	// Phi combines image inputs with D's main path.
	Phi Phi
	// Connections lists the resolutions below Resolution whose images feed D (the final one always
	// does): all of them for MSG-GAN, none for a plain (DCGAN-like) ProGAN without growing.
	Connections []int
}

// Hyper-parameter keys (context params) overriding a Config; see FromContext.
const (
	ParamResolution    = "msggan_resolution"
	ParamImageChannels = "msggan_image_channels"
	ParamLatentDim     = "msggan_latent_dim"
	ParamChannelBase   = "msggan_channel_base"
	ParamChannelMax    = "msggan_channel_max"
	ParamPhi           = "msggan_phi"
	// ParamConnections is "all", "none", or comma-separated resolutions such as "4,8".
	ParamConnections = "msggan_connections"
)

// Paper is MSG-ProGAN as in the paper's tables at the given resolution, all scales connected.
func Paper(resolution int) Config {
	return Config{
		Resolution: resolution, ImageChannels: 3, LatentDim: 512,
		ChannelBase: 16384, ChannelMax: 512, Phi: PhiSimple, Connections: AllConnections(resolution),
	}
}

// AllConnections lists every resolution from 4 up to (excluding) resolution.
func AllConnections(resolution int) []int {
	var list []int
	for r := 4; r < resolution; r *= 2 {
		list = append(list, r)
	}
	return list
}

// Channels returns the number of feature maps at resolution r.
func (c Config) Channels(r int) int { return min(c.ChannelBase/r, c.ChannelMax) }

// Validate reports the first inconsistent setting, naming it.
func (c Config) Validate() error {
	if c.Resolution < 8 || c.Resolution&(c.Resolution-1) != 0 {
		return errors.Errorf("msggan: resolution %d must be a power of two >= 8 (%s)", c.Resolution, ParamResolution)
	}
	if c.ImageChannels <= 0 || c.LatentDim <= 0 || c.ChannelBase <= 0 || c.ChannelMax <= 0 {
		return errors.Errorf("msggan: image channels %d, latent dim %d, channel base %d and max %d must be positive",
			c.ImageChannels, c.LatentDim, c.ChannelBase, c.ChannelMax)
	}
	switch c.Phi {
	case PhiSimple, PhiLinCat, PhiCatLin:
	default:
		return errors.Errorf("msggan: unknown phi %q (%s): use %q, %q or %q", c.Phi, ParamPhi, PhiSimple, PhiLinCat, PhiCatLin)
	}
	for _, r := range c.Connections {
		if !slices.Contains(AllConnections(c.Resolution), r) {
			return errors.Errorf("msggan: connection at resolution %d not in %v (%s)", r, AllConnections(c.Resolution), ParamConnections)
		}
	}
	return nil
}

// MNIST is a small MSG-ProGAN for 32x32 grey digits (MNIST padded to 32), fast on a CPU:
// 64 channels up to 8x8, then 32 and 16.
func MNIST() Config {
	return Config{
		Resolution: 32, ImageChannels: 1, LatentDim: 128,
		ChannelBase: 512, ChannelMax: 64, Phi: PhiSimple, Connections: AllConnections(32),
	}
}

// Params returns c as context params (the keys FromContext reads), to set as defaults.
func (c Config) Params() map[string]any {
	connections := make([]string, len(c.Connections))
	for i, r := range c.Connections {
		connections[i] = fmt.Sprint(r)
	}
	spec := strings.Join(connections, ",")
	if spec == "" {
		spec = "none"
	}
	return map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim,
		ParamChannelBase: c.ChannelBase, ParamChannelMax: c.ChannelMax, ParamPhi: string(c.Phi),
		ParamConnections: spec,
	}
}

// FromContext returns base with any msggan_* context params applied, validated.
func FromContext(ctx *context.Context, base Config) (Config, error) {
	c := base
	c.Resolution = context.GetParamOr(ctx, ParamResolution, c.Resolution)
	c.ImageChannels = context.GetParamOr(ctx, ParamImageChannels, c.ImageChannels)
	c.LatentDim = context.GetParamOr(ctx, ParamLatentDim, c.LatentDim)
	c.ChannelBase = context.GetParamOr(ctx, ParamChannelBase, c.ChannelBase)
	c.ChannelMax = context.GetParamOr(ctx, ParamChannelMax, c.ChannelMax)
	c.Phi = Phi(context.GetParamOr(ctx, ParamPhi, string(c.Phi)))
	if spec, found := ctx.GetParam(ParamConnections); found {
		connections, err := ParseConnections(fmt.Sprint(spec), c.Resolution)
		if err != nil {
			return c, err
		}
		c.Connections = connections
	}
	return c, c.Validate()
}

// ParseConnections parses "all", "none" or a comma-separated list of resolutions.
func ParseConnections(spec string, resolution int) ([]int, error) {
	switch spec = strings.TrimSpace(spec); spec {
	case "all":
		return AllConnections(resolution), nil
	case "none", "":
		return nil, nil
	}
	var list []int
	for _, field := range strings.Split(spec, ",") {
		var r int
		if _, err := fmt.Sscan(strings.TrimSpace(field), &r); err != nil {
			return nil, errors.Errorf("msggan: %s=%q: %q is not a resolution", ParamConnections, spec, field)
		}
		list = append(list, r)
	}
	return list, nil
}
