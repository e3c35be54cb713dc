package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine/fastgo"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

func init() {
	suites["torch"] = torchSuite
}

var (
	torchPython = flag.String("torch-python", "",
		"-suite=torch: Python interpreter with torch (default: /usr/bin/python3, where Debian's python3-torch installs, else python3)")
	torchScript = flag.String("torch-script", filepath.Join("cmd", "ganbench", "torch_msggan.py"),
		"-suite=torch: the PyTorch script of the same model (path relative to the working directory)")
	torchIters  = flag.Int("torch-iters", 4, "-suite=torch: timed training iterations (D step + G step) per framework and round")
	torchRounds = flag.Int("torch-rounds", 3, "-suite=torch: rounds, each timing -torch-iters Go iterations then as many PyTorch ones "+
		"(alternating, so that both frameworks see the same machine load)")
	torchThreads = flag.Int("torch-threads", 2, "-suite=torch: torch.set_num_threads for the PyTorch run (its default here is 1)")
	torchSkip    = flag.Bool("torch-skip-pytorch", false, "-suite=torch: time only the Go training iteration")
)

// torchPreset is the model both frameworks train: MSG-ProGAN at 32x32x3 with 128 channels at
// every resolution (4, 8, 16, 32), phi simple, minibatch stddev, equalized learning rate,
// WGAN-GP (lambda 10, drift 0.001), Adam (lr 0.003, betas 0 and 0.99), generator EMA, batch 16.
const torchPreset = "cpu-rgb"

const (
	torchBatch   = 16
	torchEMABeta = 0.999
)

// torchResult is what torch_msggan.py prints (one JSON object on its last line).
type torchResult struct {
	Torch        string    `json:"torch"`
	Threads      int       `json:"threads"`
	GParams      int       `json:"g_params"`
	DParams      int       `json:"d_params"`
	IterMS       []float64 `json:"iter_ms"`
	MedianIterMS float64   `json:"median_iter_ms"`
	ImagesPerS   float64   `json:"images_per_s"`
	CPU          string    `json:"cpu"`
}

// torchSuite times one MSG-ProGAN WGAN-GP training iteration (a D step with its gradient
// penalty, a G step, the G EMA update) on the Go backend and in PyTorch, in one invocation:
// rounds alternate between the two frameworks, so that other load on the machine hits both.
func torchSuite(b *bench) (*table, error) {
	ours, err := newOurIteration(b)
	if err != nil {
		return nil, err
	}
	defer ours.release()
	var goSamples, torchSamples []time.Duration
	var res *torchResult
	var torchErr error
	var loads []string
	for round := range max(*torchRounds, 1) {
		loads = append(loads, loadAverage())
		samples, err := ours.time(*torchIters)
		if err != nil {
			return nil, err
		}
		goSamples = append(goSamples, samples...)
		if *torchSkip || torchErr != nil {
			continue
		}
		var r *torchResult
		if r, torchErr = runTorch(); torchErr != nil {
			log.Printf("PyTorch run failed: %v", torchErr)
			continue
		}
		res = r
		for _, ms := range r.IterMS {
			torchSamples = append(torchSamples, time.Duration(ms*float64(time.Millisecond)))
		}
		log.Printf("round %d done", round+1)
	}
	flops := ours.flops
	t := &table{
		title: "MSG-ProGAN 32x32x3, 128 channels, WGAN-GP training iteration (D step + G step + EMA), batch 16: Go vs PyTorch",
		header: []string{"framework", "iterations", "iteration ms (median)", "images/s (median)", "GFLOP/s (median)",
			"best iteration ms", "images/s (best)", "vs PyTorch (median, best)"},
	}
	gflops := func(d time.Duration) string {
		if flops == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", flops/d.Seconds()/1e9)
	}
	row := func(name string, samples []time.Duration) []string {
		med, best := median(samples), slices.Min(samples)
		return []string{name, fmt.Sprint(len(samples)), fmt.Sprintf("%.0f", med.Seconds()*1e3),
			fmt.Sprintf("%.2f", torchBatch/med.Seconds()), gflops(med), fmt.Sprintf("%.0f", best.Seconds()*1e3),
			fmt.Sprintf("%.2f", torchBatch/best.Seconds()), ""}
	}
	oursRow := row("Go: "+b.backend.Name()+" backend", goSamples)
	work := "not counted by this backend (the fastgo default counts 231 GFLOP)"
	if flops > 0 {
		work = fmt.Sprintf("%.1f GFLOP of matrix products (convolutions as im2col products forward and backward, "+
			"the gradient penalty's double backprop included; counted by the fastgo backend, the same work for PyTorch's model)", flops/1e9)
	}
	t.notes = append(t.notes,
		fmt.Sprintf("Go model: G %.2fM, D %.2fM parameters; one iteration = %s.", float64(ours.gParams)/1e6, float64(ours.dParams)/1e6, work),
		"GFLOP/s = those matrix-product FLOPs / iteration time (elementwise work not counted).",
		"Images/s = batch 16 / iteration time (n_critic = 1: one D and one G step per 16 real images).",
		fmt.Sprintf("%d rounds of %d Go iterations then %d PyTorch iterations (after warm-up), alternating; load average at the start of each round: %s.",
			max(*torchRounds, 1), *torchIters, *torchIters, strings.Join(loads, "; ")),
		fmt.Sprintf("Go heap allocated per timed iteration: %.2f MiB; garbage collections during the timed iterations: %d.",
			ours.allocPerIter/(1<<20), ours.gcs))
	if *torchSkip || res == nil {
		t.rows = append(t.rows, oursRow)
		if *torchSkip {
			t.notes = append(t.notes, "PyTorch not run (-torch-skip-pytorch).")
		} else {
			t.notes = append(t.notes, fmt.Sprintf("PyTorch run failed: %v", torchErr))
		}
		return t, nil
	}
	torchRow := row(fmt.Sprintf("PyTorch %s, %d threads", res.Torch, res.Threads), torchSamples)
	oursRow[7] = fmt.Sprintf("%.2fx, %.2fx", median(torchSamples).Seconds()/median(goSamples).Seconds(),
		slices.Min(torchSamples).Seconds()/slices.Min(goSamples).Seconds())
	torchRow[7] = "1.00x"
	t.rows = append(t.rows, oursRow, torchRow)
	t.notes = append(t.notes, fmt.Sprintf("PyTorch model: G %.2fM, D %.2fM parameters (%s).",
		float64(res.GParams)/1e6, float64(res.DParams)/1e6, *torchScript))
	if res.GParams != ours.gParams || res.DParams != ours.dParams {
		t.notes = append(t.notes, "WARNING: the parameter counts differ: the two models are not the same.")
	}
	return t, nil
}

// ourIteration is the compiled Go training iteration.
type ourIteration struct {
	iterate          func() error
	release          func()
	fast             *fastgo.Backend
	flops            float64
	gParams, dParams int
	allocPerIter     float64
	gcs              uint32
	timed            int
}

// time runs n timed iterations.
func (o *ourIteration) time(n int) (samples []time.Duration, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("running the Go training iteration: %v", r)
		}
	}()
	var memBefore, memAfter runtime.MemStats
	runtime.ReadMemStats(&memBefore)
	for range n {
		var before float64
		if o.fast != nil {
			before = o.fast.MatmulFLOPs()
		}
		start := time.Now()
		if err := o.iterate(); err != nil {
			return nil, err
		}
		samples = append(samples, time.Since(start))
		if o.fast != nil {
			o.flops = o.fast.MatmulFLOPs() - before
		}
		o.timed++
		log.Printf("Go training iteration %d: %s", o.timed, samples[len(samples)-1].Round(time.Millisecond))
	}
	runtime.ReadMemStats(&memAfter)
	o.allocPerIter = float64(memAfter.TotalAlloc-memBefore.TotalAlloc) / float64(n)
	o.gcs += memAfter.NumGC - memBefore.NumGC
	if fastgo.OpStatsEnabled() {
		fmt.Fprintf(os.Stderr, "fastgo per-operation times (all runs so far):\n%s", fastgo.OpStats())
		fmt.Fprintf(os.Stderr, "fastgo matrix products by shape (all runs so far):\n%s", fastgo.DotStats())
	}
	return samples, nil
}

// newOurIteration builds the Go training iteration and runs it once (compiling its graphs).
func newOurIteration(b *bench) (o *ourIteration, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("building or running the Go training iteration: %v", r)
		}
	}()
	ctx, err := presetContext(msggan.Family, torchPreset, 0)
	if err != nil {
		return nil, err
	}
	steps, err := newModelSteps(b.backend, ctx, torchEMABeta, "")
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// The real batch and eps are drawn once, the latents at every iteration.
	dArgs, dOwned := steps.inputs(steps.d, rng, torchBatch)
	gArgs, gOwned := steps.inputs(steps.g, rng, torchBatch)
	o = &ourIteration{release: func() {
		steps.release()
		finalize(append(dOwned, gOwned...))
	}}
	o.iterate = func() error {
		z := randomTensor(rng, torchBatch, steps.model.LatentDim)
		defer finalize([]*tensors.Tensor{z})
		setInput(steps.d, dArgs, train.InputLatents, z)
		setInput(steps.g, gArgs, train.InputLatents, z)
		outputs, err := steps.dExec.Exec(dArgs...)
		if err != nil {
			return errors.WithMessage(err, "D step")
		}
		finalize(outputs)
		if err := train.InitEMA(ctx); err != nil {
			return err
		}
		if outputs, err = steps.gExec.Exec(gArgs...); err != nil {
			return errors.WithMessage(err, "G step")
		}
		finalize(outputs)
		return nil
	}
	start := time.Now()
	if err := o.iterate(); err != nil {
		o.release()
		return nil, err
	}
	log.Printf("Go training iteration: warm-up (with compilation) %s", time.Since(start).Round(time.Millisecond))
	o.fast, _ = b.backend.(*fastgo.Backend)
	o.gParams, o.dParams = countParams(ctx, gan.GeneratorScope), countParams(ctx, gan.DiscriminatorScope)
	return o, nil
}

// runTorch runs the MSG-ProGAN PyTorch script and parses its result.
func runTorch() (*torchResult, error) {
	res := &torchResult{}
	return res, runTorchScript(*torchScript, res, "--iters", fmt.Sprint(*torchIters), "--threads", fmt.Sprint(*torchThreads),
		"--batch", fmt.Sprint(torchBatch), "--ema-beta", fmt.Sprint(torchEMABeta))
}

// runTorchScript runs a PyTorch twin with args and parses the JSON object on its last line
// into result.
func runTorchScript(script string, result any, args ...string) error {
	python := *torchPython
	if python == "" {
		python = "python3"
		if _, err := os.Stat("/usr/bin/python3"); err == nil {
			python = "/usr/bin/python3"
		}
	}
	if _, err := os.Stat(script); err != nil {
		return errors.Errorf("PyTorch script %q not found (run from the repository root or set its flag): %v", script, err)
	}
	cmd := exec.Command(python, append([]string{script}, args...)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	log.Printf("running %s", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		return errors.Errorf("%s: %v (install PyTorch: apt-get install python3-torch, or pip install torch into the interpreter given by -torch-python)",
			strings.Join(cmd.Args, " "), err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), result); err != nil {
		return errors.Wrapf(err, "parsing the PyTorch script's result %q", lines[len(lines)-1])
	}
	return nil
}
