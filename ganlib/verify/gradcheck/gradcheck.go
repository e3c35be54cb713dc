// Package gradcheck verifies automatic first- and second-order gradients against central finite
// differences computed in float64, and lists the backends tests should run on.
//
// For a graph function f and inputs x, it checks
//
//	L(x) = sum(f(x) * p)            first order:  dL/dx_i (autodiff) vs (L(x+h e_i) - L(x-h e_i)) / 2h
//	G(x) = sum_j sum(dL/dx_j * q_j) second order: dG/dx_i (autodiff of autodiff) vs finite differences of G
//
// where p and q_j are fixed, non-constant weightings, so every output and every gradient
// component matters. G is exactly the shape of a gradient penalty (a function of the gradient).
package gradcheck

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Options control a check; zero values take the defaults.
type Options struct {
	// Step is the finite-difference step h (default 1e-5).
	Step float64
	// RelTol and AbsTol bound |autodiff - finite difference| <= AbsTol + RelTol*scale, where scale is
	// the largest magnitude among the compared gradient components (defaults 1e-6 and 1e-9).
	RelTol, AbsTol float64
	// MaxElements caps the number of input elements perturbed per input (default 64): larger inputs
	// are checked on a deterministic random subset.
	MaxElements int
	// FirstOrderOnly skips the second-order check.
	FirstOrderOnly bool
	// Context, when fn builds layers that read their weights from it, runs fn in a context.Exec
	// over those variables (created beforehand); the weights are constants of the check.
	Context *context.Context
}

func (o Options) withDefaults() Options {
	if o.Step == 0 {
		o.Step = 1e-5
	}
	if o.RelTol == 0 {
		o.RelTol = 1e-6
	}
	if o.AbsTol == 0 {
		o.AbsTol = 1e-9
	}
	if o.MaxElements == 0 {
		o.MaxElements = 64
	}
	return o
}

// RandomInput returns a float64 tensor of the given shape with values uniform in [-1, 1).
func RandomInput(rng *rand.Rand, dims ...int) *tensors.Tensor {
	t := tensors.FromShape(shapeF64(dims))
	tensors.MutableFlatData(t, func(flat []float64) {
		for i := range flat {
			flat[i] = 2*rng.Float64() - 1
		}
	})
	return t
}

// weighting returns a fixed, non-constant tensor shaped like x: cos(a*i + b) over flat index i.
func weighting(x *Node, a, b float64) *Node {
	g := x.Graph()
	flat := Iota(g, shapeOf(x.DType(), x.Shape().Size()), 0)
	w := Cos(AddScalar(MulScalar(flat, a), b))
	return Reshape(w, x.Shape().Dimensions...)
}

// firstOrder builds L(x) = sum(f(x) * p).
func firstOrder(fn func([]*Node) *Node, inputs []*Node) *Node {
	out := fn(inputs)
	return ReduceAllSum(Mul(out, weighting(out, 0.7, 0.3)))
}

// secondOrder builds G(x) = sum_j sum(dL/dx_j * q_j).
func secondOrder(fn func([]*Node) *Node, inputs []*Node) *Node {
	grads := Gradient(firstOrder(fn, inputs), inputs...)
	var total *Node
	for j, grad := range grads {
		term := ReduceAllSum(Mul(grad, weighting(grad, 1.3, 0.1+float64(j))))
		if total == nil {
			total = term
		} else {
			total = Add(total, term)
		}
	}
	return total
}

// Check verifies gradients of fn at the given float64 inputs on backend, failing t with the
// first mismatching components.
func Check(t testing.TB, backend backends.Backend, fn func([]*Node) *Node, inputs []*tensors.Tensor, opts Options) {
	t.Helper()
	opts = opts.withDefaults()
	// Callers check the same inputs on every backend of Backends, but GoMLX binds a tensor to the
	// first backend it is fed to and panics when another backend gets it: run on host copies.
	inputs = hostCopies(t, inputs)
	orders := []struct {
		name  string
		build func(func([]*Node) *Node, []*Node) *Node
	}{{"first-order", firstOrder}, {"second-order", secondOrder}}
	if opts.FirstOrderOnly {
		orders = orders[:1]
	}
	for _, order := range orders {
		value := newExec(backend, opts.Context, func(xs []*Node) []*Node { return []*Node{order.build(fn, xs)} })
		withGrad := newExec(backend, opts.Context, func(xs []*Node) []*Node {
			scalar := order.build(fn, xs)
			return Gradient(scalar, xs...)
		})
		args := make([]any, len(inputs))
		for i, x := range inputs {
			args[i] = x
		}
		grads := withGrad.MustExec(args...)
		rng := rand.New(rand.NewPCG(7, uint64(len(inputs))))
		for inputIdx, x := range inputs {
			autodiff := tensors.MustCopyFlatData[float64](grads[inputIdx])
			base := tensors.MustCopyFlatData[float64](x)
			indices := sampleIndices(rng, len(base), opts.MaxElements)
			numeric := make([]float64, len(indices))
			scale := 0.0
			for k, idx := range indices {
				numeric[k] = centralDifference(value, args, inputIdx, x, base, idx, opts.Step)
				scale = max(scale, math.Abs(numeric[k]), math.Abs(autodiff[idx]))
			}
			failures := 0
			for k, idx := range indices {
				diff := math.Abs(autodiff[idx] - numeric[k])
				if diff > opts.AbsTol+opts.RelTol*scale {
					failures++
					if failures <= 5 {
						t.Errorf("%s on %s: input #%d %s element %d: autodiff %.10g, finite difference %.10g (|diff| %.3g, scale %.3g)",
							order.name, backend.Name(), inputIdx, x.Shape(), idx, autodiff[idx], numeric[k], diff, scale)
					}
				}
			}
			if failures > 0 {
				t.Errorf("%s on %s: input #%d: %d of %d checked components differ", order.name, backend.Name(), inputIdx, failures, len(indices))
			}
			if scale == 0 {
				t.Errorf("%s on %s: input #%d: all checked gradient components are zero, the check proves nothing", order.name, backend.Name(), inputIdx)
			}
		}
		value.Finalize()
		withGrad.Finalize()
	}
}

// executable is what Check runs: a graph.Exec, or a context.Exec for functions of a context.
type executable interface {
	MustExec(args ...any) []*tensors.Tensor
	Finalize()
}

func newExec(backend backends.Backend, ctx *context.Context, fn func(xs []*Node) []*Node) executable {
	if ctx == nil {
		return MustNewExec(backend, fn)
	}
	return context.MustNewExec(backend, ctx, func(_ *context.Context, xs []*Node) []*Node { return fn(xs) })
}

// hostCopies returns copies of xs in host memory, bound to no backend.
func hostCopies(t testing.TB, xs []*tensors.Tensor) []*tensors.Tensor {
	t.Helper()
	copies := make([]*tensors.Tensor, len(xs))
	for i, x := range xs {
		var err error
		if copies[i], err = x.LocalClone(); err != nil {
			t.Fatalf("gradcheck: copying input #%d %s: %v", i, x.Shape(), err)
		}
	}
	return copies
}

// centralDifference evaluates (f(x + h e_idx) - f(x - h e_idx)) / 2h for input inputIdx.
func centralDifference(exec executable, args []any, inputIdx int, x *tensors.Tensor, base []float64, idx int, h float64) float64 {
	eval := func(delta float64) float64 {
		perturbed := append([]float64(nil), base...)
		perturbed[idx] += delta
		shifted := append([]any(nil), args...)
		shifted[inputIdx] = tensors.FromFlatDataAndDimensions(perturbed, x.Shape().Dimensions...)
		return tensors.ToScalar[float64](exec.MustExec(shifted...)[0])
	}
	return (eval(h) - eval(-h)) / (2 * h)
}

// sampleIndices returns all indices below n, or a deterministic random subset of max of them.
func sampleIndices(rng *rand.Rand, n, limit int) []int {
	if n <= limit {
		indices := make([]int, n)
		for i := range indices {
			indices[i] = i
		}
		return indices
	}
	return rng.Perm(n)[:limit]
}

var (
	xlaOnce    sync.Once
	xlaBackend backends.Backend
	xlaReason  error
)

// DefaultXLAConfig is the XLA backend tests add to pure Go when GOMLX_BACKEND names none.
const DefaultXLAConfig = "xla:cpu"

// XLAConfig returns the XLA backend config tests run on besides pure Go, and whether it was
// asked for explicitly: $GOMLX_BACKEND when it names an XLA config (how a GPU machine points
// prebuilt test binaries at its CUDA plugin, see scripts/gpu-check.sh), else DefaultXLAConfig.
func XLAConfig() (config string, explicit bool) {
	env := os.Getenv(backends.ConfigEnvVar)
	if name, _, _ := strings.Cut(env, ":"); name == "xla" {
		return env, true
	}
	return DefaultXLAConfig, false
}

// RequireDepsEnv, set to 1 by the test command (scripts/test.sh), makes every optional test
// dependency required: where a test would skip XLA, a data set or a notebook tool, it fails.
const RequireDepsEnv = "GOGAN_REQUIRE_DEPS"

// RequireDeps reports whether RequireDepsEnv is set to 1.
func RequireDeps() bool { return os.Getenv(RequireDepsEnv) == "1" }

// Backends returns the backends a backend-agnostic test runs on: the pure-Go default always, and
// XLA (see XLAConfig) when its PJRT plugin loads. A missing XLA CPU plugin only skips XLA, with
// the reason in the test log, unless RequireDeps (the test command), where it fails the test; an
// XLA backend named in GOMLX_BACKEND that fails to load fails the test, so a run meant for XLA
// (a GPU check) cannot pass on pure Go alone.
func Backends(t testing.TB) []backends.Backend {
	t.Helper()
	list := []backends.Backend{PureGo()}
	config, explicit := XLAConfig()
	xlaOnce.Do(func() { xlaBackend, xlaReason = engine.New(config) })
	switch {
	case xlaReason != nil && explicit:
		t.Fatalf("%s=%s: %v", backends.ConfigEnvVar, config, xlaReason)
	case xlaReason != nil && RequireDeps():
		t.Fatalf("%s=1 (the test command) needs XLA (%s) beside pure Go: %v; bash scripts/setup-xla.sh installs the CPU plugin into .xla/cpu",
			RequireDepsEnv, config, firstLine(xlaReason.Error()))
	case xlaReason != nil:
		t.Logf("skipping XLA: %v", firstLine(xlaReason.Error()))
	default:
		list = append(list, xlaBackend)
	}
	return list
}

// XLA returns the XLA backend of Backends, for tests that compare XLA with pure Go, or skips t
// saying why when no XLA plugin loads.
func XLA(t testing.TB) backends.Backend {
	t.Helper()
	list := Backends(t)
	if len(list) < 2 {
		config, _ := XLAConfig()
		t.Skipf("no XLA backend to compare with pure Go (%s: %v); bash scripts/setup-xla.sh installs the CPU plugin into .xla/cpu, where bash scripts/test.sh finds it",
			config, firstLine(xlaReason.Error()))
	}
	return list[1]
}

// PureGo returns the shared pure-Go backend used by tests.
var PureGo = sync.OnceValue(func() backends.Backend { return engine.MustNew(engine.PureGoName) })

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// ForEachBackend runs body as a subtest on each backend of Backends.
func ForEachBackend(t *testing.T, body func(t *testing.T, backend backends.Backend)) {
	for _, backend := range Backends(t) {
		t.Run(backend.Name(), func(t *testing.T) { body(t, backend) })
	}
}
