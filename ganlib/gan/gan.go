// Package gan is the contract between the model families (ganlib/models/...) and everything that
// trains, samples, measures or explores them: what a model is (Model), where its variables live
// in a context (the scopes), how a growing model reads its fade-in alpha, and how a family
// describes its settings and named presets (Family). It imports only GoMLX, so every other
// package can depend on it and it on none of them.
package gan

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Scopes of the networks' variables in a context: G, D, and the moving average of G's weights
// that samples and metrics use.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
	GeneratorEMAScope  = "/generator_ema"
)

// EmbeddingsName is the variable name of class-embedding tables: BigGAN's orthogonal
// regularization leaves them out (as BigGAN-PyTorch leaves out G's shared embedding).
const EmbeddingsName = "embeddings"

// NoiseMapsName is the variable name of a style-based generator's fixed noise maps [1, H, W, 1]
// (its noise outside training): projecting an image into the latent space optimizes them with w.
const NoiseMapsName = "noise_const"

// Model is one GAN as the machinery sees it: its networks as GoMLX functions and what their
// inputs are. Families build it from their settings (Family.New).
type Model struct {
	// Name says what it is in logs and notebooks, e.g. "MSG-ProGAN 32x32x1".
	Name string
	// Resolution and Channels are the real images it trains on: [B, Resolution, Resolution, Channels].
	Resolution, Channels int
	// LatentDim is the size of z.
	LatentDim int
	// NumClasses is 0 for an unconditional model; else labels [B] (int32, 0 to NumClasses-1) go
	// with every batch to G and D.
	NumClasses int
	// Generator maps z [B, LatentDim] (and labels, nil when unconditional) to images, one per
	// scale, the full resolution last (a single image for single-output models).
	Generator func(ctx *context.Context, z, labels *Node) []*Node
	// Discriminator scores images as Generator returns them (or RealInputs makes of real ones)
	// with [B, 1].
	Discriminator func(ctx *context.Context, images []*Node, labels *Node) *Node
	// RealInputs turns a batch of real images [B, H, W, C] into what Discriminator takes: the
	// batch alone, its average-pooled pyramid for multi-scale models (MSG-GAN), or the batch at
	// the current stage's resolution for growing ones (ProGAN; ctx holds the stage, see StageKey).
	RealInputs func(ctx *context.Context, real *Node) []*Node
	// Mapping and Synthesis, set by style-based models, split Generator into
	// Synthesis(ctx, Mapping(ctx, z, labels)) with w [B, wDim] or [B, numWs, wDim]: path-length
	// regularization differentiates the final image with respect to w (truncation and style
	// mixing work on w too).
	// Mapping returns w untruncated; Generator applies the model's sampling truncation.
	Mapping   func(ctx *context.Context, z, labels *Node) *Node
	Synthesis func(ctx *context.Context, w *Node) []*Node
	// AverageW, set by models that track the average of w (StyleGAN2's w_avg), returns it [wDim]
	// for latents ws (in their graph and dtype): the centre of the truncation trick (Truncate).
	AverageW func(ctx *context.Context, ws *Node) *Node
	// StyleResolutions, set by models whose w is [B, numWs, wDim], gives the resolution each of
	// the numWs latents styles: style mixing's coarse, middle and fine bands.
	StyleResolutions []int
	// Stage, set by growing models (ProGAN), says where training is after kimg thousand real
	// images: step graphs are compiled once per stage key and read the key with StageKey and the
	// fade-in alpha with Alpha. Nil: one stage, alpha 1.
	Stage func(kimg float64) Stage
	// StageKeys lists every key Stage returns, in training order (benchmarks time each), and
	// FinalStageKimg is where the last stage begins (a shorter run never reaches the model's
	// resolution).
	StageKeys      []string
	FinalStageKimg float64
	// Prepare, set by models whose sampling needs statistics of the generator's moving average
	// (BigGAN's standing batch-norm statistics), runs before each snapshot's samples are drawn;
	// graph compiles a function on the training loop's backend and context. What it computes
	// lives in variables, so snapshots keep it.
	Prepare func(graph func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error)) error
}

// NormalTensor draws a float32 tensor of the given dimensions from N(0, 1) with rng (latents
// and noise drawn on the host, where a run's random stream must be exact on resume).
func NormalTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(rng.NormFloat64())
		}
	})
	return t
}

// Validate reports a model missing what every model needs.
func (m Model) Validate() error {
	switch {
	case m.Generator == nil || m.Discriminator == nil || m.RealInputs == nil:
		return errors.Errorf("gan: model %q lacks its Generator, Discriminator or RealInputs", m.Name)
	case m.LatentDim <= 0 || m.Resolution <= 0 || m.Channels <= 0:
		return errors.Errorf("gan: model %q has latent size %d, resolution %d and %d channels: all must be positive",
			m.Name, m.LatentDim, m.Resolution, m.Channels)
	case (m.Mapping == nil) != (m.Synthesis == nil):
		return errors.Errorf("gan: model %q sets only one of Mapping and Synthesis", m.Name)
	case m.Mapping == nil && (m.AverageW != nil || m.StyleResolutions != nil):
		return errors.Errorf("gan: model %q sets AverageW or StyleResolutions without a Mapping", m.Name)
	}
	return nil
}

// Truncate is the truncation trick (Karras et al. 2019, Sec. 3.1 and App. B): the first cutoff
// latents of ws [B, numWs, wDim] become center + psi (w - center), center [wDim] (w's average),
// the others stay. psi and cutoff are scalars of ws's dtype; cutoff >= numWs truncates them all.
func Truncate(ws, center, psi, cutoff *Node) *Node {
	dims := ws.Shape().Dimensions
	center = BroadcastToDims(Reshape(center, 1, 1, dims[2]), dims...)
	truncated := Add(center, Mul(Sub(ws, center), psi))
	index := Iota(ws.Graph(), ws.Shape(), 1)
	return Where(LessThan(index, cutoff), truncated, ws)
}

// Stage is where a growing model's training is.
type Stage struct {
	// Key names the stage: its graphs are compiled once.
	Key string
	// Alpha is the fade-in weight in [0, 1] (1 outside fade-ins).
	Alpha float64
	// BatchSize, if not 0, replaces the run's batch size in this stage.
	BatchSize int
	// ResetOptimizers makes the optimizers' state start afresh when the stage begins (ProGAN's
	// official code does at each new resolution).
	ResetOptimizers bool
}

// StageAt returns the stage at kimg (key "" and alpha 1 without growing).
func (m Model) StageAt(kimg float64) Stage {
	if m.Stage == nil {
		return Stage{Alpha: 1}
	}
	return m.Stage(kimg)
}

// NetworkContext is the context of one network's variables. It is unchecked: a step graph calls
// D several times (reals, fakes, interpolates) and several graphs (D step, G step, sampling)
// share the same variables, so variables are created on first use and reused afterwards.
func NetworkContext(ctx *context.Context, scope string) *context.Context {
	return ctx.InAbsPath(scope).Checked(false)
}

// Generate runs the generator on z with its variables.
func (m Model) Generate(ctx *context.Context, z, labels *Node) []*Node {
	return m.Generator(NetworkContext(ctx, GeneratorScope), z, labels)
}

// GenerateEMA runs the generator on z with the moving average of its weights (samples, metrics).
func (m Model) GenerateEMA(ctx *context.Context, z, labels *Node) []*Node {
	return m.Generator(NetworkContext(ctx, GeneratorEMAScope), z, labels)
}

// Critic returns the discriminator with its variables, for images of the given labels.
func (m Model) Critic(ctx *context.Context, labels *Node) func(images []*Node) *Node {
	dctx := NetworkContext(ctx, DiscriminatorScope)
	return func(images []*Node) *Node { return m.Discriminator(dctx, images, labels) }
}

// GraphParamAlpha is the graph parameter holding the fade-in alpha (a scalar node) that the
// training loop feeds to every step graph.
const GraphParamAlpha = "fade_in_alpha"

// SetAlpha makes alpha the fade-in alpha of its graph.
func SetAlpha(ctx *context.Context, alpha *Node) {
	ctx.SetGraphParam(alpha.Graph(), GraphParamAlpha, alpha)
}

// Alpha returns the fade-in alpha node of g, or nil outside a graph that has one.
func Alpha(ctx *context.Context, g *Graph) *Node {
	if value, found := ctx.GetGraphParam(g, GraphParamAlpha); found {
		return value.(*Node)
	}
	return nil
}

// GraphParamStage is the graph parameter holding the stage key the graph is built for.
const GraphParamStage = "stage"

// SetStage makes key the stage of g's graph.
func SetStage(ctx *context.Context, g *Graph, key string) { ctx.SetGraphParam(g, GraphParamStage, key) }

// StageKey returns the stage key g is built for, "" when none was set (a graph outside training
// builds the whole model: a growing model's last stage).
func StageKey(ctx *context.Context, g *Graph) string {
	if value, found := ctx.GetGraphParam(g, GraphParamStage); found {
		return value.(string)
	}
	return ""
}
