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
