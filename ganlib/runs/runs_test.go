package runs

import (
	"bytes"
	"encoding/gob"
	"math"
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
	if latest, _, err := d.LatestSnapshot(); err != nil || latest != "" {
		t.Errorf("an empty run's latest snapshot: %q, %v; want none", latest, err)
	}
	if latest, _, err := Open(filepath.Join(d.Path, "not-yet")).LatestSnapshot(); err != nil || latest != "" {
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
	// Empty files are not snapshots: none of them reads back.
	if latest, damaged, err := d.LatestSnapshot(); err != nil || latest != "" || len(damaged) != 2 {
		t.Errorf("latest snapshot %q, damaged %v, %v; want none, both damaged", latest, damaged, err)
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

// TestNumberedRunFolders: each new run gets the next number under the root, whatever other
// runs' names are; a folder that is not a numbered run is left out.
func TestNumberedRunFolders(t *testing.T) {
	root := t.TempDir()
	if _, ok, err := Newest(root); ok || err != nil {
		t.Errorf("an empty root has a newest run (%v)", err)
	}
	os.Mkdir(filepath.Join(root, "notes"), 0o755)
	a, err := New(root, "msggan-mnist")
	if err != nil || filepath.Base(a.Path) != "00000-msggan-mnist" {
		t.Fatalf("first run %s, %v", a.Path, err)
	}
	os.Mkdir(filepath.Join(root, "00007-by-hand"), 0o755)
	b, err := New(root, "msggan-mnist")
	if err != nil || filepath.Base(b.Path) != "00008-msggan-mnist" {
		t.Fatalf("next run %s, %v; want 00008 after 00007", b.Path, err)
	}
	if newest, ok, err := Newest(root); !ok || err != nil || newest != b {
		t.Errorf("newest %v, %v, %v; want %s", newest, ok, err, b.Path)
	}
	if a.HoldsRun() {
		t.Error("a new run folder already holds a run")
	}
	a.AppendTick(&Tick{Kimg: 0.5})
	if !a.HoldsRun() {
		t.Error("a folder with stats.jsonl does not hold a run")
	}
}

func writeTestSnapshot(t *testing.T, d Dir, shown int64, values []float32) string {
	t.Helper()
	ctx := context.New()
	ctx.InAbsPath("/optimizer/generator/layer/weights").VariableWithValue("second_moment", values).SetTrainable(false)
	vars, err := CaptureVariables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path, err := d.WriteSnapshot(&Snapshot{Progress: Progress{Shown: shown}, Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSnapshotChecksum: a flipped bit anywhere in a snapshot (here in an optimizer moment) is
// refused, naming the file; the newest valid snapshot is then the previous one; a snapshot of
// non-finite values is never written; the format before checksums still reads, unverified.
func TestSnapshotChecksum(t *testing.T) {
	d := Open(t.TempDir())
	first := writeTestSnapshot(t, d, 1000, []float32{1, 2, 3})
	second := writeTestSnapshot(t, d, 2000, []float32{4, 5, 6})
	if s, err := ReadSnapshot(second); err != nil || !s.Verified() {
		t.Fatalf("a whole snapshot: %v (verified %v)", err, s != nil && s.Verified())
	}
	data, _ := os.ReadFile(second)
	data[len(data)-40] ^= 0x04 // inside the gob payload
	os.WriteFile(second, data, 0o644)
	if _, err := ReadSnapshot(second); err == nil || !strings.Contains(err.Error(), second) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("a flipped bit: error %v, want one naming the file and its checksum", err)
	}
	os.WriteFile(second, data[:len(data)/2], 0o644)
	if _, err := ReadSnapshot(second); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("a truncated snapshot: error %v", err)
	}
	latest, damaged, err := d.LatestSnapshot()
	if err != nil || latest != first || len(damaged) != 1 || !strings.Contains(damaged[0].Error(), second) {
		t.Errorf("latest %q, damaged %v, %v; want %s with the damaged one reported", latest, damaged, err, first)
	}
	ctx := context.New()
	ctx.InAbsPath("/generator").VariableWithValue("w", []float32{1, float32(math.NaN())})
	vars, _ := CaptureVariables(ctx)
	if _, err := d.WriteSnapshot(&Snapshot{Progress: Progress{Shown: 3000}, Variables: vars}); err == nil || !strings.Contains(err.Error(), "/generator/w") {
		t.Errorf("a NaN weight: error %v, want the snapshot refused naming the variable", err)
	}
	if _, err := os.Stat(d.SnapshotPath(3000)); !os.IsNotExist(err) {
		t.Error("a snapshot of NaN weights was written")
	}
	// The format before checksums: the gob alone.
	var legacy bytes.Buffer
	gob.NewEncoder(&legacy).Encode(&Snapshot{Progress: Progress{Shown: 500}})
	old := filepath.Join(d.Path, "snapshot-kimg000000.500.gob")
	os.WriteFile(old, legacy.Bytes(), 0o644)
	if s, err := ReadSnapshot(old); err != nil || s.Verified() || s.Progress.Shown != 500 {
		t.Errorf("an old snapshot: %+v, %v; want it read, unverified", s, err)
	}
}

// TestTruncateTicks: a resumed run drops the ticks past its snapshot, and a last line cut short
// by a kill.
func TestTruncateTicks(t *testing.T) {
	d := Open(t.TempDir())
	for _, kimg := range []float64{0.5, 1, 1.5, 2} {
		d.AppendTick(&Tick{Kimg: kimg, Terms: map[string]float64{"d_loss": kimg}})
	}
	f, _ := os.OpenFile(filepath.Join(d.Path, statsName), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kimg":2.5,"ter`)
	f.Close()
	if err := d.TruncateTicks(1000); err != nil {
		t.Fatal(err)
	}
	ticks, err := d.Ticks()
	if err != nil || len(ticks) != 2 || ticks[1].Kimg != 1 {
		t.Errorf("after truncating to kimg 1: %+v, %v", ticks, err)
	}
	if err := Open(filepath.Join(d.Path, "fresh")).TruncateTicks(0); err != nil {
		t.Errorf("a run without stats: %v", err)
	}
}
