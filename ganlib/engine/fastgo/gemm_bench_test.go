package fastgo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convDotCases are the matrix products of a 3x3 same-padded im2col convolution of a batch of 16
// size x size x c images into c channels: forward, gradient w.r.t. the patches, gradient w.r.t.
// the kernel (as ops.Conv2D and engine's DotGeneral gradient build them).
func convDotCases(size, c int) map[string]dotCase {
	return map[string]dotCase{
		"fwd": {lhsDims: []int{16, size, size, 9 * c}, lhsContract: []int{3}, rhsDims: []int{9 * c, c}, rhsContract: []int{0}},
		"dx":  {lhsDims: []int{16, size, size, c}, lhsContract: []int{3}, rhsDims: []int{9 * c, c}, rhsContract: []int{1}},
		"dw":  {lhsDims: []int{16, size, size, c}, lhsContract: []int{0, 1, 2}, rhsDims: []int{16, size, size, 9 * c}, rhsContract: []int{0, 1, 2}},
	}
}

func BenchmarkDotGeneral(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kernels := range []string{"simd", "simd-1core", "portable"} {
		for _, size := range []int{32, 16, 8} {
			for _, variant := range []string{"fwd", "dx", "dw"} {
				c := convDotCases(size, 128)[variant]
				b.Run(fmt.Sprintf("%s/conv%dx%dx128/%s", kernels, size, size, variant), func(b *testing.B) {
					backend := newTestBackends(b)[strings.TrimSuffix(kernels, "-1core")]
					if backend != nil && strings.HasSuffix(kernels, "-1core") {
						backend = New(backend.Inner(), Options{Name: "go", Parallelism: 1})
					}
					if backend == nil {
						b.Skip("no SIMD kernels in this build or CPU")
					}
					benchDot(b, backend, c, rng)
				})
			}
		}
	}
}

func benchDot(b *testing.B, backend *Backend, c dotCase, rng *rand.Rand) {
	dtype := dtypes.Float32
	bld := backend.Builder("bench")
	lp, _ := bld.Parameter("lhs", shapes.Make(dtype, c.lhsDims...), nil)
	rp, _ := bld.Parameter("rhs", shapes.Make(dtype, c.rhsDims...), nil)
	out, err := bld.DotGeneral(lp, c.lhsContract, c.lhsBatch, rp, c.rhsContract, c.rhsBatch)
	if err != nil {
		b.Fatal(err)
	}
	exec, err := bld.Compile([]backends.Op{out}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer exec.Finalize()
	buffer := func(dims []int) backends.Buffer {
		shape := shapes.Make(dtype, dims...)
		buf, flat, err := backend.NewSharedBuffer(0, shape)
		if err != nil {
			b.Fatal(err)
		}
		for i := range flat.([]float32) {
			flat.([]float32)[i] = rng.Float32()
		}
		return buf
	}
	inputs := []backends.Buffer{buffer(c.lhsDims), buffer(c.rhsDims)}
	plan := out.(*node).native.(*dotOp).plan
	run := func() {
		outs, err := exec.Execute(inputs, nil, 0)
		if err != nil {
			b.Fatal(err)
		}
		backend.pool.put(outs[0])
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.ReportMetric(plan.flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMicroKernel measures the float32 micro-kernel alone on panels that stay in L1: the
// peak one core can reach.
func BenchmarkMicroKernel(b *testing.B) {
	for _, name := range []string{"simd", "portable"} {
		k := kernel32(name == "simd")
		if name == "simd" && k == portable32 {
			continue
		}
		b.Run(name, func(b *testing.B) {
			const kc = 256
			a := make([]float32, kc*k.mr)
			bp := make([]float32, kc*k.nr)
			c := make([]float32, k.mr*k.nr)
			for i := range a {
				a[i] = 1
			}
			for i := range bp {
				bp[i] = 1
			}
			for range b.N {
				k.fn(kc, a, bp, c, k.nr, true)
			}
			b.ReportMetric(2*kc*float64(k.mr*k.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
