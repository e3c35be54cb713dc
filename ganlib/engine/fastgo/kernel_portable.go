package fastgo

// Portable micro-kernels in plain Go (any architecture, any build) over packed panels. A 4x2 tile
// keeps its 8 accumulators, 4 A and 2 B values in the 15 floating-point registers Go allocates on
// amd64; a 4x4 tile spills (measured on the team's machine: ~5 GFLOP/s per core for 4x2, 2x4 or
// 6x2 tiles, ~4 for 4x4; scalar multiply-adds bound plain Go there).

var (
	portable32 = &microKernel[float32]{mr: 4, nr: 2, fn: kernel4x2[float32], name: "plain Go 4x2"}
	portable64 = &microKernel[float64]{mr: 4, nr: 2, fn: kernel4x2[float64], name: "plain Go 4x2"}
)

// kernel32 returns the float32 micro-kernel in use.
func kernel32(simd bool) *microKernel[float32] {
	if simd && simd32 != nil {
		return simd32
	}
	return portable32
}

// kernel64 returns the float64 micro-kernel in use.
func kernel64(simd bool) *microKernel[float64] {
	if simd && simd64 != nil {
		return simd64
	}
	return portable64
}

// kernel4x4 is the portable micro-kernel (see microKernel).
func kernel4x4[T float](kc int, a, b, c []T, ldc int, accumulate bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	a = a[:4*kc]
	b = b[:4*kc]
	for p := 0; p < len(a); p += 4 {
		ap := a[p : p+4 : p+4]
		bp := b[p : p+4 : p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	r2 := c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4 : 3*ldc+4]
	if accumulate {
		r0[0], r0[1], r0[2], r0[3] = r0[0]+c00, r0[1]+c01, r0[2]+c02, r0[3]+c03
		r1[0], r1[1], r1[2], r1[3] = r1[0]+c10, r1[1]+c11, r1[2]+c12, r1[3]+c13
		r2[0], r2[1], r2[2], r2[3] = r2[0]+c20, r2[1]+c21, r2[2]+c22, r2[3]+c23
		r3[0], r3[1], r3[2], r3[3] = r3[0]+c30, r3[1]+c31, r3[2]+c32, r3[3]+c33
		return
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
	r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
	r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
}

// kernel4x2 is the portable micro-kernel (see microKernel).
func kernel4x2[T float](kc int, a, b, c []T, ldc int, accumulate bool) {
	var c00, c01, c10, c11, c20, c21, c30, c31 T
	a = a[:4*kc]
	b = b[:2*kc]
	for p := range kc {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[2*p : 2*p+2 : 2*p+2]
		b0, b1 := bp[0], bp[1]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c10 += a1 * b0
		c11 += a1 * b1
		c20 += a2 * b0
		c21 += a2 * b1
		c30 += a3 * b0
		c31 += a3 * b1
	}
	r0 := c[0:2:2]
	r1 := c[ldc : ldc+2 : ldc+2]
	r2 := c[2*ldc : 2*ldc+2 : 2*ldc+2]
	r3 := c[3*ldc : 3*ldc+2 : 3*ldc+2]
	if accumulate {
		r0[0], r0[1] = r0[0]+c00, r0[1]+c01
		r1[0], r1[1] = r1[0]+c10, r1[1]+c11
		r2[0], r2[1] = r2[0]+c20, r2[1]+c21
		r3[0], r3[1] = r3[0]+c30, r3[1]+c31
		return
	}
	r0[0], r0[1] = c00, c01
	r1[0], r1[1] = c10, c11
	r2[0], r2[1] = c20, c21
	r3[0], r3[1] = c30, c31
}
