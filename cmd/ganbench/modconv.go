package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

func init() {
	suites["modconv"] = modconvSuite
}

// modconvShape is one 3x3 synthesis convolution of StyleGAN2's config E here: a [batch, size,
// size, cin] input into cout channels, at the same resolution or 2x upsampled.
type modconvShape struct {
	batch, size, cin, cout int
	resampling             ops.Resampling
}

// modconvShapes are E-32's and E-64's synthesis layers at batch 32 (the preset's).
var modconvShapes = []modconvShape{
	{32, 4, 64, 64, ops.NoResampling},
	{32, 8, 64, 64, ops.NoResampling},
	{32, 4, 64, 64, ops.Up2x},
	{32, 16, 32, 32, ops.NoResampling},
	{32, 8, 64, 32, ops.Up2x},
	{32, 32, 16, 16, ops.NoResampling},
	{32, 16, 32, 16, ops.Up2x},
	{32, 64, 16, 16, ops.NoResampling},
}

func (s modconvShape) String() string {
	out := s.size
	if s.resampling == ops.Up2x {
		out *= 2
	}
	return fmt.Sprintf("%dx%dx%d, %d->%d, %dx%d out (%s)", s.batch, s.size, s.size, s.cin, s.cout, out, out, s.resampling)
}

// flops is the convolution's forward work: 2 FLOPs per multiply-add of the 3x3 kernel at every
// output pixel, the modulation and demodulation not counted (they are the O(B·C) extra work the
// equivalent form adds to the same convolution).
func (s modconvShape) flops() float64 {
	out := s.size
	if s.resampling == ops.Up2x {
		out *= 2
	}
	return 2 * float64(s.batch*out*out) * float64(9*s.cin*s.cout)
}

// modconvSuite compares, per shape, StyleGAN2's modulated convolution with demodulation
// (ops.ModulatedConv2D) with the plain convolution of the same shapes and resampling
// (ops.ResampledConv2D), forward and forward+backward, in GFLOP/s of the convolution's work.
func modconvSuite(b *bench) (*table, error) {
	t := &table{
		title:  "Modulated convolution (StyleGAN2, demodulated) vs plain convolution of the same shapes (float32)",
		header: []string{"shape (BxHxW, Cin->Cout)", "variant", "runs", "ms", "GFLOP/s", "modulated / plain GFLOP/s"},
		notes: []string{
			"GFLOP/s = 2·B·H'·W'·9·Cin·Cout / median time, H'xW' the output (the convolution's work only: modulation and demodulation, " +
				"O(B·Cin) and O(B·Cout) per pixel-free vector, are counted as overhead); fwd+bwd counts 3x that.",
			"plain = ops.ResampledConv2D with the same resampling (Up2x: padding, the [1,3,3,1] FIR up, a valid 3x3 conv); " +
				"modulated = ops.ModulatedConv2D: inputs scaled by the styles, the same convolution, outputs scaled by 1/sigma.",
			"fwd+bwd: the loss sum(out*r) and its gradients w.r.t. x, the kernel (and the styles), as a training step takes them.",
			fmt.Sprintf("Each variant: a warm-up run, then the median of at least %d timed runs and %s (-max-time %s); a shape's variants take turns.",
				b.timing.minRuns, b.timing.minTime, b.timing.maxTime),
		},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range modconvShapes {
		rows, err := benchModconvShape(b, s, rng)
		if err != nil {
			return nil, errors.WithMessagef(err, "modconv shape %s", s)
		}
		t.rows = append(t.rows, rows...)
	}
	return t, nil
}

func benchModconvShape(b *bench, s modconvShape, rng *rand.Rand) ([][]string, error) {
	out := s.size
	if s.resampling == ops.Up2x {
		out *= 2
	}
	x := randomTensor(rng, s.batch, s.size, s.size, s.cin)
	kernel := randomTensor(rng, 3, 3, s.cin, s.cout)
	styles := randomTensor(rng, s.batch, s.cin)
	r := randomTensor(rng, s.batch, out, out, s.cout)
	defer finalize([]*tensors.Tensor{x, kernel, styles, r})
	plain := func(x, kernel *Node) *Node { return ops.ResampledConv2D(x, kernel, s.resampling, ops.BilinearFilter) }
	modulated := func(x, kernel, styles *Node) *Node { return ops.ModulatedConv2D(x, kernel, styles, true, s.resampling) }
	variants := []struct {
		name   string
		factor float64
		job    job
	}{
		{"plain fwd", 1, graphJob("plain fwd", MustNewExec(b.backend, plain), x, kernel)},
		{"modulated fwd", 1, graphJob("modulated fwd", MustNewExec(b.backend, modulated), x, kernel, styles)},
		{"plain fwd+bwd", 3, graphJob("plain fwd+bwd", MustNewExec(b.backend, func(x, kernel, r *Node) (*Node, *Node, *Node) {
			loss := ReduceAllSum(Mul(plain(x, kernel), r))
			g := Gradient(loss, x, kernel)
			return loss, g[0], g[1]
		}), x, kernel, r)},
		{"modulated fwd+bwd", 3, graphJob("modulated fwd+bwd", MustNewExec(b.backend, func(in []*Node) []*Node {
			loss := ReduceAllSum(Mul(modulated(in[0], in[1], in[2]), in[3]))
			return append([]*Node{loss}, Gradient(loss, in[0], in[1], in[2])...)
		}), x, kernel, styles, r)},
	}
	jobs := make([]job, len(variants))
	for i, v := range variants {
		jobs[i] = v.job
		jobs[i].name = fmt.Sprintf("modconv %s %s", s, v.name)
	}
	timings, warmups, err := b.timing.measure(jobs)
	for _, v := range variants {
		v.job.release()
	}
	if err != nil {
		return nil, err
	}
	for _, outputs := range warmups {
		finalize(outputs)
	}
	gflops := func(i int) float64 { return variants[i].factor * s.flops() / timings[i].median.Seconds() / 1e9 }
	var rows [][]string
	for i, v := range variants {
		ratio := ""
		if i%2 == 1 {
			ratio = fmt.Sprintf("%.2f", gflops(i)/gflops(i-1))
		}
		runs := fmt.Sprint(timings[i].runs)
		if timings[i].capped {
			runs += " (capped)"
		}
		rows = append(rows, []string{s.String(), v.name, runs, fmt.Sprintf("%.2f", timings[i].median.Seconds()*1e3),
			fmt.Sprintf("%.2f", gflops(i)), ratio})
	}
	return rows, nil
}
