package train

import (
	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/losses"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Hyper-parameter keys of the training machinery (context params).
const (
	ParamDataset        = "dataset"         // datasets.Open spec: mnist, fashion-mnist, emoji, folder:/path, ...
	ParamBatchSize      = "batch_size"      // images per step
	ParamKimg           = "kimg"            // training length in thousands of real images shown to D
	ParamSeed           = "seed"            // seeds data order, latents and weight initialization
	ParamOptimizer      = "optimizer"       // "adam" or "rmsprop", for G and D
	ParamLearningRate   = "learning_rate"   // G and D learning rate
	ParamBeta1          = "adam_beta1"      // Adam's first-moment decay
	ParamBeta2          = "adam_beta2"      // Adam's second-moment (RMSprop's) decay
	ParamEpsilon        = "adam_epsilon"    // optimizers' epsilon
	ParamGPLambda       = "gp_lambda"       // WGAN-GP penalty weight
	ParamDrift          = "drift"           // WGAN-GP drift weight on E[D(real)^2]
	ParamTickKimg       = "tick_kimg"       // log a line and a stats.jsonl entry every this many kimg
	ParamSnapshotKimg   = "snapshot_kimg"   // snapshot and sample grid every this many kimg
	ParamNCritic        = "n_critic"        // discriminator steps per generator step
	ParamEMAKimg        = "ema_kimg"        // generator EMA half-life in kimg (StyleGAN2: 10)
	ParamEMARampup      = "ema_rampup"      // EMA half-life at most this fraction of images shown (0: off)
	ParamEMABeta        = "ema_beta"        // a fixed per-step EMA decay instead of the half-life (ProGAN: 0.999; 0: use ema_kimg)
	ParamSampleLatents  = "sample_latents"  // fixed latents in each sample grid
	ParamLoss           = "loss"            // wgangp, ns (non-saturating logistic), hinge or lsgan
	ParamR1Gamma        = "r1_gamma"        // R1 weight gamma (0: off)
	ParamR1Interval     = "r1_interval"     // R1 every this many D steps (lazy; 1: every step, in the main loss)
	ParamPLWeight       = "pl_weight"       // path-length weight (0: off; StyleGAN2 code: 2)
	ParamPLDecay        = "pl_decay"        // path-length running-mean decay
	ParamPLInterval     = "pl_interval"     // path length every this many G steps (code 4, paper 8)
	ParamPLBatchShrink  = "pl_batch_shrink" // path-length batch = batch_size / this
	ParamOrthogonalBeta = "ortho_beta"      // BigGAN orthogonal regularization of G (0: off; BigGAN 1e-4)
)

// DefaultParams are the defaults of the keys above: MSG-GAN's authors' settings (Adam, lr
// 0.003, betas (0, 0.99)) with ProGAN's WGAN-GP weights (lambda 10, drift 0.001).
func DefaultParams() map[string]any {
	return map[string]any{
		ParamDataset:        "mnist",
		ParamBatchSize:      16,
		ParamKimg:           10.0,
		ParamSeed:           1,
		ParamOptimizer:      string(Adam),
		ParamLearningRate:   0.003,
		ParamBeta1:          0.0,
		ParamBeta2:          0.99,
		ParamEpsilon:        1e-8,
		ParamGPLambda:       10.0,
		ParamDrift:          0.001,
		ParamTickKimg:       0.5,
		ParamSnapshotKimg:   2.0,
		ParamNCritic:        1,
		ParamEMAKimg:        10.0,
		ParamEMARampup:      0.05,
		ParamEMABeta:        0.0,
		ParamSampleLatents:  8,
		ParamLoss:           LossWGANGP,
		ParamR1Gamma:        0.0,
		ParamR1Interval:     losses.DefaultR1Interval,
		ParamPLWeight:       0.0,
		ParamPLDecay:        losses.DefaultPathLengthDecay,
		ParamPLInterval:     4,
		ParamPLBatchShrink:  2,
		ParamOrthogonalBeta: 0.0,

		layers.ParamMbstdGroupSize:   layers.DefaultMbstdGroupSize,
		layers.ParamMbstdNumFeatures: layers.DefaultMbstdNumFeatures,
		layers.ParamLeakyReLUSlope:   layers.DefaultLeakyReLUSlope,
	}
}

// defaultParams backs every read of a training setting, so DefaultParams is the one place
// defaults are written.
var defaultParams = DefaultParams()

// param reads a training setting from ctx, defaulting to DefaultParams.
func param[T any](ctx *context.Context, key string) T {
	return context.GetParamOr(ctx, key, defaultParams[key].(T))
}

// OptimizerFor returns the optimizer settings from ctx for the variables under scope.
func OptimizerFor(ctx *context.Context, scope string) Optimizer {
	return Optimizer{
		Scope:        scope,
		Algorithm:    Algorithm(param[string](ctx, ParamOptimizer)),
		LearningRate: param[float64](ctx, ParamLearningRate),
		Beta1:        param[float64](ctx, ParamBeta1),
		Beta2:        param[float64](ctx, ParamBeta2),
		Epsilon:      param[float64](ctx, ParamEpsilon),
	}
}

// WGANGPFor returns the WGAN-GP weights from ctx.
func WGANGPFor(ctx *context.Context) losses.WGANGP {
	return losses.WGANGP{
		Lambda: param[float64](ctx, ParamGPLambda),
		Drift:  param[float64](ctx, ParamDrift),
	}
}
