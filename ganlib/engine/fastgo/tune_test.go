package fastgo

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkGEMMTune tries block sizes on the convolution products (FASTGO_TUNE=1); run with
// -count to take the best of several runs on a shared machine.
func BenchmarkGEMMTune(b *testing.B) {
	if os.Getenv("FASTGO_TUNE") != "1" {
		b.Skip("set FASTGO_TUNE=1")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	defer func(kc, rows, cols int) { blockKC, chunkRows, chunkCols = kc, rows, cols }(blockKC, chunkRows, chunkCols)
	for _, kc := range []int{256, 384, 512, 768} {
		for _, rows := range []int{32, 64} {
			for _, variant := range []string{"fwd", "dx", "dw", "fwd16", "dw16"} {
				size := 32
				if variant[len(variant)-2:] == "16" {
					size, variant = 16, variant[:len(variant)-2]
				}
				c := convDotCases(size, 128)[variant]
				b.Run(fmt.Sprintf("kc%d/rows%d/%s%d", kc, rows, variant, size), func(b *testing.B) {
					blockKC, chunkRows, chunkCols = kc, rows, rows
					benchDot(b, newTestBackends(b)["simd"], c, rng)
				})
			}
		}
	}
}
