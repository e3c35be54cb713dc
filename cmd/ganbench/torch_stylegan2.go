package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models/stylegan2"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

func init() {
	suites["torch-stylegan2"] = torchStyleGAN2Suite
}

var (
	torchStyleGAN2Script = flag.String("torch-stylegan2-script", filepath.Join("cmd", "ganbench", "torch_stylegan2.py"),
		"-suite=torch-stylegan2: the PyTorch script of StyleGAN2 config E")
	torchStyleGAN2Presets = flag.String("torch-stylegan2-presets", "E-32,E-64", "-suite=torch-stylegan2: the stylegan2 presets compared")
)

// styleGAN2Steps are the four steps of a StyleGAN2 training iteration, in the order both
// frameworks time them, with the interval each runs at.
var styleGAN2Steps = []struct {
	phase, torchKey string
	interval        int
}{{"D", "d_ms", 1}, {"G", "g_ms", 1}, {"Dreg", "r1_ms", 16}, {"Greg", "pl_ms", 4}}

// torchStyleGAN2Result is what torch_stylegan2.py prints.
type torchStyleGAN2Result struct {
	Torch    string               `json:"torch"`
	Threads  int                  `json:"threads"`
	GParams  int                  `json:"g_params"`
	DParams  int                  `json:"d_params"`
	TimesMS  map[string][]float64 `json:"times_ms"`
	MedianMS map[string]float64   `json:"median_ms"`
}

// torchStyleGAN2Suite times config E's four training steps (D main, G main with the EMA, lazy R1,
// lazy path length) at the preset's batch on the Go backend and in PyTorch, alternating rounds
// in one invocation, and compares the iteration time with the lazy steps amortized.
func torchStyleGAN2Suite(b *bench) (*table, error) {
	t := &table{
		title: "StyleGAN2 config E training iteration (D + G with EMA + R1/16 + path length/4), Go vs PyTorch",
		header: []string{"preset", "framework", "D ms", "G ms", "R1 step ms", "path-length step ms", "iteration ms (amortized)",
			"images/s", "vs PyTorch"},
	}
	for _, name := range strings.Split(*torchStyleGAN2Presets, ",") {
		rows, notes, err := compareStyleGAN2(b, strings.TrimSpace(name))
		if err != nil {
			return nil, errors.WithMessagef(err, "preset %s", name)
		}
		t.rows = append(t.rows, rows...)
		t.notes = append(t.notes, notes...)
	}
	t.notes = append(t.notes,
		"Each step includes its Adam update (lazily corrected); G's main step the EMA update; median over all timed runs of all rounds.",
		fmt.Sprintf("%d rounds of %d timed runs of each step in Go, then as many in PyTorch (after warm-up), alternating.", max(*torchRounds, 1), *torchIters),
		"PyTorch's 2x upsampling convolution is the reference's fast path (stride-2 transposed conv, then the FIR), a quarter of the multiply-adds "+
			"of ours (FIR up, then a 3x3 conv at the doubled resolution): the same result, see ops.ResampledConv2D.")
	return t, nil
}

func compareStyleGAN2(b *bench, name string) ([][]string, []string, error) {
	preset, err := stylegan2.Family.Preset(name)
	if err != nil {
		return nil, nil, err
	}
	ctx, err := presetContext(stylegan2.Family, preset.Name, 0)
	if err != nil {
		return nil, nil, err
	}
	batch := preset.Settings[train.ParamBatchSize].(int)
	s, err := newModelSteps(b.backend, ctx, torchEMABeta, "")
	if err != nil {
		return nil, nil, err
	}
	defer s.release()
	if len(s.lazy) != 2 {
		return nil, nil, errors.Errorf("%s has %d lazy steps, want R1's and path length's", name, len(s.lazy))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	execs := []func() ([]*tensors.Tensor, error){}
	for _, step := range append([]lazyStep{{s.d, s.dExec}, {s.g, s.gExec}}, s.lazy...) {
		args, owned := s.inputs(step.step, rng, step.step.Batch(batch))
		defer finalize(owned)
		execs = append(execs, func() ([]*tensors.Tensor, error) { return step.exec.Exec(args...) })
	}
	goSamples := make([][]time.Duration, len(execs))
	run := func(i int) error {
		start := time.Now()
		outputs, err := execs[i]()
		if err != nil {
			return errors.WithMessagef(err, "Go %s step", styleGAN2Steps[i].phase)
		}
		finalize(outputs)
		if i == 1 {
			if err := train.InitEMA(ctx); err != nil {
				return err
			}
		}
		goSamples[i] = append(goSamples[i], time.Since(start))
		return nil
	}
	for i := range execs { // warm-up, compiling
		if err := run(i); err != nil {
			return nil, nil, err
		}
		goSamples[i] = nil
	}
	model := s.model
	var res *torchStyleGAN2Result
	torchSamples := map[string][]float64{}
	var torchErr error
	for round := range max(*torchRounds, 1) {
		for range *torchIters {
			for i := range execs {
				if err := run(i); err != nil {
					return nil, nil, err
				}
			}
		}
		if *torchSkip || torchErr != nil {
			continue
		}
		r := &torchStyleGAN2Result{}
		if torchErr = runTorchScript(*torchStyleGAN2Script, r, "--resolution", fmt.Sprint(model.Resolution), "--channels", fmt.Sprint(model.Channels),
			"--channel-base", fmt.Sprint(preset.Settings[stylegan2.ParamChannelBase]), "--channel-max", fmt.Sprint(preset.Settings[stylegan2.ParamChannelMax]),
			"--iters", fmt.Sprint(*torchIters), "--threads", fmt.Sprint(*torchThreads), "--batch", fmt.Sprint(batch),
			"--ema-beta", fmt.Sprint(torchEMABeta)); torchErr != nil {
			log.Printf("PyTorch run failed: %v", torchErr)
			continue
		}
		res = r
		for k, v := range r.TimesMS {
			torchSamples[k] = append(torchSamples[k], v...)
		}
		log.Printf("%s: round %d done", name, round+1)
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1e3 }
	goMS := make([]float64, len(execs))
	torchMS := make([]float64, len(execs))
	var goIter, torchIter float64
	for i, step := range styleGAN2Steps {
		goMS[i] = ms(median(goSamples[i]))
		goIter += goMS[i] / float64(step.interval)
		if res != nil {
			v := slices.Clone(torchSamples[step.torchKey])
			slices.Sort(v)
			torchMS[i] = v[len(v)/2]
			torchIter += torchMS[i] / float64(step.interval)
		}
	}
	row := func(framework string, steps []float64, iter float64) []string {
		r := []string{name, framework}
		for _, v := range steps {
			r = append(r, fmt.Sprintf("%.0f", v))
		}
		return append(r, fmt.Sprintf("%.0f", iter), fmt.Sprintf("%.1f", float64(batch)/iter*1e3), "")
	}
	gParams, dParams := countParams(ctx, gan.GeneratorScope), countParams(ctx, gan.DiscriminatorScope)
	rows := [][]string{row("Go: "+b.backend.Name(), goMS, goIter)}
	notes := []string{fmt.Sprintf("%s: %s, batch %d, G %.3fM and D %.3fM parameters.", name, model.Name, batch, float64(gParams)/1e6, float64(dParams)/1e6)}
	if res == nil {
		if torchErr != nil {
			notes = append(notes, fmt.Sprintf("%s: PyTorch run failed: %v", name, torchErr))
		}
		return rows, notes, nil
	}
	rows[0][8] = fmt.Sprintf("%.2fx", torchIter/goIter)
	torchRow := row(fmt.Sprintf("PyTorch %s, %d threads", res.Torch, res.Threads), torchMS, torchIter)
	torchRow[8] = "1.00x"
	rows = append(rows, torchRow)
	if res.GParams != gParams || res.DParams != dParams {
		notes = append(notes, fmt.Sprintf("WARNING %s: PyTorch's model has G %d and D %d parameters, ours %d and %d: not the same model.",
			name, res.GParams, res.DParams, gParams, dParams))
	}
	return rows, notes, nil
}
