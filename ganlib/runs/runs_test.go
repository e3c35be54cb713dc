package runs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestFileNamesAndListings(t *testing.T) {
	d := Open(t.TempDir())
	if got := filepath.Base(d.SnapshotPath(1008)); got != "snapshot-kimg000001.008.gob" {
		t.Errorf("snapshot name %s", got)
	}
	if got := filepath.Base(d.SamplesPath(512)); got != "samples-kimg000000.512.png" {
		t.Errorf("samples name %s", got)
	}
	if latest, err := d.LatestSnapshot(); err != nil || latest != "" {
		t.Errorf("an empty run's latest snapshot: %q, %v; want none", latest, err)
	}
	if latest, err := Open(filepath.Join(d.Path, "not-yet")).LatestSnapshot(); err != nil || latest != "" {
		t.Errorf("a run folder not made yet: %q, %v; want none", latest, err)
	}
	for _, name := range []string{"snapshot-kimg000002.000.gob", "snapshot-kimg000000.500.gob", "snapshot-kimgX.gob",
		"samples-kimg000000.500.png", "samples-kimg0000.25.png", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(d.Path, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snapshots, err := d.Snapshots()
	if err != nil || len(snapshots) != 2 || snapshots[0].Kimg != 0.5 || snapshots[1].Kimg != 2 {
		t.Errorf("snapshots %v, %v; want kimg 0.5 and 2 (the unparsable name left out)", snapshots, err)
	}
	samples, err := d.Samples()
	if err != nil || len(samples) != 2 || samples[0].Kimg != 0.25 || samples[1].Kimg != 0.5 {
		t.Errorf("samples %v, %v; want kimg 0.25 (an older name) and 0.5", samples, err)
	}
	if latest, err := d.LatestSnapshot(); err != nil || filepath.Base(latest) != "snapshot-kimg000002.000.gob" {
		t.Errorf("latest snapshot %q, %v", latest, err)
	}
}

func TestTicksRoundTripAndRunList(t *testing.T) {
	root := t.TempDir()
	d := Open(filepath.Join(root, "b-run"))
	want := []Tick{{Kimg: 0.5, Iterations: 32, Terms: map[string]float64{"d_loss": 1.5}}, {Kimg: 1, Terms: map[string]float64{"g_loss": -2}, SamplesPath: "x.png"}}
	for i := range want {
		if err := d.AppendTick(&want[i]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.Ticks()
	if err != nil || len(got) != 2 || got[0].Terms["d_loss"] != 1.5 || got[1].SamplesPath != "x.png" || got[0].Iterations != 32 {
		t.Fatalf("ticks %+v, %v; want what was appended", got, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "a-not-a-run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if dirs, err := List(root); err != nil || len(dirs) != 1 || dirs[0] != d {
		t.Errorf("runs under %s: %v, %v; want only %s", root, dirs, err, d.Path)
	}
	f, err := os.OpenFile(filepath.Join(d.Path, statsName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{truncated\n")
	f.Close()
	if _, err := d.Ticks(); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a damaged stats.jsonl: error %v, want one naming line 3", err)
	}
}

// TestSnapshotRoundTrip: variables and progress survive a snapshot file; a variable whose shape
// changed is refused with its name.
func TestSnapshotRoundTrip(t *testing.T) {
	d := Open(t.TempDir())
	ctx := context.New()
	ctx.InAbsPath("/generator/layer").VariableWithValue("weights", []float32{1, 2, 3})
	ctx.InAbsPath("/optimizer/generator").VariableWithValue("step", float32(7)).SetTrainable(false)
	vars, err := CaptureVariables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path, err := d.WriteSnapshot(&Snapshot{Progress: Progress{Shown: 2048, Iterations: 128}, Variables: vars, Params: CaptureParams(ctx)})
	if err != nil || path != d.SnapshotPath(2048) {
		t.Fatalf("written to %s, %v", path, err)
	}
	s, err := ReadSnapshot(path)
	if err != nil || s.Progress.Kimg() != 2.048 || s.Progress.Iterations != 128 {
		t.Fatalf("read back %+v, %v", s, err)
	}
	restored := context.New()
	if err := RestoreVariables(restored, s.Variables); err != nil {
		t.Fatal(err)
	}
	w := restored.InspectVariable("/generator/layer", "weights")
	if w == nil || !w.Trainable || tensors.MustCopyFlatData[float32](w.MustValue())[2] != 3 {
		t.Errorf("restored weights %v: want trainable [1 2 3]", w)
	}
	if step := restored.InspectVariable("/optimizer/generator", "step"); step == nil || step.Trainable {
		t.Errorf("restored optimizer step %v: want state, not trainable", step)
	}
	other := context.New()
	other.InAbsPath("/generator/layer").VariableWithValue("weights", []float32{1, 2})
	if err := RestoreVariables(other, s.Variables); err == nil || !strings.Contains(err.Error(), "/generator/layer/weights") {
		t.Errorf("a shape change: error %v, want one naming the variable", err)
	}
	if err := os.WriteFile(path, []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSnapshot(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged snapshot: error %v, want one naming the file", err)
	}
}
