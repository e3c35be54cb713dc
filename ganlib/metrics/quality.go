package metrics

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Quality metric kinds: the part of a protocol name before the sample count.
const (
	KindFD  = "fd"
	KindKID = "kid"
	KindIS  = "is"
	KindPR  = "pr"
	// KindPPLW and KindPPLZ are the perceptual path length in W and in Z.
	KindPPLW = "pplw"
	KindPPLZ = "pplz"
)

var qualityKinds = []string{KindFD, KindKID, KindIS, KindPR, KindPPLW, KindPPLZ, KindIntraFD, KindAccuracy}

// Extractor names: the part of a protocol name after the dash.
const ExtractorClassifier = "classifier"

var extractorNames = []string{ExtractorClassifier, ExtractorNSFWInception, ExtractorNSFWInceptionPool, ExtractorInception}

// Protocol is a quality metric as its name spells it, stylegan2-ada's way: kind, generated
// sample count and extractor ("fd10k-classifier": the Fréchet distance of 10,000 generated
// images against as many real ones, in the classifier's feature space), optionally with BigGAN's
// truncation of the generated images' latents ("is10k-classifier-trunc0.5": z resampled within
// ±0.5, the fidelity / variety trade-off of BigGAN Fig. 2a).
type Protocol struct {
	Kind      string
	Samples   int
	Extractor string
	// Truncation is the threshold of gan.TruncateZ on the generated images' latents (0: none):
	// fd, kid, is and pr only.
	Truncation float64
}

// truncatable are the kinds measured on GeneratedStats' images, which Truncation applies to.
var truncatable = []string{KindFD, KindKID, KindIS, KindPR}

// truncationSuffix starts a protocol name's truncation threshold.
const truncationSuffix = "-trunc"

func (p Protocol) String() string {
	n := fmt.Sprint(p.Samples)
	if p.Samples%1000 == 0 {
		n = fmt.Sprintf("%dk", p.Samples/1000)
	}
	name := p.Kind + n + "-" + p.Extractor
	if p.Truncation > 0 {
		name += truncationSuffix + strconv.FormatFloat(p.Truncation, 'g', -1, 64)
	}
	return name
}

// ParseProtocol reads a protocol name: a kind (fd, kid, is, pr, pplw, pplz, ifd, acc), a sample count
// (10k, 50k, 500: generated images, or path-length pairs), an extractor (classifier) and,
// for fd, kid, is and pr, optionally -trunc<threshold>.
func ParseProtocol(name string) (Protocol, error) {
	var p Protocol
	base, threshold, truncated := strings.Cut(name, truncationSuffix)
	if truncated {
		t, err := strconv.ParseFloat(threshold, 64)
		if err != nil || !(t > 0) {
			return p, errors.Errorf("%q: the truncation threshold %q is not a positive number such as 0.5", name, threshold)
		}
		p.Truncation = t
	}
	spec, extractor, ok := strings.Cut(base, "-")
	for _, kind := range qualityKinds {
		if strings.HasPrefix(spec, kind) && (p.Kind == "" || len(kind) > len(p.Kind)) {
			p.Kind = kind
		}
	}
	if !ok || p.Kind == "" {
		return p, errors.Errorf("%q is not a quality metric: want <kind><samples>-<extractor>, kind %s, such as fd10k-classifier", name, strings.Join(qualityKinds, ", "))
	}
	count := strings.TrimPrefix(spec, p.Kind)
	scale := 1
	if strings.HasSuffix(count, "k") {
		count, scale = strings.TrimSuffix(count, "k"), 1000
	}
	n, err := strconv.Atoi(count)
	if err != nil || n <= 0 {
		return p, errors.Errorf("%q: the sample count %q is not a positive number such as 10k or 500", name, strings.TrimPrefix(spec, p.Kind))
	}
	p.Samples = n * scale
	if p.Extractor = extractor; !slices.Contains(extractorNames, extractor) {
		return p, errors.Errorf("%q: no feature extractor %q; the extractors are %s", name, extractor, strings.Join(extractorNames, ", "))
	}
	if truncated && !slices.Contains(truncatable, p.Kind) {
		return p, errors.Errorf("%q: truncation applies to %s, measured on generated images; drop %s%s", name, strings.Join(truncatable, ", "), truncationSuffix, threshold)
	}
	return p, nil
}

// extractorFor returns the extractor a protocol names for the run's data set.
func extractorFor(p Protocol, ctx *context.Context, backend backends.Backend, logf func(string, ...any)) (Extractor, error) {
	if p.Extractor == ExtractorNSFWInception || p.Extractor == ExtractorNSFWInceptionPool || p.Extractor == ExtractorInception {
		if p.Kind == KindIS {
			return nil, errors.Errorf("metric %s: the Inception Score needs the ImageNet classifier head, which this extractor does not run: use is<N>-classifier", p)
		}
		if p.Extractor != ExtractorInception {
			return NewInception(backend, gan.Get[string](ctx, Settings, ParamInceptionWeights), p.Extractor == ExtractorNSFWInceptionPool)
		}
		h5 := gan.Get[string](ctx, Settings, ParamInceptionH5)
		if h5 == "" {
			return nil, errors.Errorf("metric %s needs the Keras ImageNet InceptionV3 weights, which are never downloaded here: set %s to your copy of inception_v3_weights_tf_dim_ordering_tf_kernels.h5 (or use %s)",
				p, ParamInceptionH5, Protocol{Kind: p.Kind, Samples: p.Samples, Extractor: ExtractorNSFWInception})
		}
		return NewImageNetInception(backend, h5, gan.Get[string](ctx, Settings, ParamInceptionWeights))
	}
	dataset := gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset)
	if dataset != "mnist" && dataset != "fashion-mnist" {
		return nil, errors.Errorf("metric %s: the classifier extractor is trained on mnist or fashion-mnist, and this run's %s=%s", p, datasets.ParamDataset, dataset)
	}
	spec := DefaultClassifierSpec(dataset)
	if steps := gan.Get[int](ctx, Settings, ParamClassifierSteps); steps > 0 {
		spec.Steps, spec.FinetuneSteps = steps, steps/3
	}
	return LoadOrTrainClassifier(backend, spec, gan.Get[string](ctx, Settings, ParamMetricsCache), logf)
}

// qualityHook measures p at every snapshot: features of p.Samples generated images (fixed
// latents, the EMA generator, clipped to [-1, 1]) against the same number of real training
// images, whose statistics are cached; the value goes into the tick and metrics.jsonl.
func qualityHook(p Protocol) func(ctx *context.Context) func(*train.SnapshotEvent) error {
	return protocolHook(p, func() measureFunc {
		return func(ctx *context.Context, e *train.SnapshotEvent, extractor func() (Extractor, error)) (*runs.MetricResult, error) {
			x, err := extractor()
			if err != nil {
				return nil, err
			}
			real, err := RealStats(ctx, x, p.Samples, logStderr)
			if err != nil {
				return nil, err
			}
			fake, probs, err := GeneratedStats(e, x, p.Samples, p.Truncation)
			if err != nil {
				return nil, errors.WithMessagef(err, "metric %s", p)
			}
			result := &runs.MetricResult{}
			if result.Value, result.Parts, err = p.measure(real, fake, probs, gan.Get[int](ctx, Settings, ParamFDBootstrap)); err != nil {
				return nil, errors.WithMessagef(err, "metric %s", p)
			}
			return result, nil
		}
	})
}

// measureFunc measures a protocol on a snapshot; extractor loads the protocol's extractor on
// first use (the hook keeps it).
type measureFunc func(ctx *context.Context, e *train.SnapshotEvent, extractor func() (Extractor, error)) (*runs.MetricResult, error)

// protocolHook is the snapshot hook of a protocol: a measureFunc from newMeasure (one per hook,
// for state kept across snapshots) whose result record puts into the tick and metrics.jsonl,
// named after the protocol and its extractor.
func protocolHook(p Protocol, newMeasure func() measureFunc) func(ctx *context.Context) func(*train.SnapshotEvent) error {
	return func(ctx *context.Context) func(*train.SnapshotEvent) error {
		measure := newMeasure()
		var x Extractor
		return func(e *train.SnapshotEvent) error {
			start := time.Now()
			extractor := func() (Extractor, error) {
				if x == nil {
					var err error
					if x, err = extractorFor(p, ctx, e.Backend, logStderr); err != nil {
						return nil, err
					}
				}
				return x, nil
			}
			result, err := measure(ctx, e, extractor)
			if err != nil {
				return err
			}
			result.Metric, result.Extractor = p.String(), x.Describe()
			return record(e, result, start)
		}
	}
}

// logStderr is the metrics' progress log (the extractor's training, the real statistics).
func logStderr(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// measure computes the protocol's number from the two sides' statistics.
func (p Protocol) measure(real, fake *FeatureStats, probs [][]float64, bootstrap int) (float64, map[string]float64, error) {
	switch p.Kind {
	case KindFD:
		mu1, c1, err := real.MeanCov()
		if err != nil {
			return 0, nil, err
		}
		mu2, c2, err := fake.MeanCov()
		if err != nil {
			return 0, nil, err
		}
		v, err := FrechetDistance(mu1, c1, mu2, c2)
		if err != nil {
			return 0, nil, err
		}
		if bootstrap < 2 {
			return v, nil, nil
		}
		// The spread only: resamples repeat samples, which shrinks their covariance's rank and
		// raises FD, so the resampled values sit above the estimate.
		std, _, _, err := BootstrapFD(real, fake.Bank, bootstrap, 1)
		return v, map[string]float64{"bootstrap_std": std}, err
	case KindKID:
		v, err := KernelDistance(fake.Bank, real.Bank, KIDOptions{Subsets: 100, MaxSubsetSize: 1000})
		return v, nil, err
	case KindIS:
		mean, std, err := InceptionScore(probs, 10)
		return mean, map[string]float64{"std": std}, err
	case KindPR:
		precision, recall, err := PrecisionRecall(real.Bank, fake.Bank, 3)
		return precision, map[string]float64{"precision": precision, "recall": recall}, err
	}
	return 0, nil, errors.Errorf("unknown metric kind %q", p.Kind)
}

// extractBatch is the number of images run through an extractor at once.
const extractBatch = 250

// GeneratedStats runs the snapshot's EMA generator on n fixed latents, truncated at threshold
// (gan.TruncateZ; 0: none), and returns the features' statistics (every feature kept) and the
// class probabilities.
func GeneratedStats(e *train.SnapshotEvent, x Extractor, n int, threshold float64) (*FeatureStats, [][]float64, error) {
	stats := NewFeatureStats(x.FeatureDim(), n)
	var probs [][]float64
	for done, chunk := 0, 0; done < n; chunk++ {
		b := min(extractBatch, n-done)
		z, labels := train.FixedLatents(e.Seed+7919*(chunk+1), b, e.Model)
		z = gan.TruncateZ(z, threshold, rand.New(rand.NewPCG(uint64(e.Seed), uint64(chunk))))
		outputs, err := e.Sample(z, labels)
		if err != nil {
			return nil, nil, err
		}
		images, err := fitImages(outputs[len(outputs)-1], x)
		if err != nil {
			return nil, nil, err
		}
		features, p, err := x.Extract(images)
		if err != nil {
			return nil, nil, err
		}
		if err := stats.Add(features); err != nil {
			return nil, nil, err
		}
		for i := range b {
			row := make([]float64, x.Classes())
			for k := range row {
				row[k] = float64(p[i*x.Classes()+k])
			}
			probs = append(probs, row)
		}
		done += b
	}
	return stats, probs, nil
}

// fitImages checks generated images against what the extractor takes, clips them to [-1, 1]
// (as an image file would) and box-resizes them by powers of two (a growing model's early
// stages are smaller).
func fitImages(images *tensors.Tensor, x Extractor) (*tensors.Tensor, error) {
	d := images.Shape().Dimensions
	if images.DType() != dtypes.Float32 || len(d) != 4 || d[1] != d[2] {
		return nil, errors.Errorf("generated images %s: want float32 [n, r, r, channels]", images.Shape())
	}
	if x.Channels() == 0 && x.Resolution() == 0 { // any size and channel count: clipping only
		values := tensors.MustCopyFlatData[float32](images)
		for i, v := range values {
			values[i] = min(max(v, -1), 1)
		}
		return tensors.FromFlatDataAndDimensions(values, d...), nil
	}
	if d[3] != x.Channels() {
		return nil, errors.Errorf("generated images have %d channels, the %s extractor takes %d: use a data set and model of %d channels", d[3], x.Name(), x.Channels(), x.Channels())
	}
	values := tensors.MustCopyFlatData[float32](images)
	for i, v := range values {
		values[i] = min(max(v, -1), 1)
	}
	n, r, c, want := d[0], d[1], d[3], x.Resolution()
	for r < want { // nearest-neighbour 2x
		up := make([]float32, n*4*r*r*c)
		for b := range n {
			for y := range 2 * r {
				for xx := range 2 * r {
					copy(up[((b*2*r+y)*2*r+xx)*c:][:c], values[((b*r+y/2)*r+xx/2)*c:][:c])
				}
			}
		}
		values, r = up, 2*r
	}
	for r > want { // 2x2 box average
		h := r / 2
		down := make([]float32, n*h*h*c)
		for b := range n {
			for y := range h {
				for xx := range h {
					for ch := range c {
						at := func(yy, xx int) float32 { return values[((b*r+yy)*r+xx)*c+ch] }
						down[((b*h+y)*h+xx)*c+ch] = (at(2*y, 2*xx) + at(2*y+1, 2*xx) + at(2*y, 2*xx+1) + at(2*y+1, 2*xx+1)) / 4
					}
				}
			}
		}
		values, r = down, h
	}
	if r != want {
		return nil, errors.Errorf("generated images of %dx%d cannot be resized to the extractor's %dx%d by powers of two", d[1], d[1], want, want)
	}
	return tensors.FromFlatDataAndDimensions(values, n, r, r, c), nil
}

// RealStats returns the statistics of n real training images in the extractor's feature space,
// from the cache when it has them (keyed by data set, resolution, channels, count and the
// extractor's description), else computing and caching them.
func RealStats(ctx *context.Context, x Extractor, n int, logf func(string, ...any)) (*FeatureStats, error) {
	dataset := gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset)
	sum := sha256.Sum256([]byte(fmt.Sprintf("real-v1 %s %d %d %d %s", dataset, x.Resolution(), x.Channels(), n, x.Describe())))
	path := filepath.Join(gan.Get[string](ctx, Settings, ParamMetricsCache), fmt.Sprintf("real-%s-%d-%x.gob", dataset, n, sum[:6]))
	if data, err := os.ReadFile(path); err == nil {
		var stats FeatureStats
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&stats); err != nil {
			return nil, errors.Wrapf(err, "reading the real-data statistics cache %s (delete it to compute them again)", path)
		}
		return &stats, nil
	}
	start := time.Now()
	data, err := datasets.Open(dataset, datasets.Options{Resolution: x.Resolution(), Channels: x.Channels(), Seed: 12345})
	if err != nil {
		return nil, err
	}
	defer data.Close()
	stats := NewFeatureStats(x.FeatureDim(), n)
	for done := 0; done < n; {
		b := min(extractBatch, n-done)
		images, _, err := data.NextTensors(b)
		if err != nil {
			return nil, err
		}
		features, _, err := x.Extract(images)
		if err != nil {
			return nil, err
		}
		if err := stats.Add(features); err != nil {
			return nil, err
		}
		done += b
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(stats); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(path, buf.Bytes()); err != nil {
		return nil, errors.Wrapf(err, "caching the real-data statistics in %s", path)
	}
	logf("metrics: statistics of %d real %s images in %.1fs, cached in %s", n, dataset, time.Since(start).Seconds(), path)
	return stats, nil
}
