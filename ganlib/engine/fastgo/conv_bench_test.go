package fastgo_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine/fastgo"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// BenchmarkConv times an im2col 3x3 convolution of a batch of 16 32x32x128 images (forward, and
// forward with both gradients) on the fast backend. With FASTGO_OPSTATS=1 it prints the time
// per operation.
func BenchmarkConv(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	random := func(dims ...int) *tensors.Tensor {
		t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
		tensors.MustMutableFlatData(t, func(flat []float32) {
			for i := range flat {
				flat[i] = 2*rng.Float32() - 1
			}
		})
		return t
	}
	x, k, r := random(16, 32, 32, 128), random(3, 3, 128, 128), random(16, 32, 32, 128)
	for _, variant := range []string{"fwd", "fwd+bwd"} {
		for name, backend := range completedBackends(b) {
			b.Run(variant+"/"+name, func(b *testing.B) {
				exec := MustNewExec(backend, func(x, k, r *Node) []*Node {
					y := im2colConv(x, k)
					if variant == "fwd" {
						return []*Node{y}
					}
					loss := ReduceAllSum(Mul(y, r))
					return append([]*Node{loss}, Gradient(loss, x, k)...)
				})
				defer exec.Finalize()
				run := func() {
					for _, t := range exec.MustExec(x, k, r) {
						t.FinalizeAll()
					}
				}
				run()
				fastgo.ResetOpStats()
				b.ResetTimer()
				for range b.N {
					run()
				}
				flops := 2 * 16 * 32 * 32 * 9 * 128 * 128.0
				if variant != "fwd" {
					flops *= 3
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if fastgo.OpStatsEnabled() {
					fmt.Fprintf(os.Stderr, "%s %s:\n%s", variant, name, fastgo.OpStats())
				}
			})
		}
	}
}

var _ backends.Backend
