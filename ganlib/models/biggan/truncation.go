package biggan

import (
	"math/rand/v2"

	"github.com/ganlab/gogan/ganlib/gan"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

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
		images, err := sample(gan.TruncateZ(z, threshold, rand.New(rand.NewPCG(seed, 0x7472756e63))), labels)
		if err != nil {
			return nil, errors.WithMessagef(err, "truncation sweep at threshold %g", threshold)
		}
		levels[i] = TruncationLevel{Threshold: threshold, Images: images}
	}
	return levels, nil
}
