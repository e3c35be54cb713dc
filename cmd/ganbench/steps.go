package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func init() {
	suites["steps"] = stepsSuite
}

// stepPreset is a model whose WGAN-GP training steps are timed.
type stepPreset struct {
	name  string
	cfg   msggan.Config
	batch int
}

// stepPresets: the command's MNIST default, and the 128-channel 32x32 MSG-ProGAN that the
// PyTorch comparison uses (G ~1.3M, D ~1.1M parameters). The paper's 512 channels take minutes
// per step on the pure-Go backend and are left out.
var stepPresets = []stepPreset{
	{"MSG-ProGAN MNIST 32x32x1 (gantrain default)", msggan.MNIST(), 16},
	{"MSG-ProGAN 32x32x3, 128 channels", msggan.Config{Resolution: 32, ImageChannels: 3, LatentDim: 128,
		ChannelBase: 4096, ChannelMax: 128, Phi: msggan.PhiSimple, Connections: msggan.AllConnections(32)}, 16},
}

// stepsSuite times one discriminator step with its gradient penalty (which differentiates
// through D twice) and one generator step, each including its Adam update, as the training loop
// runs them.
func stepsSuite(b *bench) (*table, error) {
	t := &table{
		title:  "WGAN-GP training steps (Adam; D step includes the gradient penalty's double backprop)",
		header: []string{"model", "batch", "G params", "D params", "D step ms", "G step ms", "images/s (D+G)"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, preset := range stepPresets {
		row, err := benchSteps(b, preset, rng)
		if err != nil {
			return nil, err
		}
		t.rows = append(t.rows, row)
	}
	t.notes = append(t.notes, "real images are random tensors: data loading is measured separately (## Data loaders)")
	return t, nil
}

func benchSteps(b *bench, p stepPreset, rng *rand.Rand) ([]string, error) {
	ctx := context.New()
	ctx.SetParams(train.DefaultParams())
	gan := p.cfg.GAN()
	loss := train.WGANGPFor(ctx)
	optD, optG := train.OptimizerFor(ctx, train.DiscriminatorScope), train.OptimizerFor(ctx, train.GeneratorScope)
	dExec := context.MustNewExec(b.backend, ctx, func(ctx *context.Context, real, z, eps *Node) []*Node {
		return gan.WGANGPDiscriminatorStep(ctx, loss, optD, real, z, eps)
	})
	gExec := context.MustNewExec(b.backend, ctx, func(ctx *context.Context, z *Node) []*Node {
		return gan.WGANGPGeneratorStep(ctx, loss, optG, z)
	})
	real := randomTensor(rng, p.batch, p.cfg.Resolution, p.cfg.Resolution, p.cfg.ImageChannels)
	z := randomTensor(rng, p.batch, p.cfg.LatentDim)
	eps := randomTensor(rng, p.batch)
	defer finalize([]*tensors.Tensor{real, z, eps})
	jobs := []job{
		{name: p.name + " D step", run: func() ([]*tensors.Tensor, error) { return dExec.Exec(real, z, eps) }, release: dExec.Finalize},
		{name: p.name + " G step", run: func() ([]*tensors.Tensor, error) { return gExec.Exec(z) }, release: gExec.Finalize},
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
	return []string{p.name, fmt.Sprint(p.batch), parameters(ctx, train.GeneratorScope), parameters(ctx, train.DiscriminatorScope),
		milliseconds(timings[0]), milliseconds(timings[1]),
		fmt.Sprintf("%.2f", float64(p.batch)/(d+g).Seconds())}, nil
}

// parameters counts the trainable parameters under scope.
func parameters(ctx *context.Context, scope string) string {
	n := 0
	for v := range ctx.InAbsPath(scope).IterVariablesInScope() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), "/optimizer") {
			n += v.Shape().Size()
		}
	}
	return fmt.Sprintf("%.2fM", float64(n)/1e6)
}

func milliseconds(t timing) string {
	s := fmt.Sprintf("%.0f", float64(t.median)/float64(time.Millisecond))
	if t.capped {
		s += fmt.Sprintf(" (%d runs)", t.runs)
	}
	return s
}
