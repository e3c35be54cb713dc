package stylegan2

import (
	"fmt"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/growing"
	"github.com/ganlab/gogan/ganlib/layers"
)

// trainedWith is StyleGAN2's objective (paper App. B, stylegan2-ada's defaults): the
// non-saturating logistic loss, R1 with the automatic gamma lazily every 16 D steps, path
// length (weight 2, every 4 G steps, half batch), Adam lr 0.002 with betas 0 and 0.99 (lazily
// corrected by the loop), batch 32 and G's moving average with a 10 kimg half-life and ramp-up.
var trainedWith = map[string]any{
	"loss": "ns", "gp_lambda": 0.0, "drift": 0.0,
	"r1_gamma": 0.0, "r1_gamma_auto": true, "r1_interval": 16,
	"pl_weight": 2.0, "pl_decay": 0.01, "pl_interval": 4, "pl_batch_shrink": 2,
	"optimizer": "adam", "learning_rate": 0.002, "adam_beta1": 0.0, "adam_beta2": 0.99,
	"batch_size": 32, "ema_kimg": 10.0, "ema_rampup": 0.05, "ema_beta": 0.0,
}

// configuration is one row of the paper's Table 1 at this repository's scale: the model and
// what its objective changes from trainedWith.
type configuration struct {
	name, description string
	model             func(Config) Config
	objective         map[string]any
}

// configurations are Table 1's rows, each applied on top of the previous ones.
var configurations = []configuration{
	{"A", "baseline, StyleGAN1-like: AdaIN, progressive growing, orig G and D, R1 at every step, no path length",
		func(c Config) Config {
			c.Normalization, c.Growing, c.GArchitecture, c.DArchitecture = AdaIN, true, Orig, Orig
			return c
		},
		map[string]any{"r1_interval": 1, "pl_weight": 0.0}},
	{"B", "+ weight demodulation instead of AdaIN",
		func(c Config) Config { c.Normalization = Demodulation; return c }, nil},
	{"C", "+ lazy regularization: R1 every 16 D steps",
		func(c Config) Config { return c }, map[string]any{"r1_interval": 16}},
	{"D", "+ path-length regularization (weight 2, every 4 G steps)",
		func(c Config) Config { return c }, map[string]any{"pl_weight": 2.0}},
	{"E", "+ no growing, output-skip G and residual D (the paper's choice in Table 2)",
		func(c Config) Config { c.Growing, c.GArchitecture, c.DArchitecture = false, Skip, Resnet; return c }, nil},
	{"F", "+ large networks: channel base doubled",
		func(c Config) Config { c.ChannelBase *= 2; return c }, nil},
}

// scale is a resolution this repository trains StyleGAN2 at: its model before any
// configuration's change, its run length and data set.
type scale struct {
	base     Config
	kimg     float64
	dataset  string
	describe string
}

var scales = []scale{
	{Config{Resolution: 32, ImageChannels: 1, ChannelBase: 512, ChannelMax: 64,
		Schedule: growing.Schedule{Resolution: 32, FadeKimg: 6, StableKimg: 6}},
		60, "fashion-mnist", "Fashion-MNIST or MNIST 32x32 grey, 64 channels up to 8x8 then 32 and 16 (paper: 512 up to 32x32)"},
	{Config{Resolution: 64, ImageChannels: 3, ChannelBase: 1024, ChannelMax: 64,
		Schedule: growing.Schedule{Resolution: 64, FadeKimg: 6, StableKimg: 6}},
		80, "emoji", "the emoji set at 64x64 RGB, 64 channels up to 16x16 then 32 and 16"},
}

// base is what every preset starts from: latent and w of 128 (paper: 512), the paper's mapping
// network, style mixing, w_avg and sampling noise.
func base(c Config) Config {
	c.LatentDim, c.WDim, c.MappingLayers, c.MappingLRMul = 128, 128, 8, 0.01
	c.MixingProb, c.WAvgBeta, c.SampleNoise, c.TruncationPsi = 0.9, 0.995, layers.NoiseConst, 1
	c.Phi, c.Connections = blocks.PhiCatLin, blocks.AllConnections(c.Resolution)
	return c
}

// Presets are E-32 (the default), the configurations A-F at 32x32 and 64x64, stylegan2-ada's
// cifar settings and MSG-StyleGAN at both scales.
var Presets = func() []gan.Preset {
	var table []gan.Preset
	for _, s := range scales {
		c := base(s.base)
		objective := map[string]any{}
		for _, row := range configurations {
			c = row.model(c)
			for k, v := range row.objective {
				objective[k] = v
			}
			name := fmt.Sprintf("%s-%d", row.name, c.Resolution)
			description := fmt.Sprintf("config %s (Table 1) %s; %s", row.name, row.description, s.describe)
			table = append(table, preset(name, description, c, objective, map[string]any{"kimg": s.kimg, "dataset": s.dataset}))
		}
	}
	// E-32 first: the default.
	for i, p := range table {
		if p.Name == "E-32" {
			table = append([]gan.Preset{p}, append(table[:i:i], table[i+1:]...)...)
			break
		}
	}
	for _, p := range table {
		if p.Name == "E-32" {
			cond := gan.NewPreset("stylegan2-cond-32", "config E, class-conditional the stylegan2-ada way (label embedding into the mapping network, projection D); Fashion-MNIST's 10 classes",
				p.Settings, map[string]any{gan.ParamClasses: 10})
			table = append(table, cond)
		}
	}
	cifar := base(scales[0].base)
	cifar.ImageChannels, cifar.MappingLayers, cifar.MixingProb = 3, 2, 0
	cifar.GArchitecture, cifar.DArchitecture, cifar.Normalization = Skip, Resnet, Demodulation
	table = append(table, preset("cifar", "stylegan2-ada's cifar settings (2-layer mapping, batch 64, minibatch-stddev group 32, R1 gamma 0.01, lr 0.0025, EMA half-life 500 kimg, no path length, no mixing) at the 32x32 scale here (ada: 512 channels)",
		cifar, map[string]any{"r1_gamma_auto": false, "r1_gamma": 0.01, "pl_weight": 0.0, "batch_size": 64, layers.ParamMbstdGroupSize: 32,
			"learning_rate": 0.0025, "ema_kimg": 500.0}, map[string]any{"kimg": 200.0, "dataset": "cifar10"}))
	for _, s := range scales {
		msg := base(s.base)
		msg.GArchitecture, msg.DArchitecture, msg.Normalization, msg.MixingProb = Orig, MSG, Demodulation, 0
		table = append(table, preset(fmt.Sprintf("msg-stylegan-%d", msg.Resolution),
			"MSG-StyleGAN (Karnewar & Wang 2020): StyleGAN2's G with an image per block into MSG-GAN's D (phi cat_lin), R1 over the scales every step, no mixing, no path length; "+s.describe,
			msg, map[string]any{"r1_interval": 1, "pl_weight": 0.0}, map[string]any{"kimg": s.kimg, "dataset": s.dataset}))
	}
	return table
}()

// preset writes c's settings, then trainedWith, then each of more.
func preset(name, description string, c Config, more ...map[string]any) gan.Preset {
	return gan.NewPreset(name, description, append([]map[string]any{c.Settings(), trainedWith}, more...)...)
}
