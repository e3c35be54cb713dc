// Package msggan is the MSG-ProGAN family (Karnewar & Wang, 2020): ProGAN's blocks
// (ganlib/blocks) wired so that the generator outputs an image at every resolution from 4x4 up
// and each discriminator block takes the image of its resolution, merged into its main path by
// phi. Tables 6 and 7 of the paper give the layout; its ablations are settings here: which
// resolutions are connected (Table 4) and the combine function phi (Table 5).
package msggan

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

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

// Minibatch stddev placements (ParamMbstd).
const (
	MbstdEveryBlock = "every_block"
	MbstdFinal      = "final"
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
	{Key: ParamMbstd, Default: MbstdEveryBlock, Help: "where D has minibatch stddev: every_block (the paper's Table 7) or final (the last block only, the authors' PyTorch code)"},
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
	settings := c.Settings()
	for _, m := range append([]map[string]any{trainedWith}, more...) {
		for k, v := range m {
			settings[k] = v
		}
	}
	return gan.Preset{Name: name, Description: description, Settings: settings}
}

// Paper is MSG-ProGAN as in the paper's tables at the given resolution, all scales connected.
func Paper(resolution int) Config {
	return Config{
		Resolution: resolution, ImageChannels: 3, LatentDim: 512,
		ChannelBase: 16384, ChannelMax: 512, Phi: blocks.PhiSimple, Connections: AllConnections(resolution),
	}
}

// MNIST is a small MSG-ProGAN for 32x32 grey digits (MNIST padded to 32), fast on a CPU:
// 64 channels up to 8x8, then 32 and 16.
func MNIST() Config {
	return Config{
		Resolution: 32, ImageChannels: 1, LatentDim: 128,
		ChannelBase: 512, ChannelMax: 64, Phi: blocks.PhiSimple, Connections: AllConnections(32),
	}
}

// Emoji64 is a small MSG-ProGAN for the 64x64 RGB emoji set: 64 channels up to 16x16, then 32
// and 16.
func Emoji64() Config {
	return Config{
		Resolution: 64, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 1024, ChannelMax: 64, Phi: blocks.PhiSimple, Connections: AllConnections(64),
	}
}

// CPURGB is a 128-channel RGB MSG-ProGAN at 32x32: big enough for the convolutions to dominate a
// step, small enough for seconds per step on a CPU.
func CPURGB() Config {
	return Config{
		Resolution: 32, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 4096, ChannelMax: 128, Phi: blocks.PhiSimple, Connections: AllConnections(32),
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

// WithResolution returns c at another resolution; a model with every scale connected stays so.
func (c Config) WithResolution(resolution int) Config {
	if slices.Equal(c.Connections, AllConnections(c.Resolution)) {
		c.Connections = AllConnections(resolution)
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
		if !slices.Contains(AllConnections(c.Resolution), r) {
			return errors.Errorf("msggan: connection at resolution %d not in %v (%s)", r, AllConnections(c.Resolution), ParamConnections)
		}
	}
	return nil
}

// Settings returns c as the family's settings.
func (c Config) Settings() map[string]any {
	connections := "none"
	switch {
	case slices.Equal(c.Connections, AllConnections(c.Resolution)) && len(c.Connections) > 0:
		connections = "all"
	case len(c.Connections) > 0:
		fields := make([]string, len(c.Connections))
		for i, r := range c.Connections {
			fields[i] = strconv.Itoa(r)
		}
		connections = strings.Join(fields, ",")
	}
	mbstd := MbstdEveryBlock
	if c.MbstdFinalOnly {
		mbstd = MbstdFinal
	}
	return map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim,
		ParamChannelBase: c.ChannelBase, ParamChannelMax: c.ChannelMax, ParamPhi: string(c.Phi), ParamConnections: connections,
		ParamMbstd: mbstd,
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
	switch mbstd := gan.Get[string](ctx, Settings, ParamMbstd); mbstd {
	case MbstdEveryBlock:
	case MbstdFinal:
		c.MbstdFinalOnly = true
	default:
		return c, errors.Errorf("msggan: %s=%q: use %q (the paper's Table 7) or %q (the authors' code)", ParamMbstd, mbstd, MbstdEveryBlock, MbstdFinal)
	}
	var err error
	if c.Connections, err = ParseConnections(gan.Get[string](ctx, Settings, ParamConnections), c.Resolution); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Levels are Table 4's connection levels: the resolutions below the output's in each group.
var Levels = []string{"coarse", "middle", "fine"}

// LevelOf returns the level of resolution r in a model of the given resolution. The paper's
// groups are for 1024x1024, exponents 2 to 10: coarse 4 and 8 (exponents 2, 3), middle 16 and
// 32 (4, 5), fine 64 to 1024 (6 to 10). A model of resolution 2^n maps r = 2^k to the paper's
// exponent p = 2 + (k-2)*8/(n-2) and takes p's group: coarse below 4, middle below 6, fine
// from 6. At 32x32 that makes 4 coarse, 8 middle, 16 and 32 fine; at 64x64 4 coarse, 8 middle,
// 16 to 64 fine; at 1024x1024 it is the paper's grouping.
func LevelOf(r, resolution int) string {
	k, n := bits.Len(uint(r))-1, bits.Len(uint(resolution))-1
	// p < 4 and p < 6 in integers: (k-2)*8 < 2(n-2) and (k-2)*8 < 4(n-2).
	switch {
	case (k-2)*4 < n-2:
		return "coarse"
	case (k-2)*2 < n-2:
		return "middle"
	}
	return "fine"
}

// LevelConnections lists the resolutions below the output's at a level (LevelOf).
func LevelConnections(level string, resolution int) []int {
	var list []int
	for _, r := range AllConnections(resolution) {
		if LevelOf(r, resolution) == level {
			list = append(list, r)
		}
	}
	return list
}

// ParseConnections parses "all", "none", a level of Levels or a comma-separated list of
// resolutions.
func ParseConnections(spec string, resolution int) ([]int, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "all":
		return AllConnections(resolution), nil
	case spec == "none":
		return nil, nil
	case slices.Contains(Levels, spec):
		list := LevelConnections(spec, resolution)
		if len(list) == 0 {
			return nil, errors.Errorf("msggan: %s=%s: a %dx%d model has no %s resolution below its output (its levels: %s); use a list of %v",
				ParamConnections, spec, resolution, resolution, spec, describeLevels(resolution), AllConnections(resolution))
		}
		return list, nil
	}
	var list []int
	for _, field := range strings.Split(spec, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return nil, errors.Errorf("msggan: %s=%q: %q is neither a level nor a resolution: use all, none, %s, or a list such as 4,8",
				ParamConnections, spec, field, strings.Join(Levels, ", "))
		}
		list = append(list, r)
	}
	return list, nil
}

// describeLevels says which resolutions each level holds at a model's resolution.
func describeLevels(resolution int) string {
	var parts []string
	for _, level := range Levels {
		parts = append(parts, fmt.Sprintf("%s %v", level, LevelConnections(level, resolution)))
	}
	return strings.Join(parts, ", ")
}
