package gan

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

var table = Settings{
	{Key: "size", Default: 4, Help: "a size"},
	{Key: "rate", Default: 0.5, Help: "a rate"},
}

func TestSettings(t *testing.T) {
	ctx := context.New()
	if got := Get[int](ctx, table, "size"); got != 4 {
		t.Errorf("default size %d, want 4", got)
	}
	ctx.SetParam("rate", 0.25)
	if got := Get[float64](ctx, table, "rate"); got != 0.25 {
		t.Errorf("rate %g, want the context's 0.25", got)
	}
	if d := table.Defaults(); len(d) != 2 || d["size"] != 4 {
		t.Errorf("defaults %v", d)
	}
	for _, bad := range []func(){
		func() { Get[int](ctx, table, "missing") },
		func() { Get[string](ctx, table, "size") },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Error("a key outside the table, or read as another type, did not panic")
				}
			}()
			bad()
		}()
	}
}

func TestFamilyPresets(t *testing.T) {
	f := Family{Name: "toy", Settings: table, Presets: []Preset{
		{Name: "small", Settings: map[string]any{"size": 2, "rate": 0.1, "loss": "ns"}},
		{Name: "large", Settings: map[string]any{"size": 64}},
	}}
	if p, err := f.Preset(""); err != nil || p.Name != "small" {
		t.Errorf(`Preset("") = %v, %v; want the first`, p.Name, err)
	}
	if _, err := f.Preset("huge"); err == nil || !strings.Contains(err.Error(), "small, large") {
		t.Errorf("unknown preset: %v, want the list", err)
	}
	p, _ := f.Preset("small")
	if got := p.Describe(table); got != "size=2 rate=0.1 loss=ns" {
		t.Errorf("described as %q: want the table's keys in its order, then the rest", got)
	}
}

func TestModelValidateAndStage(t *testing.T) {
	m := Model{Name: "toy", Resolution: 8, Channels: 1, LatentDim: 4,
		Generator:     func(*context.Context, *Node, *Node) []*Node { return nil },
		Discriminator: func(*context.Context, []*Node, *Node) *Node { return nil },
		RealInputs:    func(_ *context.Context, x *Node) []*Node { return []*Node{x} }}
	if err := m.Validate(); err != nil {
		t.Errorf("a complete model: %v", err)
	}
	if s := m.StageAt(3); s.Key != "" || s.Alpha != 1 {
		t.Errorf("no growing: stage %+v, want key \"\" and alpha 1", s)
	}
	m.Stage = func(kimg float64) Stage { return Stage{Key: "8x8", Alpha: kimg / 10} }
	if s := m.StageAt(3); s.Key != "8x8" || s.Alpha != 0.3 {
		t.Errorf("growing: stage %+v", s)
	}
	for name, broken := range map[string]Model{
		"no discriminator": {Name: "x", Resolution: 8, Channels: 1, LatentDim: 4, Generator: m.Generator, RealInputs: m.RealInputs},
		"no latents":       {Name: "x", Resolution: 8, Channels: 1, Generator: m.Generator, Discriminator: m.Discriminator, RealInputs: m.RealInputs},
		"half a style split": {Name: "x", Resolution: 8, Channels: 1, LatentDim: 4, Generator: m.Generator, Discriminator: m.Discriminator,
			RealInputs: m.RealInputs, Mapping: func(*context.Context, *Node, *Node) *Node { return nil }},
	} {
		if err := broken.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
