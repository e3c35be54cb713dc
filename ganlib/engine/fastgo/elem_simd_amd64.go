//go:build goexperiment.simd && amd64

package fastgo

// AVX-512 float32 loops of the elementwise ops (16 lanes), with scalar tails. Max and Min return
// NaN where either operand is NaN, as Go's max and min (VMAXPS alone would return an operand).

import (
	"simd/archsimd"
)

func init() {
	if !simdAvailable {
		return
	}
	simdBinary32 = binary32AVX512
	simdBinaryScalar32 = binaryScalar32AVX512
	simdSelect32 = select32AVX512
	simdCompare32 = compare32AVX512
	simdCopy32 = copy32AVX512
	simdPackRows4 = packRows4AVX512
	simdPackRows32 = packRows32AVX512
	simdAddRows32 = addRows32AVX512
}

func addRows32AVX512(dst []float32, d int, dOffs []int, srcs [][]float32, s int, sOffs []int, n int) {
	for i, src := range srcs {
		out := dst[d+dOffs[i] : d+dOffs[i]+n]
		in := src[s+sOffs[i] : s+sOffs[i]+n]
		j := 0
		for ; j+16 <= n; j += 16 {
			o := vec16(out, j)
			archsimd.LoadFloat32x16(o).Add(archsimd.LoadFloat32x16(vec16(in, j))).Store(o)
		}
		for ; j < n; j++ {
			out[j] += in[j]
		}
	}
}

// packRows32AVX512 copies, for each k, 32 contiguous values of b at start + bk(k0+k) into row k
// of a 32-wide panel.
func packRows32AVX512(panel, b []float32, start int, bk *axisMap, k0, kc int) {
	panel = panel[:32*kc]
	for kk := range kc {
		off := start + bk.at(k0+kk)
		src := b[off : off+32]
		archsimd.LoadFloat32x16(vec16(src, 0)).Store(vec16(panel, 32*kk))
		archsimd.LoadFloat32x16(vec16(src, 16)).Store(vec16(panel, 32*kk+16))
	}
}

// Permutation indices interleaving 4 rows of 16 values into [k][r] order (a 4x16 transpose).
var (
	interleavePairLo, interleavePairHi [16]uint32 // x[j], y[j] for j in 0..7 (lo) or 8..15 (hi)
	interleaveQuad0, interleaveQuad1   [16]uint32 // pairs of pairs
)

func init() {
	for i := range 16 {
		j := uint32(i / 2)
		if i%2 == 0 {
			interleavePairLo[i], interleavePairHi[i] = j, 8+j
		} else {
			interleavePairLo[i], interleavePairHi[i] = 16+j, 16+8+j
		}
		w := uint32(i % 4)
		for o, dst := range []*[16]uint32{&interleaveQuad0, &interleaveQuad1} {
			q := uint32(4*o + i/4)
			if w < 2 {
				dst[i] = 2*q + w
			} else {
				dst[i] = 16 + 2*q + w - 2
			}
		}
	}
}

// packRows4AVX512 writes panel[4k+r] = rows[r][k] for k < kc.
func packRows4AVX512(panel, r0, r1, r2, r3 []float32, kc int) {
	pl, ph := archsimd.LoadUint32x16(&interleavePairLo), archsimd.LoadUint32x16(&interleavePairHi)
	q0, q1 := archsimd.LoadUint32x16(&interleaveQuad0), archsimd.LoadUint32x16(&interleaveQuad1)
	panel = panel[:4*kc]
	r0, r1, r2, r3 = r0[:kc], r1[:kc], r2[:kc], r3[:kc]
	k := 0
	for ; k+16 <= kc; k += 16 {
		a, b := archsimd.LoadFloat32x16(vec16(r0, k)), archsimd.LoadFloat32x16(vec16(r1, k))
		c, d := archsimd.LoadFloat32x16(vec16(r2, k)), archsimd.LoadFloat32x16(vec16(r3, k))
		abLo, abHi := a.ConcatPermute(b, pl), a.ConcatPermute(b, ph)
		cdLo, cdHi := c.ConcatPermute(d, pl), c.ConcatPermute(d, ph)
		abLo.ConcatPermute(cdLo, q0).Store(vec16(panel, 4*k))
		abLo.ConcatPermute(cdLo, q1).Store(vec16(panel, 4*k+16))
		abHi.ConcatPermute(cdHi, q0).Store(vec16(panel, 4*k+32))
		abHi.ConcatPermute(cdHi, q1).Store(vec16(panel, 4*k+48))
	}
	for ; k < kc; k++ {
		panel[4*k], panel[4*k+1], panel[4*k+2], panel[4*k+3] = r0[k], r1[k], r2[k], r3[k]
	}
}

func copy32AVX512(dst, src []float32) {
	archsimd.LoadFloat32x16(vec16(src, 0)).Store(vec16(dst, 0))
	archsimd.LoadFloat32x16(vec16(src, 16)).Store(vec16(dst, 16))
}

func vec16(s []float32, i int) *[16]float32 { return (*[16]float32)(s[i : i+16]) }

func binaryVec(code int, x, y archsimd.Float32x16) archsimd.Float32x16 {
	switch code {
	case ewAdd:
		return x.Add(y)
	case ewSub:
		return x.Sub(y)
	case ewMul:
		return x.Mul(y)
	case ewDiv:
		return x.Div(y)
	case ewMax:
		return x.Add(y).Merge(x.Max(y), x.IsNaN().Or(y.IsNaN()))
	default:
		return x.Add(y).Merge(x.Min(y), x.IsNaN().Or(y.IsNaN()))
	}
}

func binary32AVX512(code int, out, a, b []float32) {
	n := len(out)
	a, b = a[:n], b[:n]
	i := 0
	switch code {
	case ewAdd:
		for ; i+16 <= n; i += 16 {
			archsimd.LoadFloat32x16(vec16(a, i)).Add(archsimd.LoadFloat32x16(vec16(b, i))).Store(vec16(out, i))
		}
	case ewSub:
		for ; i+16 <= n; i += 16 {
			archsimd.LoadFloat32x16(vec16(a, i)).Sub(archsimd.LoadFloat32x16(vec16(b, i))).Store(vec16(out, i))
		}
	case ewMul:
		for ; i+16 <= n; i += 16 {
			archsimd.LoadFloat32x16(vec16(a, i)).Mul(archsimd.LoadFloat32x16(vec16(b, i))).Store(vec16(out, i))
		}
	default:
		for ; i+16 <= n; i += 16 {
			binaryVec(code, archsimd.LoadFloat32x16(vec16(a, i)), archsimd.LoadFloat32x16(vec16(b, i))).Store(vec16(out, i))
		}
	}
	for ; i < n; i++ {
		out[i] = binaryOne(code, a[i], b[i])
	}
}

func binaryScalar32AVX512(code int, out []float32, c float32, x []float32, scalarFirst bool) {
	n := len(out)
	x = x[:n]
	cv := archsimd.BroadcastFloat32x16(c)
	i := 0
	switch {
	case code == ewMul:
		for ; i+16 <= n; i += 16 {
			archsimd.LoadFloat32x16(vec16(x, i)).Mul(cv).Store(vec16(out, i))
		}
	case code == ewAdd:
		for ; i+16 <= n; i += 16 {
			archsimd.LoadFloat32x16(vec16(x, i)).Add(cv).Store(vec16(out, i))
		}
	case scalarFirst:
		for ; i+16 <= n; i += 16 {
			binaryVec(code, cv, archsimd.LoadFloat32x16(vec16(x, i))).Store(vec16(out, i))
		}
	default:
		for ; i+16 <= n; i += 16 {
			binaryVec(code, archsimd.LoadFloat32x16(vec16(x, i)), cv).Store(vec16(out, i))
		}
	}
	for ; i < n; i++ {
		if scalarFirst {
			out[i] = binaryOne(code, c, x[i])
		} else {
			out[i] = binaryOne(code, x[i], c)
		}
	}
}

// condMask returns the mask of 16 bools (bytes 0 or 1).
func condMask(c []uint8, i int) archsimd.Mask32x16 {
	return archsimd.LoadUint8x16((*[16]uint8)(c[i : i+16])).ExtendToUint32().AsInt32x16().ToMask()
}

func select32AVX512(dst []float32, cond []bool, t, f []float32, tScalar, fScalar bool) {
	n := len(dst)
	c := boolBytes(cond)[:n]
	var tv, fv archsimd.Float32x16
	if tScalar {
		tv = archsimd.BroadcastFloat32x16(t[0])
	} else {
		t = t[:n]
	}
	if fScalar {
		fv = archsimd.BroadcastFloat32x16(f[0])
	} else {
		f = f[:n]
	}
	i := 0
	for ; i+16 <= n; i += 16 {
		if !tScalar {
			tv = archsimd.LoadFloat32x16(vec16(t, i))
		}
		if !fScalar {
			fv = archsimd.LoadFloat32x16(vec16(f, i))
		}
		tv.Merge(fv, condMask(c, i)).Store(vec16(dst, i))
	}
	for ; i < n; i++ {
		ti, fi := t[0], f[0]
		if !tScalar {
			ti = t[i]
		}
		if !fScalar {
			fi = f[i]
		}
		if c[i] != 0 {
			dst[i] = ti
		} else {
			dst[i] = fi
		}
	}
}

func compareVec(code int, x, y archsimd.Float32x16) archsimd.Mask32x16 {
	switch code {
	case cmpGE:
		return x.GreaterEqual(y)
	case cmpGT:
		return x.Greater(y)
	case cmpLE:
		return x.LessEqual(y)
	case cmpLT:
		return x.Less(y)
	case cmpEQ:
		return x.Equal(y)
	default:
		return x.NotEqual(y)
	}
}

func compare32AVX512(code int, dst []bool, a, b []float32, scalar int) {
	n := len(dst)
	out := boolBytes(dst)
	one := archsimd.BroadcastInt32x16(1)
	var av, bv archsimd.Float32x16
	if scalar == 0 {
		av = archsimd.BroadcastFloat32x16(a[0])
	} else {
		a = a[:n]
	}
	if scalar == 1 {
		bv = archsimd.BroadcastFloat32x16(b[0])
	} else {
		b = b[:n]
	}
	i := 0
	for ; i+16 <= n; i += 16 {
		if scalar != 0 {
			av = archsimd.LoadFloat32x16(vec16(a, i))
		}
		if scalar != 1 {
			bv = archsimd.LoadFloat32x16(vec16(b, i))
		}
		compareVec(code, av, bv).ToInt32x16().And(one).TruncateToInt8().AsUint8x16().Store((*[16]uint8)(out[i : i+16]))
	}
	for ; i < n; i++ {
		x, y := a[min(i, len(a)-1)], b[min(i, len(b)-1)]
		if scalar == 0 {
			x = a[0]
		}
		if scalar == 1 {
			y = b[0]
		}
		dst[i] = compareOne(code, x, y)
	}
}
