package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/ganlab/gogan/ganlib/verify"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

var (
	stepsModel   = flag.String("model", "", "-suite=steps: the model family whose presets are timed (gantrain -list; empty: the default, msggan)")
	stepsPresets = flag.String("presets", "msg-progan-32,cpu-rgb",
		"-suite=steps: comma-separated presets of -model to time (gantrain -list: msggan's msg-progan-32, cpu-rgb, paper; paper takes seconds per step on a CPU)")
	stepsResolutions = flag.String("resolutions", "32,64", "-suite=steps: comma-separated resolutions each preset is timed at (0: the preset's)")
	stepsStages      = flag.String("stages", "final",
		"-suite=steps: final (a growing model's full-resolution stage) or all (one row per stage of its schedule: ProGAN's 4x4, 8x8 fade-in, 8x8, ...)")
	stepsBatch   = flag.Int("batch", 16, "-suite=steps: images per step")
	stepsCompare = flag.String("compare", "",
		"-suite=steps: a reference backend (such as go) to run one D step and one G step on from the same weights and inputs as -backend, "+
			"reporting the largest relative differences (verify.StepComparison); empty: no comparison")
	stepsCompareDType = flag.String("compare-dtype", "float64",
		"-suite=steps: the -compare backend's float type: float64 measures -backend's float32 rounding error, float32 the difference of two float32 roundings")
	stepsCompareBatch = flag.Int("compare-batch", 4, "-suite=steps: images per step in the -compare steps")
)

func init() {
	suites["steps"] = stepsSuite
}

// stepsSuite times one discriminator step with its gradient penalty (which differentiates
// through D twice) and one generator step, each including its Adam update, as the training loop
// runs them, for every chosen preset at every chosen resolution; with -compare it also measures
// how far the backend's steps land from the reference backend's.
func stepsSuite(b *bench) (*table, error) {
	family, presets, resolutions, err := stepsSelection()
	if err != nil {
		return nil, err
	}
	t := &table{
		title: "Training steps (Adam; a WGAN-GP D step includes the gradient penalty's double backprop)",
		header: []string{"preset", "resolution", "batch", "G params", "D params", "D step ms", "G step ms", "lazy steps ms (every k steps)",
			"images/s"},
	}
	compare := *stepsCompare != ""
	if compare {
		t.header = append(t.header, fmt.Sprintf("vs %s %s: outputs", *stepsCompare, *stepsCompareDType), "D gradient")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, preset := range presets {
		for _, resolution := range resolutions {
			ctx, err := presetContext(family, preset, resolution)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at -resolutions %d", preset, resolution)
			}
			newContext := func() *context.Context {
				ctx, _ := presetContext(family, preset, resolution) // succeeded just above
				return ctx
			}
			model, err := models.New(ctx)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at -resolutions %d", preset, resolution)
			}
			resolution = model.Resolution
			// The comparison first: its reference backend's memory (the paper preset at 64x64 in
			// float64 takes gigabytes) is returned to the system before the timed steps fill the
			// benchmarked backend's buffer pool.
			var compared []string
			if compare {
				if compared, err = compareSteps(b, model, newContext); err != nil {
					return nil, errors.WithMessagef(err, "comparing preset %s at %dx%d with -compare=%s", preset, resolution, resolution, *stepsCompare)
				}
				runtime.GC()
				debug.FreeOSMemory()
			}
			stages := []string{""}
			if *stepsStages == "all" && model.Stage != nil {
				stages = model.StageKeys
			}
			for _, stage := range stages {
				if stage != "" {
					ctx = newContext() // each stage from fresh weights: its own layers only
				}
				row, err := benchSteps(b, ctx, *stepsBatch, rng, stage)
				if err != nil {
					return nil, errors.WithMessagef(err, "preset %s at %dx%d, stage %q", preset, resolution, resolution, stage)
				}
				name := preset
				if stage != "" {
					name += " [" + stage + "]"
				}
				row = append([]string{name, fmt.Sprintf("%dx%dx%d", resolution, resolution, model.Channels)}, row...)
				t.rows = append(t.rows, append(row, compared...))
			}
		}
	}
	if *stepsStages == "all" {
		t.notes = append(t.notes, fmt.Sprintf("[stage]: a growing model's step graphs at that stage of its schedule, real batches at the model's resolution "+
			"average-pooled to the stage's as the loop does, fade-ins at alpha %g; parameters: the layers the stage uses", fadeAlpha))
	}
	t.notes = append(t.notes, "real images are random tensors: data loading is measured separately (## Data loaders)",
		"images/s = n_critic batch / (n_critic D steps + G step + each lazy step / its interval): the training loop's rate, lazy "+
			"regularization (StyleGAN2's R1 every 16 D steps, path length every 4 G steps on half the batch) amortized, n_critic the preset's (BigGAN: 2)")
	if compare {
		t.notes = append(t.notes, fmt.Sprintf("differences from %[1]s in %[3]s: one D step then one G step at batch %[2]d on -backend (float32) and on %[1]s from identical weights and inputs "+
			"(verify.StepComparison): the largest relative difference of the steps' outputs (losses, gradient norms), and |g - g_ref|/|g_ref| for D's whole "+
			"gradient vector g in the D step. The log also compares each tensor of weights and optimizer state, where single cancelling gradients "+
			"(D's score bias) differ by ~1e-3 of themselves in float32 on every backend",
			*stepsCompare, *stepsCompareBatch, *stepsCompareDType))
	}
	return t, nil
}

// stepsSelection parses -model, -presets, -resolutions and -stages.
func stepsSelection() (gan.Family, []string, []int, error) {
	family := models.Families[0]
	if *stepsModel != "" {
		var err error
		if family, err = models.FamilyNamed(*stepsModel); err != nil {
			return family, nil, nil, errors.WithMessage(err, "-model")
		}
	}
	var presets []string
	for _, name := range strings.Split(*stepsPresets, ",") {
		preset, err := family.Preset(strings.TrimSpace(name))
		if err != nil {
			return family, nil, nil, errors.WithMessage(err, "-presets")
		}
		presets = append(presets, preset.Name)
	}
	var resolutions []int
	for _, field := range strings.Split(*stepsResolutions, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return family, nil, nil, errors.Errorf("-resolutions=%q: %q is not a number", *stepsResolutions, field)
		}
		resolutions = append(resolutions, r)
	}
	if *stepsStages != "final" && *stepsStages != "all" {
		return family, nil, nil, errors.Errorf("-stages=%q: use final or all", *stepsStages)
	}
	return family, presets, resolutions, nil
}

// benchSteps times the main steps of the model and objective of ctx at a stage ("": the whole
// model) and returns its row from the batch column on.
func benchSteps(b *bench, ctx *context.Context, batch int, rng *rand.Rand, stage string) ([]string, error) {
	s, err := newModelSteps(b.backend, ctx, 0, stage)
	if err != nil {
		return nil, err
	}
	defer s.release()
	dArgs, dOwned := s.inputs(s.d, rng, batch)
	gArgs, gOwned := s.inputs(s.g, rng, batch)
	defer finalize(append(dOwned, gOwned...))
	name := fmt.Sprintf("%dx%d", s.model.Resolution, s.model.Resolution)
	if stage != "" {
		name += " [" + stage + "]"
	}
	jobs := []job{
		{name: name + " D step", run: func() ([]*tensors.Tensor, error) { return s.dExec.Exec(dArgs...) }, release: func() {}},
		{name: name + " G step", run: func() ([]*tensors.Tensor, error) { return s.gExec.Exec(gArgs...) }, release: func() {}},
	}
	for _, l := range s.lazy {
		args, owned := s.inputs(l.step, rng, l.step.Batch(batch))
		defer finalize(owned)
		jobs = append(jobs, job{name: name + " " + l.step.Phase.Name, run: func() ([]*tensors.Tensor, error) { return l.exec.Exec(args...) }, release: func() {}})
	}
	timings, warmups, err := b.timing.measure(jobs)
	if err != nil {
		return nil, err
	}
	for _, outputs := range warmups {
		finalize(outputs)
	}
	// One iteration of the loop: n_critic D steps (each on its own real batch), then a G step.
	nCritic := gan.Get[int](ctx, train.RunSettings, train.ParamNCritic)
	iteration := time.Duration(nCritic)*timings[0].median + timings[1].median
	lazy := "none"
	for i, l := range s.lazy {
		if i == 0 {
			lazy = ""
		} else {
			lazy += ", "
		}
		lazy += fmt.Sprintf("%s %s (%d)", l.step.Phase.Name, milliseconds(timings[2+i]), l.step.Phase.Interval)
		steps := time.Duration(1)
		if l.step.Phase.Network == objective.Discriminator {
			steps = time.Duration(nCritic)
		}
		iteration += steps * timings[2+i].median / time.Duration(l.step.Phase.Interval)
	}
	return []string{fmt.Sprint(batch), parameters(ctx, gan.GeneratorScope), parameters(ctx, gan.DiscriminatorScope),
		milliseconds(timings[0]), milliseconds(timings[1]), lazy,
		fmt.Sprintf("%.2f", float64(nCritic*batch)/iteration.Seconds())}, nil
}

// compareSteps runs verify.StepComparison between -compare (the reference) and the benchmarked
// backend and returns the difference columns.
func compareSteps(b *bench, model gan.Model, newContext func() *context.Context) ([]string, error) {
	reference, err := engine.New(*stepsCompare)
	if err != nil {
		return nil, errors.WithMessage(err, "-compare")
	}
	defer reference.Finalize()
	dtype, err := dtypes.DTypeString(*stepsCompareDType)
	if err != nil {
		return nil, errors.Errorf("-compare-dtype=%q: use float32 or float64", *stepsCompareDType)
	}
	start := time.Now()
	c, err := verify.StepComparison{Reference: reference, Other: b.backend, ReferenceDType: dtype, NewContext: newContext, Model: model,
		RealDims: []int{*stepsCompareBatch, model.Resolution, model.Resolution, model.Channels}, Seed: 7, Tolerances: verify.Float32Tolerances}.Run()
	if err != nil {
		return nil, err
	}
	log.Printf("%dx%d vs %s (%s): %s", model.Resolution, model.Resolution, *stepsCompare, time.Since(start).Round(time.Millisecond), c)
	for _, v := range c.Violations {
		log.Printf("  %s", v)
	}
	return []string{fmt.Sprintf("%.2g", c.MaxOutput()), fmt.Sprintf("%.2g", c.DGradientError)}, nil
}

// parameters formats countParams in millions.
func parameters(ctx *context.Context, scope string) string {
	return fmt.Sprintf("%.2fM", float64(countParams(ctx, scope))/1e6)
}

func milliseconds(t timing) string {
	ms := float64(t.median) / float64(time.Millisecond)
	s := fmt.Sprintf("%.0f", ms)
	if ms < 10 {
		s = fmt.Sprintf("%.1f", ms)
	}
	if t.capped {
		s += fmt.Sprintf(" (%d runs)", t.runs)
	}
	return s
}
