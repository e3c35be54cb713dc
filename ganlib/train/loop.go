package train

import (
	"fmt"
	"log"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// RunConfig is a run's length, pace and bookkeeping, read from the context (RunSettings).
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

// Data is what the loop needs of a data set: batches in an order it can resume exactly.
type Data interface {
	// NextTensors returns the next n real images [n, H, W, C] in [-1, 1] and, for labelled
	// data, their labels [n] int32 (else nil).
	NextTensors(n int) (images, labels *tensors.Tensor, err error)
	// Position and SetPosition save and restore where the stream is.
	Position() int64
	SetPosition(int64) error
}

// SnapshotEvent is what a snapshot hook sees: sample grids, metrics and panels read the
// generator here, at a snapshot, before the snapshot file is written.
type SnapshotEvent struct {
	// Tick is the tick the snapshot closes; hooks record the files they write in it
	// (SamplesPath), so stats.jsonl lists them.
	Tick *runs.Tick
	// Run is the run folder, for the files hooks write.
	Run   runs.Dir
	Model gan.Model
	// Seed is the run's seed, so hooks can draw fixed latents of their own.
	Seed int
	// Shown is the number of real images shown so far.
	Shown int64
	// Backend is the loop's, for hooks that run graphs of their own (feature extractors).
	Backend backends.Backend
	// Graph compiles fn on the loop's backend and context at the current stage and fade-in
	// alpha, for hooks that run the networks their own way (path length through Mapping and
	// Synthesis of the generator's moving average).
	Graph func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error)
	// Sample runs the generator's moving average at the current stage and fade-in alpha on
	// latents z [n, LatentDim] (and labels [n], conditional models only): one image tensor per
	// scale (a growing model: the current stage's).
	Sample func(z, labels *tensors.Tensor) ([]*tensors.Tensor, error)
	// State is what hooks keep from one snapshot to the next (such as a metric's previous
	// images), by hook name: the snapshot file holds it, so a resumed run continues it.
	State map[string][]byte
}

// FixedLatents draws n standard normal latents (and, for conditional models, labels 0, 1, ...
// cycling over the classes) from seed: the same for every snapshot of a run, so that sample
// grids and metrics follow the same images through training.
func FixedLatents(seed, n int, m gan.Model) (z, labels *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6669_7865))
	z = gan.NormalTensor(rng, n, m.LatentDim)
	if m.NumClasses > 0 {
		values := make([]int32, n)
		for i := range values {
			values[i] = int32(i % m.NumClasses)
		}
		labels = tensors.FromFlatDataAndDimensions(values, n)
	}
	return z, labels
}

// Loop trains a model with the objective set in the context: each iteration runs NCritic
// discriminator iterations, each on a new real batch with every D step due (objective.Phases:
// the main step, lazy R1 when due), then every G step due (with the EMA update in G's main step);
// counted in real images shown (kimg), logged every tick to the run's stats.jsonl and
// snapshotted every SnapshotKimg. It draws nothing itself: hooks (OnTick, OnSnapshot, OnEnd)
// plug in sample grids, metrics and notebook panels.
type Loop struct {
	Backend backends.Backend
	Ctx     *context.Context
	Model   gan.Model
	Data    Data
	// Dir is the run folder: it receives stats.jsonl and the snapshots.
	Dir runs.Dir
	// Logf receives progress lines; nil means log.Printf.
	Logf func(format string, args ...any)

	stopping atomic.Bool
	// stageKey is the stage of the last iteration (snapshots keep it).
	stageKey   string
	onTick     []func(*runs.Tick)
	onSnapshot []func(*SnapshotEvent) error
	onEnd      []func(*runs.Tick)

	cfg          RunConfig
	steps        []Step
	progress     runs.Progress
	pcg          *rand.PCG
	rng          *rand.Rand
	stages       map[string]*stageExecs
	lastSnapshot string
	// hookState is the snapshot hooks' SnapshotEvent.State.
	hookState map[string][]byte
}

// OnTick adds a hook called with every tick, after it is written to stats.jsonl.
func (l *Loop) OnTick(hook func(*runs.Tick)) { l.onTick = append(l.onTick, hook) }

// OnSnapshot adds a hook called at every snapshot, before the snapshot file is written; an
// error stops the run.
func (l *Loop) OnSnapshot(hook func(*SnapshotEvent) error) { l.onSnapshot = append(l.onSnapshot, hook) }

// OnEnd adds a hook called with the last tick once the run has shown its kimg.
func (l *Loop) OnEnd(hook func(*runs.Tick)) { l.onEnd = append(l.onEnd, hook) }

// stageExecs are the compiled graphs of one stage: one per step, and the EMA sampler.
type stageExecs struct {
	key    string // the stage's
	steps  []*context.Exec
	names  [][]string // each step's statistics, known once its graph is traced
	sample *context.Exec
}

// Check validates everything a run of model in ctx needs before any data is read or graph
// compiled: the run settings, the objective (and its fit to the model), the optimizers.
func Check(ctx *context.Context, model gan.Model) error {
	if _, err := RunConfigFromContext(ctx); err != nil {
		return err
	}
	if err := model.Validate(); err != nil {
		return err
	}
	if cfg, _ := RunConfigFromContext(ctx); model.Stage != nil && cfg.Kimg <= model.FinalStageKimg {
		return errors.Errorf("%s=%g ends before %s's growing schedule reaches its last stage %q, at kimg %g: train longer, or shorten the schedule's phases",
			ParamKimg, cfg.Kimg, model.Name, model.StageKeys[len(model.StageKeys)-1], model.FinalStageKimg)
	}
	o, err := objective.FromContext(ctx)
	if err != nil {
		return err
	}
	steps, err := Steps(ctx, model, o)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if err := s.Optimizer.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Interrupted is Run's error when Stop ended the run: it wrote a snapshot first.
type Interrupted struct {
	Snapshot string
	Kimg     float64
}

func (e *Interrupted) Error() string {
	return fmt.Sprintf("interrupted at kimg %.3f; snapshot %s", e.Kimg, e.Snapshot)
}

// Stop asks the run to end after the step in progress, writing a snapshot (Run then returns an
// *Interrupted). It may be called from another goroutine, a signal handler's.
func (l *Loop) Stop() { l.stopping.Store(true) }

// Run trains until Kimg thousand images have been shown. If resumeFrom names a snapshot file,
// training continues from it exactly, dropping the ticks stats.jsonl has past it; "" starts
// afresh, in a folder that holds no run yet.
func (l *Loop) Run(resumeFrom string) error {
	if l.Logf == nil {
		l.Logf = log.Printf
	}
	if err := Check(l.Ctx, l.Model); err != nil {
		return err
	}
	l.cfg, _ = RunConfigFromContext(l.Ctx)
	o, _ := objective.FromContext(l.Ctx)
	l.steps, _ = Steps(l.Ctx, l.Model, o)
	if err := checkLabels(l.Model, l.Data); err != nil {
		return err
	}
	if resumeFrom == "" && l.Dir.HoldsRun() {
		return errors.Errorf("run folder %s already holds a run: resume it from its snapshot, or start the new run in a folder of its own", l.Dir.Path)
	}
	l.Logf("model %s; objective %s", l.Model.Name, o)
	l.stages = map[string]*stageExecs{}
	l.hookState = map[string][]byte{}
	l.pcg = rand.NewPCG(uint64(l.cfg.Seed), 0x6761_6e73)
	l.rng = rand.New(l.pcg)
	l.Ctx.SetParam(context.ParamInitialSeed, int64(l.cfg.Seed))
	if resumeFrom != "" {
		if err := l.resume(resumeFrom); err != nil {
			return err
		}
	}
	total := int64(l.cfg.Kimg * 1000)
	if l.progress.Shown >= total {
		l.Logf("the run is complete: kimg %.3f of %s=%g, nothing to train (extend it with a larger %s)", l.progress.Kimg(), ParamKimg, l.cfg.Kimg, ParamKimg)
		return nil
	}
	tickImages := max(int64(l.cfg.TickKimg*1000), 1)
	snapshotImages := max(int64(l.cfg.SnapshotKimg*1000), 1)
	start := time.Now()
	stats := &tickStats{}
	tickStart, tickShown := time.Now(), l.progress.Shown
	// The next tick and snapshot are due when the images shown reach these multiples.
	nextTick := nextMultiple(l.progress.Shown, tickImages)
	nextSnapshot := nextMultiple(l.progress.Shown, snapshotImages)
	var tick *runs.Tick
	for l.progress.Shown < total {
		stage := l.enterStage()
		execs := l.stageExecs(stage.Key)
		if err := l.iterate(execs, stage, stats); err != nil {
			var bad *badData
			if errors.As(err, &bad) {
				return l.stopOnBadData(bad)
			}
			return errors.WithMessagef(err, "iteration %d (kimg %.3f), last good snapshot %q",
				l.progress.Iterations, l.progress.Kimg(), l.lastSnapshot)
		}
		stopping := l.stopping.Load()
		done := l.progress.Shown >= total
		snapshotDue := l.progress.Shown >= nextSnapshot || done || stopping
		if l.progress.Shown < nextTick && !snapshotDue {
			continue
		}
		tick = &runs.Tick{Kimg: l.progress.Kimg(), Iterations: l.progress.Iterations, Stage: stage.Key, Alpha: stage.Alpha}
		tick.Seconds = time.Since(tickStart).Seconds()
		tick.ImagesPerSec = float64(l.progress.Shown-tickShown) / tick.Seconds
		tick.TotalSeconds = time.Since(start).Seconds()
		tick.Terms = stats.means()
		tick.SkippedSamples = l.skipped()
		tick.Warnings = l.divergenceWarnings(tick)
		if snapshotDue {
			if err := l.snapshot(execs, stage.Alpha, tick); err != nil {
				return errors.WithMessagef(err, "last good snapshot %q", l.lastSnapshot)
			}
			nextSnapshot = nextMultiple(l.progress.Shown, snapshotImages)
		}
		if err := l.Dir.AppendTick(tick); err != nil {
			return err
		}
		l.logTick(tick, total)
		for _, hook := range l.onTick {
			hook(tick)
		}
		if stopping {
			return &Interrupted{Snapshot: tick.SnapshotPath, Kimg: tick.Kimg}
		}
		stats = &tickStats{}
		tickStart, tickShown = time.Now(), l.progress.Shown
		nextTick = nextMultiple(l.progress.Shown, tickImages)
	}
	for _, hook := range l.onEnd {
		hook(tick)
	}
	return nil
}

// checkLabels refuses data whose labels do not fit the model: a class-conditional model needs
// labelled data with as many classes (data that does not say how many it has is trusted).
func checkLabels(m gan.Model, data Data) error {
	counter, ok := data.(interface{ NumClasses() int })
	if !ok || m.NumClasses == 0 {
		return nil
	}
	switch n := counter.NumClasses(); {
	case n == 0:
		return errors.Errorf("%s is class-conditional (%s=%d) but its data set has no labels: use labelled data (mnist, fashion-mnist, cifar10:, emoji, a folder with class subfolders) or %s=0",
			m.Name, gan.ParamClasses, m.NumClasses, gan.ParamClasses)
	case n != m.NumClasses:
		return errors.Errorf("%s has %s=%d but its data set has %d classes: set %s=%d", m.Name, gan.ParamClasses, m.NumClasses, n, gan.ParamClasses, n)
	}
	return nil
}

// badData is a batch the data set could not read; position is the stream's before it.
type badData struct {
	err      error
	position int64
}

func (b *badData) Error() string { return b.err.Error() }

// stopOnBadData writes a snapshot of the run before the unreadable batch (which the iteration did
// not start) and returns the data error, saying how to go on.
func (l *Loop) stopOnBadData(bad *badData) error {
	path, err := l.writeSnapshot(bad.position)
	if err != nil {
		return errors.WithMessagef(bad.err, "reading the data at kimg %.3f (and the snapshot before it failed: %v)", l.progress.Kimg(), err)
	}
	return errors.WithMessagef(bad.err, "reading the data at kimg %.3f; snapshot %s written before that batch: resume from it once the file is fixed, or with skip_bad", l.progress.Kimg(), path)
}

// skipped is the number of samples the data set skipped so far (skip_bad), if it counts them.
func (l *Loop) skipped() int {
	if counter, ok := l.Data.(interface{ SkippedSamples() int }); ok {
		return counter.SkippedSamples()
	}
	return 0
}

// divergenceWarnings names the tick's statistics whose magnitude is past divergence_bound
// (losses, scores, drift: a diverging run grows them without bound), logging them.
func (l *Loop) divergenceWarnings(tick *runs.Tick) []string {
	bound := param[float64](l.Ctx, ParamDivergenceBound)
	if bound <= 0 {
		return nil
	}
	var warnings []string
	for _, name := range tick.TermNames() {
		if v := tick.Terms[name]; math.Abs(v) > bound {
			w := fmt.Sprintf("%s %.4g is beyond %s=%g", name, v, ParamDivergenceBound, bound)
			warnings = append(warnings, w)
			l.Logf("warning: kimg %.3f: %s: the run may be diverging (a lower %s?)", tick.Kimg, w, ParamLearningRate)
		}
	}
	return warnings
}

// nextMultiple returns the smallest multiple of step above shown.
func nextMultiple(shown, step int64) int64 { return (shown/step + 1) * step }

// stageExecs returns the stage's graphs, made on first use (compiled when first run).
func (l *Loop) stageExecs(key string) *stageExecs {
	if execs, ok := l.stages[key]; ok {
		return execs
	}
	execs := &stageExecs{names: make([][]string, len(l.steps))}
	for i, step := range l.steps {
		updatesEMA := l.updatesEMA(step)
		execs.steps = append(execs.steps, context.MustNewExec(l.Backend, l.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			// The step's inputs, then the fade-in alpha, then (G's main step) the EMA decay.
			n := len(step.Inputs())
			gan.SetAlpha(ctx, inputs[n])
			gan.SetStage(ctx, inputs[n].Graph(), key)
			terms := step.Build(ctx, l.Model, inputs[:n])
			if updatesEMA {
				UpdateEMA(ctx, inputs[0].Graph(), inputs[n+1])
			}
			execs.names[i] = terms.Names
			return terms.Values
		}))
	}
	execs.sample = sampleExec(l.Backend, l.Ctx, l.Model, key)
	execs.key = key
	l.stages[key] = execs
	return execs
}

// enterStage returns the stage of the coming iteration; entering a stage that asks for it
// resets the optimizers' state (every variable under /optimizer back to 0, step counters too).
func (l *Loop) enterStage() gan.Stage {
	stage := l.Model.StageAt(l.progress.Kimg())
	if stage.Key == l.stageKey {
		return stage
	}
	note := ""
	if stage.BatchSize > 0 {
		note += fmt.Sprintf(", batch size %d", stage.BatchSize)
	}
	if stage.ResetOptimizers {
		for v := range l.Ctx.IterVariables() {
			if strings.HasPrefix(v.Scope(), "/optimizer/") && v.HasValue() {
				v.MustSetValue(tensors.FromShape(v.Shape()))
			}
		}
		note += ", the optimizers' state starts afresh"
	}
	l.Logf("stage %s from kimg %.3f%s", stage.Key, l.progress.Kimg(), note)
	l.stageKey = stage.Key
	return stage
}

// updatesEMA says whether step updates the generator's moving average: G's main step does.
func (l *Loop) updatesEMA(step Step) bool {
	return step.Phase.Network == objective.Generator && step.Phase.Adversarial
}

// iterate runs NCritic discriminator iterations (each with every D step due) and every G step
// due, adding their statistics to stats.
func (l *Loop) iterate(execs *stageExecs, stage gan.Stage, stats *tickStats) error {
	alphaT := tensors.FromScalar(float32(stage.Alpha))
	batch := l.cfg.BatchSize
	if stage.BatchSize > 0 {
		batch = stage.BatchSize
	}
	// Every batch of the iteration is read before any step runs: data that cannot be read stops
	// the run where a snapshot can still be written.
	position := l.Data.Position()
	reals := make([][2]*tensors.Tensor, l.cfg.NCritic)
	for k := range reals {
		var err error
		if reals[k][0], reals[k][1], err = l.Data.NextTensors(batch); err != nil {
			return &badData{err: err, position: position}
		}
	}
	var real, realLabels *tensors.Tensor
	for k := range l.cfg.NCritic {
		real, realLabels = reals[k][0], reals[k][1]
		dStep := int(l.progress.Iterations)*l.cfg.NCritic + k
		for i, step := range l.steps {
			if step.Phase.Network == objective.Discriminator && step.Phase.Due(dStep) {
				if err := l.runStep(execs, i, stats, l.stepInputs(step, batch, real, realLabels, alphaT)); err != nil {
					return err
				}
			}
		}
		l.progress.Shown += int64(batch)
	}
	// The first steps created the generator's variables: its EMA starts as a copy of them.
	if err := InitEMA(l.Ctx); err != nil {
		return err
	}
	for i, step := range l.steps {
		if step.Phase.Network != objective.Generator || !step.Phase.Due(int(l.progress.Iterations)) {
			continue
		}
		args := l.stepInputs(step, batch, real, realLabels, alphaT)
		if l.updatesEMA(step) {
			emaBeta := l.cfg.EMABeta
			if emaBeta == 0 {
				emaBeta = EMABeta(batch, l.cfg.EMAHalfLifeKimg, l.cfg.EMARampup, l.progress.Shown)
			}
			args = append(args, tensors.FromScalar(float32(emaBeta)))
		}
		if err := l.runStep(execs, i, stats, args); err != nil {
			return err
		}
	}
	l.progress.Iterations++
	return nil
}

// stepInputs returns step's inputs, drawing what the data does not give from the run's random
// generator in Input order, then alpha.
func (l *Loop) stepInputs(step Step, batch int, real, realLabels, alpha *tensors.Tensor) []any {
	n := step.Batch(batch)
	var args []any
	for _, kind := range step.Inputs() {
		switch kind {
		case InputReal:
			args = append(args, real)
		case InputRealLabels:
			args = append(args, realLabels)
		case InputNoise:
			args = append(args, gan.NormalTensor(l.rng, n, l.Model.Resolution, l.Model.Resolution, l.Model.Channels))
		case InputLatents:
			args = append(args, gan.NormalTensor(l.rng, n, l.Model.LatentDim))
		case InputFakeLabels:
			args = append(args, l.labels(n))
		case InputEps:
			args = append(args, l.uniform(n))
		}
	}
	return append(args, alpha)
}

// runStep executes step i and adds its statistics to stats, failing on a non-finite one.
func (l *Loop) runStep(execs *stageExecs, i int, stats *tickStats, args []any) error {
	outputs, err := execs.steps[i].Exec(args...)
	what := l.steps[i].Phase.String()
	if err != nil {
		return errors.WithMessage(err, what)
	}
	if err := stats.add(execs.names[i], scalars(outputs)); err != nil {
		return errors.WithMessagef(err, "%s diverged", what)
	}
	return nil
}

// sampleExec compiles the EMA generator at a stage, fed z (labels) and alpha.
func sampleExec(backend backends.Backend, ctx *context.Context, m gan.Model, key string) *context.Exec {
	return context.MustNewExec(backend, ctx, func(ctx *context.Context, inputs []*Node) []*Node {
		gan.SetAlpha(ctx, inputs[len(inputs)-1])
		gan.SetStage(ctx, inputs[0].Graph(), key)
		var labels *Node
		if len(inputs) == 3 {
			labels = inputs[1]
		}
		return m.GenerateEMA(ctx, inputs[0], labels)
	})
}

// sampler is SnapshotEvent.Sample on a sampleExec at alpha.
func sampler(exec *context.Exec, m gan.Model, alpha float64) func(z, labels *tensors.Tensor) ([]*tensors.Tensor, error) {
	return func(z, labels *tensors.Tensor) ([]*tensors.Tensor, error) {
		args := []any{z}
		if m.NumClasses > 0 {
			args = append(args, labels)
		}
		outputs, err := exec.Exec(append(args, tensors.FromScalar(float32(alpha)))...)
		return outputs, errors.WithMessage(err, "sampling the generator EMA")
	}
}

// grapher is SnapshotEvent.Graph at a stage and alpha.
func grapher(backend backends.Backend, ctx *context.Context, key string, alpha float64) func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error) {
	return func(fn func(ctx *context.Context, inputs []*Node) []*Node) (*context.Exec, error) {
		return context.NewExec(backend, ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			gan.SetAlpha(ctx, Scalar(inputs[0].Graph(), dtypes.Float32, alpha))
			gan.SetStage(ctx, inputs[0].Graph(), key)
			return fn(ctx, inputs)
		})
	}
}

// snapshot runs the snapshot hooks, then writes the snapshot (after the hooks: a hook that draws
// random numbers in the graph, sampling a generator with noise, moves the context's generator,
// and a resumed run must continue from where this one does).
func (l *Loop) snapshot(execs *stageExecs, alpha float64, tick *runs.Tick) error {
	event := &SnapshotEvent{Tick: tick, Run: l.Dir, Model: l.Model, Seed: l.cfg.Seed, Shown: l.progress.Shown, Backend: l.Backend, State: l.hookState,
		Sample: sampler(execs.sample, l.Model, alpha), Graph: grapher(l.Backend, l.Ctx, execs.key, alpha)}
	if l.Model.Prepare != nil {
		if err := l.Model.Prepare(event.Graph); err != nil {
			return errors.WithMessagef(err, "preparing %s's sampling at kimg %.3f", l.Model.Name, l.progress.Kimg())
		}
	}
	for _, hook := range l.onSnapshot {
		if err := hook(event); err != nil {
			return errors.WithMessagef(err, "snapshot hook at kimg %.3f", l.progress.Kimg())
		}
	}
	var err error
	tick.SnapshotPath, err = l.writeSnapshot(l.Data.Position())
	return err
}

// writeSnapshot writes the run's state with the data stream at position.
func (l *Loop) writeSnapshot(position int64) (string, error) {
	rngState, err := l.pcg.MarshalBinary()
	if err != nil {
		return "", err
	}
	variables, err := runs.CaptureVariables(l.Ctx)
	if err != nil {
		return "", err
	}
	snapshot := &runs.Snapshot{Progress: l.progress, Stage: l.stageKey, RNG: rngState, DataPosition: position,
		Params: runs.CaptureParams(l.Ctx), Variables: variables, HookState: l.hookState}
	path, err := l.Dir.WriteSnapshot(snapshot)
	if err != nil {
		return "", err
	}
	l.lastSnapshot = path
	return path, nil
}

// resume restores a snapshot and drops the ticks stats.jsonl holds past it (after a kill they
// would be written twice). Settings that differ from the snapshot's are reported, not fatal (a
// longer kimg is how a run is extended; the model's settings are checked by whoever configured
// the context).
func (l *Loop) resume(path string) error {
	s, err := runs.ReadSnapshot(path)
	if err != nil {
		return err
	}
	if !s.Verified() {
		l.Logf("resume: %s predates snapshot checksums: it is read unverified", path)
	}
	current := runs.CaptureParams(l.Ctx)
	for _, key := range slices.Sorted(maps.Keys(s.Params)) {
		if now, ok := current[key]; ok && now != s.Params[key] {
			l.Logf("resume: setting %s is %s now, was %s in %s", strings.TrimPrefix(key, "/|"), now, s.Params[key], path)
		}
	}
	if err := runs.RestoreVariables(l.Ctx, s.Variables); err != nil {
		return errors.WithMessagef(err, "resuming from %s", path)
	}
	if err := l.pcg.UnmarshalBinary(s.RNG); err != nil {
		return errors.Wrapf(err, "resuming from %s: random generator state", path)
	}
	if err := l.Data.SetPosition(s.DataPosition); err != nil {
		return err
	}
	if err := l.Dir.TruncateTicks(s.Progress.Shown); err != nil {
		return errors.WithMessagef(err, "resuming from %s", path)
	}
	if err := l.Dir.TruncateMetrics(s.Progress.Shown); err != nil {
		return errors.WithMessagef(err, "resuming from %s", path)
	}
	l.progress = s.Progress
	l.stageKey = s.Stage
	if s.HookState != nil {
		l.hookState = s.HookState
	}
	l.lastSnapshot = path
	l.Logf("resumed from %s at kimg %.3f", path, l.progress.Kimg())
	return nil
}

func (l *Loop) logTick(tick *runs.Tick, total int64) {
	done := float64(l.progress.Shown) / float64(total)
	const width = 20
	filled := min(int(done*width), width)
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	var terms []string
	for _, name := range tick.TermNames() {
		terms = append(terms, fmt.Sprintf("%s %.4g", name, tick.Terms[name]))
	}
	for _, name := range slices.Sorted(maps.Keys(tick.Metrics)) {
		terms = append(terms, fmt.Sprintf("%s %.4g", name, tick.Metrics[name]))
	}
	if tick.SkippedSamples > 0 {
		terms = append(terms, fmt.Sprintf("skipped %d unreadable samples so far", tick.SkippedSamples))
	}
	stage := ""
	if tick.Stage != "" {
		stage = fmt.Sprintf(" %s alpha %.2f", tick.Stage, tick.Alpha)
	}
	eta := time.Duration(float64(max(total-l.progress.Shown, 0)) / max(tick.ImagesPerSec, 1e-9) * float64(time.Second))
	l.Logf("[%s] kimg %.3f/%.3f%s %.1f img/s eta %s | %s", bar, tick.Kimg, float64(total)/1000, stage, tick.ImagesPerSec,
		eta.Round(time.Second), strings.Join(terms, ", "))
}

// tickStats accumulates a tick's statistics.
type tickStats struct {
	sums   map[string]float64
	counts map[string]int
}

// add accumulates one step's named values, checking they are finite.
func (s *tickStats) add(names []string, values []float64) error {
	if s.sums == nil {
		s.sums, s.counts = map[string]float64{}, map[string]int{}
	}
	for i, name := range names {
		if math.IsNaN(values[i]) || math.IsInf(values[i], 0) {
			return errors.Errorf("%s is %g", name, values[i])
		}
		s.sums[name] += values[i]
		s.counts[name]++
	}
	return nil
}

// means returns each statistic's mean over the tick.
func (s *tickStats) means() map[string]float64 {
	means := map[string]float64{}
	for name, sum := range s.sums {
		means[name] = sum / float64(s.counts[name])
	}
	return means
}

// uniform draws n values in [0, 1) from the run's generator.
func (l *Loop) uniform(n int) *tensors.Tensor {
	values := make([]float32, n)
	for i := range values {
		values[i] = l.rng.Float32()
	}
	return tensors.FromFlatDataAndDimensions(values, n)
}

// labels draws n class labels uniformly from the run's generator.
func (l *Loop) labels(n int) *tensors.Tensor {
	values := make([]int32, n)
	for i := range values {
		values[i] = int32(l.rng.IntN(l.Model.NumClasses))
	}
	return tensors.FromFlatDataAndDimensions(values, n)
}

// scalars reads float32 scalar outputs.
func scalars(outputs []*tensors.Tensor) []float64 {
	values := make([]float64, len(outputs))
	for i, t := range outputs {
		values[i] = float64(tensors.ToScalar[float32](t))
	}
	return values
}
