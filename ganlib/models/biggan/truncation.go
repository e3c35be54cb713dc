package biggan

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// Truncate is BigGAN's truncation trick (Sec. 3.1): every component of z (a float32 tensor)
// whose magnitude exceeds threshold is drawn again from N(0, 1) until it falls within it, so
// z follows the normal truncated to [-threshold, threshold] while the components already
// inside keep their values (samples at falling thresholds stay recognizably the same). A
// threshold <= 0 returns z unchanged.
func Truncate(z *tensors.Tensor, threshold float64, rng *rand.Rand) *tensors.Tensor {
	if threshold <= 0 {
		return z
	}
	out := tensors.FromShape(z.Shape())
	tensors.ConstFlatData(z, func(in []float32) {
		tensors.MutableFlatData(out, func(flat []float32) {
			for i, v := range in {
				for float64(v) > threshold || float64(v) < -threshold {
					v = float32(rng.NormFloat64())
				}
				flat[i] = v
			}
		})
	})
	return out
}

// TruncationLevel is one threshold of a truncation sweep and the generator's images there.
type TruncationLevel struct {
	Threshold float64
	// Images are one tensor per output scale, as the generator returns them.
	Images []*tensors.Tensor
}

// TruncationSweep samples the same latents z (and labels, nil when unconditional) truncated at
// each threshold (0: none), for the fidelity / variety trade-off curve (BigGAN Fig. 2a, 17):
// sample is the generator's moving average (train.SnapshotEvent.Sample or a notebook's
// sampler), seed fixes the resampled components.
func TruncationSweep(sample func(z, labels *tensors.Tensor) ([]*tensors.Tensor, error), z, labels *tensors.Tensor, thresholds []float64, seed uint64) ([]TruncationLevel, error) {
	levels := make([]TruncationLevel, len(thresholds))
	for i, threshold := range thresholds {
		images, err := sample(Truncate(z, threshold, rand.New(rand.NewPCG(seed, 0x7472756e63))), labels)
		if err != nil {
			return nil, errors.WithMessagef(err, "truncation sweep at threshold %g", threshold)
		}
		levels[i] = TruncationLevel{Threshold: threshold, Images: images}
	}
	return levels, nil
}
