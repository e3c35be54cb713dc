// Package train holds the machinery shared by every GAN here: optimizers that update one
// network's variables (G and D each have their own), and the training loop.
package train

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// Algorithm names an optimizer.
type Algorithm string

const (
	// Adam as in Kingma & Ba, with bias correction (GAN papers here: betas (0, 0.99)).
	Adam Algorithm = "adam"
	// RMSprop without momentum (the MSG-GAN paper's optimizer).
	RMSprop Algorithm = "rmsprop"
)

// Optimizer updates the trainable variables under one scope (e.g. "/generator") and keeps its
// state (moments, step) under "/optimizer<scope>", so G and D never touch each other's weights
// and snapshots hold both states.
type Optimizer struct {
	// Scope whose trainable variables this optimizer updates.
	Scope string
	// Algorithm is Adam or RMSprop.
	Algorithm Algorithm
	// LearningRate, Beta1 (Adam only), Beta2 (Adam's second moment, RMSprop's decay) and Epsilon.
	LearningRate, Beta1, Beta2, Epsilon float64
}

// Validate reports settings the optimizer cannot run with, naming them.
func (o Optimizer) Validate() error {
	switch {
	case o.Algorithm != Adam && o.Algorithm != RMSprop:
		return errors.Errorf("%s=%q: use %q or %q", ParamOptimizer, o.Algorithm, Adam, RMSprop)
	case !(o.LearningRate > 0):
		return errors.Errorf("%s=%g must be positive", ParamLearningRate, o.LearningRate)
	case o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1:
		return errors.Errorf("%s=%g and %s=%g must be in [0, 1)", ParamBeta1, o.Beta1, ParamBeta2, o.Beta2)
	case !(o.Epsilon > 0):
		return errors.Errorf("%s=%g must be positive", ParamEpsilon, o.Epsilon)
	}
	return nil
}

// Variables returns the trainable variables under o.Scope, in a stable (creation) order.
func (o Optimizer) Variables(ctx *context.Context) []*context.Variable {
	var vars []*context.Variable
	for v := range ctx.InAbsPath(o.Scope).IterVariablesInScope() {
		if v.Trainable {
			vars = append(vars, v)
		}
	}
	return vars
}

// Minimize adds to loss's graph the update of o's variables that descends loss; it returns the
// gradients' global L2 norm (a useful statistic). Variables are those under o.Scope used by the
// graph.
func (o Optimizer) Minimize(ctx *context.Context, loss *Node) *Node {
	var vars []*context.Variable
	for _, v := range o.Variables(ctx) {
		if v.InUseByGraph(loss.Graph()) {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		panic(errors.Errorf("train.Optimizer: loss uses no trainable variable under scope %q", o.Scope))
	}
	return o.Descend(ctx, loss, vars, nil)
}

// Descend is Minimize of the given variables, wherever they live (a projection optimizes w and
// a generator's noise maps), at learning rate rate, a scalar node (nil: o.LearningRate); the
// step count stays under "/optimizer<o.Scope>".
func (o Optimizer) Descend(ctx *context.Context, loss *Node, vars []*context.Variable, rate *Node) *Node {
	g := loss.Graph()
	if rate == nil {
		rate = Scalar(g, loss.DType(), o.LearningRate)
	}
	values := make([]*Node, len(vars))
	for i, v := range vars {
		values[i] = v.ValueGraph(g)
	}
	grads := Gradient(loss, values...)
	stateCtx := ctx.InAbsPath("/optimizer" + o.Scope).Checked(false).WithInitializer(initializers.Zero)
	stepVar := stateCtx.VariableWithShape("step", shapes.Make(loss.DType())).SetTrainable(false)
	step := AddScalar(stepVar.ValueGraph(g), 1)
	stepVar.SetValueGraph(step)
	var normSquare *Node
	for i, v := range vars {
		grad := ConvertDType(grads[i], v.DType())
		varStateCtx := ctx.InAbsPath(stateScope(v)).Checked(false).WithInitializer(initializers.Zero)
		o.apply(varStateCtx, v, values[i], grad, ConvertDType(step, v.DType()), ConvertDType(rate, v.DType()))
		term := ConvertDType(ReduceAllSum(Square(grads[i])), loss.DType())
		if normSquare == nil {
			normSquare = term
		} else {
			normSquare = Add(normSquare, term)
		}
	}
	return Sqrt(normSquare)
}

// stateScope is where v's optimizer state lives: "/optimizer<scope of v>/<name of v>".
func stateScope(v *context.Variable) string { return "/optimizer" + v.Scope() + "/" + v.Name() }

// State returns v's optimizer state in ctx: Adam's first moment (nil for RMSprop) and the second
// moment, both nil before o's first step on v.
func (o Optimizer) State(ctx *context.Context, v *context.Variable) (first, second *context.Variable) {
	if o.Algorithm == Adam {
		first = ctx.InspectVariable(stateScope(v), "first_moment")
	}
	return first, ctx.InspectVariable(stateScope(v), "second_moment")
}

// apply updates one variable given its gradient, the (1-based) step number and the learning rate.
func (o Optimizer) apply(stateCtx *context.Context, v *context.Variable, value, grad, step, rate *Node) {
	g := value.Graph()
	second := stateCtx.VariableWithShape("second_moment", v.Shape()).SetTrainable(false)
	secondValue := Add(MulScalar(second.ValueGraph(g), o.Beta2), MulScalar(Square(grad), 1-o.Beta2))
	second.SetValueGraph(secondValue)
	switch o.Algorithm {
	case Adam:
		first := stateCtx.VariableWithShape("first_moment", v.Shape()).SetTrainable(false)
		firstValue := Add(MulScalar(first.ValueGraph(g), o.Beta1), MulScalar(grad, 1-o.Beta1))
		first.SetValueGraph(firstValue)
		// Bias corrections 1 - beta^t (beta1 = 0 makes the first one 1).
		correct1 := OneMinus(Pow(Scalar(g, v.DType(), o.Beta1), step))
		correct2 := OneMinus(Pow(Scalar(g, v.DType(), o.Beta2), step))
		update := Div(Div(firstValue, correct1), AddScalar(Sqrt(Div(secondValue, correct2)), o.Epsilon))
		v.SetValueGraph(Sub(value, Mul(update, rate)))
	case RMSprop:
		update := Div(grad, AddScalar(Sqrt(secondValue), o.Epsilon))
		v.SetValueGraph(Sub(value, Mul(update, rate)))
	default:
		panic(errors.Errorf("train.Optimizer for scope %q: unknown algorithm %q: use %q or %q", o.Scope, o.Algorithm, Adam, RMSprop))
	}
}

// LazyCorrected returns o adjusted for a regularizer applied every interval steps (StyleGAN2's
// lazy regularization): learning rate and betas raised to c = interval/(interval+1).
func (o Optimizer) LazyCorrected(interval int) Optimizer {
	c := float64(interval) / float64(interval+1)
	o.LearningRate *= c
	o.Beta1 = math.Pow(o.Beta1, c)
	o.Beta2 = math.Pow(o.Beta2, c)
	return o
}
