//go:build !(goexperiment.simd && amd64)

package fastgo

// This build has no SIMD kernels: GOEXPERIMENT=simd is not set (or the architecture is not
// amd64), so the portable plain-Go kernels run.

const simdAvailable = false

const simdStatus = "built without GOEXPERIMENT=simd"

var (
	simd32 *microKernel[float32]
	simd64 *microKernel[float64]

	simdAddInto32 func(dst, src []float32)
)
