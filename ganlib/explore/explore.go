// Package explore is what a researcher does with a trained style-based generator (StyleGAN2,
// MSG-StyleGAN) once it is trained: truncation sweeps, style-mixing grids, interpolation strips
// and latent walks, and projection of images into W or W+ (StyleGAN2 Sec. 5 and App. D). It
// works through the model contract (gan.Model's Mapping, Synthesis, AverageW and
// StyleResolutions), never a family, on the moving average of G's weights; notebooks call it,
// and so does cmd/ganexplore.
package explore

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/tables"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/pkg/errors"
)

// Explorer is a trained generator ready for exploration. Its images come from the moving
// average of G's weights, with the fixed noise maps of sampling.
type Explorer struct {
	Backend backends.Backend
	// Ctx holds the run's settings and the generator's variables.
	Ctx   *context.Context
	Model gan.Model
	// Source says where the generator comes from, for titles: "00003-e32 at kimg 60.0" (the run
	// folder's name).
	Source string
	// Class is the label of every image of a class-conditional model (0 to NumClasses-1).
	Class int

	styles, synthesis, generator *context.Exec
}

// Open loads a snapshot (gantrain's runs/NNNNN-name/snapshot-*.bin) with the settings of its run,
// settings ("key=value;...", as -set) over them.
func Open(backend backends.Backend, path, settings string) (*Explorer, error) {
	s, err := runs.ReadSnapshot(path)
	if err != nil {
		return nil, err
	}
	ctx, err := s.Settings(path, tables.Settings()...)
	if err != nil {
		return nil, err
	}
	if _, err := commandline.ParseContextSettings(ctx, settings); err != nil {
		return nil, errors.WithMessagef(err, "settings %q", settings)
	}
	if err := runs.RestoreVariables(ctx, s.Variables); err != nil {
		return nil, errors.WithMessagef(err, "restoring %s", path)
	}
	model, err := models.New(ctx)
	if err != nil {
		return nil, errors.WithMessagef(err, "the model of %s", path)
	}
	if n := len(model.StageKeys); n > 0 && s.Stage != model.StageKeys[n-1] {
		return nil, errors.Errorf("%s is at growing stage %q of %s: exploring needs the fully grown generator (stage %q), a later snapshot of the run",
			path, s.Stage, model.Name, model.StageKeys[n-1])
	}
	e := New(backend, ctx, model)
	e.Source = fmt.Sprintf("%s at kimg %.1f", filepath.Base(filepath.Dir(path)), s.Progress.Kimg())
	return e, nil
}

// New explores model with the variables and settings in ctx (a trained one, or a test's).
func New(backend backends.Backend, ctx *context.Context, model gan.Model) *Explorer {
	return &Explorer{Backend: backend, Ctx: ctx, Model: model, Source: model.Name}
}

// StyleBased reports, for what, an error unless the model has a mapping network (what needs it:
// "style mixing", ...).
func (e *Explorer) StyleBased(what string) error {
	if e.Model.Mapping == nil || e.Model.AverageW == nil || e.Model.StyleResolutions == nil {
		return errors.Errorf("%s has no mapping network (no w, no tracked average of w): %s needs a style-based generator, a snapshot of a model=stylegan2 run",
			e.Model.Name, what)
	}
	return nil
}

// Latents draws n latents z [n, LatentDim] from N(0, 1) with seed.
func (e *Explorer) Latents(seed uint64, n int) *tensors.Tensor {
	return gan.NormalTensor(rand.New(rand.NewPCG(seed, seed)), n, e.Model.LatentDim)
}

// W is a batch of style latents [Batch, NumWs, Dim] on the host: one w per synthesis layer.
type W struct {
	Batch, NumWs, Dim int
	Values            []float32
}

// Tensor returns w as a tensor [Batch, NumWs, Dim].
func (w W) Tensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(w.Values, w.Batch, w.NumWs, w.Dim)
}

// Latent returns sample b's latents [NumWs*Dim].
func (w W) Latent(b int) []float32 { return w.Values[b*w.NumWs*w.Dim : (b+1)*w.NumWs*w.Dim] }

func wFromTensor(t *tensors.Tensor) W {
	d := t.Shape().Dimensions
	return W{Batch: d[0], NumWs: d[1], Dim: d[2], Values: tensors.MustCopyFlatData[float32](t)}
}

// concat joins batches of latents of the same model.
func concat(batches ...W) W {
	out := batches[0]
	out.Values = nil
	out.Batch = 0
	for _, b := range batches {
		out.Values = append(out.Values, b.Values...)
		out.Batch += b.Batch
	}
	return out
}

// labels are the Class labels of n images, nil for an unconditional model.
func (e *Explorer) labels(n int) []any {
	if e.Model.NumClasses == 0 {
		return nil
	}
	l := make([]int32, n)
	for i := range l {
		l[i] = int32(e.Class)
	}
	return []any{tensors.FromFlatDataAndDimensions(l, n)}
}

// labelNode is the labels input of a graph, nil for an unconditional model.
func (e *Explorer) labelNode(inputs []*Node, at int) *Node {
	if e.Model.NumClasses == 0 {
		return nil
	}
	return inputs[at]
}

// exec compiles fn on the explorer's backend and context, once.
func (e *Explorer) exec(cached **context.Exec, fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error) {
	if *cached == nil {
		exec, err := context.NewExec(e.Backend, e.Ctx.Checked(false), fn)
		if err != nil {
			return nil, err
		}
		*cached = exec
	}
	return *cached, nil
}

// Styles maps z [n, LatentDim] to the style latents, truncated with psi from the cutoff-th
// latent on unchanged (cutoff 0: all truncated; psi 1: untruncated), around w's tracked average.
func (e *Explorer) Styles(z *tensors.Tensor, psi float64, cutoff int) (W, error) {
	if err := e.StyleBased("mapping z to w"); err != nil {
		return W{}, err
	}
	numWs := len(e.Model.StyleResolutions)
	if cutoff < 0 || cutoff > numWs {
		return W{}, errors.Errorf("truncation cutoff %d: %s has %d style latents (0: truncate them all)", cutoff, e.Model.Name, numWs)
	}
	if cutoff == 0 {
		cutoff = numWs
	}
	exec, err := e.exec(&e.styles, func(ctx *context.Context, inputs []*Node) []*Node {
		gctx := gan.NetworkContext(ctx, gan.GeneratorEMAScope)
		ws := e.Model.Mapping(gctx, inputs[0], e.labelNode(inputs, 3))
		return []*Node{gan.Truncate(ws, e.Model.AverageW(gctx, ws), ConvertDType(inputs[1], ws.DType()), ConvertDType(inputs[2], ws.DType()))}
	})
	if err != nil {
		return W{}, err
	}
	args := append([]any{z, float32(psi), float32(cutoff)}, e.labels(z.Shape().Dimensions[0])...)
	out, err := exec.Exec(args...)
	if err != nil {
		return W{}, errors.WithMessage(err, "explore: mapping z to w")
	}
	return wFromTensor(out[0]), nil
}

// AverageW is w's tracked average [Dim], the truncation trick's centre.
func (e *Explorer) AverageW() ([]float32, error) {
	w, err := e.Styles(e.Latents(0, 1), 0, 0)
	if err != nil {
		return nil, err
	}
	return w.Values[:w.Dim], nil
}

// Synthesize draws the final-resolution images of style latents.
func (e *Explorer) Synthesize(w W) (render.Images, error) {
	if err := e.StyleBased("synthesis from w"); err != nil {
		return render.Images{}, err
	}
	if w.NumWs != len(e.Model.StyleResolutions) {
		return render.Images{}, errors.Errorf("latents with %d styles: %s takes %d", w.NumWs, e.Model.Name, len(e.Model.StyleResolutions))
	}
	exec, err := e.exec(&e.synthesis, func(ctx *context.Context, inputs []*Node) []*Node {
		images := e.Model.Synthesis(gan.NetworkContext(ctx, gan.GeneratorEMAScope), inputs[0])
		return images[len(images)-1:]
	})
	if err != nil {
		return render.Images{}, err
	}
	return e.run(exec, "synthesis", w.Tensor())
}

// Generate draws the final-resolution images of latents z with the model's own generator (any
// family; a style-based one truncates as its settings say).
func (e *Explorer) Generate(z *tensors.Tensor) (render.Images, error) {
	exec, err := e.exec(&e.generator, func(ctx *context.Context, inputs []*Node) []*Node {
		images := e.Model.GenerateEMA(ctx, inputs[0], e.labelNode(inputs, 1))
		return images[len(images)-1:]
	})
	if err != nil {
		return render.Images{}, err
	}
	return e.run(exec, "generator", append([]any{z}, e.labels(z.Shape().Dimensions[0])...)...)
}

func (e *Explorer) run(exec *context.Exec, what string, args ...any) (render.Images, error) {
	out, err := exec.Exec(args...)
	if err != nil {
		return render.Images{}, errors.WithMessagef(err, "explore: running the %s of %s", what, e.Model.Name)
	}
	return render.FromTensor(out[0])
}

// float32Tensor is values as a float32 tensor of the given dimensions.
func float32Tensor(values []float32, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) { copy(flat, values) })
	return t
}
