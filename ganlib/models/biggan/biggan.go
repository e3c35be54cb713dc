// Package biggan is BigGAN (Brock et al., ICLR 2019) at small scale: the networks of
// ganlib/blocks (BigGAN: shared class embedding, hierarchical latents, conditional batch norm,
// optional self-attention, residual blocks, projection discriminator, spectral normalization
// everywhere), trained with the hinge loss, orthogonal regularization of G, two D steps per G
// step and Adam (0, 0.999) with separate learning rates (the presets); the batch norms of G's
// moving average use standing statistics by default; truncation resamples z (gan.TruncateZ,
// TruncationSweep; the metrics' -trunc<threshold> suffix).
package biggan

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/layers"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Config describes one BigGAN.
type Config struct {
	// Resolution of the images (power of two >= 8); ImageChannels 1 or 3; LatentDim z's size
	// (split into BigGANUpBlocks+1 equal chunks with hierarchical latents).
	Resolution, ImageChannels, LatentDim int
	// Classes (0: unconditional), Channels, EmbedDim, Hierarchical, Attention and Stats are
	// blocks.BigGAN's.
	Classes, Channels, EmbedDim int
	Hierarchical                bool
	Attention                   int
	Stats                       layers.BatchNormStats
	// StandingBatches of StandingBatchSize latents give the standing statistics
	// (BigGAN-PyTorch: 16 batches).
	StandingBatches, StandingBatchSize int
}

// Setting keys of the family.
const (
	ParamResolution        = "biggan_resolution"
	ParamImageChannels     = "biggan_image_channels"
	ParamLatentDim         = "biggan_latent_dim"
	ParamChannels          = "biggan_channels"
	ParamEmbedDim          = "biggan_embed_dim"
	ParamHierarchical      = "biggan_hierarchical"
	ParamAttention         = "biggan_attention"
	ParamStats             = "biggan_bn_stats"
	ParamStandingBatches   = "biggan_standing_batches"
	ParamStandingBatchSize = "biggan_standing_batch_size"
)

// Settings are the family's keys; their defaults are the biggan-32 preset's model.
var Settings = gan.Settings{
	{Key: ParamResolution, Default: 32, Help: "output resolution, a power of two >= 8"},
	{Key: ParamImageChannels, Default: 1, Help: "image channels: 1 (grey) or 3 (RGB); a new run's follow its data set"},
	{Key: ParamLatentDim, Default: 128, Help: "size of z (BigGAN: 120 at 128x128); with hierarchical latents a multiple of the up-blocks + 1 (4 at 32x32)"},
	{Key: ParamChannels, Default: 64, Help: "feature maps of every block (BigGAN-PyTorch at 32x32: 256)"},
	{Key: ParamEmbedDim, Default: 128, Help: "size of G's shared class embedding (BigGAN: 128)"},
	{Key: ParamHierarchical, Default: true, Help: "hierarchical latents: z split over the input and every block's batch norms"},
	{Key: ParamAttention, Default: 0, Help: "self-attention at this resolution in G and D (BigGAN: 64 at 128x128); 0: none"},
	{Key: ParamStats, Default: string(layers.StandingStatistics), Help: "batch-norm statistics of G's moving average when sampling: " + gan.Names(layers.BatchNormStatsModes)},
	{Key: ParamStandingBatches, Default: 16, Help: "with standing statistics: batches averaged before each snapshot's samples (BigGAN-PyTorch: 16)"},
	{Key: ParamStandingBatchSize, Default: 64, Help: "with standing statistics: latents per batch"},
}

// trainedWith is BigGAN's objective (paper Sec. 4 and App. C): hinge loss, orthogonal
// regularization 1e-4, two D steps per G step, Adam with betas 0 and 0.999, G's moving average;
// no gradient penalty, no drift. The learning rates are BigGAN-PyTorch's CIFAR ones, 2e-4 for
// both: the paper's ImageNet pair (D 2e-4, G 5e-5: g_learning_rate=5e-5) is for 100k+ steps at
// batch 2048, and in a 60 kimg run here (under a thousand G steps) it left G at chance: 9.5%
// of its images of the requested class at 10 kimg, against the classifier's 10% for noise.
var trainedWith = map[string]any{
	"loss": "hinge", "gp_lambda": 0.0, "drift": 0.0, "r1_gamma": 0.0, "r1_gamma_auto": false, "pl_weight": 0.0,
	"ortho_beta": 1e-4, "n_critic": 2, "optimizer": "adam", "adam_beta1": 0.0, "adam_beta2": 0.999,
	"d_learning_rate": 2e-4, "g_learning_rate": 2e-4, "learning_rate": 2e-4,
	"batch_size": 32, "ema_kimg": 10.0, "ema_rampup": 0.05, "ema_beta": 0.0,
}

var base32 = Config{Resolution: 32, ImageChannels: 1, LatentDim: 128, Classes: 10, Channels: 64, EmbedDim: 128,
	Hierarchical: true, Stats: layers.StandingStatistics, StandingBatches: 16, StandingBatchSize: 64}

// Presets are BigGAN at the repository's scale; the first is the default.
var Presets = []gan.Preset{
	gan.NewPreset("biggan-32", "class-conditional Fashion-MNIST 32x32 (any 10-class set: a user's CIFAR-10 with dataset=cifar10:/dir), 64 channels, BigGAN's objective",
		base32.Settings(), trainedWith, map[string]any{"kimg": 60.0, "dataset": "fashion-mnist"}),
	gan.NewPreset("biggan-cifar", "BigGAN-PyTorch's CIFAR-10 settings at 64 channels: 4 D steps per G step, batch 50, RGB; dataset=cifar10:/dir",
		func() map[string]any { c := base32; c.ImageChannels = 3; return c.Settings() }(), trainedWith,
		map[string]any{"kimg": 60.0, "dataset": "cifar10:.data/cifar-10-batches-bin", "n_critic": 4, "batch_size": 50}),
}

// Family is BigGAN as the model registry lists it.
var Family = gan.Family{
	Name:              "biggan",
	Description:       "BigGAN (Brock et al. 2019) at small scale: class-conditional, spectral norm, hinge, orthogonal regularization, truncation",
	Settings:          Settings,
	Presets:           Presets,
	ResolutionSetting: ParamResolution,
	ChannelsSetting:   ParamImageChannels,
	New: func(ctx *context.Context) (gan.Model, error) {
		cfg, err := FromContext(ctx)
		return cfg.Model(), err
	},
}

// Settings returns c as the family's settings (and the classes).
func (c Config) Settings() map[string]any {
	return map[string]any{
		ParamResolution: c.Resolution, ParamImageChannels: c.ImageChannels, ParamLatentDim: c.LatentDim,
		ParamChannels: c.Channels, ParamEmbedDim: c.EmbedDim, ParamHierarchical: c.Hierarchical, ParamAttention: c.Attention,
		ParamStats: string(c.Stats), ParamStandingBatches: c.StandingBatches, ParamStandingBatchSize: c.StandingBatchSize,
		gan.ParamClasses: c.Classes,
	}
}

// FromContext reads the family's settings, validated.
func FromContext(ctx *context.Context) (Config, error) {
	c := Config{
		Resolution:        gan.Get[int](ctx, Settings, ParamResolution),
		ImageChannels:     gan.Get[int](ctx, Settings, ParamImageChannels),
		LatentDim:         gan.Get[int](ctx, Settings, ParamLatentDim),
		Channels:          gan.Get[int](ctx, Settings, ParamChannels),
		EmbedDim:          gan.Get[int](ctx, Settings, ParamEmbedDim),
		Hierarchical:      gan.Get[bool](ctx, Settings, ParamHierarchical),
		Attention:         gan.Get[int](ctx, Settings, ParamAttention),
		Stats:             layers.BatchNormStats(gan.Get[string](ctx, Settings, ParamStats)),
		StandingBatches:   gan.Get[int](ctx, Settings, ParamStandingBatches),
		StandingBatchSize: gan.Get[int](ctx, Settings, ParamStandingBatchSize),
	}
	var err error
	if c.Classes, err = gan.Classes(ctx); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate reports the first inconsistent setting, naming it and what it allows.
func (c Config) Validate() error {
	slots := blocks.BigGANUpBlocks(max(c.Resolution, 8)) + 1
	switch {
	case c.Resolution < 8 || c.Resolution&(c.Resolution-1) != 0:
		return errors.Errorf("%s=%d must be a power of two >= 8", ParamResolution, c.Resolution)
	case c.ImageChannels <= 0 || c.LatentDim <= 0 || c.Channels <= 0 || c.EmbedDim <= 0:
		return errors.Errorf("%s, %s, %s and %s must be positive", ParamImageChannels, ParamLatentDim, ParamChannels, ParamEmbedDim)
	case c.Hierarchical && c.LatentDim%slots != 0:
		return errors.Errorf("%s=%d: hierarchical latents at %dx%d need a multiple of %d (one chunk per block and the input), such as %d",
			ParamLatentDim, c.LatentDim, c.Resolution, c.Resolution, slots, (c.LatentDim/slots+1)*slots)
	case c.Attention != 0 && (c.Attention < 8 || c.Attention > c.Resolution || c.Attention&(c.Attention-1) != 0 || c.Channels%8 != 0):
		return errors.Errorf("%s=%d: use 0 or a power-of-two resolution from 8 to %d (and %s a multiple of 8)", ParamAttention, c.Attention, c.Resolution, ParamChannels)
	case !slices.Contains(layers.BatchNormStatsModes, c.Stats):
		return errors.Errorf("%s=%q: use %s", ParamStats, c.Stats, gan.Names(layers.BatchNormStatsModes))
	case c.Stats == layers.StandingStatistics && (c.StandingBatches <= 0 || c.StandingBatchSize <= 0):
		return errors.Errorf("%s and %s must be positive with standing statistics", ParamStandingBatches, ParamStandingBatchSize)
	}
	return nil
}

func (c Config) networks() blocks.BigGAN {
	return blocks.BigGAN{Channels: c.Channels, ImageChannels: c.ImageChannels, Classes: c.Classes, EmbedDim: c.EmbedDim,
		Hierarchical: c.Hierarchical, Attention: c.Attention, Stats: c.Stats}
}

// Model is c as the training machinery sees it.
func (c Config) Model() gan.Model {
	n := c.networks()
	m := gan.Model{
		Name:       fmt.Sprintf("BigGAN %dx%dx%d", c.Resolution, c.Resolution, c.ImageChannels),
		Resolution: c.Resolution, Channels: c.ImageChannels, LatentDim: c.LatentDim, NumClasses: c.Classes,
		Generator: func(ctx *context.Context, z, labels *Node) []*Node {
			return []*Node{n.Generate(ctx, c.Resolution, z, labels)}
		},
		Discriminator: func(ctx *context.Context, images []*Node, labels *Node) *Node {
			return n.Discriminate(ctx, images[0], labels)
		},
		RealInputs: func(_ *context.Context, real *Node) []*Node { return []*Node{real} },
	}
	if c.Classes > 0 {
		m.Name += fmt.Sprintf(", %d classes", c.Classes)
	}
	if c.Stats == layers.StandingStatistics {
		m.Prepare = c.standingStatistics(m)
	}
	return m
}

// standingStatistics gathers the standing batch-norm statistics of G's moving average: its
// batch statistics averaged over StandingBatches batches of latents (and uniformly drawn
// classes), from a fixed seed so that a resumed run gathers the same.
func (c Config) standingStatistics(m gan.Model) func(graph func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error)) error {
	return func(graph func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error)) error {
		exec, err := graph(func(ctx *context.Context, inputs []*Node) []*Node {
			layers.SetStandingCount(ctx, inputs[0].Graph(), inputs[len(inputs)-1])
			var labels *Node
			if c.Classes > 0 {
				labels = inputs[1]
			}
			return m.GenerateEMA(ctx, inputs[0], labels)
		})
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(0x62696767, 0x616e))
		for k := range c.StandingBatches {
			args := []any{gan.NormalTensor(rng, c.StandingBatchSize, c.LatentDim)}
			if c.Classes > 0 {
				labels := make([]int32, c.StandingBatchSize)
				for i := range labels {
					labels[i] = int32(rng.IntN(c.Classes))
				}
				args = append(args, tensors.FromFlatDataAndDimensions(labels, len(labels)))
			}
			if _, err := exec.Exec(append(args, tensors.FromScalar(float32(k)))...); err != nil {
				return errors.WithMessage(err, "standing batch-norm statistics")
			}
		}
		return nil
	}
}
