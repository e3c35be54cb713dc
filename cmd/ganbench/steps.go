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
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

var (
	stepsPresets = flag.String("presets", "mnist,cpu-rgb",
		"-suite=steps: comma-separated msggan presets to time (msggan.Presets: mnist, cpu-rgb, paper; paper takes seconds per step on a CPU)")
	stepsResolutions = flag.String("resolutions", "32,64", "-suite=steps: comma-separated resolutions each preset is timed at")
	stepsBatch       = flag.Int("batch", 16, "-suite=steps: images per step")
	stepsCompare     = flag.String("compare", "",
		"-suite=steps: a reference backend (such as go) to run one D step and one G step on from the same weights and inputs as -backend, "+
			"reporting the largest relative differences (train.StepComparison); empty: no comparison")
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
			cfg := preset.Config.WithResolution(resolution)
			if err := cfg.Validate(); err != nil {
				return nil, errors.WithMessagef(err, "preset %s at -resolutions %d", preset.Name, resolution)
			}
			// The comparison first: its reference backend's memory (the paper preset at 64x64 in
			// float64 takes gigabytes) is returned to the system before the timed steps fill the
			// benchmarked backend's buffer pool.
			var compared []string
			if compare {
				if compared, err = compareSteps(b, cfg); err != nil {
					return nil, errors.WithMessagef(err, "comparing preset %s at %dx%d with -compare=%s", preset.Name, resolution, resolution, *stepsCompare)
				}
				runtime.GC()
				debug.FreeOSMemory()
			}
			row, err := benchSteps(b, cfg, *stepsBatch, rng)
			if err != nil {
				return nil, errors.WithMessagef(err, "preset %s at %dx%d", preset.Name, resolution, resolution)
			}
			row = append([]string{preset.Name, fmt.Sprintf("%dx%dx%d", resolution, resolution, cfg.ImageChannels)}, row...)
			t.rows = append(t.rows, append(row, compared...))
		}
	}
	t.notes = append(t.notes, "real images are random tensors: data loading is measured separately (## Data loaders)")
	if compare {
		t.notes = append(t.notes, fmt.Sprintf("differences from %[1]s in %[3]s: one D step then one G step at batch %[2]d on -backend (float32) and on %[1]s from identical weights and inputs "+
			"(train.StepComparison): the largest relative difference of the steps' outputs (losses, gradient norms), and |g - g_ref|/|g_ref| for D's whole "+
			"gradient vector g in the D step. The log also compares each tensor of weights and optimizer state, where single cancelling gradients "+
			"(D's score bias) differ by ~1e-3 of themselves in float32 on every backend",
			*stepsCompare, *stepsCompareBatch, *stepsCompareDType))
	}
	return t, nil
}

// stepsSelection parses -presets and -resolutions.
func stepsSelection() ([]msggan.Preset, []int, error) {
	var presets []msggan.Preset
	for _, name := range strings.Split(*stepsPresets, ",") {
		preset, err := msggan.PresetNamed(strings.TrimSpace(name))
		if err != nil {
			return nil, nil, errors.WithMessage(err, "-presets")
		}
		presets = append(presets, preset)
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

// stepsContext holds the training defaults (Adam with betas (0, 0.99), lr 0.003, lambda 10,
// drift 0.001), as cmd/gantrain sets them.
func stepsContext() *context.Context {
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	return ctx
}

// benchSteps times the steps of cfg and returns its row from the batch column on.
func benchSteps(b *bench, cfg msggan.Config, batch int, rng *rand.Rand) ([]string, error) {
	ctx := stepsContext()
	gan := cfg.GAN()
	loss := train.WGANGPFor(ctx)
	optD, optG := train.OptimizerFor(ctx, train.DiscriminatorScope), train.OptimizerFor(ctx, train.GeneratorScope)
	dExec, err := context.NewExec(b.backend, ctx, func(ctx *context.Context, real, z, eps *Node) []*Node {
		return gan.WGANGPDiscriminatorStep(ctx, loss, optD, real, z, eps)
	})
	if err != nil {
		return nil, err
	}
	gExec, err := context.NewExec(b.backend, ctx, func(ctx *context.Context, z *Node) []*Node {
		return gan.WGANGPGeneratorStep(ctx, loss, optG, z)
	})
	if err != nil {
		return nil, err
	}
	real := randomTensor(rng, batch, cfg.Resolution, cfg.Resolution, cfg.ImageChannels)
	z := randomTensor(rng, batch, cfg.LatentDim)
	eps := randomTensor(rng, batch)
	defer finalize([]*tensors.Tensor{real, z, eps})
	jobs := []job{
		{name: fmt.Sprintf("%dx%d D step", cfg.Resolution, cfg.Resolution), run: func() ([]*tensors.Tensor, error) { return dExec.Exec(real, z, eps) }, release: dExec.Finalize},
		{name: fmt.Sprintf("%dx%d G step", cfg.Resolution, cfg.Resolution), run: func() ([]*tensors.Tensor, error) { return gExec.Exec(z) }, release: gExec.Finalize},
	}
	timings, warmups, err := b.timing.measure(jobs)
	for _, j := range jobs {
		defer j.release()
	}
	if err != nil {
		return nil, err
	}
	for _, outputs := range warmups {
		finalize(outputs)
	}
	d, g := timings[0].median, timings[1].median
	return []string{fmt.Sprint(batch), parameters(ctx, train.GeneratorScope), parameters(ctx, train.DiscriminatorScope),
		milliseconds(timings[0]), milliseconds(timings[1]),
		fmt.Sprintf("%.2f", float64(batch)/(d+g).Seconds())}, nil
}

// compareSteps runs train.StepComparison between -compare (the reference) and the benchmarked
// backend and returns the difference columns.
func compareSteps(b *bench, cfg msggan.Config) ([]string, error) {
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
	c, err := train.StepComparison{Reference: reference, Other: b.backend, ReferenceDType: dtype, NewContext: stepsContext, GAN: cfg.GAN(),
		RealDims: []int{*stepsCompareBatch, cfg.Resolution, cfg.Resolution, cfg.ImageChannels}, Seed: 7, Tolerances: train.Float32Tolerances}.Run()
	if err != nil {
		return nil, err
	}
	log.Printf("%dx%d vs %s (%s): %s", cfg.Resolution, cfg.Resolution, *stepsCompare, time.Since(start).Round(time.Millisecond), c)
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
