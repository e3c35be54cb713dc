package metrics

import (
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// PPLEpsilon is the perceptual path length's step (StyleGAN, Karras et al. 2019: 1e-4).
const PPLEpsilon = 1e-4

// pplBatch is the number of latent pairs per graph run.
const pplBatch = 100

// PerceptualPathLength measures the path length of the EMA generator as StyleGAN's PPL with
// end-point sampling: for pairs of latents (z0, z1), the squared feature distance between the
// images at the path's start and a step epsilon along it, divided by epsilon^2; in W (kind
// pplw) the path is the line from w0 to w1, in Z (pplz) the great circle from z0 to z1 (slerp).
// The mean leaves out values below the 1st and above the 99th percentile, as the reference
// does. The features are the extractor's (the reference: LPIPS's VGG16).
func PerceptualPathLength(e *train.SnapshotEvent, x Extractor, p Protocol) (float64, error) {
	m := e.Model
	inW := p.Kind == KindPPLW
	if inW && (m.Mapping == nil || m.Synthesis == nil) {
		return 0, errors.Errorf("metric %s: path length in W needs a style-based model (Mapping and Synthesis); %s has none: use %s", p, m.Name,
			Protocol{Kind: KindPPLZ, Samples: p.Samples, Extractor: p.Extractor})
	}
	exec, err := e.Graph(func(ctx *context.Context, in []*Node) []*Node {
		g := gan.NetworkContext(ctx, gan.GeneratorEMAScope)
		z0, z1 := in[0], in[1]
		// A class-conditional model walks within one class: both ends have the same labels.
		var labels, both *Node
		if m.NumClasses > 0 {
			labels = in[2]
			both = Concatenate([]*Node{labels, labels}, 0)
		}
		var images []*Node
		if inW {
			w0, w1 := m.Mapping(g, z0, labels), m.Mapping(g, z1, labels)
			stepped := Add(w0, MulScalar(Sub(w1, w0), PPLEpsilon))
			images = m.Synthesis(g, Concatenate([]*Node{w0, stepped}, 0))
		} else { // z1 is already the slerp step (see below)
			images = m.Generator(g, Concatenate([]*Node{z0, z1}, 0), both)
		}
		return []*Node{images[len(images)-1]}
	})
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	var lengths []float64
	for done, chunk := 0, 0; done < p.Samples; chunk++ {
		b := min(pplBatch, p.Samples-done)
		z, labels := train.FixedLatents(e.Seed+104729*(chunk+1), 2*b, m)
		flat := tensors.MustCopyFlatData[float32](z)
		half := b * m.LatentDim
		if !inW {
			flat = append(normalizedRows(flat[:half], m.LatentDim), slerpRows(flat[:half], flat[half:], m.LatentDim, PPLEpsilon)...)
		}
		z0 := tensors.FromFlatDataAndDimensions(flat[:half], b, m.LatentDim)
		z1 := tensors.FromFlatDataAndDimensions(flat[half:], b, m.LatentDim)
		args := []any{z0, z1}
		if m.NumClasses > 0 {
			args = append(args, tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[int32](labels)[:b], b))
		}
		out, err := exec.Exec(args...)
		if err != nil {
			return 0, errors.WithMessagef(err, "metric %s", p)
		}
		images, err := fitImages(out[0], x)
		if err != nil {
			return 0, err
		}
		features, _, err := x.Extract(images)
		if err != nil {
			return 0, err
		}
		d := x.FeatureDim()
		for i := range b {
			a, c := features[i*d:(i+1)*d], features[(b+i)*d:(b+i+1)*d]
			lengths = append(lengths, squaredDistance(a, c)/(PPLEpsilon*PPLEpsilon))
		}
		done += b
	}
	return TrimmedMean(lengths, 0.01), nil
}

// TrimmedMean is the mean of the values between the q and 1-q quantiles, the lower one rounded
// down and the upper one up (numpy's "lower" and "higher" interpolations, as stylegan2-ada's PPL).
func TrimmedMean(values []float64, q float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	lo, hi := sorted[int(math.Floor(q*float64(n-1)))], sorted[int(math.Ceil((1-q)*float64(n-1)))]
	sum, count := 0.0, 0
	for _, v := range values {
		if v >= lo && v <= hi {
			sum += v
			count++
		}
	}
	return sum / float64(count)
}

// normalizedRows scales each row of a to unit length.
func normalizedRows(a []float32, dim int) []float32 {
	out := make([]float32, len(a))
	for r := 0; r < len(a); r += dim {
		norm := 0.0
		for _, v := range a[r : r+dim] {
			norm += float64(v) * float64(v)
		}
		for i, v := range a[r : r+dim] {
			out[r+i] = float32(float64(v) / math.Sqrt(norm))
		}
	}
	return out
}

// slerpRows moves each row t of the way along the great circle from a's row to b's (both
// normalized first): a cos(t theta) + c sin(t theta), c the unit part of b orthogonal to a.
func slerpRows(a, b []float32, dim int, t float64) []float32 {
	a, b = normalizedRows(a, dim), normalizedRows(b, dim)
	out := make([]float32, len(a))
	for r := 0; r < len(a); r += dim {
		d := 0.0
		for i := range dim {
			d += float64(a[r+i]) * float64(b[r+i])
		}
		d = min(max(d, -1), 1)
		c := make([]float64, dim)
		norm := 0.0
		for i := range dim {
			c[i] = float64(b[r+i]) - d*float64(a[r+i])
			norm += c[i] * c[i]
		}
		angle := t * math.Acos(d)
		for i := range dim {
			out[r+i] = float32(float64(a[r+i])*math.Cos(angle) + c[i]/math.Sqrt(norm)*math.Sin(angle))
		}
	}
	return out
}

// pplHook measures a path-length protocol at every snapshot.
func pplHook(p Protocol) func(ctx *context.Context) func(*train.SnapshotEvent) error {
	return protocolHook(p, func() measureFunc {
		return func(_ *context.Context, e *train.SnapshotEvent, extractor func() (Extractor, error)) (*runs.MetricResult, error) {
			x, err := extractor()
			if err != nil {
				return nil, err
			}
			value, err := PerceptualPathLength(e, x, p)
			return &runs.MetricResult{Value: value}, err
		}
	})
}

// record puts a result into the snapshot's tick and metrics.jsonl.
func record(e *train.SnapshotEvent, r *runs.MetricResult, start time.Time) error {
	r.Kimg = float64(e.Shown) / 1000
	r.Snapshot = filepath.Base(e.Run.SnapshotPath(e.Shown))
	r.Seconds = time.Since(start).Seconds()
	if e.Tick.Metrics == nil {
		e.Tick.Metrics = map[string]float64{}
	}
	e.Tick.Metrics[r.Metric] = r.Value
	return e.Run.AppendMetric(r)
}
