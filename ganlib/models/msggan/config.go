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

// Hyper-parameter keys (context params): a preset, and overrides of its fields; see FromContext.
const (
	// ParamPreset names the model in Presets that the other keys override.
	ParamPreset = "msggan_preset"
	// The overrides: 0, or "" for the strings, keeps the preset's value.
	ParamResolution    = "msggan_resolution"
	ParamImageChannels = "msggan_image_channels"
	ParamLatentDim     = "msggan_latent_dim"
	ParamChannelBase   = "msggan_channel_base"
	ParamChannelMax    = "msggan_channel_max"
	ParamPhi           = "msggan_phi"
	// ParamConnections is "all", "none", or comma-separated resolutions such as "4,8".
	ParamConnections = "msggan_connections"
)

// DefaultParams are the msggan keys with their defaults: the "mnist" preset, nothing overridden.
func DefaultParams() map[string]any {
	return map[string]any{
		ParamPreset: Presets[0].Name, ParamResolution: 0, ParamImageChannels: 0, ParamLatentDim: 0,
		ParamChannelBase: 0, ParamChannelMax: 0, ParamPhi: "", ParamConnections: "",
	}
}

// Preset is a named model configuration.
type Preset struct {
	Name, Description string
	Config            Config
}

// Presets are the models this repository trains and benchmarks; the first is the default. A
// preset's resolution is changed with WithResolution (msggan_resolution), which keeps "all scales
// connected" meaning all of them.
var Presets = []Preset{
	{"mnist", "32x32 grey, latent 128, 64 channels up to 8x8 then 32 and 16: trains in minutes on a CPU", MNIST()},
	{"cpu-rgb", "32x32 RGB, latent 128, 128 channels (G 1.3M, D 1.1M parameters at 32x32): the CPU benchmark and PyTorch comparison model", CPURGB()},
	{"paper", "the paper's Tables 6 and 7: latent 512, 512 channels up to 32x32 then halving; here at 128x128", Paper(128)},
}

// PresetNamed returns the preset called name.
func PresetNamed(name string) (Preset, error) {
	names := make([]string, len(Presets))
	for i, p := range Presets {
		if p.Name == name {
			return p, nil
		}
		names[i] = p.Name
	}
	return Preset{}, errors.Errorf("msggan: unknown preset %q (%s): use one of %s", name, ParamPreset, strings.Join(names, ", "))
}

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

// CPURGB is a 128-channel RGB MSG-ProGAN at 32x32: big enough for the convolutions to dominate a
// step, small enough for seconds per step on a CPU.
func CPURGB() Config {
	return Config{
		Resolution: 32, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 4096, ChannelMax: 128, Phi: PhiSimple, Connections: AllConnections(32),
	}
}

// WithResolution returns c at another resolution; a model with every scale connected stays so.
func (c Config) WithResolution(resolution int) Config {
	if slices.Equal(c.Connections, AllConnections(c.Resolution)) {
		c.Connections = AllConnections(resolution)
	}
	c.Resolution = resolution
	return c
}

// FromContext returns the preset named by msggan_preset with the other msggan_* params that are
// set (non-zero, non-empty) applied, validated.
func FromContext(ctx *context.Context) (Config, error) {
	preset, err := PresetNamed(context.GetParamOr(ctx, ParamPreset, Presets[0].Name))
	if err != nil {
		return Config{}, err
	}
	c := preset.Config
	override := func(key string, field *int) {
		if v := context.GetParamOr(ctx, key, 0); v != 0 {
			*field = v
		}
	}
	if r := context.GetParamOr(ctx, ParamResolution, 0); r != 0 {
		c = c.WithResolution(r)
	}
	override(ParamImageChannels, &c.ImageChannels)
	override(ParamLatentDim, &c.LatentDim)
	override(ParamChannelBase, &c.ChannelBase)
	override(ParamChannelMax, &c.ChannelMax)
	if phi := context.GetParamOr(ctx, ParamPhi, ""); phi != "" {
		c.Phi = Phi(phi)
	}
	if spec := context.GetParamOr(ctx, ParamConnections, ""); spec != "" {
		if c.Connections, err = ParseConnections(spec, c.Resolution); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// ParseConnections parses "all", "none" or a comma-separated list of resolutions.
func ParseConnections(spec string, resolution int) ([]int, error) {
	switch spec = strings.TrimSpace(spec); spec {
	case "all":
		return AllConnections(resolution), nil
	case "none":
		return nil, nil
	}
	var list []int
	for _, field := range strings.Split(spec, ",") {
		var r int
		if _, err := fmt.Sscan(strings.TrimSpace(field), &r); err != nil {
			return nil, errors.Errorf("msggan: %s=%q: %q is not a resolution (use \"all\", \"none\" or a list such as \"4,8\")", ParamConnections, spec, field)
		}
		list = append(list, r)
	}
	return list, nil
}
