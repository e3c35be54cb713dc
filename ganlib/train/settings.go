package train

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Setting keys of a run and of the optimizers.
const (
	ParamBatchSize     = "batch_size"
	ParamKimg          = "kimg"
	ParamSeed          = "seed"
	ParamTickKimg      = "tick_kimg"
	ParamSnapshotKimg  = "snapshot_kimg"
	ParamNCritic       = "n_critic"
	ParamEMAKimg       = "ema_kimg"
	ParamEMARampup     = "ema_rampup"
	ParamEMABeta       = "ema_beta"
	ParamOptimizer     = "optimizer"
	ParamLearningRate  = "learning_rate"
	ParamGLearningRate = "g_learning_rate"
	ParamDLearningRate = "d_learning_rate"
	ParamBeta1         = "adam_beta1"
	ParamBeta2         = "adam_beta2"
	ParamEpsilon       = "adam_epsilon"

	ParamDivergenceBound = "divergence_bound"
)

// RunSettings are a run's length, pace and bookkeeping, and the optimizers' settings (the same
// for G and D); their defaults are the MSG-GAN authors' (Adam, lr 0.003, betas 0 and 0.99).
var RunSettings = gan.Settings{
	{Key: ParamBatchSize, Default: 16, Help: "real images per discriminator step"},
	{Key: ParamKimg, Default: 10.0, Help: "training length in thousands of real images shown to D"},
	{Key: ParamSeed, Default: 1, Help: "seeds the data order, the latents and the weights' initialization"},
	{Key: ParamTickKimg, Default: 0.5, Help: "a log line and a stats.jsonl entry every this many kimg"},
	{Key: ParamSnapshotKimg, Default: 2.0, Help: "a snapshot (and the snapshot hooks: sample grids) every this many kimg"},
	{Key: ParamNCritic, Default: 1, Help: "discriminator steps per generator step"},
	{Key: ParamEMAKimg, Default: 10.0, Help: "half-life of the generator's moving average, in kimg (StyleGAN2: 10)"},
	{Key: ParamEMARampup, Default: 0.05, Help: "the EMA half-life is at most this fraction of the images shown (stylegan2-ada; 0: off)"},
	{Key: ParamEMABeta, Default: 0.0, Help: "a fixed per-step EMA decay instead of the half-life (ProGAN: 0.999; 0: use ema_kimg)"},
	{Key: ParamOptimizer, Default: string(Adam), Help: "adam or rmsprop, for G and D (the MSG-GAN paper: rmsprop; its authors' code: adam)"},
	{Key: ParamLearningRate, Default: 0.003, Help: "G's and D's learning rate (MSG-GAN: 0.003; ProGAN: 0.001; StyleGAN2: 0.002)"},
	{Key: ParamGLearningRate, Default: 0.0, Help: "G's own learning rate (BigGAN: 5e-5); 0: learning_rate"},
	{Key: ParamDLearningRate, Default: 0.0, Help: "D's own learning rate (BigGAN: 2e-4); 0: learning_rate"},
	{Key: ParamBeta1, Default: 0.0, Help: "Adam's first-moment decay"},
	{Key: ParamBeta2, Default: 0.99, Help: "Adam's second-moment decay (RMSprop's decay)"},
	{Key: ParamEpsilon, Default: 1e-8, Help: "the optimizers' epsilon"},
	{Key: ParamDivergenceBound, Default: 1e6, Help: "a tick's statistic (a loss, a score, drift) beyond this magnitude is a warning in the log and in stats.jsonl (0: off)"},
}

// Settings are every setting the training machinery reads: the run's and the objective's.
func Settings() gan.Settings {
	return append(append(gan.Settings{}, RunSettings...), objective.Settings()...)
}

// param reads a run setting.
func param[T any](ctx *context.Context, key string) T { return gan.Get[T](ctx, RunSettings, key) }

// OptimizerFor returns the optimizer settings from ctx for the variables under scope (G's or
// D's: each may have a learning rate of its own, as BigGAN's).
func OptimizerFor(ctx *context.Context, scope string) Optimizer {
	lr := param[float64](ctx, ParamLearningRate)
	own := map[string]string{gan.GeneratorScope: ParamGLearningRate, gan.DiscriminatorScope: ParamDLearningRate}[scope]
	if own != "" && param[float64](ctx, own) != 0 {
		lr = param[float64](ctx, own)
	}
	return Optimizer{
		Scope:        scope,
		Algorithm:    Algorithm(param[string](ctx, ParamOptimizer)),
		LearningRate: lr,
		Beta1:        param[float64](ctx, ParamBeta1),
		Beta2:        param[float64](ctx, ParamBeta2),
		Epsilon:      param[float64](ctx, ParamEpsilon),
	}
}
