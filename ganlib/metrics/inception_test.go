package metrics

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// repoPath is a path from the repository root (tests run in the package's folder).
func repoPath(p string) string { return filepath.Join("..", "..", p) }

// TestInceptionMatchesTFJS: our forward pass of nsfwjs's InceptionV3 up to mixed5, on the fixed
// test image, matches @tensorflow/tfjs's run of the same model (the set-up's reference file),
// channel by channel after mean pooling, within float32 rounding.
func TestInceptionMatchesTFJS(t *testing.T) {
	m, err := ReadKerasModel(repoPath(InceptionWeightsPath))
	if err != nil {
		t.Skipf("InceptionV3 not installed: %v", err)
	}
	data, err := os.ReadFile(repoPath(filepath.Join(filepath.Dir(InceptionWeightsPath), "reference-mixed5.json")))
	if err != nil {
		t.Skipf("InceptionV3 not installed: %v (run %s)", err, InceptionSetup)
	}
	var ref struct {
		Features []float64 `json:"features"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(m.Weights) != 382 || len(m.Layers) != 318 {
		t.Errorf("%s", m)
	}
	input := make([]float32, 299*299*3)
	for i := range input {
		input[i] = float32(math.Sin(float64(i)*0.0007) * math.Cos(float64(i)*0.00013))
	}
	backend := engine.MustNew("go")
	defer backend.Finalize()
	var buildErr error
	out := MustNewExec(backend, func(x *Node) *Node {
		y, err := m.Forward(x, "mixed5")
		if err != nil {
			buildErr = err
			return x
		}
		return ReduceMean(y, 1, 2)
	}).MustExec(tensors.FromFlatDataAndDimensions(input, 1, 299, 299, 3))[0]
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	got := tensors.MustCopyFlatData[float32](out)
	if len(got) != len(ref.Features) || len(got) != 768 {
		t.Fatalf("%d features, tfjs %d, want 768", len(got), len(ref.Features))
	}
	scale := 0.0
	for _, v := range ref.Features {
		scale = max(scale, math.Abs(v))
	}
	worst, at := 0.0, 0
	for i, v := range got {
		if d := math.Abs(float64(v) - ref.Features[i]); d > worst {
			worst, at = d, i
		}
	}
	t.Logf("largest difference %.3g at channel %d (tfjs %.6g, ours %.6g), largest feature %.3g", worst, at, ref.Features[at], got[at], scale)
	if worst > 1e-4*scale {
		t.Errorf("mixed5 channel %d: ours %.6g, tfjs %.6g (largest |feature| %.3g)", at, got[at], ref.Features[at], scale)
	}
}

// TestInceptionFDOrdersImages: the Fréchet distance with the nsfwinception extractor is far
// smaller for real test digits than for noise (against training digits), and IS is refused for
// it. Few images: InceptionV3 at 299x299 runs at a few images/s on 2 cores.
func TestInceptionFDOrdersImages(t *testing.T) {
	if _, err := os.Stat(repoPath(InceptionWeightsPath)); err != nil {
		t.Skipf("InceptionV3 not installed: %v (run %s)", err, InceptionSetup)
	}
	const n = 4
	digits := mnistImages(t, n)
	noise := make([]float32, len(digits))
	for i := range noise {
		noise[i] = float32(math.Sin(float64(i) * 12.9898))
	}
	ctx := qualityContext(t, t.TempDir())
	ctx.SetParam(ParamInceptionWeights, repoPath(InceptionWeightsPath))
	ctx.SetParam(ParamFDBootstrap, 0) // 768-d eigendecompositions take seconds each
	backend := engine.MustNew("go")
	defer backend.Finalize()
	values := map[string]map[string]float64{}
	for _, kind := range []string{"fd"} {
		m, err := Lookup(kind + "4-nsfwinception")
		if err != nil {
			t.Fatal(err)
		}
		hook := m.Hook(ctx)
		for name, images := range map[string][]float32{"real": digits, "noise": noise} {
			e := fakeSnapshot(t, backend, images)
			if err := hook(e); err != nil {
				t.Fatalf("%s on %s: %v", m.Name, name, err)
			}
			if values[name] == nil {
				values[name] = map[string]float64{}
			}
			values[name][kind] = e.Tick.Metrics[m.Name]
		}
	}
	t.Logf("%v", values)
	if !(values["real"]["fd"] < values["noise"]["fd"]/10) {
		t.Errorf("FD of real digits %g, of noise %g: want the first far below", values["real"]["fd"], values["noise"]["fd"])
	}
	m, _ := Lookup("is4-nsfwinception")
	if err := m.Hook(ctx)(fakeSnapshot(t, backend, digits)); err == nil || !strings.Contains(err.Error(), "needs the ImageNet classifier head") {
		t.Errorf("IS with nsfwinception: %v", err)
	}
}

// writeKerasH5 writes weights to path as a Keras weights file lays them out
// (/layer/layer/name:0), with /model_weights-style extras Keras adds left out, using h5py.
func writeKerasH5(t *testing.T, path string, weights map[string]*tensors.Tensor) {
	t.Helper()
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'w')\nf.attrs['backend'] = 'tensorflow'\n")
	i := 0
	for name, w := range weights {
		raw := filepath.Join(dir, fmt.Sprintf("%d.f32", i))
		values := tensors.MustCopyFlatData[float32](w)
		buf := make([]byte, 4*len(values))
		for k, v := range values {
			binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
		}
		if err := os.WriteFile(raw, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		layer, param, _ := strings.Cut(name, "/")
		fmt.Fprintf(&script, "f.create_dataset('%s/%s/%s:0', data=np.fromfile('%s', dtype='<f4').reshape(%s))\n",
			layer, layer, param, raw, pythonShape(w.Shape().Dimensions))
		i++
	}
	script.WriteString("f.close()\n")
	python := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		python = "/usr/bin/python3" // Debian's, where apt-get install python3-h5py puts h5py
	}
	cmd := exec.Command(python, "-c", script.String(), path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("writing an HDF5 file needs python3 with h5py (apt-get install python3-h5py): %v\n%s", err, out)
	}
}

func pythonShape(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ",)"
}

// TestImageNetInceptionReadsKerasH5: a Keras weights file written with the converted model's
// weights, read through h5dump, gives an inception extractor whose mixed10 features equal those
// of the converted model exactly (every weight found under its layer's name); a missing
// weights setting names the setting and the other extractor.
func TestImageNetInceptionReadsKerasH5(t *testing.T) {
	m, err := ReadKerasModel(repoPath(InceptionWeightsPath))
	if err != nil {
		t.Skipf("InceptionV3 not installed: %v", err)
	}
	h5 := filepath.Join(t.TempDir(), "weights.h5")
	writeKerasH5(t, h5, m.Weights)
	backend := engine.MustNew("go")
	defer backend.Finalize()
	x, err := NewImageNetInception(backend, h5, repoPath(InceptionWeightsPath))
	if err != nil {
		t.Fatal(err)
	}
	if len(x.model.Weights) != len(m.Weights) || x.FeatureDim() != 2048 || x.Name() != ExtractorInception {
		t.Fatalf("%d weights read of %d, dim %d, name %s", len(x.model.Weights), len(m.Weights), x.FeatureDim(), x.Name())
	}
	reference := &Inception{model: m, backend: backend, execs: map[[3]int]*Exec{}, output: "mixed10", dim: 2048, name: "reference"}
	images := tensors.FromFlatDataAndDimensions(mnistImages(t, 2), 2, 32, 32, 1)
	got, _, err := x.Extract(images)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := reference.Extract(images)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("feature %d: %g from the .h5, %g from the converted weights", i, got[i], want[i])
		}
	}
	ctx := qualityContext(t, t.TempDir())
	if _, err := extractorFor(Protocol{Kind: KindFD, Samples: 10, Extractor: ExtractorInception}, ctx, backend, t.Logf); err == nil ||
		!strings.Contains(err.Error(), "set metrics_inception_h5") || !strings.Contains(err.Error(), "fd10-nsfwinception") {
		t.Errorf("no .h5 given: %v", err)
	}
}
