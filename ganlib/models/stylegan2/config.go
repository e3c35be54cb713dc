// Package stylegan2 is the StyleGAN2 family (Karras et al., CVPR 2020) and MSG-StyleGAN
// (Karnewar & Wang 2020) as one configuration of the same builders: the mapping network with its
// tracked average, style mixing and truncation; the synthesis network from ganlib/blocks
// (StyleGAN2Generator) with output skips, residual blocks or neither, weight demodulation or
// StyleGAN1's AdaIN, and optional ProGAN-style growing; the discriminator with input skips,
// residual blocks or neither, or MSG-GAN's multi-scale discriminator. The paper's configurations
// A-F are presets, each a small change of the previous.
package stylegan2

import (
	"fmt"
	"slices"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/growing"
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Architecture is one column or row of the paper's Table 2 grid (Fig. 7), or MSG-GAN's
// discriminator.
type Architecture string

const (
	// Orig is the original StyleGAN architecture: G's image from its last block, D reading it once.
	Orig Architecture = "orig"
	// Skip sums every resolution's toRGB (G) or feeds every resolution's fromRGB (D).
	Skip Architecture = "skip"
	// Resnet makes every block residual.
	Resnet Architecture = "resnet"
	// MSG is MSG-GAN's discriminator (ProGAN blocks, one image per resolution through phi); G then
	// outputs an image at every resolution (MSG-StyleGAN).
	MSG Architecture = "msg"
)

// Architectures of G and of D, as settings take them.
var (
	GArchitectures = []Architecture{Orig, Skip, Resnet}
	DArchitectures = []Architecture{Orig, Skip, Resnet, MSG}
)

// Normalizations of the synthesis layers.
const (
	Demodulation = "demod"
	AdaIN        = "adain"
)

// Config describes one StyleGAN2 (or MSG-StyleGAN). Presets are Config values with objectives.
type Config struct {
	// Resolution of the final image (power of two, >= 8); ImageChannels 1 or 3.
	Resolution, ImageChannels int
	// LatentDim is z's size, WDim w's (paper: 512 both); MappingLayers the mapping network's
	// dense layers (paper: 8; stylegan2-ada's cifar: 2) with learning-rate multiplier MappingLRMul
	// (0.01).
	LatentDim, WDim, MappingLayers int
	MappingLRMul                   float64
	// ChannelBase and ChannelMax set the feature maps at resolution r to min(ChannelBase/r,
	// ChannelMax) (stylegan2-ada: 32768 and 512; config E of the paper 16384, F 32768).
	ChannelBase, ChannelMax int
	// GArchitecture is orig, skip or resnet; DArchitecture orig, skip, resnet or msg.
	GArchitecture, DArchitecture Architecture
	// Normalization is demod (weight demodulation, Sec. 2.2) or adain (StyleGAN1, config A).
	Normalization string
	// Growing trains progressively from 4x4 as ProGAN (configs A-D), with Schedule's phases.
	Growing  bool
	Schedule growing.Schedule
	// MixingProb is the style-mixing regularization's probability (0.9; 0: off): in training, a
	// second latent's w replaces ws from a random crossover layer on.
	MixingProb float64
	// WAvgBeta is the decay of w's tracked average (0.995), the truncation trick's centre.
	WAvgBeta float64
	// SampleNoise is the synthesis noise outside training (const: the same noise at every
	// snapshot, as stylegan2-ada's samples; training always draws it afresh).
	SampleNoise layers.NoiseMode
	// TruncationPsi and TruncationCutoff are the truncation trick when sampling: the first
	// TruncationCutoff latents (0: all) become w_avg + psi (w - w_avg); psi 1 is off.
	TruncationPsi    float64
	TruncationCutoff int
	// Phi, Connections and MbstdFinalOnly configure the msg discriminator (as MSG-ProGAN's).
	Phi            blocks.Phi
	Connections    []int
	MbstdFinalOnly bool
	// Classes makes the model class-conditional, the stylegan2-ada way (0: unconditional): the
	// normalized embedding of the label beside the normalized z in the mapping network, a
	// projection term in D (gan.ParamClasses).
	Classes int
}

// Setting keys of the family.
const (
	ParamResolution       = "stylegan2_resolution"
	ParamImageChannels    = "stylegan2_image_channels"
	ParamLatentDim        = "stylegan2_latent_dim"
	ParamWDim             = "stylegan2_w_dim"
	ParamMappingLayers    = "stylegan2_mapping_layers"
	ParamMappingLRMul     = "stylegan2_mapping_lr_mul"
	ParamChannelBase      = "stylegan2_channel_base"
	ParamChannelMax       = "stylegan2_channel_max"
	ParamGArchitecture    = "stylegan2_g_architecture"
	ParamDArchitecture    = "stylegan2_d_architecture"
	ParamNormalization    = "stylegan2_normalization"
	ParamGrowing          = "stylegan2_growing"
	ParamFadeKimg         = "stylegan2_fade_kimg"
	ParamStableKimg       = "stylegan2_stable_kimg"
	ParamResetOptimizers  = "stylegan2_reset_optimizers"
	ParamBatchSizes       = "stylegan2_batch_sizes"
	ParamMixingProb       = "stylegan2_mixing_prob"
	ParamWAvgBeta         = "stylegan2_w_avg_beta"
	ParamSampleNoise      = "stylegan2_sample_noise"
	ParamTruncationPsi    = "stylegan2_truncation_psi"
	ParamTruncationCutoff = "stylegan2_truncation_cutoff"
	ParamMSGPhi           = "stylegan2_msg_phi"
	ParamMSGConnections   = "stylegan2_msg_connections"
	ParamMSGMbstd         = "stylegan2_msg_mbstd"
)

// Settings are the family's keys; their defaults are the E-32 preset's model.
var Settings = gan.Settings{
	{Key: ParamResolution, Default: 32, Help: "output resolution, a power of two >= 8"},
	{Key: ParamImageChannels, Default: 1, Help: "image channels: 1 (grey) or 3 (RGB); a new run's follow its data set"},
	{Key: ParamLatentDim, Default: 128, Help: "size of the latent z (paper: 512)"},
	{Key: ParamWDim, Default: 128, Help: "size of the intermediate latent w (paper: 512)"},
	{Key: ParamMappingLayers, Default: 8, Help: "dense layers of the mapping network (paper: 8; stylegan2-ada's cifar: 2); >= 1"},
	{Key: ParamMappingLRMul, Default: 0.01, Help: "learning-rate multiplier of the mapping network (0.01)"},
	{Key: ParamChannelBase, Default: 512, Help: "feature maps at resolution r: min(stylegan2_channel_base / r, stylegan2_channel_max) (paper E: 16384, F: 32768)"},
	{Key: ParamChannelMax, Default: 64, Help: "the most feature maps of any resolution (paper: 512)"},
	{Key: ParamGArchitecture, Default: string(Skip), Help: "generator architecture (Table 2): " + gan.Names(GArchitectures)},
	{Key: ParamDArchitecture, Default: string(Resnet), Help: "discriminator architecture (Table 2): " + gan.Names(DArchitectures) + " (msg: MSG-StyleGAN, G then outputs every resolution)"},
	{Key: ParamNormalization, Default: Demodulation, Help: "synthesis layers' normalization: demod (weight demodulation) or adain (StyleGAN1, config A)"},
	{Key: ParamGrowing, Default: false, Help: "grow from 4x4 as ProGAN (configs A-D); needs orig or resnet architectures"},
	{Key: ParamFadeKimg, Default: 3.0, Help: "with growing: each new resolution's fade-in, in kimg (> 0)"},
	{Key: ParamStableKimg, Default: 3.0, Help: "with growing: each resolution's stabilize phase, in kimg"},
	{Key: ParamResetOptimizers, Default: false, Help: "with growing: start the optimizers' state afresh at each new resolution"},
	{Key: ParamBatchSizes, Default: "", Help: "with growing: batch sizes per resolution, such as 4:64,8:32"},
	{Key: ParamMixingProb, Default: 0.9, Help: "style-mixing regularization probability (0.9; 0: off)"},
	{Key: ParamWAvgBeta, Default: 0.995, Help: "decay of the tracked average of w (0.995), the truncation trick's centre"},
	{Key: ParamSampleNoise, Default: string(layers.NoiseConst), Help: "synthesis noise outside training: " + gan.Names(layers.NoiseModes) + " (training draws it afresh)"},
	{Key: ParamTruncationPsi, Default: 1.0, Help: "truncation psi when sampling (1: off; 0.5-0.7 for display)"},
	{Key: ParamTruncationCutoff, Default: 0, Help: "truncate the first this many style latents (0: all)"},
	{Key: ParamMSGPhi, Default: string(blocks.PhiCatLin), Help: "with stylegan2_d_architecture=msg: phi, simple, lin_cat or cat_lin (MSG-StyleGAN's best: cat_lin)"},
	{Key: ParamMSGConnections, Default: "all", Help: "with stylegan2_d_architecture=msg: the resolutions feeding D: all, none, coarse, middle, fine or a list (as msggan_connections)"},
	{Key: ParamMSGMbstd, Default: blocks.MbstdInEveryBlock, Help: "with stylegan2_d_architecture=msg: minibatch stddev in every_block or the final one"},
}

// Family is StyleGAN2 as the model registry lists it.
var Family = gan.Family{
	Name:              "stylegan2",
	Description:       "StyleGAN2 (Karras et al. 2020): configs A-F, the 3x3 architecture grid, and MSG-StyleGAN (stylegan2_d_architecture=msg)",
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

// NumWs is the number of style latents of the synthesis network.
func (c Config) NumWs() int { return blocks.NumWs(c.Resolution) }

var scheduleKeys = growing.Keys{FadeKimg: ParamFadeKimg, StableKimg: ParamStableKimg, BatchSizes: ParamBatchSizes}

// Validate reports the first inconsistent setting, naming it and what it allows.
func (c Config) Validate() error {
	var err error
	switch {
	case c.Resolution < 8 || c.Resolution&(c.Resolution-1) != 0:
		err = errors.Errorf("%s=%d must be a power of two >= 8", ParamResolution, c.Resolution)
	case c.ImageChannels <= 0 || c.LatentDim <= 0 || c.WDim <= 0 || c.ChannelBase <= 0 || c.ChannelMax <= 0:
		err = errors.Errorf("%s, %s, %s, %s and %s must be positive", ParamImageChannels, ParamLatentDim, ParamWDim, ParamChannelBase, ParamChannelMax)
	case c.MappingLayers < 1 || !(c.MappingLRMul > 0):
		err = errors.Errorf("%s=%d must be >= 1 and %s=%g > 0", ParamMappingLayers, c.MappingLayers, ParamMappingLRMul, c.MappingLRMul)
	case !slices.Contains(GArchitectures, c.GArchitecture):
		err = errors.Errorf("%s=%q: use %s", ParamGArchitecture, c.GArchitecture, gan.Names(GArchitectures))
	case !slices.Contains(DArchitectures, c.DArchitecture):
		err = errors.Errorf("%s=%q: use %s", ParamDArchitecture, c.DArchitecture, gan.Names(DArchitectures))
	case c.Normalization != Demodulation && c.Normalization != AdaIN:
		err = errors.Errorf("%s=%q: use %s or %s", ParamNormalization, c.Normalization, Demodulation, AdaIN)
	case c.DArchitecture == MSG && c.GArchitecture == Skip:
		err = errors.Errorf("%s=msg needs a generator with an image per block: %s=%s or %s, not skip", ParamDArchitecture, ParamGArchitecture, Orig, Resnet)
	case c.Growing && (c.GArchitecture == Skip || c.DArchitecture == Skip || c.DArchitecture == MSG):
		err = errors.Errorf("%s=true needs %s and %s orig or resnet (the paper's skip architectures replace growing; MSG-GAN trains without it)", ParamGrowing, ParamGArchitecture, ParamDArchitecture)
	case !(c.MixingProb >= 0 && c.MixingProb <= 1):
		err = errors.Errorf("%s=%g must be in [0, 1]", ParamMixingProb, c.MixingProb)
	case !(c.WAvgBeta >= 0 && c.WAvgBeta < 1):
		err = errors.Errorf("%s=%g must be in [0, 1)", ParamWAvgBeta, c.WAvgBeta)
	case !slices.Contains(layers.NoiseModes, c.SampleNoise):
		err = errors.Errorf("%s=%q: use %s", ParamSampleNoise, c.SampleNoise, gan.Names(layers.NoiseModes))
	case c.TruncationCutoff < 0 || c.TruncationCutoff > c.NumWs():
		err = errors.Errorf("%s=%d: a %dx%d model has %d style latents (0: truncate them all)", ParamTruncationCutoff, c.TruncationCutoff, c.Resolution, c.Resolution, c.NumWs())
	}
	if err == nil && c.DArchitecture == MSG {
		err = errors.WithMessagef(c.Phi.Validate(), "%s", ParamMSGPhi)
	}
	if err == nil && c.Growing {
		err = c.Schedule.Validate(scheduleKeys)
	}
	return err
}

// Settings returns c as the family's settings.
func (c Config) Settings() map[string]any {
	normalization := Demodulation
	if c.Normalization != "" {
		normalization = c.Normalization
	}
	settings := map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim, ParamWDim: c.WDim,
		ParamMappingLayers: c.MappingLayers, ParamMappingLRMul: c.MappingLRMul, ParamChannelBase: c.ChannelBase, ParamChannelMax: c.ChannelMax,
		ParamGArchitecture: string(c.GArchitecture), ParamDArchitecture: string(c.DArchitecture), ParamNormalization: normalization,
		ParamGrowing: c.Growing, ParamFadeKimg: c.Schedule.FadeKimg, ParamStableKimg: c.Schedule.StableKimg,
		ParamResetOptimizers: c.Schedule.ResetOptimizers, ParamBatchSizes: c.Schedule.FormatBatchSizes(),
		ParamMixingProb: c.MixingProb, ParamWAvgBeta: c.WAvgBeta, ParamSampleNoise: string(c.SampleNoise),
		ParamTruncationPsi: c.TruncationPsi, ParamTruncationCutoff: c.TruncationCutoff,
		ParamMSGPhi: string(c.Phi), ParamMSGConnections: blocks.FormatConnections(c.Connections, c.Resolution),
		ParamMSGMbstd: blocks.FormatMbstd(c.MbstdFinalOnly),
	}
	if c.Classes > 0 {
		settings[gan.ParamClasses] = c.Classes
	}
	return settings
}

// FromContext reads the family's settings, validated.
func FromContext(ctx *context.Context) (Config, error) {
	c := Config{
		Resolution:       gan.Get[int](ctx, Settings, ParamResolution),
		ImageChannels:    gan.Get[int](ctx, Settings, ParamImageChannels),
		LatentDim:        gan.Get[int](ctx, Settings, ParamLatentDim),
		WDim:             gan.Get[int](ctx, Settings, ParamWDim),
		MappingLayers:    gan.Get[int](ctx, Settings, ParamMappingLayers),
		MappingLRMul:     gan.Get[float64](ctx, Settings, ParamMappingLRMul),
		ChannelBase:      gan.Get[int](ctx, Settings, ParamChannelBase),
		ChannelMax:       gan.Get[int](ctx, Settings, ParamChannelMax),
		GArchitecture:    Architecture(gan.Get[string](ctx, Settings, ParamGArchitecture)),
		DArchitecture:    Architecture(gan.Get[string](ctx, Settings, ParamDArchitecture)),
		Normalization:    gan.Get[string](ctx, Settings, ParamNormalization),
		Growing:          gan.Get[bool](ctx, Settings, ParamGrowing),
		MixingProb:       gan.Get[float64](ctx, Settings, ParamMixingProb),
		WAvgBeta:         gan.Get[float64](ctx, Settings, ParamWAvgBeta),
		SampleNoise:      layers.NoiseMode(gan.Get[string](ctx, Settings, ParamSampleNoise)),
		TruncationPsi:    gan.Get[float64](ctx, Settings, ParamTruncationPsi),
		TruncationCutoff: gan.Get[int](ctx, Settings, ParamTruncationCutoff),
		Phi:              blocks.Phi(gan.Get[string](ctx, Settings, ParamMSGPhi)),
	}
	c.Schedule = growing.Schedule{Resolution: c.Resolution, FadeKimg: gan.Get[float64](ctx, Settings, ParamFadeKimg),
		StableKimg: gan.Get[float64](ctx, Settings, ParamStableKimg), ResetOptimizers: gan.Get[bool](ctx, Settings, ParamResetOptimizers)}
	var err error
	if c.Classes, err = gan.Classes(ctx); err != nil {
		return c, err
	}
	if c.Schedule.BatchSizes, err = growing.ParseBatchSizes(ParamBatchSizes, gan.Get[string](ctx, Settings, ParamBatchSizes)); err != nil {
		return c, err
	}
	if c.MbstdFinalOnly, err = blocks.ParseMbstd(ParamMSGMbstd, gan.Get[string](ctx, Settings, ParamMSGMbstd)); err != nil {
		return c, err
	}
	if c.Resolution >= 8 && c.Resolution&(c.Resolution-1) == 0 {
		if c.Connections, err = blocks.ParseConnections(ParamMSGConnections, gan.Get[string](ctx, Settings, ParamMSGConnections), c.Resolution); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// name says what c is: "StyleGAN2 32x32x1 (G skip, D resnet)", "MSG-StyleGAN 32x32x1".
func (c Config) name() string {
	if c.DArchitecture == MSG {
		return fmt.Sprintf("MSG-StyleGAN %dx%dx%d", c.Resolution, c.Resolution, c.ImageChannels)
	}
	return fmt.Sprintf("StyleGAN2 %dx%dx%d (G %s, D %s)", c.Resolution, c.Resolution, c.ImageChannels, c.GArchitecture, c.DArchitecture)
}
