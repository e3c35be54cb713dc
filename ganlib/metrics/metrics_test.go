package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// constantImages is n images r x r x 1 of one value.
func constantImages(n, r int, value float32) *tensors.Tensor {
	flat := make([]float32, n*r*r)
	for i := range flat {
		flat[i] = value
	}
	return tensors.FromFlatDataAndDimensions(flat, n, r, r, 1)
}

// TestStability feeds the hook generators whose images at 4x4 and 8x8 move by known amounts
// between snapshots (and a new 16x16 output, as a growing model's new stage): the metric is the
// squared step at each resolution seen before, nothing at a resolution seen for the first time,
// and it continues across a resume from the state alone.
func TestStability(t *testing.T) {
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	ctx.SetParam(ParamStabilityLatents, 3)
	model := gan.Model{Name: "fake", LatentDim: 2}
	state := map[string][]byte{}
	snapshot := func(hook func(*train.SnapshotEvent) error, outputs ...*tensors.Tensor) map[string]float64 {
		t.Helper()
		e := &train.SnapshotEvent{Tick: &runs.Tick{}, Model: model, Seed: 1, State: state,
			Sample: func(z, _ *tensors.Tensor) ([]*tensors.Tensor, error) {
				if d := z.Shape().Dimensions; d[0] != 3 || d[1] != 2 {
					t.Errorf("latents %v, want [3 2] (stability_latents, latent size)", d)
				}
				return outputs, nil
			}}
		if err := hook(e); err != nil {
			t.Fatal(err)
		}
		return e.Tick.Metrics
	}
	hook := Stability(ctx)
	if m := snapshot(hook, constantImages(3, 4, 0), constantImages(3, 8, 1)); len(m) != 0 {
		t.Errorf("first snapshot: %v, want no values (nothing to compare with)", m)
	}
	m := snapshot(hook, constantImages(3, 4, 0.5), constantImages(3, 8, 0.9))
	if math.Abs(m["stability/4x4"]-0.25) > 1e-12 || math.Abs(m["stability/8x8"]-0.01) > 1e-7 || len(m) != 2 {
		t.Errorf("second snapshot: %v, want stability/4x4 0.25 and stability/8x8 0.01", m)
	}
	// A new hook (a resumed run) continues from the state the snapshot kept.
	m = snapshot(Stability(ctx), constantImages(3, 8, 0.6), constantImages(3, 16, 0))
	if math.Abs(m["stability/8x8"]-0.09) > 1e-7 || len(m) != 1 {
		t.Errorf("after a resume, with 8x8 and a new 16x16 output: %v, want only stability/8x8 0.09", m)
	}
}

func TestHooks(t *testing.T) {
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	if hooks, err := Hooks(ctx); err != nil || len(hooks) != 1 {
		t.Errorf("defaults: %d hooks, %v; want the stability metric", len(hooks), err)
	}
	ctx.SetParam(ParamMetrics, "")
	if hooks, err := Hooks(ctx); err != nil || len(hooks) != 0 {
		t.Errorf("metrics empty: %d hooks, %v", len(hooks), err)
	}
	ctx.SetParam(ParamMetrics, "stability, fid")
	if _, err := Hooks(ctx); err == nil || !strings.Contains(err.Error(), ParamMetrics) || !strings.Contains(err.Error(), "stability") {
		t.Errorf("an unknown metric: %v, want an error naming the setting and the metrics", err)
	}
	// The setting's help names every metric.
	for _, name := range Names() {
		if !strings.Contains(Settings[0].Help, name) {
			t.Errorf("%s's help %q does not name metric %s", ParamMetrics, Settings[0].Help, name)
		}
	}
}
