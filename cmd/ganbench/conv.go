package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

func init() {
	suites["conv"] = convSuite
}

// convShape is one 3x3, stride-1, same-padded convolution of a [batch, size, size, cin] float32
// input into cout channels.
type convShape struct {
	batch, size, cin, cout int
}

// convShapes are the convolutions the models here spend their time in (batch 16, 32x32 and 8x8).
var convShapes = []convShape{
	{batch: 16, size: 32, cin: 16, cout: 16},
	{batch: 16, size: 32, cin: 64, cout: 64},
	{batch: 16, size: 32, cin: 128, cout: 128},
	{batch: 16, size: 8, cin: 128, cout: 128},
}

const convKernel = 3

func (s convShape) String() string {
	return fmt.Sprintf("%dx%dx%d, %d->%d", s.batch, s.size, s.size, s.cin, s.cout)
}

// forwardFLOPs counts 2 FLOPs per multiply-add of the forward pass, the padding zeros included
// (the usual convention, and the work an im2col matrix product really does).
func (s convShape) forwardFLOPs() float64 {
	return 2 * float64(s.batch*s.size*s.size) * float64(convKernel*convKernel*s.cin) * float64(s.cout)
}

// convVariant is one way of computing a shape's convolution (or its equivalent work).
type convVariant struct {
	job
	// flopsFactor multiplies the forward FLOPs: 3 for forward+backward (the two gradient products
	// each cost as much as the forward one).
	flopsFactor float64
	// matmul marks the plain matrix product the other variants' speed is compared to.
	matmul bool
}

// convResult is a measured variant.
type convResult struct {
	variant convVariant
	timing  timing
}

// convSuite compares, per shape: GoMLX's own convolution (what the pure-Go backend ran before
// ops.Conv2D), ops.Conv2D forward and forward+backward, and a plain matrix product with the
// forward FLOPs, which bounds what an im2col convolution can reach on the backend.
func convSuite(b *bench) (*table, error) {
	t := &table{
		title:  "Convolution 3x3 same-padded vs matrix product (float32)",
		header: []string{"shape (BxHxW, Cin->Cout)", "variant", "runs", "ms", "GFLOP/s", "images/s", "vs matmul", "peak RSS MiB"},
		notes: []string{
			"GFLOP/s = 2·B·H·W·9·Cin·Cout / median time (padding zeros counted); fwd+bwd counts 3x that " +
				"(forward, gradient w.r.t. input, gradient w.r.t. kernel of sum(out*r)).",
			"matmul = DotGeneral [B·H·W, 9·Cin] x [9·Cin, Cout], the same FLOPs as the forward conv; " +
				"'vs matmul' = the row's GFLOP/s / the matmul row's GFLOP/s.",
			fmt.Sprintf("Each variant: one untimed warm-up run (compiles), then the median of at least %d timed runs "+
				"and %s, except where a run would take the total past %s (-max-time): those rows say 'capped'. "+
				"A shape's variants take turns run by run, so they share whatever else loads the machine.",
				b.timing.minRuns, b.timing.minTime, b.timing.maxTime),
			"peak RSS = the whole process's peak resident memory during the variant's warm-up run (inputs included).",
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range convShapes {
		results, err := benchConvShape(b, s, rng)
		if err != nil {
			return nil, errors.WithMessagef(err, "conv shape %s", s)
		}
		t.rows = append(t.rows, convRows(s, results)...)
		for _, r := range results {
			if r.timing.capped {
				t.notes = append(t.notes, fmt.Sprintf("%s at %s: a run takes %s, so only %d timed run(s) instead of %d.",
					r.variant.name, s, r.timing.median.Round(time.Millisecond), r.timing.runs, b.timing.minRuns))
			}
		}
	}
	return t, nil
}

// benchConvShape builds, checks and times every variant for one shape.
func benchConvShape(b *bench, s convShape, rng *rand.Rand) ([]convResult, error) {
	x := randomTensor(rng, s.batch, s.size, s.size, s.cin)
	kernel := randomTensor(rng, convKernel, convKernel, s.cin, s.cout)
	r := randomTensor(rng, s.batch, s.size, s.size, s.cout)
	lhs := randomTensor(rng, s.batch*s.size*s.size, convKernel*convKernel*s.cin)
	rhs := randomTensor(rng, convKernel*convKernel*s.cin, s.cout)
	defer finalize([]*tensors.Tensor{x, kernel, r, lhs, rhs})

	same := ops.SamePadding(convKernel)
	// The first two variants compute the same forward convolution: their outputs are compared.
	variants := []convVariant{
		{flopsFactor: 1, job: graphJob("GoMLX Convolve (before)", MustNewExec(b.backend, func(x, kernel *Node) *Node {
			// Channels-last (Convolve's default): x [B,H,W,Cin], kernel [3,3,Cin,Cout], as ops.Conv2D.
			return Convolve(x, kernel).PadSame().Done()
		}), x, kernel)},
		{flopsFactor: 1, job: graphJob("ops.Conv2D (after)", MustNewExec(b.backend, func(x, kernel *Node) *Node {
			return ops.Conv2D(x, kernel, same)
		}), x, kernel)},
		{flopsFactor: 1, matmul: true, job: graphJob("matmul", MustNewExec(b.backend, func(lhs, rhs *Node) *Node {
			return DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
		}), lhs, rhs)},
		{flopsFactor: 3, job: graphJob("ops.Conv2D fwd+bwd", MustNewExec(b.backend, func(x, kernel, r *Node) (*Node, *Node, *Node) {
			// The loss is an output so the forward conv is computed, as in a training step:
			// the gradients alone do not depend on it.
			loss := ReduceAllSum(Mul(ops.Conv2D(x, kernel, same), r))
			grads := Gradient(loss, x, kernel)
			return loss, grads[0], grads[1]
		}), x, kernel, r)},
	}
	jobs := make([]job, len(variants))
	for i, v := range variants {
		jobs[i] = v.job
		jobs[i].name = fmt.Sprintf("conv %s %s", s, v.name)
	}
	timings, warmups, err := b.timing.measure(jobs)
	for _, v := range variants {
		v.release()
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, outputs := range warmups {
			finalize(outputs)
		}
	}()
	// If the two convolutions disagree, the comparison (or the axes assumed for Convolve) is wrong.
	if err := checkClose(warmups[1][0], warmups[0][0], 1e-4); err != nil {
		return nil, errors.WithMessagef(err, "%s disagrees with %s", variants[1].name, variants[0].name)
	}
	results := make([]convResult, len(variants))
	for i, v := range variants {
		results[i] = convResult{variant: v, timing: timings[i]}
	}
	return results, nil
}

// convRows formats one shape's results; ratios are against the matmul variant's GFLOP/s.
func convRows(s convShape, results []convResult) [][]string {
	gflops := func(r convResult) float64 {
		return r.variant.flopsFactor * s.forwardFLOPs() / r.timing.median.Seconds() / 1e9
	}
	var matmul float64
	for _, r := range results {
		if r.variant.matmul {
			matmul = gflops(r)
		}
	}
	rows := make([][]string, 0, len(results))
	for _, r := range results {
		runs := fmt.Sprint(r.timing.runs)
		if r.timing.capped {
			runs += " (capped)"
		}
		rows = append(rows, []string{
			s.String(), r.variant.name, runs,
			fmt.Sprintf("%.1f", r.timing.median.Seconds()*1e3),
			fmt.Sprintf("%.2f", gflops(r)),
			fmt.Sprintf("%.1f", float64(s.batch)/r.timing.median.Seconds()),
			fmt.Sprintf("%.2f", gflops(r)/matmul),
			formatMiB(r.timing.peakRSS),
		})
	}
	return rows
}

// randomTensor returns a float32 tensor with entries uniform in [-1, 1).
func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MustMutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = 2*rng.Float32() - 1
		}
	})
	return t
}

// checkClose fails if got and want differ by more than relTol times want's largest magnitude
// (float32 sums of up to 9·128 products in different orders differ in the last bits).
func checkClose(got, want *tensors.Tensor, relTol float64) error {
	if !got.Shape().Equal(want.Shape()) {
		return errors.Errorf("shape %s, want %s", got.Shape(), want.Shape())
	}
	g, err := tensors.CopyFlatData[float32](got)
	if err != nil {
		return err
	}
	w, err := tensors.CopyFlatData[float32](want)
	if err != nil {
		return err
	}
	var scale, worst float64
	worstAt := 0
	for i := range w {
		scale = max(scale, math.Abs(float64(w[i])))
		if d := math.Abs(float64(g[i] - w[i])); d > worst {
			worst, worstAt = d, i
		}
	}
	if worst > relTol*scale {
		return errors.Errorf("element %d is %g, want %g (largest |value| %g)", worstAt, g[worstAt], w[worstAt], scale)
	}
	return nil
}
