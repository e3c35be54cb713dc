// Package msggan is the MSG-ProGAN family (Karnewar & Wang, 2020): ProGAN's blocks
// (ganlib/blocks) wired so that the generator outputs an image at every resolution from 4x4 up
// and each discriminator block takes the image of its resolution, merged into its main path by
// phi. Tables 6 and 7 of the paper give the layout; its ablations are settings here: which
// resolutions are connected (Table 4) and the combine function phi (Table 5).
package msggan

import (
	"slices"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Config describes one MSG-ProGAN. Presets are Config values; FromContext reads the settings.
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
	Phi blocks.Phi
	// Connections lists the resolutions below Resolution whose images feed D (the final one always
	// does): all of them for MSG-GAN, none for a plain (DCGAN-like) ProGAN without growing, or
	// one of Table 4's levels (LevelConnections).
	Connections []int
	// MbstdFinalOnly puts minibatch stddev at the start of D's last block only (the authors'
	// PyTorch code) instead of every block (the paper's Table 7).
	MbstdFinalOnly bool
	// Classes makes the model class-conditional (0: unconditional): a label embedding beside z
	// in G, a projection term in D (gan.ParamClasses).
	Classes int
}

// Setting keys of the family.
const (
	ParamResolution    = "msggan_resolution"
	ParamImageChannels = "msggan_image_channels"
	ParamLatentDim     = "msggan_latent_dim"
	ParamChannelBase   = "msggan_channel_base"
	ParamChannelMax    = "msggan_channel_max"
	ParamPhi           = "msggan_phi"
	// ParamConnections is "all", "none", a level ("coarse", "middle", "fine") or
	// comma-separated resolutions such as "4,8".
	ParamConnections = "msggan_connections"
	// ParamMbstd is "every_block" (Table 7) or "final" (the authors' code).
	ParamMbstd = "msggan_mbstd"
)

// Settings are the family's keys; their defaults are the msg-progan-32 preset's model.
var Settings = gan.Settings{
	{Key: ParamResolution, Default: 32, Help: "output resolution, a power of two >= 8"},
	{Key: ParamImageChannels, Default: 1, Help: "image channels: 1 (grey) or 3 (RGB)"},
	{Key: ParamLatentDim, Default: 128, Help: "size of the latent z (paper: 512)"},
	{Key: ParamChannelBase, Default: 512, Help: "feature maps at resolution r: min(msggan_channel_base / r, msggan_channel_max) (paper: 16384)"},
	{Key: ParamChannelMax, Default: 64, Help: "the most feature maps of any resolution (paper: 512)"},
	{Key: ParamPhi, Default: string(blocks.PhiSimple), Help: "combine function of D's image inputs (Table 5): simple, lin_cat or cat_lin"},
	{Key: ParamConnections, Default: "all", Help: "resolutions below the output's whose images feed D (Table 4): all, none, " +
		"a level (coarse, middle or fine: the paper's 1024x1024 groups 4-8, 16-32 and 64-1024 scaled to the model; " +
		"at 32x32 and at 64x64 coarse is 4, middle 8, fine the rest), or a list such as 4,8"},
	{Key: ParamMbstd, Default: blocks.MbstdInEveryBlock, Help: "where D has minibatch stddev: every_block (the paper's Table 7) or final (the last block only, the authors' PyTorch code)"},
}

// Family is MSG-ProGAN as the model registry lists it.
var Family = gan.Family{
	Name:        "msggan",
	Description: "MSG-ProGAN (Karnewar & Wang 2020): ProGAN blocks, one image per resolution out of G and into D through phi",
	Settings:    Settings,
	Presets:     Presets,
	// A resolution change keeps "all" connections meaning all of them.
	ResolutionSetting: ParamResolution,
	ChannelsSetting:   ParamImageChannels,
	New: func(ctx *context.Context) (gan.Model, error) {
		cfg, err := FromContext(ctx)
		return cfg.Model(), err
	},
}

// trainedWith is what every preset trains with: ProGAN's WGAN-GP (lambda 10, drift 0.001) and the
// MSG-GAN authors' Adam (lr 0.003, betas 0 and 0.99).
var trainedWith = map[string]any{"loss": "wgan", "gp_lambda": 10.0, "drift": 0.001,
	"optimizer": "adam", "learning_rate": 0.003, "adam_beta1": 0.0, "adam_beta2": 0.99}

// withRMSprop is the paper's text instead of its authors' code: RMSprop with lr 0.003 (the decay
// not given: PyTorch's default 0.99).
var withRMSprop = map[string]any{"optimizer": "rmsprop", "learning_rate": 0.003, "adam_beta2": 0.99}

// Presets are the models this repository trains and benchmarks; the first is the default.
var Presets = []gan.Preset{
	preset("msg-progan-32", "MNIST or Fashion-MNIST 32x32 grey, latent 128, 64 channels up to 8x8 then 32 and 16, Adam as the authors' code: minutes on 2 cores",
		MNIST(), map[string]any{"kimg": 30.0, "dataset": "mnist"}),
	preset("msg-progan-32-rmsprop", "msg-progan-32 trained with RMSprop lr 0.003, as the paper's text says",
		MNIST(), map[string]any{"kimg": 30.0, "dataset": "mnist"}, withRMSprop),
	preset("msg-progan-64", "the emoji set at 64x64 RGB, latent 128, 64 channels up to 16x16 then 32 and 16",
		Emoji64(), map[string]any{"kimg": 48.0, "dataset": "emoji"}),
	preset("cpu-rgb", "32x32 RGB, latent 128, 128 channels (G 1.3M, D 1.1M parameters at 32x32): the CPU benchmark and PyTorch comparison model", CPURGB(), nil),
	preset("paper", "the paper's Tables 6 and 7: latent 512, 512 channels up to 32x32 then halving; here at 128x128", Paper(128), nil),
}

// preset writes c's settings, then trainedWith, then each of more.
func preset(name, description string, c Config, more ...map[string]any) gan.Preset {
	return gan.NewPreset(name, description, append([]map[string]any{c.Settings(), trainedWith}, more...)...)
}

// Paper is MSG-ProGAN as in the paper's tables at the given resolution, all scales connected.
func Paper(resolution int) Config {
	return Config{
		Resolution: resolution, ImageChannels: 3, LatentDim: 512,
		ChannelBase: 16384, ChannelMax: 512, Phi: blocks.PhiSimple, Connections: blocks.AllConnections(resolution),
	}
}

// MNIST is a small MSG-ProGAN for 32x32 grey digits (MNIST padded to 32), fast on a CPU:
// 64 channels up to 8x8, then 32 and 16.
func MNIST() Config {
	return Config{
		Resolution: 32, ImageChannels: 1, LatentDim: 128,
		ChannelBase: 512, ChannelMax: 64, Phi: blocks.PhiSimple, Connections: blocks.AllConnections(32),
	}
}

// Emoji64 is a small MSG-ProGAN for the 64x64 RGB emoji set: 64 channels up to 16x16, then 32
// and 16.
func Emoji64() Config {
	return Config{
		Resolution: 64, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 1024, ChannelMax: 64, Phi: blocks.PhiSimple, Connections: blocks.AllConnections(64),
	}
}

// CPURGB is a 128-channel RGB MSG-ProGAN at 32x32: big enough for the convolutions to dominate a
// step, small enough for seconds per step on a CPU.
func CPURGB() Config {
	return Config{
		Resolution: 32, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 4096, ChannelMax: 128, Phi: blocks.PhiSimple, Connections: blocks.AllConnections(32),
	}
}

// Channels returns the number of feature maps at resolution r.
func (c Config) Channels(r int) int { return min(c.ChannelBase/r, c.ChannelMax) }

// WithResolution returns c at another resolution; a model with every scale connected stays so.
func (c Config) WithResolution(resolution int) Config {
	if slices.Equal(c.Connections, blocks.AllConnections(c.Resolution)) {
		c.Connections = blocks.AllConnections(resolution)
	}
	c.Resolution = resolution
	return c
}

// Validate reports the first inconsistent setting, naming it.
func (c Config) Validate() error {
	if c.Resolution < 8 || c.Resolution&(c.Resolution-1) != 0 {
		return errors.Errorf("msggan: resolution %d must be a power of two >= 8 (%s)", c.Resolution, ParamResolution)
	}
	if c.ImageChannels <= 0 || c.LatentDim <= 0 || c.ChannelBase <= 0 || c.ChannelMax <= 0 {
		return errors.Errorf("msggan: image channels %d, latent dim %d, channel base %d and max %d must be positive",
			c.ImageChannels, c.LatentDim, c.ChannelBase, c.ChannelMax)
	}
	if err := c.Phi.Validate(); err != nil {
		return errors.WithMessagef(err, "msggan: %s", ParamPhi)
	}
	for _, r := range c.Connections {
		if !slices.Contains(blocks.AllConnections(c.Resolution), r) {
			return errors.Errorf("msggan: connection at resolution %d not in %v (%s)", r, blocks.AllConnections(c.Resolution), ParamConnections)
		}
	}
	return nil
}

// Settings returns c as the family's settings.
func (c Config) Settings() map[string]any {
	return map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim,
		ParamChannelBase: c.ChannelBase, ParamChannelMax: c.ChannelMax, ParamPhi: string(c.Phi), ParamConnections: blocks.FormatConnections(c.Connections, c.Resolution),
		ParamMbstd: blocks.FormatMbstd(c.MbstdFinalOnly),
	}
}

// FromContext reads the family's settings, validated.
func FromContext(ctx *context.Context) (Config, error) {
	c := Config{
		Resolution:    gan.Get[int](ctx, Settings, ParamResolution),
		ImageChannels: gan.Get[int](ctx, Settings, ParamImageChannels),
		LatentDim:     gan.Get[int](ctx, Settings, ParamLatentDim),
		ChannelBase:   gan.Get[int](ctx, Settings, ParamChannelBase),
		ChannelMax:    gan.Get[int](ctx, Settings, ParamChannelMax),
		Phi:           blocks.Phi(gan.Get[string](ctx, Settings, ParamPhi)),
	}
	var err error
	if c.Classes, err = gan.Classes(ctx); err != nil {
		return c, err
	}
	if c.MbstdFinalOnly, err = blocks.ParseMbstd(ParamMbstd, gan.Get[string](ctx, Settings, ParamMbstd)); err != nil {
		return c, errors.WithMessage(err, "msggan")
	}
	if c.Connections, err = blocks.ParseConnections(ParamConnections, gan.Get[string](ctx, Settings, ParamConnections), c.Resolution); err != nil {
		return c, errors.WithMessage(err, "msggan")
	}
	return c, c.Validate()
}
