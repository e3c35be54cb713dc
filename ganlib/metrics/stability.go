package metrics

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Stability is the MSG-GAN paper's measure of training stability (Karnewar & Wang 2020, Fig. 6):
// at each snapshot, for each resolution the generator outputs, the mean squared difference
// between the EMA generator's images for fixed latents now and at the previous snapshot,
// recorded as "stability/<r>x<r>". A resolution seen for the first time (the first snapshot; a
// growing model's new stage) has no value yet. Images are the generator's raw outputs (about
// [-1, 1]); the previous ones travel in the snapshot, so a resumed run measures on.
func Stability(ctx *context.Context) func(*train.SnapshotEvent) error {
	n := gan.Get[int](ctx, Settings, ParamStabilityLatents)
	return func(e *train.SnapshotEvent) error {
		if n <= 0 {
			return errors.Errorf("%s=%d: the stability metric needs at least one latent", ParamStabilityLatents, n)
		}
		outputs, err := e.Sample(train.FixedLatents(e.Seed, n, e.Model))
		if err != nil {
			return err
		}
		var saved []scaleImages
		if state := e.State["stability"]; state != nil {
			if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&saved); err != nil {
				return errors.Wrap(err, "stability metric: the previous snapshot's images")
			}
		}
		previous := map[string][]float32{}
		for _, s := range saved {
			previous[s.Resolution] = s.Images
		}
		var current []scaleImages
		for _, out := range outputs {
			dims := out.Shape().Dimensions
			if out.DType() != dtypes.Float32 || len(dims) != 4 {
				return errors.Errorf("stability metric: generator output %s, want float32 [n, r, r, channels]", out.Shape())
			}
			key := fmt.Sprintf("%dx%d", dims[1], dims[2])
			images := tensors.MustCopyFlatData[float32](out)
			current = append(current, scaleImages{key, images})
			if old, ok := previous[key]; ok && len(old) == len(images) {
				if e.Tick.Metrics == nil {
					e.Tick.Metrics = map[string]float64{}
				}
				e.Tick.Metrics["stability/"+key] = MeanSquaredDifference(old, images)
			}
		}
		var state bytes.Buffer
		if err := gob.NewEncoder(&state).Encode(current); err != nil {
			return err
		}
		e.State["stability"] = state.Bytes()
		return nil
	}
}

// scaleImages are the images of one resolution ("8x8"), as the state keeps them: a list in the
// generator's order, so that equal runs write equal snapshots.
type scaleImages struct {
	Resolution string
	Images     []float32
}

// MeanSquaredDifference is mean((a_i - b_i)^2), accumulated in float64.
func MeanSquaredDifference(a, b []float32) float64 {
	sum := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	return sum / float64(len(a))
}
