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
	"github.com/ganlab/gogan/ganlib/verify"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

var (
	stepsPresets = flag.String("presets", "mnist,cpu-rgb",
		"-suite=steps: comma-separated presets of the first model family to time (gantrain -list: mnist, cpu-rgb, paper; paper takes seconds per step on a CPU)")
	stepsResolutions = flag.String("resolutions", "32,64", "-suite=steps: comma-separated resolutions each preset is timed at")
	stepsBatch       = flag.Int("batch", 16, "-suite=steps: images per step")
	stepsCompare     = flag.String("compare", "",
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
	presets, resolutions, err := stepsSelection()
	if err != nil {
		return nil, err
	}
	t := &table{
		title:  "WGAN-GP training steps (Adam; D step includes the gradient penalty's double backprop)",
		header: []string{"preset", "resolution", "batch", "G params", "D params", "D step ms", "G step ms", "images/s (D+G)"},
	}
	compare := *stepsCompare != ""
	if compare {
		t.header = append(t.header, fmt.Sprintf("vs %s %s: outputs", *stepsCompare, *stepsCompareDType), "D gradient")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, preset := range presets {
		for _, resolution := range resolutions {
			ctx, err := presetContext(preset, resolution)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at -resolutions %d", preset, resolution)
			}
			newContext := func() *context.Context {
				ctx, _ := presetContext(preset, resolution) // succeeded just above
				return ctx
			}
			model, err := models.New(ctx)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at -resolutions %d", preset, resolution)
			}
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
			row, err := benchSteps(b, ctx, *stepsBatch, rng)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at %dx%d", preset, resolution, resolution)
			}
			row = append([]string{preset, fmt.Sprintf("%dx%dx%d", resolution, resolution, model.Channels)}, row...)
			t.rows = append(t.rows, append(row, compared...))
		}
	}
	t.notes = append(t.notes, "real images are random tensors: data loading is measured separately (## Data loaders)")
	if compare {
		t.notes = append(t.notes, fmt.Sprintf("differences from %[1]s in %[3]s: one D step then one G step at batch %[2]d on -backend (float32) and on %[1]s from identical weights and inputs "+
			"(verify.StepComparison): the largest relative difference of the steps' outputs (losses, gradient norms), and |g - g_ref|/|g_ref| for D's whole "+
			"gradient vector g in the D step. The log also compares each tensor of weights and optimizer state, where single cancelling gradients "+
			"(D's score bias) differ by ~1e-3 of themselves in float32 on every backend",
			*stepsCompare, *stepsCompareBatch, *stepsCompareDType))
	}
	return t, nil
}

// stepsSelection parses -presets and -resolutions.
func stepsSelection() ([]string, []int, error) {
	var presets []string
	for _, name := range strings.Split(*stepsPresets, ",") {
		preset, err := benchFamily.Preset(strings.TrimSpace(name))
		if err != nil {
			return nil, nil, errors.WithMessage(err, "-presets")
		}
		presets = append(presets, preset.Name)
	}
	var resolutions []int
	for _, field := range strings.Split(*stepsResolutions, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return nil, nil, errors.Errorf("-resolutions=%q: %q is not a number", *stepsResolutions, field)
		}
		resolutions = append(resolutions, r)
	}
	return presets, resolutions, nil
}

// benchSteps times the main steps of the model and objective of ctx and returns its row from
// the batch column on.
func benchSteps(b *bench, ctx *context.Context, batch int, rng *rand.Rand) ([]string, error) {
	s, err := newModelSteps(b.backend, ctx, 0)
	if err != nil {
		return nil, err
	}
	defer s.release()
	dArgs, dOwned := s.inputs(s.d, rng, batch)
	gArgs, gOwned := s.inputs(s.g, rng, batch)
	defer finalize(append(dOwned, gOwned...))
	jobs := []job{
		{name: fmt.Sprintf("%dx%d D step", s.model.Resolution, s.model.Resolution), run: func() ([]*tensors.Tensor, error) { return s.dExec.Exec(dArgs...) }, release: func() {}},
		{name: fmt.Sprintf("%dx%d G step", s.model.Resolution, s.model.Resolution), run: func() ([]*tensors.Tensor, error) { return s.gExec.Exec(gArgs...) }, release: func() {}},
	}
	timings, warmups, err := b.timing.measure(jobs)
	if err != nil {
		return nil, err
	}
	for _, outputs := range warmups {
		finalize(outputs)
	}
	d, g := timings[0].median, timings[1].median
	return []string{fmt.Sprint(batch), parameters(ctx, gan.GeneratorScope), parameters(ctx, gan.DiscriminatorScope),
		milliseconds(timings[0]), milliseconds(timings[1]),
		fmt.Sprintf("%.2f", float64(batch)/(d+g).Seconds())}, nil
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
	s := fmt.Sprintf("%.0f", float64(t.median)/float64(time.Millisecond))
	if t.capped {
		s += fmt.Sprintf(" (%d runs)", t.runs)
	}
	return s
}
