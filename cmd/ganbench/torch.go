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
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine/fastgo"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
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
	torchIters   = flag.Int("torch-iters", 8, "-suite=torch: timed training iterations (D step + G step) per framework")
	torchThreads = flag.Int("torch-threads", 2, "-suite=torch: torch.set_num_threads for the PyTorch run (its default here is 1)")
	torchSkip    = flag.Bool("torch-skip-pytorch", false, "-suite=torch: time only the Go training iteration")
)

// torchModel is the model both frameworks train: MSG-ProGAN at 32x32x3 with 128 channels at
// every resolution (4, 8, 16, 32), phi simple, minibatch stddev, equalized learning rate,
// WGAN-GP (lambda 10, drift 0.001), Adam (lr 0.003, betas 0 and 0.99), generator EMA, batch 16.
var torchModel = msggan.Config{Resolution: 32, ImageChannels: 3, LatentDim: 128,
	ChannelBase: 4096, ChannelMax: 128, Phi: msggan.PhiSimple, Connections: msggan.AllConnections(32)}

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
// penalty, a G step, the G EMA update) on the Go backend and in PyTorch, in one invocation.
func torchSuite(b *bench) (*table, error) {
	ours, flops, gParams, dParams, err := timeOurIterations(b)
	if err != nil {
		return nil, err
	}
	t := &table{
		title:  "MSG-ProGAN 32x32x3, 128 channels, WGAN-GP training iteration (D step + G step + EMA), batch 16: Go vs PyTorch",
		header: []string{"framework", "iterations", "iteration ms (median)", "images/s", "GFLOP/s", "vs PyTorch"},
	}
	gflops := func(ms float64) string {
		if flops == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", flops/(ms/1e3)/1e9)
	}
	oursMS := float64(ours) / float64(time.Millisecond)
	oursRow := []string{"Go: " + b.backend.Name() + " backend", fmt.Sprint(*torchIters), fmt.Sprintf("%.0f", oursMS),
		fmt.Sprintf("%.2f", torchBatch/ours.Seconds()), gflops(oursMS), ""}
	work := "not counted by this backend (the fastgo default counts 231 GFLOP)"
	if flops > 0 {
		work = fmt.Sprintf("%.1f GFLOP of matrix products (convolutions as im2col products forward and backward, "+
			"the gradient penalty's double backprop included; counted by the fastgo backend, the same work for PyTorch's model)", flops/1e9)
	}
	t.notes = append(t.notes,
		fmt.Sprintf("Go model: G %.2fM, D %.2fM parameters; one iteration = %s.", float64(gParams)/1e6, float64(dParams)/1e6, work),
		"GFLOP/s = those matrix-product FLOPs / iteration time (elementwise work not counted).",
		"Images/s = batch 16 / median iteration time (n_critic = 1: one D and one G step per 16 real images).",
		fmt.Sprintf("Go heap allocated per timed iteration: %.2f MiB; garbage collections during the timed iterations: %d.",
			allocPerIter/(1<<20), gcsDuring))
	if *torchSkip {
		t.rows = append(t.rows, oursRow)
		t.notes = append(t.notes, "PyTorch not run (-torch-skip-pytorch).")
		return t, nil
	}
	res, err := runTorch()
	if err != nil {
		t.rows = append(t.rows, oursRow)
		t.notes = append(t.notes, "PyTorch run failed: "+err.Error())
		log.Printf("PyTorch run failed: %v", err)
		return t, nil
	}
	oursRow[5] = fmt.Sprintf("%.2fx", res.MedianIterMS/oursMS)
	t.rows = append(t.rows, oursRow, []string{
		fmt.Sprintf("PyTorch %s, %d threads", res.Torch, res.Threads), fmt.Sprint(len(res.IterMS)),
		fmt.Sprintf("%.0f", res.MedianIterMS), fmt.Sprintf("%.2f", res.ImagesPerS), gflops(res.MedianIterMS), "1.00x"})
	t.notes = append(t.notes, fmt.Sprintf("PyTorch model: G %.2fM, D %.2fM parameters (%s).",
		float64(res.GParams)/1e6, float64(res.DParams)/1e6, *torchScript))
	if res.GParams != gParams || res.DParams != dParams {
		t.notes = append(t.notes, "WARNING: the parameter counts differ: the two models are not the same.")
	}
	return t, nil
}

// timeOurIterations compiles and times the Go training iteration; it returns its median time,
// its matrix-product FLOPs (0 when the backend does not count them) and the parameter counts.
func timeOurIterations(b *bench) (medianIter time.Duration, flops float64, gParams, dParams int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("building or running the Go training iteration: %v", r)
		}
	}()
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	cfg := torchModel
	gan := train.GAN{
		LatentDim:     cfg.LatentDim,
		Generator:     func(ctx *context.Context, z *Node) []*Node { return msggan.Generator(ctx, cfg, z) },
		Discriminator: func(ctx *context.Context, images []*Node) *Node { return msggan.Discriminator(ctx, cfg, images) },
		RealInputs:    func(real *Node) []*Node { return train.Pyramid(real, 4) },
	}
	loss := train.WGANGPFor(ctx)
	optD, optG := train.OptimizerFor(ctx, train.DiscriminatorScope), train.OptimizerFor(ctx, train.GeneratorScope)
	dExec := context.MustNewExec(b.backend, ctx, func(ctx *context.Context, real, z, eps *Node) []*Node {
		return gan.WGANGPDiscriminatorStep(ctx, loss, optD, real, z, eps)
	})
	defer dExec.Finalize()
	gExec := context.MustNewExec(b.backend, ctx, func(ctx *context.Context, z *Node) []*Node {
		outputs := gan.WGANGPGeneratorStep(ctx, loss, optG, z)
		updateGeneratorEMA(ctx, z.Graph())
		return outputs
	})
	defer gExec.Finalize()
	rng := rand.New(rand.NewPCG(1, 2))
	real := randomTensor(rng, torchBatch, cfg.Resolution, cfg.Resolution, cfg.ImageChannels)
	eps := randomTensor(rng, torchBatch)
	defer finalize([]*tensors.Tensor{real, eps})
	iterate := func() error {
		z := randomTensor(rng, torchBatch, cfg.LatentDim)
		defer finalize([]*tensors.Tensor{z})
		outputs, err := dExec.Exec(real, z, eps)
		if err != nil {
			return errors.WithMessage(err, "D step")
		}
		finalize(outputs)
		if err := initGeneratorEMA(ctx); err != nil {
			return err
		}
		if outputs, err = gExec.Exec(z); err != nil {
			return errors.WithMessage(err, "G step")
		}
		finalize(outputs)
		return nil
	}
	start := time.Now()
	if err := iterate(); err != nil {
		return 0, 0, 0, 0, err
	}
	log.Printf("Go training iteration: warm-up (with compilation) %s", time.Since(start).Round(time.Millisecond))
	fast, _ := b.backend.(*fastgo.Backend)
	var memBefore, memAfter runtime.MemStats
	runtime.ReadMemStats(&memBefore)
	samples := make([]time.Duration, *torchIters)
	for i := range samples {
		var before float64
		if fast != nil {
			before = fast.MatmulFLOPs()
		}
		start := time.Now()
		if err := iterate(); err != nil {
			return 0, 0, 0, 0, err
		}
		samples[i] = time.Since(start)
		if fast != nil {
			flops = fast.MatmulFLOPs() - before
		}
		log.Printf("Go training iteration %d: %s", i+1, samples[i].Round(time.Millisecond))
	}
	runtime.ReadMemStats(&memAfter)
	allocPerIter = float64(memAfter.TotalAlloc-memBefore.TotalAlloc) / float64(len(samples))
	gcsDuring = memAfter.NumGC - memBefore.NumGC
	if fastgo.OpStatsEnabled() {
		fmt.Fprintf(os.Stderr, "fastgo per-operation times (all runs):\n%s", fastgo.OpStats())
		fmt.Fprintf(os.Stderr, "fastgo matrix products by shape (all runs):\n%s", fastgo.DotStats())
	}
	return median(samples), flops, countParams(ctx, train.GeneratorScope), countParams(ctx, train.DiscriminatorScope), nil
}

// Go heap allocation per timed iteration and garbage collections during them (set by
// timeOurIterations).
var (
	allocPerIter float64
	gcsDuring    uint32
)

// generatorEMAScope mirrors the training loop's EMA copy of the generator.
const generatorEMAScope = "/generator_ema"

// initGeneratorEMA creates the EMA copy of each generator variable that has none, equal to it.
func initGeneratorEMA(ctx *context.Context) error {
	for v := range ctx.InAbsPath(train.GeneratorScope).IterVariablesInScope() {
		emaCtx := ctx.InAbsPath(generatorEMAScope + strings.TrimPrefix(v.Scope(), train.GeneratorScope)).Checked(false)
		if emaCtx.GetVariable(v.Name()) != nil {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return err
		}
		copied, err := value.Clone()
		if err != nil {
			return err
		}
		emaCtx.VariableWithValue(v.Name(), copied).SetTrainable(false)
	}
	return nil
}

// updateGeneratorEMA adds ema = w + beta (ema - w) for every generator variable to g.
func updateGeneratorEMA(ctx *context.Context, g *Graph) {
	for v := range ctx.InAbsPath(train.GeneratorScope).IterVariablesInScope() {
		ema := ctx.InAbsPath(generatorEMAScope + strings.TrimPrefix(v.Scope(), train.GeneratorScope)).GetVariable(v.Name())
		if ema == nil {
			continue
		}
		w := v.ValueGraph(g)
		ema.SetValueGraph(Add(w, MulScalar(Sub(ema.ValueGraph(g), w), torchEMABeta)))
	}
}

// countParams counts the trainable parameters under scope.
func countParams(ctx *context.Context, scope string) int {
	n := 0
	for v := range ctx.InAbsPath(scope).IterVariablesInScope() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), "/optimizer") {
			n += v.Shape().Size()
		}
	}
	return n
}

// runTorch runs the PyTorch script and parses its result.
func runTorch() (*torchResult, error) {
	python := *torchPython
	if python == "" {
		python = "python3"
		if _, err := os.Stat("/usr/bin/python3"); err == nil {
			python = "/usr/bin/python3"
		}
	}
	if _, err := os.Stat(*torchScript); err != nil {
		return nil, errors.Errorf("PyTorch script %q not found (run from the repository root or set -torch-script): %v", *torchScript, err)
	}
	cmd := exec.Command(python, *torchScript, "--iters", fmt.Sprint(*torchIters), "--threads", fmt.Sprint(*torchThreads),
		"--batch", fmt.Sprint(torchBatch), "--ema-beta", fmt.Sprint(torchEMABeta))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	log.Printf("running %s", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		return nil, errors.Errorf("%s: %v (install PyTorch: apt-get install python3-torch, or pip install torch into the interpreter given by -torch-python)",
			strings.Join(cmd.Args, " "), err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	res := &torchResult{}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), res); err != nil {
		return nil, errors.Wrapf(err, "parsing the PyTorch script's result %q", lines[len(lines)-1])
	}
	return res, nil
}
