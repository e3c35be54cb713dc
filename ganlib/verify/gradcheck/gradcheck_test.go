package gradcheck

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// recorder is a testing.TB that records failures instead of failing, to test the checker itself.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func cube(xs []*Node) *Node { return Mul(Square(xs[0]), xs[0]) }

// zeroValue is x - StopGradient(x): zero in value, derivative one, second derivative zero.
func zeroValue(x *Node) *Node { return Sub(x, StopGradient(x)) }

// cubeFirstOrderOff is x^3 in value with first derivative 3x^2 + 2.
func cubeFirstOrderOff(xs []*Node) *Node {
	return Add(cube(xs), MulScalar(zeroValue(xs[0]), 2))
}

// cubeSecondOrderOff is x^3 in value with the right first derivative 3x^2, computed from a
// stopped x, so its second derivative is 0 instead of 6x.
func cubeSecondOrderOff(xs []*Node) *Node {
	x := xs[0]
	return Add(StopGradient(cube(xs)), Mul(zeroValue(x), StopGradient(MulScalar(Square(x), 3))))
}

func TestCheckAcceptsCorrectGradients(t *testing.T) {
	x := RandomInput(rand.New(rand.NewPCG(1, 2)), 3, 4)
	r := &recorder{TB: t}
	Check(r, PureGo(), cube, []*tensors.Tensor{x}, Options{})
	if len(r.failures) != 0 {
		t.Fatalf("x^3 gradients reported wrong: %v", r.failures)
	}
}

func TestCheckRejectsWrongFirstOrderGradient(t *testing.T) {
	x := RandomInput(rand.New(rand.NewPCG(1, 2)), 3, 4)
	r := &recorder{TB: t}
	Check(r, PureGo(), cubeFirstOrderOff, []*tensors.Tensor{x}, Options{FirstOrderOnly: true})
	if len(r.failures) == 0 {
		t.Fatal("a first derivative off by 2 was accepted")
	}
}

func TestCheckRejectsWrongSecondOrderGradient(t *testing.T) {
	x := RandomInput(rand.New(rand.NewPCG(3, 4)), 5)
	first := &recorder{TB: t}
	Check(first, PureGo(), cubeSecondOrderOff, []*tensors.Tensor{x}, Options{FirstOrderOnly: true})
	if len(first.failures) != 0 {
		t.Fatalf("correct first derivative rejected: %v", first.failures)
	}
	second := &recorder{TB: t}
	Check(second, PureGo(), cubeSecondOrderOff, []*tensors.Tensor{x}, Options{})
	if len(second.failures) == 0 {
		t.Fatal("a second derivative of 0 instead of 6x was accepted")
	}
}

func TestXLAConfig(t *testing.T) {
	for _, tc := range []struct {
		env, want string
		explicit  bool
	}{
		{"", DefaultXLAConfig, false},
		{"go", DefaultXLAConfig, false},
		{"xlabogus:x", DefaultXLAConfig, false},
		{"xla:cuda", "xla:cuda", true},
		{"xla:/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so", "xla:/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so", true},
	} {
		t.Setenv("GOMLX_BACKEND", tc.env)
		if got, explicit := XLAConfig(); got != tc.want || explicit != tc.explicit {
			t.Errorf("GOMLX_BACKEND=%q: XLAConfig() = %q, %v; want %q, %v", tc.env, got, explicit, tc.want, tc.explicit)
		}
	}
}

// TestCheckSameInputsOnEveryBackend: callers pass one set of inputs to Check for each backend of
// Backends; a tensor already fed to one backend must still work on the next.
func TestCheckSameInputsOnEveryBackend(t *testing.T) {
	x := RandomInput(rand.New(rand.NewPCG(5, 6)), 4)
	list := Backends(t)
	if len(list) < 2 {
		// A second pure-Go instance is a different backend instance all the same.
		list = append(list, engine.MustNew(engine.PureGoName))
	}
	// Bind x to the first backend, as a caller's own forward check would.
	MustNewExec(list[0], func(x *Node) *Node { return x }).MustExec(x)
	for _, backend := range list {
		r := &recorder{TB: t}
		Check(r, backend, cube, []*tensors.Tensor{x}, Options{})
		if len(r.failures) != 0 {
			t.Errorf("x^3 on %s: %v", backend.Name(), r.failures)
		}
	}
}
