// Package objective says what the networks minimise, as data: an adversarial loss chosen by
// name (Losses) and a list of regularizers (Regularizers: gradient penalty, drift, R1, path
// length, orthogonal), each with the network it applies to, its weight and its lazy interval.
// Phases turns an objective into the steps that train it, as stylegan2-ada-pytorch's phases:
// each network's main step (its loss and its every-step regularizers) and, for lazy
// regularizers, its own regularization step every Interval steps. Adding a loss or a
// regularizer is one file and one line in its registry; the graph functions themselves are in
// ganlib/losses.
package objective

import (
	"fmt"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Network is the discriminator or the generator.
type Network int

const (
	Discriminator Network = iota
	Generator
)

// Scope is where the network's variables live.
func (n Network) Scope() string {
	if n == Discriminator {
		return gan.DiscriminatorScope
	}
	return gan.GeneratorScope
}

// prefix starts the network's statistics' names: "d_loss", "g_grad_norm".
func (n Network) prefix() string {
	if n == Discriminator {
		return "d_"
	}
	return "g_"
}

func (n Network) String() string { return strings.ToUpper(strings.TrimSuffix(n.prefix(), "_")) }

// Needs are the inputs a step graph reads.
type Needs uint8

const (
	// NeedsReal: a real batch (and its labels, for conditional models).
	NeedsReal Needs = 1 << iota
	// NeedsLatents: latents z (and fake labels) for G's images.
	NeedsLatents
	// NeedsEps: interpolation weights eps [B] in [0, 1) (WGAN-GP).
	NeedsEps
	// NeedsNoise: image-shaped standard normal noise (path length).
	NeedsNoise
)

// Step is one step graph: its inputs, and the values its terms share, built on first use (one
// D pass on the reals serves the loss, the drift and R1).
type Step struct {
	Ctx   *context.Context
	Model gan.Model
	// Network is the one the step updates: in D's steps G's images are constants.
	Network Network
	// Real [B, H, W, C], Z [B, LatentDim], Eps [B] and Noise (like the images) are the step's
	// inputs, nil where it takes none; RealLabels and FakeLabels [B] are set for conditional
	// models only.
	Real, RealLabels, Z, FakeLabels, Eps, Noise *Node

	realImages, fake       []*Node
	realScores, fakeScores *Node
}

// RealImages is what D reads of the real batch (Model.RealInputs), each level an independent
// graph value: MSG-GAN's pyramid computes coarse levels from fine ones, and an input-gradient
// penalty must take each level's own partial gradient, not the paths through the coarser
// levels. Reals carry no trainable gradient, so detaching them loses nothing.
func (s *Step) RealImages() []*Node {
	if s.realImages == nil {
		for _, x := range s.Model.RealInputs(s.Ctx, s.Real) {
			// GoMLX gives a zero gradient with respect to a StopGradient node itself, hence the
			// Identity after it.
			s.realImages = append(s.realImages, Identity(StopGradient(x)))
		}
	}
	return s.realImages
}

// Fake is G's images of the latents; constants in D's steps.
func (s *Step) Fake() []*Node {
	if s.fake == nil {
		s.fake = s.Model.Generate(s.Ctx, s.Z, s.FakeLabels)
		if s.Network == Discriminator {
			for i := range s.fake {
				s.fake[i] = StopGradient(s.fake[i])
			}
		}
	}
	return s.fake
}

// Critic is D for images of the given labels.
func (s *Step) Critic(labels *Node) losses.Critic { return s.Model.Critic(s.Ctx, labels) }

// RealScores is D(RealImages()), [B, 1].
func (s *Step) RealScores() *Node {
	if s.realScores == nil {
		s.realScores = s.Critic(s.RealLabels)(s.RealImages())
	}
	return s.realScores
}

// FakeScores is D(Fake()), [B, 1].
func (s *Step) FakeScores() *Node {
	if s.fakeScores == nil {
		s.fakeScores = s.Critic(s.FakeLabels)(s.Fake())
	}
	return s.fakeScores
}

// Terms are a step's named scalar outputs: its statistics.
type Terms struct {
	Names  []string
	Values []*Node
}

// Add appends a statistic.
func (t *Terms) Add(name string, value *Node) {
	t.Names = append(t.Names, name)
	t.Values = append(t.Values, value)
}

// Regularizer is one term added to a network's loss.
type Regularizer struct {
	// Name is its statistic's name.
	Name    string
	Network Network
	// Weight is what its value is multiplied by (for the log; Build applies it); WeightRule,
	// when set, says how Build computes it instead (R1's automatic gamma).
	Weight     float64
	WeightRule string
	// Interval 1 adds it to the network's loss at every step; k > 1 makes it lazy (StyleGAN2):
	// evaluated every k steps in a step of its own, multiplied by k.
	Interval int
	// BatchShrink divides the minibatch for its step (path length: 2); 0 or 1 keep it.
	BatchShrink int
	// Needs are the inputs it reads.
	Needs Needs
	// Check, if set, reports a model the regularizer cannot apply to.
	Check func(m gan.Model) error
	// Build returns its weighted contribution to the loss, adding its statistics to t.
	Build func(s *Step, t *Terms) *Node
}

// RegularizerKind is one entry of the regularizer registry.
type RegularizerKind struct {
	// Settings are its keys, with their defaults.
	Settings gan.Settings
	// New returns the regularizer the settings in ctx describe, nil when it is off.
	New func(ctx *context.Context) (*Regularizer, error)
}

// Regularizers is the regularizer registry, in the order their terms are added to a loss.
var Regularizers = []RegularizerKind{GradientPenalty, Drift, R1, PathLength, Orthogonal}

// Settings are the objective's keys: the loss and every regularizer's.
func Settings() gan.Settings {
	table := gan.Settings{lossSetting}
	for _, kind := range Regularizers {
		table = append(table, kind.Settings...)
	}
	return table
}

// Objective is an adversarial loss and its regularizers.
type Objective struct {
	Loss         Loss
	Regularizers []*Regularizer
}

// FromContext reads the objective settings.
func FromContext(ctx *context.Context) (Objective, error) {
	var o Objective
	var err error
	if o.Loss, err = LossNamed(gan.Get[string](ctx, Settings(), ParamLoss)); err != nil {
		return o, err
	}
	for _, kind := range Regularizers {
		r, err := kind.New(ctx)
		if err != nil {
			return o, err
		}
		if r != nil {
			o.Regularizers = append(o.Regularizers, r)
		}
	}
	return o, nil
}

// Check reports the first regularizer that cannot apply to m.
func (o Objective) Check(m gan.Model) error {
	for _, r := range o.Regularizers {
		if r.Check != nil {
			if err := r.Check(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// String is the objective in one line: "wgan + gradient_penalty x10 + drift x0.001".
func (o Objective) String() string {
	parts := []string{o.Loss.Name}
	for _, r := range o.Regularizers {
		part := fmt.Sprintf("%s x%g on %s", r.Name, r.Weight, r.Network)
		if r.WeightRule != "" {
			part = fmt.Sprintf("%s x(%s) on %s", r.Name, r.WeightRule, r.Network)
		}
		if r.Interval > 1 {
			part += fmt.Sprintf(" every %d steps", r.Interval)
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " + ")
}

// Phase is one kind of training step.
type Phase struct {
	// Name is "D" or "G" for a network's main step, "Dreg" or "Greg" for its lazy one.
	Name    string
	Network Network
	// Interval: the step runs at the network's steps s (counted from 0) with s % Interval == 0.
	Interval int
	// Adversarial steps minimise the network's loss (and its every-step regularizers).
	Adversarial bool
	// Regularizers are the terms added, each times Interval in a lazy step.
	Regularizers []*Regularizer
	// BatchShrink divides the minibatch for this step (1: the minibatch).
	BatchShrink int
}

// Phases returns the steps that train o, D's first: for each network its main step, and a lazy
// step for its regularizers with Interval > 1 (one interval per network).
func (o Objective) Phases() ([]Phase, error) {
	var phases []Phase
	for _, network := range []Network{Discriminator, Generator} {
		main := Phase{Name: network.String(), Network: network, Interval: 1, Adversarial: true, BatchShrink: 1}
		var lazy *Phase
		for _, r := range o.Regularizers {
			switch {
			case r.Network != network:
			case r.Interval <= 1:
				main.Regularizers = append(main.Regularizers, r)
			case lazy == nil:
				lazy = &Phase{Name: network.String() + "reg", Network: network, Interval: r.Interval, Regularizers: []*Regularizer{r}, BatchShrink: max(r.BatchShrink, 1)}
			case lazy.Interval == r.Interval:
				lazy.Regularizers = append(lazy.Regularizers, r)
				lazy.BatchShrink = max(lazy.BatchShrink, r.BatchShrink)
			default:
				return nil, errors.Errorf("objective: %s's lazy regularizers %s (every %d steps) and %s (every %d) need one interval: set them equal",
					network, lazy.Regularizers[0].Name, lazy.Interval, r.Name, r.Interval)
			}
		}
		phases = append(phases, main)
		if lazy != nil {
			phases = append(phases, *lazy)
		}
	}
	return phases, nil
}

// Due reports whether the phase runs at its network's step (counted from 0).
func (p Phase) Due(step int) bool { return p.Interval <= 1 || step%p.Interval == 0 }

// Lazy reports whether the phase is a lazy regularization step.
func (p Phase) Lazy() bool { return !p.Adversarial }

// Needs returns the inputs the phase's graph reads.
func (p Phase) Needs(loss Loss) Needs {
	var needs Needs
	if p.Adversarial {
		needs |= NeedsLatents
		if p.Network == Discriminator || loss.Relativistic {
			needs |= NeedsReal
		}
	}
	for _, r := range p.Regularizers {
		needs |= r.Needs
	}
	return needs
}

// Build returns the phase's loss on s, and its statistics: "<net>_loss" (main steps: the whole
// loss minimised), the loss's own terms, and each regularizer's.
func (p Phase) Build(s *Step, loss Loss) (total *Node, t Terms) {
	if p.Adversarial {
		if p.Network == Discriminator {
			// G's images first, then D on the reals, then on the fakes: the order variables are
			// first created in (their random initialization) and D's gradient sums its passes'
			// contributions in, kept as it was so that runs reproduce earlier runs bit for bit.
			s.Fake()
			s.RealScores()
			total = loss.Discriminator(s, &t)
		} else {
			total = loss.Generator(s, &t)
		}
	}
	for _, r := range p.Regularizers {
		term := r.Build(s, &t)
		if p.Lazy() {
			term = MulScalar(term, float64(p.Interval))
		}
		if total == nil {
			total = term
		} else {
			total = Add(total, term)
		}
	}
	if p.Adversarial {
		// First, so a loss that diverges is reported by the name of the whole loss.
		t.Names, t.Values = append([]string{p.Network.prefix() + "loss"}, t.Names...), append([]*Node{total}, t.Values...)
	}
	return total, t
}

// String names the step in errors and logs: "discriminator step", "generator path_length_penalty
// step".
func (p Phase) String() string {
	name := map[Network]string{Discriminator: "discriminator", Generator: "generator"}[p.Network]
	for _, r := range p.Regularizers {
		if p.Lazy() {
			name += " " + r.Name
		}
	}
	return name + " step"
}

// GradNormName is the name of the statistic of the phase's gradient norm: "d_grad_norm",
// "d_reg_grad_norm", ...
func (p Phase) GradNormName() string {
	if p.Lazy() {
		return p.Network.prefix() + "reg_grad_norm"
	}
	return p.Network.prefix() + "grad_norm"
}
