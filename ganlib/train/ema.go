package train

import (
	"math"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// emaScopeOf maps a generator variable's scope to its moving average's scope (under
// gan.GeneratorEMAScope, which samples and metrics read, as in ProGAN and StyleGAN2).
func emaScopeOf(scope string) string {
	return gan.GeneratorEMAScope + strings.TrimPrefix(scope, gan.GeneratorScope)
}

// InitEMA creates the EMA copy of every generator variable that has none yet, equal to it.
func InitEMA(ctx *context.Context) error {
	for v := range ctx.InAbsPath(gan.GeneratorScope).IterVariablesInScope() {
		emaCtx := ctx.InAbsPath(emaScopeOf(v.Scope())).Checked(false)
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

// UpdateEMA adds to g the update ema = w + beta (ema - w) of every trainable generator
// variable, using w's latest value in g (after the optimizer step); the others (StyleGAN2's
// w_avg, fixed noise) are copied, as stylegan2-ada copies buffers.
func UpdateEMA(ctx *context.Context, g *Graph, beta *Node) {
	for v := range ctx.InAbsPath(gan.GeneratorScope).IterVariablesInScope() {
		ema := ctx.InAbsPath(emaScopeOf(v.Scope())).GetVariable(v.Name())
		if ema == nil {
			continue // created after the first steps (see InitEMA)
		}
		w := v.ValueGraph(g)
		if !v.Trainable {
			ema.SetValueGraph(w)
			continue
		}
		ema.SetValueGraph(Add(w, Mul(ConvertDType(beta, w.DType()), Sub(ema.ValueGraph(g), w))))
	}
}

// EMABeta is the per-step decay for a half-life of halfLifeKimg thousand images at the given
// batch size, with stylegan2-ada's ramp-up: the half-life is at most rampup * images shown so far
// (rampup 0 disables it), so short runs average over their recent past, not their initialization.
func EMABeta(batchSize int, halfLifeKimg, rampup float64, shown int64) float64 {
	halfLife := halfLifeKimg * 1000
	if rampup > 0 {
		halfLife = min(halfLife, float64(shown)*rampup)
	}
	if halfLife <= 0 {
		return 0
	}
	return math.Pow(0.5, float64(batchSize)/halfLife)
}
