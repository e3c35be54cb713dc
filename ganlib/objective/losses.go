package objective

import (
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/pkg/errors"
)

// ParamLoss names the adversarial loss (Losses).
const ParamLoss = "loss"

var lossSetting = gan.Setting{Key: ParamLoss, Default: "wgan",
	Help: "adversarial loss: wgan, ns (non-saturating logistic), hinge, lsgan or rahinge (relativistic average hinge)"}

// Loss is an adversarial loss: what D and G minimise, from D's scores of real and fake images.
type Loss struct {
	Name string
	// Discriminator and Generator return the network's loss on g, adding the loss's own
	// statistics to t.
	Discriminator, Generator func(s *Step, t *Terms) *Node
	// Relativistic losses compare fakes with reals in G's loss too: G's steps read a real batch.
	Relativistic bool
}

// Losses is the loss registry.
var Losses = []Loss{
	// WGAN (Arjovsky et al. 2017): D minimises E[D(fake)] - E[D(real)], whose negative estimates
	// the Wasserstein distance; G minimises -E[D(fake)].
	{Name: "wgan",
		Discriminator: func(s *Step, t *Terms) *Node {
			w := Sub(ReduceAllMean(s.FakeScores()), ReduceAllMean(s.RealScores()))
			t.Add("wasserstein", w)
			return w
		},
		Generator: func(s *Step, _ *Terms) *Node { return Neg(ReduceAllMean(s.FakeScores())) }},
	scoreLoss("ns", losses.NonSaturating{}),
	scoreLoss("hinge", losses.Hinge{}),
	scoreLoss("lsgan", losses.LeastSquares{}),
	{Name: "rahinge", Relativistic: true,
		Discriminator: func(s *Step, t *Terms) *Node {
			addScores(s, t)
			return losses.RelativisticAverageHinge{}.DiscriminatorLoss(s.RealScores(), s.FakeScores())
		},
		Generator: func(s *Step, _ *Terms) *Node {
			return losses.RelativisticAverageHinge{}.GeneratorLoss(s.RealScores(), s.FakeScores())
		}},
}

// scoreLoss is a loss of D's scores alone; its statistics are the mean scores.
func scoreLoss(name string, l losses.ScoreLoss) Loss {
	return Loss{Name: name,
		Discriminator: func(s *Step, t *Terms) *Node {
			addScores(s, t)
			return l.DiscriminatorLoss(s.RealScores(), s.FakeScores())
		},
		Generator: func(s *Step, _ *Terms) *Node { return l.GeneratorLoss(s.FakeScores()) }}
}

func addScores(s *Step, t *Terms) {
	t.Add("d_real_score", ReduceAllMean(s.RealScores()))
	t.Add("d_fake_score", ReduceAllMean(s.FakeScores()))
}

// LossNamed returns the loss called name.
func LossNamed(name string) (Loss, error) {
	names := make([]string, len(Losses))
	for i, l := range Losses {
		if l.Name == name {
			return l, nil
		}
		names[i] = l.Name
	}
	return Loss{}, errors.Errorf("unknown %s %q: use %s", ParamLoss, name, strings.Join(names, ", "))
}
