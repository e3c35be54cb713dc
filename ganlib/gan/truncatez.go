package gan

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TruncateZ is BigGAN's truncation trick (Sec. 3.1): every component of z (a float32 tensor)
// whose magnitude exceeds threshold is drawn again from N(0, 1) until it falls within it, so
// z follows the normal truncated to [-threshold, threshold] while the components already
// inside keep their values (samples at falling thresholds stay recognizably the same). A
// threshold <= 0 returns z unchanged.
func TruncateZ(z *tensors.Tensor, threshold float64, rng *rand.Rand) *tensors.Tensor {
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
