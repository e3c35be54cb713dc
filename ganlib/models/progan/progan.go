// Package progan is the ProGAN family (Karras et al., ICLR 2018): ProGAN's blocks
// (ganlib/blocks) grown from 4x4 to the output resolution. Training starts at 4x4; each higher
// resolution enters in a fade-in phase, its block a residual branch weighted by alpha from 0 to
// 1 over the upsampled previous output (D's side mirrored, real images blended between the two
// resolutions), then a stabilize phase. Every layer stays trainable; each phase's graphs compile
// once (the stages of gan.Model).
package progan

import (
	"fmt"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/growing"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Config describes one ProGAN and its growing schedule.
type Config struct {
	// Resolution of the final image (power of two, >= 8); ImageChannels 1 or 3; LatentDim the
	// size of z (paper: 512).
	Resolution, ImageChannels, LatentDim int
	// ChannelBase and ChannelMax set the feature maps at resolution r to min(ChannelBase/r,
	// ChannelMax) (paper, Table 2: min(16384/r, 512), 512 up to 32x32; the official code's
	// fmap_base 8192 counts from 2x2).
	ChannelBase, ChannelMax int
	// FadeKimg and StableKimg are each resolution's fade-in and stabilize phases, in thousands of
	// real images (paper: 800 + 800; official code: 600 + 600); 4x4 has a stabilize phase only.
	FadeKimg, StableKimg float64
	// ResetOptimizers starts the optimizers' state afresh at each new resolution (the official code).
	ResetOptimizers bool
	// BatchSizes gives the batch size at some resolutions (the others: the run's batch_size).
	BatchSizes map[int]int
	// Classes makes the model class-conditional (0: unconditional): a label embedding beside z
	// in G, a projection term in D (gan.ParamClasses).
	Classes int
}

// Setting keys of the family.
const (
	ParamResolution      = "progan_resolution"
	ParamImageChannels   = "progan_image_channels"
	ParamLatentDim       = "progan_latent_dim"
	ParamChannelBase     = "progan_channel_base"
	ParamChannelMax      = "progan_channel_max"
	ParamFadeKimg        = "progan_fade_kimg"
	ParamStableKimg      = "progan_stable_kimg"
	ParamResetOptimizers = "progan_reset_optimizers"
	ParamBatchSizes      = "progan_batch_sizes"
)

// Settings are the family's keys; their defaults are the progan-32 preset's model.
var Settings = gan.Settings{
	{Key: ParamResolution, Default: 32, Help: "output resolution, a power of two >= 8, grown to from 4x4"},
	{Key: ParamImageChannels, Default: 1, Help: "image channels: 1 (grey) or 3 (RGB); a new run's follow its data set"},
	{Key: ParamLatentDim, Default: 128, Help: "size of the latent z (paper: 512)"},
	{Key: ParamChannelBase, Default: 512, Help: "feature maps at resolution r: min(progan_channel_base / r, progan_channel_max) (paper: 16384, 512 maps up to 32x32)"},
	{Key: ParamChannelMax, Default: 64, Help: "the most feature maps of any resolution (paper: 512)"},
	{Key: ParamFadeKimg, Default: 3.0, Help: "each new resolution's fade-in phase, in kimg (paper: 800; official code: 600); must be > 0"},
	{Key: ParamStableKimg, Default: 3.0, Help: "each resolution's stabilize phase, in kimg (paper: 800; official code: 600)"},
	{Key: ParamResetOptimizers, Default: true, Help: "start the optimizers' state afresh at each new resolution (the official code does)"},
	{Key: ParamBatchSizes, Default: "", Help: "batch sizes per resolution, such as 4:64,8:32 (the others: batch_size)"},
}

// trainedWith is ProGAN's objective: WGAN-GP (lambda 10, drift 0.001) and Adam lr 0.001 with
// betas 0 and 0.99. G's moving average keeps the run's half-life with ramp-up (ema_kimg,
// ema_rampup): ProGAN's decay 0.999 per step is a half-life of 11 kimg at batch 16, 1.4% of its
// 800 kimg phases but longer than a whole phase here, so samples would show the weights of
// stages ago (ema_beta=0.999 gives the paper's).
var trainedWith = map[string]any{"loss": "wgan", "gp_lambda": 10.0, "drift": 0.001,
	"learning_rate": 0.001, "adam_beta1": 0.0, "adam_beta2": 0.99, "optimizer": "adam", "ema_beta": 0.0}

// Presets are ProGAN at the repository's scales; the first is the default.
var Presets = []gan.Preset{
	preset("progan-32", "MNIST or Fashion-MNIST 32x32 grey, 64 channels up to 8x8 then 32 and 16, 3+3 kimg per resolution, 27 kimg at 32x32: minutes on 2 cores",
		Config{Resolution: 32, ImageChannels: 1, LatentDim: 128, ChannelBase: 512, ChannelMax: 64, FadeKimg: 3, StableKimg: 3, ResetOptimizers: true},
		map[string]any{"kimg": 45.0, "dataset": "mnist"}),
	preset("progan-64", "the emoji set at 64x64 RGB, 64 channels up to 16x16 then 32 and 16, 4+4 kimg per resolution",
		Config{Resolution: 64, ImageChannels: 3, LatentDim: 128, ChannelBase: 1024, ChannelMax: 64, FadeKimg: 4, StableKimg: 4, ResetOptimizers: true},
		map[string]any{"kimg": 48.0, "dataset": "emoji"}),
}

func preset(name, description string, c Config, run map[string]any) gan.Preset {
	return gan.NewPreset(name, description, c.Settings(), trainedWith, run)
}

// Family is ProGAN as the model registry lists it.
var Family = gan.Family{
	Name:              "progan",
	Description:       "ProGAN (Karras et al. 2018): grown from 4x4, each new resolution faded in over the previous one",
	Settings:          Settings,
	Presets:           Presets,
	ResolutionSetting: ParamResolution,
	ChannelsSetting:   ParamImageChannels,
	New: func(ctx *context.Context) (gan.Model, error) {
		cfg, err := FromContext(ctx)
		return cfg.Model(), err
	},
}

// Channels returns the number of feature maps at resolution r.
func (c Config) Channels(r int) int { return min(c.ChannelBase/r, c.ChannelMax) }

// Validate reports the first inconsistent setting, naming it.
func (c Config) Validate() error {
	switch {
	case c.Resolution < 8 || c.Resolution&(c.Resolution-1) != 0:
		return errors.Errorf("progan: %s=%d must be a power of two >= 8", ParamResolution, c.Resolution)
	case c.ImageChannels <= 0 || c.LatentDim <= 0 || c.ChannelBase <= 0 || c.ChannelMax <= 0:
		return errors.Errorf("progan: %s, %s, %s and %s must be positive", ParamImageChannels, ParamLatentDim, ParamChannelBase, ParamChannelMax)
	}
	return errors.WithMessage(c.schedule().Validate(scheduleKeys), "progan")
}

// scheduleKeys name the schedule's settings.
var scheduleKeys = growing.Keys{FadeKimg: ParamFadeKimg, StableKimg: ParamStableKimg, BatchSizes: ParamBatchSizes}

// schedule is c's growing schedule.
func (c Config) schedule() growing.Schedule {
	return growing.Schedule{Resolution: c.Resolution, FadeKimg: c.FadeKimg, StableKimg: c.StableKimg,
		ResetOptimizers: c.ResetOptimizers, BatchSizes: c.BatchSizes}
}

// Settings returns c as the family's settings.
func (c Config) Settings() map[string]any {
	return map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim,
		ParamChannelBase: c.ChannelBase, ParamChannelMax: c.ChannelMax, ParamFadeKimg: c.FadeKimg, ParamStableKimg: c.StableKimg,
		ParamResetOptimizers: c.ResetOptimizers, ParamBatchSizes: c.schedule().FormatBatchSizes(),
	}
}

// FromContext reads the family's settings, validated.
func FromContext(ctx *context.Context) (Config, error) {
	c := Config{
		Resolution:      gan.Get[int](ctx, Settings, ParamResolution),
		ImageChannels:   gan.Get[int](ctx, Settings, ParamImageChannels),
		LatentDim:       gan.Get[int](ctx, Settings, ParamLatentDim),
		ChannelBase:     gan.Get[int](ctx, Settings, ParamChannelBase),
		ChannelMax:      gan.Get[int](ctx, Settings, ParamChannelMax),
		FadeKimg:        gan.Get[float64](ctx, Settings, ParamFadeKimg),
		StableKimg:      gan.Get[float64](ctx, Settings, ParamStableKimg),
		ResetOptimizers: gan.Get[bool](ctx, Settings, ParamResetOptimizers),
	}
	var err error
	if c.Classes, err = gan.Classes(ctx); err != nil {
		return c, err
	}
	if c.BatchSizes, err = growing.ParseBatchSizes(ParamBatchSizes, gan.Get[string](ctx, Settings, ParamBatchSizes)); err != nil {
		return c, errors.WithMessage(err, "progan")
	}
	return c, c.Validate()
}

func (c Config) name() string {
	return fmt.Sprintf("ProGAN %dx%dx%d", c.Resolution, c.Resolution, c.ImageChannels)
}

// Model is c as the training machinery sees it.
func (c Config) Model() gan.Model {
	g := blocks.ProGANGenerator{FeatureMaps: c.Channels, ImageChannels: c.ImageChannels, Classes: c.Classes}
	d := blocks.ProGANDiscriminator{FeatureMaps: c.Channels, Classes: c.Classes}
	schedule := c.schedule()
	return schedule.Grow(gan.Model{
		Name:       c.name(),
		Resolution: c.Resolution, Channels: c.ImageChannels, LatentDim: c.LatentDim, NumClasses: c.Classes,
		Generator: func(ctx *context.Context, z, labels *Node) []*Node {
			resolution, fading := schedule.Of(ctx, z.Graph())
			outputs := blocks.OutputFinal
			if fading {
				outputs = blocks.OutputFadeIn
			}
			return blocks.Generator(ctx, g, resolution, outputs, z, labels)
		},
		Discriminator: func(ctx *context.Context, images []*Node, labels *Node) *Node {
			resolution, fading := schedule.Of(ctx, images[0].Graph())
			return blocks.Discriminator(ctx, d, resolution, blocks.Inputs{FadeIn: fading}, images, labels)
		},
		RealInputs: func(ctx *context.Context, real *Node) []*Node { return []*Node{schedule.Reals(ctx, real)} },
	})
}
