package metrics

import (
	"fmt"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Per-class metric kinds, for class-conditional models: the mean over classes of the Fréchet
// distance between the generated and the real images of each class (intra-FD, as BigGAN-era
// papers report), and the extractor's accuracy on generated images for their requested class.
const (
	KindIntraFD  = "ifd"
	KindAccuracy = "acc"
)

// classSamples is the generated side of a per-class metric: features by requested class and
// how often the extractor predicted that class.
type classSamples struct {
	stats   []*FeatureStats
	correct []int
	count   []int
}

// generatedByClass runs the EMA generator on n fixed latents with labels cycling over the
// classes and sorts the features by requested class.
func generatedByClass(e *train.SnapshotEvent, x Extractor, n int) (*classSamples, error) {
	k := e.Model.NumClasses
	s := &classSamples{stats: make([]*FeatureStats, k), correct: make([]int, k), count: make([]int, k)}
	for c := range s.stats {
		s.stats[c] = NewFeatureStats(x.FeatureDim(), 0)
	}
	for done, chunk := 0, 0; done < n; chunk++ {
		b := min(extractBatch, n-done)
		z, labels := train.FixedLatents(e.Seed+7919*(chunk+1), b, e.Model)
		outputs, err := e.Sample(z, labels)
		if err != nil {
			return nil, err
		}
		images, err := fitImages(outputs[len(outputs)-1], x)
		if err != nil {
			return nil, err
		}
		features, probs, err := x.Extract(images)
		if err != nil {
			return nil, err
		}
		d, classes := x.FeatureDim(), x.Classes()
		for i, label := range tensors.MustCopyFlatData[int32](labels) {
			if err := s.stats[label].Add(features[i*d : (i+1)*d]); err != nil {
				return nil, err
			}
			s.count[label]++
			if classes == k {
				row := probs[i*classes : (i+1)*classes]
				best := 0
				for j, p := range row {
					if p > row[best] {
						best = j
					}
				}
				if int32(best) == label {
					s.correct[label]++
				}
			}
		}
		done += b
	}
	return s, nil
}

// realByClass is the features of n real training images sorted by their class.
func realByClass(ctx *context.Context, x Extractor, n, classes int) ([]*FeatureStats, error) {
	dataset := gan.Get[string](ctx, datasets.Settings, datasets.ParamDataset)
	data, err := datasets.Open(dataset, datasets.Options{Resolution: x.Resolution(), Channels: x.Channels(), Seed: 12345})
	if err != nil {
		return nil, err
	}
	defer data.Close()
	if data.NumClasses() != classes {
		return nil, errors.Errorf("data set %s has %d classes, the model %d", dataset, data.NumClasses(), classes)
	}
	stats := make([]*FeatureStats, classes)
	for c := range stats {
		stats[c] = NewFeatureStats(x.FeatureDim(), 0)
	}
	for done := 0; done < n; {
		b := min(extractBatch, n-done)
		images, labels, err := data.NextTensors(b)
		if err != nil {
			return nil, err
		}
		features, _, err := x.Extract(images)
		if err != nil {
			return nil, err
		}
		d := x.FeatureDim()
		for i, label := range tensors.MustCopyFlatData[int32](labels) {
			if err := stats[label].Add(features[i*d : (i+1)*d]); err != nil {
				return nil, err
			}
		}
		done += b
	}
	return stats, nil
}

// perClassHook measures intra-FD or the per-class accuracy at every snapshot.
func perClassHook(p Protocol) func(ctx *context.Context) func(*train.SnapshotEvent) error {
	return protocolHook(p, func() measureFunc {
		var real []*FeatureStats // the real images' features by class, once per hook
		return func(ctx *context.Context, e *train.SnapshotEvent, extractor func() (Extractor, error)) (*runs.MetricResult, error) {
			k := e.Model.NumClasses
			if k == 0 {
				return nil, errors.Errorf("metric %s needs a class-conditional model; %s has no classes", p, e.Model.Name)
			}
			x, err := extractor()
			if err != nil {
				return nil, err
			}
			if p.Kind == KindAccuracy && x.Classes() != k {
				return nil, errors.Errorf("metric %s: the extractor has %d classes, the model %d", p, x.Classes(), k)
			}
			fake, err := generatedByClass(e, x, p.Samples)
			if err != nil {
				return nil, errors.WithMessagef(err, "metric %s", p)
			}
			result := &runs.MetricResult{Parts: map[string]float64{}}
			switch p.Kind {
			case KindAccuracy:
				correct, total := 0, 0
				for c := range k {
					correct, total = correct+fake.correct[c], total+fake.count[c]
					if fake.count[c] > 0 {
						result.Parts[fmt.Sprintf("class_%d", c)] = float64(fake.correct[c]) / float64(fake.count[c])
					}
				}
				result.Value = float64(correct) / float64(total)
			case KindIntraFD:
				if real == nil {
					if real, err = realByClass(ctx, x, p.Samples, k); err != nil {
						return nil, errors.WithMessagef(err, "metric %s", p)
					}
				}
				for c := range k {
					mu1, c1, err := real[c].MeanCov()
					if err != nil {
						return nil, errors.WithMessagef(err, "metric %s, class %d of the real images", p, c)
					}
					mu2, c2, err := fake.stats[c].MeanCov()
					if err != nil {
						return nil, errors.WithMessagef(err, "metric %s, class %d of the generated images", p, c)
					}
					fd, err := FrechetDistance(mu1, c1, mu2, c2)
					if err != nil {
						return nil, err
					}
					result.Parts[fmt.Sprintf("class_%d", c)] = fd
					result.Value += fd / float64(k)
				}
			}
			return result, nil
		}
	})
}
