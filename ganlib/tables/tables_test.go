package tables

import (
	"testing"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/train"
)

// TestEveryKeyOnce: no two tables define the same key (a context would keep only one default),
// and Context knows a key of each table, refusing one of none.
func TestEveryKeyOnce(t *testing.T) {
	owner := map[string]string{}
	for _, table := range All() {
		for _, s := range table.Settings {
			if other, seen := owner[s.Key]; seen {
				t.Errorf("key %q in both %q and %q", s.Key, other, table.Title)
			}
			owner[s.Key] = table.Title
		}
	}
	ctx, err := Context(map[string]any{train.ParamKimg: 3.0, datasets.ParamDataset: "mnist", render.ParamSampleLatents: 4,
		metrics.ParamMetrics: "", "model": "msggan", "loss": "ns"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := ctx.GetParam(train.ParamKimg); v != 3.0 {
		t.Errorf("kimg %v, want 3", v)
	}
	if _, err := Context(map[string]any{"no_such_setting": 1}); err == nil {
		t.Error("an unknown key was accepted")
	}
}
