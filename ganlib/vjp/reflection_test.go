package vjp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/vjp"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestVJPReflection pins the GoMLX internals the Pad and Reverse gradients read by reflection: if
// an upgrade renames or reshapes them, this fails with a clear message instead of the gradients
// silently misreading their parameters.
func TestVJPReflection(t *testing.T) {
	backend, err := engine.New(engine.PureGoName)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(backend, "reflection")
	defer g.Finalize()
	x := Parameter(g, "x", shapes.Make(dtypes.Float64, 3, 4, 2))

	cfg := []backends.PadAxis{{Start: 1, End: -1, Interior: 2}, {Start: -2, End: 3}}
	if got := vjp.PadAxes(Pad(x, ScalarZero(g, dtypes.Float64), cfg...)); !slices.Equal(got, cfg) {
		t.Errorf("padAxes read %+v, want %+v", got, cfg)
	}
	if got := vjp.ReverseAxes(Reverse(x, 2, 0)); !slices.Equal(got, []int{2, 0}) {
		t.Errorf("reverseAxes read %v, want [2 0]", got)
	}

	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, `"noSuchField"`) || !strings.Contains(msg, "GoMLX version changed?") {
			t.Errorf("reading a missing parameter: panic %q should name it and point at the GoMLX version", msg)
		}
	}()
	vjp.NodeParams(Reverse(x, 1), "noSuchField")
}
