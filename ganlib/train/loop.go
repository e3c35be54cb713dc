package train

import (
	"fmt"
	"log"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// RunConfig is a run's length, pace and bookkeeping, read from the context (see params.go).
type RunConfig struct {
	BatchSize       int
	Kimg            float64
	TickKimg        float64
	SnapshotKimg    float64
	NCritic         int
	EMAHalfLifeKimg float64
	EMARampup       float64
	EMABeta         float64
	Seed            int
	SampleLatents   int
}

// RunConfigFromContext reads the run settings, validating them.
func RunConfigFromContext(ctx *context.Context) (RunConfig, error) {
	c := RunConfig{
		BatchSize:       param[int](ctx, ParamBatchSize),
		Kimg:            param[float64](ctx, ParamKimg),
		TickKimg:        param[float64](ctx, ParamTickKimg),
		SnapshotKimg:    param[float64](ctx, ParamSnapshotKimg),
		NCritic:         param[int](ctx, ParamNCritic),
		EMAHalfLifeKimg: param[float64](ctx, ParamEMAKimg),
		EMARampup:       param[float64](ctx, ParamEMARampup),
		EMABeta:         param[float64](ctx, ParamEMABeta),
		Seed:            param[int](ctx, ParamSeed),
		SampleLatents:   param[int](ctx, ParamSampleLatents),
	}
	switch {
	case c.BatchSize <= 0:
		return c, errors.Errorf("%s=%d must be positive", ParamBatchSize, c.BatchSize)
	case c.Kimg <= 0 || c.TickKimg <= 0 || c.SnapshotKimg <= 0:
		return c, errors.Errorf("%s=%g, %s=%g and %s=%g must be positive", ParamKimg, c.Kimg, ParamTickKimg, c.TickKimg, ParamSnapshotKimg, c.SnapshotKimg)
	case c.NCritic <= 0:
		return c, errors.Errorf("%s=%d must be positive", ParamNCritic, c.NCritic)
	}
	return c, nil
}

// Loop trains a GAN with the Objective set in the context: NCritic discriminator steps, each on a
// new real batch (plus R1 steps when due), then one generator step (plus a path-length step when
// due); counted in real images shown (kimg), logged every tick to stats.jsonl, snapshotted every
// SnapshotKimg with a sample grid of fixed latents from the generator EMA.
type Loop struct {
	Backend backends.Backend
	Ctx     *context.Context
	GAN     GAN
	Data    *datasets.Dataset
	// OutDir receives stats.jsonl, snapshots and sample grids.
	OutDir string
	// Stage maps the current kimg to a stage key and a fade-in alpha (ProGAN's growing). Step
	// graphs are compiled once per stage key and reused; alpha is a graph input, so changing it
	// re-traces nothing. Nil means one stage with alpha 1.
	Stage func(kimg float64) (key string, alpha float64)
	// OnTick, if set, receives every tick (notebooks draw their live panel from it).
	OnTick func(*Tick)
	// Logf receives progress lines; nil means log.Printf.
	Logf func(format string, args ...any)

	cfg          RunConfig
	objective    Objective
	imageDims    [4]int
	progress     Progress
	pcg          *rand.PCG
	rng          *rand.Rand
	fixedLatents *tensors.Tensor
	stages       map[string]*stageExecs
	lastSnapshot string
}

// stageExecs are the compiled graphs of one stage, with the names of their outputs (known once
// each graph is traced).
type stageExecs struct {
	discriminator, discriminatorReg, generator, generatorReg, sample *context.Exec
	names                                                            map[*context.Exec][]string
}

// Run trains until Kimg thousand images have been shown. If resumeFrom names a snapshot file,
// training continues from it exactly; "" starts afresh.
func (l *Loop) Run(resumeFrom string) error {
	cfg, err := RunConfigFromContext(l.Ctx)
	if err != nil {
		return err
	}
	l.cfg = cfg
	if l.objective, err = ObjectiveFromContext(l.Ctx); err != nil {
		return err
	}
	if l.Logf == nil {
		l.Logf = log.Printf
	}
	l.stages = map[string]*stageExecs{}
	l.pcg = rand.NewPCG(uint64(cfg.Seed), 0x6761_6e73)
	l.rng = rand.New(l.pcg)
	// Fixed latents come from their own generator, so they are the same whatever the resume point.
	l.fixedLatents = normalTensor(rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6669_7865)), cfg.SampleLatents, l.GAN.LatentDim)
	l.Ctx.SetParam(context.ParamInitialSeed, int64(cfg.Seed))
	if resumeFrom != "" {
		if err := l.resume(resumeFrom); err != nil {
			return err
		}
	}
	total := int64(cfg.Kimg * 1000)
	tickImages := max(int64(cfg.TickKimg*1000), 1)
	snapshotImages := max(int64(cfg.SnapshotKimg*1000), 1)
	start := time.Now()
	tick := &Tick{}
	tickStart, tickShown := time.Now(), l.progress.Shown
	// The next tick and snapshot are due when the images shown reach these multiples.
	nextTick := nextMultiple(l.progress.Shown, tickImages)
	nextSnapshot := nextMultiple(l.progress.Shown, snapshotImages)
	for l.progress.Shown < total {
		stageKey, alpha := l.stage()
		execs, err := l.stageExecs(stageKey)
		if err != nil {
			return err
		}
		if err := l.iterate(execs, alpha, tick); err != nil {
			return errors.WithMessagef(err, "iteration %d (kimg %.3f), last good snapshot %q",
				l.progress.Iterations, l.progress.Kimg(), l.lastSnapshot)
		}
		done := l.progress.Shown >= total
		snapshotDue := l.progress.Shown >= nextSnapshot || done
		if l.progress.Shown < nextTick && !snapshotDue {
			continue
		}
		tick.Kimg, tick.Iterations, tick.Stage, tick.Alpha = l.progress.Kimg(), l.progress.Iterations, stageKey, alpha
		tick.Seconds = time.Since(tickStart).Seconds()
		tick.ImagesPerSec = float64(l.progress.Shown-tickShown) / tick.Seconds
		tick.TotalSeconds = time.Since(start).Seconds()
		if snapshotDue {
			if tick.SnapshotPath, tick.SamplesPath, err = l.snapshot(execs); err != nil {
				return err
			}
			nextSnapshot = nextMultiple(l.progress.Shown, snapshotImages)
		}
		tick.finish()
		if err := appendStats(l.OutDir, tick); err != nil {
			return err
		}
		l.logTick(tick, total)
		if l.OnTick != nil {
			l.OnTick(tick)
		}
		tick = &Tick{}
		tickStart, tickShown = time.Now(), l.progress.Shown
		nextTick = nextMultiple(l.progress.Shown, tickImages)
	}
	return nil
}

// nextMultiple returns the smallest multiple of step above shown.
func nextMultiple(shown, step int64) int64 { return (shown/step + 1) * step }

// stage returns the current stage key and alpha.
func (l *Loop) stage() (string, float64) {
	if l.Stage == nil {
		return "", 1
	}
	return l.Stage(l.progress.Kimg())
}

// stageExecs returns the stage's compiled graphs, building them on first use.
func (l *Loop) stageExecs(key string) (*stageExecs, error) {
	if execs, ok := l.stages[key]; ok {
		return execs, nil
	}
	optD, optG := l.objective.optimizers(l.Ctx)
	o := l.objective
	execs := &stageExecs{names: map[*context.Exec][]string{}}
	// step compiles a step graph whose builder returns named terms, recording the names.
	step := func(exec **context.Exec, build func(ctx *context.Context, inputs []*Node) terms) {
		*exec = context.MustNewExec(l.Backend, l.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			alpha := inputs[len(inputs)-1]
			ctx.SetGraphParam(alpha.Graph(), GraphParamAlpha, alpha)
			t := build(ctx, inputs[:len(inputs)-1])
			execs.names[*exec] = t.names
			return t.values
		})
	}
	step(&execs.discriminator, func(ctx *context.Context, in []*Node) terms {
		return l.GAN.DiscriminatorStep(ctx, o, optD, in[0], in[1], in[2])
	})
	step(&execs.discriminatorReg, func(ctx *context.Context, in []*Node) terms {
		return l.GAN.DiscriminatorRegStep(ctx, o, optD, in[0])
	})
	step(&execs.generator, func(ctx *context.Context, in []*Node) terms {
		t := l.GAN.GeneratorStep(ctx, o, optG, in[0])
		UpdateEMA(ctx, in[0].Graph(), in[1])
		return t
	})
	step(&execs.generatorReg, func(ctx *context.Context, in []*Node) terms {
		return l.GAN.GeneratorRegStep(ctx, o, optG, in[0], in[1])
	})
	execs.sample = context.MustNewExec(l.Backend, l.Ctx, func(ctx *context.Context, z, alpha *Node) []*Node {
		ctx.SetGraphParam(alpha.Graph(), GraphParamAlpha, alpha)
		return l.GAN.GenerateEMA(ctx, z)
	})
	l.stages[key] = execs
	return execs, nil
}

// runStep executes one step graph and adds its named outputs to tick.
func (l *Loop) runStep(execs *stageExecs, exec *context.Exec, what string, tick *Tick, args ...any) error {
	outputs, err := exec.Exec(args...)
	if err != nil {
		return errors.WithMessage(err, what)
	}
	if err := tick.add(execs.names[exec], scalars(outputs)); err != nil {
		return errors.WithMessagef(err, "%s diverged", what)
	}
	return nil
}

// iterate runs NCritic discriminator steps (with lazy R1 when due) and one generator step (with
// lazy path length when due), adding their values to tick.
func (l *Loop) iterate(execs *stageExecs, alpha float64, tick *Tick) error {
	alphaT := tensors.FromScalar(float32(alpha))
	batch := l.cfg.BatchSize
	for k := range l.cfg.NCritic {
		data, err := l.Data.NextBatch(batch)
		if err != nil {
			return err
		}
		real, err := data.Tensor()
		if err != nil {
			return err
		}
		if err := l.runStep(execs, execs.discriminator, "discriminator step", tick, real, l.latents(batch), l.uniform(batch), alphaT); err != nil {
			return err
		}
		dStep := int(l.progress.Iterations)*l.cfg.NCritic + k
		if l.objective.lazyR1() && l.objective.R1.Applies(dStep) {
			if err := l.runStep(execs, execs.discriminatorReg, "discriminator R1 step", tick, real, alphaT); err != nil {
				return err
			}
		}
		l.progress.Shown += int64(batch)
		l.imageDims = data.Shape
	}
	// The first steps created the generator's variables: its EMA starts as a copy of them.
	if err := InitEMA(l.Ctx); err != nil {
		return err
	}
	emaBeta := l.cfg.EMABeta
	if emaBeta == 0 {
		emaBeta = EMABeta(batch, l.cfg.EMAHalfLifeKimg, l.cfg.EMARampup, l.progress.Shown)
	}
	beta := tensors.FromScalar(float32(emaBeta))
	if err := l.runStep(execs, execs.generator, "generator step", tick, l.latents(batch), beta, alphaT); err != nil {
		return err
	}
	if l.objective.usesPathLength() && l.objective.PLInterval.Applies(int(l.progress.Iterations)) {
		plBatch := max(batch/l.objective.PLBatchShrink, 1)
		noise := normalTensor(l.rng, plBatch, l.imageDims[1], l.imageDims[2], l.imageDims[3])
		if err := l.runStep(execs, execs.generatorReg, "generator path-length step", tick, l.latents(plBatch), noise, alphaT); err != nil {
			return err
		}
	}
	l.progress.Iterations++
	return nil
}

// snapshot writes the snapshot and the EMA generator's samples of the fixed latents.
func (l *Loop) snapshot(execs *stageExecs) (snapshotPath, samplesPath string, err error) {
	_, alpha := l.stage()
	outputs, err := execs.sample.Exec(l.fixedLatents, tensors.FromScalar(float32(alpha)))
	if err != nil {
		return "", "", errors.WithMessage(err, "sampling the generator EMA")
	}
	scales := make([]render.Images, len(outputs))
	for i, out := range outputs {
		if scales[i], err = render.FromTensor(out); err != nil {
			return "", "", err
		}
	}
	samplesPath = filepath.Join(l.OutDir, fmt.Sprintf("samples-kimg%010.3f.png", l.progress.Kimg()))
	if err := render.WritePNG(samplesPath, render.ScaleGrid(scales, l.cfg.SampleLatents)); err != nil {
		return "", "", err
	}
	rngState, err := l.pcg.MarshalBinary()
	if err != nil {
		return "", "", err
	}
	variables, err := captureVariables(l.Ctx)
	if err != nil {
		return "", "", err
	}
	snapshot := &Snapshot{Progress: l.progress, RNG: rngState, DataPosition: l.Data.Position(),
		Params: contextParams(l.Ctx), Variables: variables}
	if snapshotPath, err = WriteSnapshot(l.OutDir, snapshot); err != nil {
		return "", "", err
	}
	l.lastSnapshot = snapshotPath
	return snapshotPath, samplesPath, nil
}

// resume restores a snapshot; settings that differ from the snapshot's are reported, not fatal
// (a longer kimg, say, is how a run is extended).
func (l *Loop) resume(path string) error {
	s, err := ReadSnapshot(path)
	if err != nil {
		return err
	}
	current := contextParams(l.Ctx)
	for key, value := range s.Params {
		if current[key] != value {
			l.Logf("resume: setting %s is %s now, was %s in %s", strings.TrimPrefix(key, "/|"), current[key], value, path)
		}
	}
	if err := restoreVariables(l.Ctx, s.Variables); err != nil {
		return errors.WithMessagef(err, "resuming from %s", path)
	}
	if err := l.pcg.UnmarshalBinary(s.RNG); err != nil {
		return errors.Wrapf(err, "resuming from %s: random generator state", path)
	}
	if err := l.Data.SetPosition(s.DataPosition); err != nil {
		return err
	}
	l.progress = s.Progress
	l.lastSnapshot = path
	l.Logf("resumed from %s at kimg %.3f", path, l.progress.Kimg())
	return nil
}

func (l *Loop) logTick(tick *Tick, total int64) {
	done := float64(l.progress.Shown) / float64(total)
	const width = 20
	filled := min(int(done*width), width)
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	var terms []string
	for _, name := range tick.TermNames() {
		terms = append(terms, fmt.Sprintf("%s %.4g", name, tick.Terms[name]))
	}
	eta := time.Duration(float64(max(total-l.progress.Shown, 0)) / max(tick.ImagesPerSec, 1e-9) * float64(time.Second))
	l.Logf("[%s] kimg %.3f/%.3f %.1f img/s eta %s | %s", bar, tick.Kimg, float64(total)/1000, tick.ImagesPerSec,
		eta.Round(time.Second), strings.Join(terms, ", "))
}

// latents draws z ~ N(0, I) [n, LatentDim] from the run's generator.
func (l *Loop) latents(n int) *tensors.Tensor { return normalTensor(l.rng, n, l.GAN.LatentDim) }

// uniform draws n values in [0, 1) from the run's generator.
func (l *Loop) uniform(n int) *tensors.Tensor {
	values := make([]float32, n)
	for i := range values {
		values[i] = l.rng.Float32()
	}
	return tensors.FromFlatDataAndDimensions(values, n)
}

func normalTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(rng.NormFloat64())
		}
	})
	return t
}

// scalars reads float32 scalar outputs.
func scalars(outputs []*tensors.Tensor) []float64 {
	values := make([]float64, len(outputs))
	for i, t := range outputs {
		values[i] = float64(tensors.ToScalar[float32](t))
	}
	return values
}
