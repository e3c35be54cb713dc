package train

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestOptimizerSteps compares two steps of Adam and RMSprop on loss = sum(a * w^2) (gradient
// 2 a w) with the update rules computed by hand, and checks that variables outside the
// optimizer's scope are untouched.
func TestOptimizerSteps(t *testing.T) {
	a := []float64{1, -3}
	w0 := []float64{0.5, 2}
	for _, opt := range []Optimizer{
		{Scope: "/net", Algorithm: Adam, LearningRate: 0.1, Beta1: 0.5, Beta2: 0.9, Epsilon: 1e-8},
		{Scope: "/net", Algorithm: RMSprop, LearningRate: 0.1, Beta2: 0.9, Epsilon: 1e-8},
	} {
		ctx := context.New()
		ctx.InAbsPath("/net").VariableWithValue("w", append([]float64(nil), w0...))
		ctx.InAbsPath("/other").VariableWithValue("w", []float64{7})
		exec := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, g *Graph) *Node {
			w := ctx.InAbsPath("/net").GetVariable("w").ValueGraph(g)
			other := ctx.InAbsPath("/other").GetVariable("w").ValueGraph(g)
			loss := Add(ReduceAllSum(Mul(Const(g, a), Square(w))), ReduceAllSum(Square(other)))
			opt.Minimize(ctx, loss)
			return loss
		})
		w := append([]float64(nil), w0...)
		m, v := make([]float64, 2), make([]float64, 2)
		for step := 1; step <= 2; step++ {
			exec.MustExec()
			for i := range w {
				grad := 2 * a[i] * w[i]
				v[i] = opt.Beta2*v[i] + (1-opt.Beta2)*grad*grad
				if opt.Algorithm == Adam {
					m[i] = opt.Beta1*m[i] + (1-opt.Beta1)*grad
					mHat := m[i] / (1 - math.Pow(opt.Beta1, float64(step)))
					vHat := v[i] / (1 - math.Pow(opt.Beta2, float64(step)))
					w[i] -= opt.LearningRate * mHat / (math.Sqrt(vHat) + opt.Epsilon)
				} else {
					w[i] -= opt.LearningRate * grad / (math.Sqrt(v[i]) + opt.Epsilon)
				}
			}
			got := tensors.MustCopyFlatData[float64](ctx.InAbsPath("/net").GetVariable("w").MustValue())
			for i := range w {
				if math.Abs(got[i]-w[i]) > 1e-12 {
					t.Fatalf("%s step %d: w[%d] = %.12g, want %.12g", opt.Algorithm, step, i, got[i], w[i])
				}
			}
		}
		if other := tensors.MustCopyFlatData[float64](ctx.InAbsPath("/other").GetVariable("w").MustValue()); other[0] != 7 {
			t.Errorf("%s changed a variable outside its scope: %g", opt.Algorithm, other[0])
		}
	}
}

func TestLazyCorrected(t *testing.T) {
	o := Optimizer{LearningRate: 0.002, Beta1: 0, Beta2: 0.99}.LazyCorrected(16)
	c := 16.0 / 17
	if math.Abs(o.LearningRate-0.002*c) > 1e-15 || o.Beta1 != 0 || math.Abs(o.Beta2-math.Pow(0.99, c)) > 1e-15 {
		t.Errorf("lazy-corrected optimizer %+v", o)
	}
}

// TestDescendAtAFedRate: Descend updates the variables it is given, outside its scope too, at a
// learning rate fed per step (a projection's ramp), and counts steps under its own scope.
func TestDescendAtAFedRate(t *testing.T) {
	opt := Optimizer{Scope: "/projection", Algorithm: Adam, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	ctx := context.New()
	variable := ctx.InAbsPath("/generator/maps").VariableWithValue("n", []float64{1, -2}).SetTrainable(false)
	exec := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, rate *Node) *Node {
		loss := ReduceAllSum(Square(variable.ValueGraph(rate.Graph())))
		opt.Descend(ctx, loss, []*context.Variable{variable}, rate)
		return loss
	})
	w, m, v := []float64{1, -2}, make([]float64, 2), make([]float64, 2)
	for step, rate := range []float64{0.1, 0.02, 0.05} {
		exec.MustExec(rate)
		for i := range w {
			grad := 2 * w[i]
			m[i] = 0.9*m[i] + 0.1*grad
			v[i] = 0.999*v[i] + 0.001*grad*grad
			w[i] -= rate * (m[i] / (1 - math.Pow(0.9, float64(step+1)))) / (math.Sqrt(v[i]/(1-math.Pow(0.999, float64(step+1)))) + 1e-8)
		}
		got := tensors.MustCopyFlatData[float64](variable.MustValue())
		for i := range w {
			if math.Abs(got[i]-w[i]) > 1e-12 {
				t.Fatalf("step %d at rate %g: n[%d] = %.12g, want %.12g", step+1, rate, i, got[i], w[i])
			}
		}
	}
	if steps := tensors.ToScalar[float64](ctx.InspectVariable("/optimizer/projection", "step").MustValue()); steps != 3 {
		t.Errorf("step count %g under /optimizer/projection, want 3", steps)
	}
}
