package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestParseProtocol(t *testing.T) {
	for name, want := range map[string]Protocol{
		"fd10k-classifier":          {Kind: KindFD, Samples: 10000, Extractor: ExtractorClassifier},
		"kid50k-classifier":         {Kind: KindKID, Samples: 50000, Extractor: ExtractorClassifier},
		"is500-classifier":          {Kind: KindIS, Samples: 500, Extractor: ExtractorClassifier},
		"pr2k-classifier":           {Kind: KindPR, Samples: 2000, Extractor: ExtractorClassifier},
		"pplw10k-classifier":        {Kind: KindPPLW, Samples: 10000, Extractor: ExtractorClassifier},
		"pplz500-classifier":        {Kind: KindPPLZ, Samples: 500, Extractor: ExtractorClassifier},
		"fd10k-nsfwinceptionpool":   {Kind: KindFD, Samples: 10000, Extractor: ExtractorNSFWInceptionPool},
		"ifd10k-classifier":         {Kind: KindIntraFD, Samples: 10000, Extractor: ExtractorClassifier},
		"acc2k-classifier":          {Kind: KindAccuracy, Samples: 2000, Extractor: ExtractorClassifier},
		"is10k-classifier-trunc0.5": {Kind: KindIS, Samples: 10000, Extractor: ExtractorClassifier, Truncation: 0.5},
		"fd500-classifier-trunc2":   {Kind: KindFD, Samples: 500, Extractor: ExtractorClassifier, Truncation: 2},
	} {
		p, err := ParseProtocol(name)
		if err != nil || p != want || p.String() != name {
			t.Errorf("%s: %+v (%q), %v; want %+v", name, p, p.String(), err, want)
		}
	}
	for name, want := range map[string]string{
		"fd10k-vgg16":                 `no feature extractor "vgg16"; the extractors are classifier, nsfwinception, nsfwinceptionpool, inception`,
		"fdx-classifier":              `the sample count "x" is not a positive number`,
		"kid0k-classifier":            `the sample count "0k"`,
		"fd10k":                       "want <kind><samples>-<extractor>",
		"pplw10k-classifier-trunc0.5": "truncation applies to fd, kid, is, pr, measured on generated images; drop -trunc0.5",
		"acc2k-classifier-trunc1":     "truncation applies to",
		"fd10k-classifier-trunc0":     `the truncation threshold "0" is not a positive number`,
		"fd10k-classifier-truncx":     `the truncation threshold "x"`,
	} {
		if _, err := ParseProtocol(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", name, err, want)
		}
	}
	if m, err := Lookup("ppl-w"); err != nil || m.Name != "pplw10k-classifier" {
		t.Errorf("ppl-w: %+v, %v", m.Name, err)
	}
	if _, err := Lookup("fid"); err == nil || !strings.Contains(err.Error(), `no metric "fid"; the metrics are stability, ppl-w, ppl-z and <kind><samples>-<extractor>`) {
		t.Errorf("fid: %v", err)
	}
}

// qualityContext is the settings of a run on MNIST with a quickly trained classifier.
func qualityContext(t *testing.T, cache string) *context.Context {
	ctx := context.New()
	ctx.SetParams(Settings.Defaults())
	ctx.SetParams(datasets.Settings.Defaults())
	ctx.SetParam(ParamMetricsCache, cache)
	ctx.SetParam(ParamClassifierSteps, 90)
	return ctx
}

// mnistImages is n MNIST test images, in a fixed order.
func mnistImages(t *testing.T, n int) []float32 {
	data, err := datasets.Open("mnist:test", datasets.Options{Seed: 3})
	if errors.Is(err, datasets.ErrNotInstalled) {
		t.Skipf("MNIST not installed: %v (run bash scripts/setup-data.sh)", err)
	} else if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	b, err := data.NextBatch(n)
	if err != nil {
		t.Fatal(err)
	}
	return b.Images
}

// boxBlur averages each pixel of 32x32 grey images over a (2 radius + 1)^2 window (clamped).
func boxBlur(images []float32, radius int) []float32 {
	out := make([]float32, len(images))
	for n := range len(images) / 1024 {
		img := images[n*1024 : (n+1)*1024]
		for y := range 32 {
			for x := range 32 {
				var sum float32
				count := 0
				for dy := -radius; dy <= radius; dy++ {
					for dx := -radius; dx <= radius; dx++ {
						if yy, xx := y+dy, x+dx; yy >= 0 && yy < 32 && xx >= 0 && xx < 32 {
							sum += img[yy*32+xx]
							count++
						}
					}
				}
				out[n*1024+y*32+x] = sum / float32(count)
			}
		}
	}
	return out
}

// fakeSnapshot is a snapshot of a "generator" that serves the given 32x32 grey images in order.
func fakeSnapshot(t *testing.T, backend backends.Backend, images []float32) *train.SnapshotEvent {
	served := 0
	return &train.SnapshotEvent{Tick: &runs.Tick{}, Run: runs.Open(t.TempDir()), Model: gan.Model{Name: "fake", LatentDim: 2}, Seed: 1, Shown: 2000,
		Backend: backend, State: map[string][]byte{},
		Sample: func(z, _ *tensors.Tensor) ([]*tensors.Tensor, error) {
			b := z.Shape().Dimensions[0]
			out := tensors.FromFlatDataAndDimensions(images[served*1024:(served+b)*1024], b, 32, 32, 1)
			served += b
			return []*tensors.Tensor{out}, nil
		}}
}

// TestGeneratedStatsTruncates: with G(z) = z as a 2x2 image and the pixels as features, the
// features are the latents themselves: truncated at 0.5 every one lies within ±0.5 and those the
// untruncated latents had inside it are unchanged; 0 leaves them all as they were.
func TestGeneratedStatsTruncates(t *testing.T) {
	e := &train.SnapshotEvent{Tick: &runs.Tick{}, Model: gan.Model{Name: "identity", LatentDim: 4}, Seed: 3,
		Sample: func(z, _ *tensors.Tensor) ([]*tensors.Tensor, error) {
			return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](z), z.Shape().Dimensions[0], 2, 2, 1)}, nil
		}}
	const n = 600 // more than one extraction batch
	plain, _, err := GeneratedStats(e, pixels{}, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	truncated, _, err := GeneratedStats(e, pixels{}, n, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	outside := 0
	for i := range n {
		for k, v := range truncated.Bank[i] {
			was := plain.Bank[i][k]
			if math.Abs(float64(v)) > 0.5 || (math.Abs(float64(was)) <= 0.5 && v != was) {
				t.Fatalf("latent %d component %d: %g truncated to %g", i, k, was, v)
			}
			if math.Abs(float64(was)) > 0.5 {
				outside++
			}
		}
	}
	if outside < n { // P(|z| > 0.5) = 0.62 of 4n components
		t.Errorf("only %d components beyond 0.5 before truncation", outside)
	}
}

// TestQualityMetricsOrderImages runs the fd, kid, is and pr hooks at a snapshot of "generators"
// that return real test digits, blurred ones and noise: FD and KID grow with the blur and are
// largest for noise, real digits score a higher IS and precision than noise; each result is a
// line of metrics.jsonl; the real-data statistics are computed once and then read from the
// cache (faster), and another sample count has a cache entry of its own.
func TestQualityMetricsOrderImages(t *testing.T) {
	const n = 500
	digits := mnistImages(t, n)
	rng := rand.New(rand.NewPCG(4, 4))
	noise := make([]float32, len(digits))
	for i := range noise {
		noise[i] = 2*rng.Float32() - 1
	}
	generators := map[string][]float32{"real": digits, "blur1": boxBlur(digits, 1), "blur2": boxBlur(digits, 2), "noise": noise}
	cache, dir := t.TempDir(), t.TempDir()
	ctx := qualityContext(t, cache)
	backend := engine.MustNew("go")
	defer backend.Finalize()
	values := map[string]map[string]float64{}
	for _, kind := range []string{"fd", "kid", "is", "pr"} {
		m, err := Lookup(kind + "500-classifier")
		if err != nil {
			t.Fatal(err)
		}
		hook := m.Hook(ctx)
		for _, name := range []string{"real", "blur1", "blur2", "noise"} {
			e := fakeSnapshot(t, backend, generators[name])
			e.Run = runs.Open(dir)
			if err := hook(e); err != nil {
				t.Fatalf("%s on %s: %v", m.Name, name, err)
			}
			if values[name] == nil {
				values[name] = map[string]float64{}
			}
			values[name][kind] = e.Tick.Metrics[m.Name]
		}
	}
	t.Logf("values: %v", values)
	for _, kind := range []string{"fd", "kid"} {
		if !(values["real"][kind] < values["blur1"][kind] && values["blur1"][kind] < values["blur2"][kind] && values["blur2"][kind] < values["noise"][kind]) {
			t.Errorf("%s: real %g, blur1 %g, blur2 %g, noise %g: want growing with the blur, noise the largest", kind,
				values["real"][kind], values["blur1"][kind], values["blur2"][kind], values["noise"][kind])
		}
	}
	if values["real"]["fd"] > values["noise"]["fd"]/10 {
		t.Errorf("FD of test digits against training digits %g, of noise %g: want the first far below", values["real"]["fd"], values["noise"]["fd"])
	}
	if !(values["real"]["is"] > 5 && values["noise"]["is"] < values["real"]["is"]/2) {
		t.Errorf("IS of real digits %g (want > 5 of 10 classes), of noise %g (want far less)", values["real"]["is"], values["noise"]["is"])
	}
	if !(values["real"]["pr"] > 0.6 && values["noise"]["pr"] < 0.1) {
		t.Errorf("precision of real digits %g, of noise %g", values["real"]["pr"], values["noise"]["pr"])
	}
	results, err := runs.Open(dir).Metrics()
	if err != nil || len(results) != 16 {
		t.Fatalf("%d lines in metrics.jsonl, %v; want 16", len(results), err)
	}
	if r := results[0]; r.Metric != "fd500-classifier" || r.Kimg != 2 || !strings.Contains(r.Extractor, "mnist classifier trained here") {
		t.Errorf("first result %+v", r)
	}
	if r := results[15]; r.Metric != "pr500-classifier" || r.Parts["recall"] < 0 || r.Parts["precision"] != r.Value {
		t.Errorf("last result %+v", r)
	}

	// The cache: one classifier and one real-data statistics file; reading them is faster than
	// computing them; another count is another entry.
	files, _ := filepath.Glob(filepath.Join(cache, "*.gob"))
	if len(files) != 2 {
		t.Errorf("cache files %v, want the classifier's and the real statistics'", files)
	}
	x, err := extractorFor(Protocol{Kind: KindFD, Samples: n, Extractor: ExtractorClassifier}, ctx, backend, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := RealStats(ctx, x, n, t.Logf); err != nil {
		t.Fatal(err)
	}
	cached := time.Since(start)
	start = time.Now()
	if _, err := RealStats(ctx, x, n/2, t.Logf); err != nil {
		t.Fatal(err)
	}
	computed := time.Since(start)
	t.Logf("real statistics: %s from the cache, %s computed (half as many)", cached, computed)
	if files, _ = filepath.Glob(filepath.Join(cache, "real-*.gob")); len(files) != 2 {
		t.Errorf("real statistics files %v, want one per sample count", files)
	}
	if cached >= computed {
		t.Errorf("reading the cached statistics took %s, computing half as many %s", cached, computed)
	}
}

// TestQualityMetricBadInput: a data set without a classifier, generated images of the wrong
// channel count, and a damaged cache file are clear errors.
func TestQualityMetricBadInput(t *testing.T) {
	cache := t.TempDir()
	ctx := qualityContext(t, cache)
	ctx.SetParam(datasets.ParamDataset, "emoji")
	m, _ := Lookup("fd100-classifier")
	err := m.Hook(ctx)(&train.SnapshotEvent{Tick: &runs.Tick{}})
	if err == nil || !strings.Contains(err.Error(), "trained on mnist or fashion-mnist, and this run's dataset=emoji") {
		t.Errorf("emoji: %v", err)
	}
	x := &Classifier{Spec: ClassifierSpec{Dataset: "mnist", Resolution: 32, Channels: 1}}
	if _, err := fitImages(tensors.FromFlatDataAndDimensions([]float32{0}, 1), x); err == nil {
		t.Error("a rank-1 tensor accepted as images")
	}
	bytes := make([]float32, 32*32)
	bytes[5] = 255
	if _, _, err := x.Extract(tensors.FromFlatDataAndDimensions(bytes, 1, 32, 32, 1)); err == nil || !strings.Contains(err.Error(), "takes images in [-1, 1], got values in [0, 255]") {
		t.Errorf("0..255 images: %v", err)
	}
	rgb := tensors.FromFlatDataAndDimensions(make([]float32, 2*8*8*3), 2, 8, 8, 3)
	if _, err := fitImages(rgb, x); err == nil || !strings.Contains(err.Error(), "3 channels, the classifier extractor takes 1") {
		t.Errorf("RGB images: %v", err)
	}
	// A 8x8 grey image grows to 32x32 by nearest neighbours; values are clipped to [-1, 1].
	small := make([]float32, 64)
	small[0] = 3
	grown, err := fitImages(tensors.FromFlatDataAndDimensions(small, 1, 8, 8, 1), x)
	if err != nil {
		t.Fatal(err)
	}
	g := tensors.MustCopyFlatData[float32](grown)
	if g[0] != 1 || g[3*32+3] != 1 || g[4] != 0 || len(g) != 1024 {
		t.Errorf("8x8 to 32x32: corner block %v, next %v", g[0], g[4])
	}
	spec := DefaultClassifierSpec("mnist")
	spec.Steps = 90
	spec.FinetuneSteps = 30
	if err := os.WriteFile(filepath.Join(cache, spec.key()), []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrTrainClassifier(engine.MustNew("go"), spec, cache, t.Logf); err == nil || !strings.Contains(err.Error(), "delete it to train again") {
		t.Errorf("damaged cache: %v", err)
	}
}

// TestPerClassMetrics: a "conditional generator" that returns a real test digit of each
// requested class scores the classifier's accuracy on acc and a small intra-FD; one that ignores
// the requested class (a digit of the next class) scores about 0 and a far larger intra-FD; an
// unconditional model is refused.
func TestPerClassMetrics(t *testing.T) {
	data, err := datasets.Open("mnist:test", datasets.Options{Seed: 8})
	if errors.Is(err, datasets.ErrNotInstalled) {
		t.Skipf("MNIST not installed: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := data.NextBatch(2000)
	data.Close()
	if err != nil {
		t.Fatal(err)
	}
	byClass := make([][]float32, 10)
	for i, label := range b.Labels {
		byClass[label] = append(byClass[label], b.Images[i*1024:(i+1)*1024]...)
	}
	conditional := func(honest bool) *train.SnapshotEvent {
		served := make([]int, 10)
		e := fakeSnapshot(t, engine.MustNew("go"), nil)
		e.Model.NumClasses = 10
		e.Sample = func(z, labels *tensors.Tensor) ([]*tensors.Tensor, error) {
			var out []float32
			for _, label := range tensors.MustCopyFlatData[int32](labels) {
				c := int(label)
				if !honest {
					c = (c + 1) % 10 // always another class than the requested one
				}
				k := served[c] % (len(byClass[c]) / 1024)
				served[c]++
				out = append(out, byClass[c][k*1024:(k+1)*1024]...)
			}
			return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(out, len(out)/1024, 32, 32, 1)}, nil
		}
		return e
	}
	ctx := qualityContext(t, t.TempDir())
	values := map[string]float64{}
	for _, name := range []string{"acc500-classifier", "ifd500-classifier"} {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		hook := m.Hook(ctx)
		for _, honest := range []bool{true, false} {
			e := conditional(honest)
			if err := hook(e); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			values[fmt.Sprintf("%s honest=%v", name, honest)] = e.Tick.Metrics[name]
		}
		if err := hook(fakeSnapshot(t, engine.MustNew("go"), nil)); err == nil || !strings.Contains(err.Error(), "needs a class-conditional model") {
			t.Errorf("%s on an unconditional model: %v", name, err)
		}
	}
	t.Logf("%v", values)
	if v := values["acc500-classifier honest=true"]; v < 0.85 {
		t.Errorf("accuracy on digits of the requested class %g, want the classifier's (> 0.85)", v)
	}
	if v := values["acc500-classifier honest=false"]; v > 0.1 {
		t.Errorf("accuracy on digits of another class %g, want about 0", v)
	}
	if h, d := values["ifd500-classifier honest=true"], values["ifd500-classifier honest=false"]; !(h < d/3) {
		t.Errorf("intra-FD %g honest, %g ignoring the class: want the first far below", h, d)
	}
}
