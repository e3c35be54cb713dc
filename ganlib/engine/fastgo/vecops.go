package fastgo

// addInto adds src to dst elementwise (len(dst) >= len(src)).
func addInto[T float](dst, src []T) {
	if f32, ok := any(dst).([]float32); ok && simdAddInto32 != nil {
		simdAddInto32(f32, any(src).([]float32))
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// SIMD versions of the float32 elementwise loops (set by elem_simd_amd64.go where available).
var (
	simdBinary32       func(code int, out, a, b []float32)
	simdBinaryScalar32 func(code int, out []float32, c float32, x []float32, scalarFirst bool)
	simdSelect32       func(dst []float32, cond []bool, t, f []float32, tScalar, fScalar bool)
	simdCompare32      func(code int, dst []bool, a, b []float32, scalar int)
	simdCopy32         func(dst, src []float32) // copies exactly 32 values
	simdPackRows4      func(panel, r0, r1, r2, r3 []float32, kc int)
	simdPackRows32     func(panel, b []float32, start int, bk *axisMap, k0, kc int)
	// simdAddRows32 adds srcs[i][s+sOffs[i] : +n] into dst[d+dOffs[i] : +n] for every i.
	simdAddRows32 func(dst []float32, d int, dOffs []int, srcs [][]float32, s int, sOffs []int, n int)
)
