package fastgo

import (
	"math"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
)

// Native comparisons of float32/float64 values (into bool arrays) and Where, which gradients of
// Max/Min (and masks in general) are made of.

const (
	cmpGE = iota
	cmpGT
	cmpLE
	cmpLT
	cmpEQ
	cmpNE
)

// cmpOp compares two float operands of equal shapes, or one of them a scalar.
type cmpOp struct {
	code   int
	scalar int // -1, or the operand (0 or 1) that is a scalar
}

func (o *cmpOp) run(s *execState, inputs []any, out any) {
	dst := out.([]bool)
	switch a := inputs[0].(type) {
	case []float32:
		compareLoop(o, dst, a, inputs[1].([]float32))
	case []float64:
		compareLoop(o, dst, a, inputs[1].([]float64))
	}
}

func compareLoop[T float](o *cmpOp, dst []bool, a, b []T) {
	if a32, ok := any(a).([]float32); ok && simdCompare32 != nil {
		simdCompare32(o.code, dst, a32, any(b).([]float32), o.scalar)
		return
	}
	switch o.scalar {
	case 0:
		c := a[0]
		b = b[:len(dst)]
		for i := range dst {
			dst[i] = compareOne(o.code, c, b[i])
		}
	case 1:
		c := b[0]
		a = a[:len(dst)]
		for i := range dst {
			dst[i] = compareOne(o.code, a[i], c)
		}
	default:
		a, b = a[:len(dst)], b[:len(dst)]
		switch o.code {
		case cmpGE:
			for i := range dst {
				dst[i] = a[i] >= b[i]
			}
		case cmpGT:
			for i := range dst {
				dst[i] = a[i] > b[i]
			}
		default:
			for i := range dst {
				dst[i] = compareOne(o.code, a[i], b[i])
			}
		}
	}
}

func compareOne[T float](code int, x, y T) bool {
	switch code {
	case cmpGE:
		return x >= y
	case cmpGT:
		return x > y
	case cmpLE:
		return x <= y
	case cmpLT:
		return x < y
	case cmpEQ:
		return x == y
	default:
		return x != y
	}
}

func (b *Builder) compare(opType backends.OpType, code int, lhs, rhs backends.Op,
	build func(sb backends.Builder, l, r backends.Op) (backends.Op, error)) (backends.Op, error) {
	n, err := b.single(opType, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return build(sb, in[0], in[1])
	})
	if err != nil {
		return nil, err
	}
	l, r := n.inputs[0].shape, n.inputs[1].shape
	if !isFloatShape(l) {
		return n, nil
	}
	op := &cmpOp{code: code, scalar: -1}
	switch {
	case l.Equal(r):
	case r.IsScalar() && l.Size() == n.shape.Size():
		op.scalar = 1
	case l.IsScalar() && r.Size() == n.shape.Size():
		op.scalar = 0
	default:
		return n, nil
	}
	n.native = op
	return n, nil
}

// GreaterOrEqual implements backends.Builder (native for float32/float64).
func (b *Builder) GreaterOrEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeGreaterOrEqual, cmpGE, lhs, rhs, backends.Builder.GreaterOrEqual)
}

// GreaterThan implements backends.Builder (native for float32/float64).
func (b *Builder) GreaterThan(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeGreaterThan, cmpGT, lhs, rhs, backends.Builder.GreaterThan)
}

// LessOrEqual implements backends.Builder (native for float32/float64).
func (b *Builder) LessOrEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeLessOrEqual, cmpLE, lhs, rhs, backends.Builder.LessOrEqual)
}

// LessThan implements backends.Builder (native for float32/float64).
func (b *Builder) LessThan(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeLessThan, cmpLT, lhs, rhs, backends.Builder.LessThan)
}

// Equal implements backends.Builder (native for float32/float64).
func (b *Builder) Equal(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeEqual, cmpEQ, lhs, rhs, backends.Builder.Equal)
}

// NotEqual implements backends.Builder (native for float32/float64).
func (b *Builder) NotEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.compare(backends.OpTypeNotEqual, cmpNE, lhs, rhs, backends.Builder.NotEqual)
}

// whereOp selects between two float operands (each of the output's shape or a scalar) with a
// bool condition of the output's shape.
type whereOp struct {
	trueScalar, falseScalar bool
	inPlace                 []int
}

func (o *whereOp) inPlaceInputs() []int { return o.inPlace }

func (o *whereOp) run(s *execState, inputs []any, out any) {
	cond := inputs[0].([]bool)
	switch dst := out.(type) {
	case []float32:
		whereLoop(o, dst, cond, inputs[1].([]float32), inputs[2].([]float32))
	case []float64:
		whereLoop(o, dst, cond, inputs[1].([]float64), inputs[2].([]float64))
	}
}

func whereLoop[T float](o *whereOp, dst []T, cond []bool, onTrue, onFalse []T) {
	// Branch-free: masks are random (signs of activations), so branches would mispredict.
	switch dst := any(dst).(type) {
	case []float32:
		selectBits32(dst, cond, any(onTrue).([]float32), any(onFalse).([]float32), o.trueScalar, o.falseScalar)
	case []float64:
		selectBits64(dst, cond, any(onTrue).([]float64), any(onFalse).([]float64), o.trueScalar, o.falseScalar)
	}
}

// boolBytes returns the bytes (0 or 1) of a bool slice.
func boolBytes(cond []bool) []uint8 {
	return unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(cond))), len(cond))
}

// selectBits32 sets dst[i] = cond[i] ? t[i] : f[i] with bit masks (t or f may be scalars).
func selectBits32(dst []float32, cond []bool, t, f []float32, tScalar, fScalar bool) {
	if simdSelect32 != nil {
		simdSelect32(dst, cond, t, f, tScalar, fScalar)
		return
	}
	c := boolBytes(cond)[:len(dst)]
	var tb, fb uint32
	if tScalar {
		tb = math.Float32bits(t[0])
	} else {
		t = t[:len(dst)]
	}
	if fScalar {
		fb = math.Float32bits(f[0])
	} else {
		f = f[:len(dst)]
	}
	for i := range dst {
		mask := -uint32(c[i] & 1)
		ti, fi := tb, fb
		if !tScalar {
			ti = math.Float32bits(t[i])
		}
		if !fScalar {
			fi = math.Float32bits(f[i])
		}
		dst[i] = math.Float32frombits(ti&mask | fi&^mask)
	}
}

// selectBits64 is selectBits32 for float64.
func selectBits64(dst []float64, cond []bool, t, f []float64, tScalar, fScalar bool) {
	c := boolBytes(cond)[:len(dst)]
	var tb, fb uint64
	if tScalar {
		tb = math.Float64bits(t[0])
	} else {
		t = t[:len(dst)]
	}
	if fScalar {
		fb = math.Float64bits(f[0])
	} else {
		f = f[:len(dst)]
	}
	for i := range dst {
		mask := -uint64(c[i] & 1)
		ti, fi := tb, fb
		if !tScalar {
			ti = math.Float64bits(t[i])
		}
		if !fScalar {
			fi = math.Float64bits(f[i])
		}
		dst[i] = math.Float64frombits(ti&mask | fi&^mask)
	}
}

// Where implements backends.Builder (native for float32/float64 with a condition of the output's
// shape).
func (b *Builder) Where(condition, onTrue, onFalse backends.Op) (backends.Op, error) {
	n, err := b.single(backends.OpTypeWhere, []backends.Op{condition, onTrue, onFalse}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Where(in[0], in[1], in[2])
	})
	if err != nil || !isFloatShape(n.shape) {
		return n, err
	}
	c, t, f := n.inputs[0].shape, n.inputs[1].shape, n.inputs[2].shape
	if c.Size() != n.shape.Size() || c.Rank() != n.shape.Rank() {
		return n, nil
	}
	op := &whereOp{trueScalar: t.IsScalar() && !t.Equal(n.shape), falseScalar: f.IsScalar() && !f.Equal(n.shape)}
	if (!op.trueScalar && !t.Equal(n.shape)) || (!op.falseScalar && !f.Equal(n.shape)) {
		return n, nil
	}
	if !op.trueScalar {
		op.inPlace = append(op.inPlace, 1)
	}
	if !op.falseScalar {
		op.inPlace = append(op.inPlace, 2)
	}
	n.native = op
	return n, nil
}

// selectBits sets dst[i] = cond[i] ? t[i] : f[i] with bit masks (t or f may be scalars).
func selectBits[T float, U uint32 | uint64](dst []T, cond []bool, t, f []T, tScalar, fScalar bool,
	bits func(T) U, frombits func(U) T) {
	c := unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(cond))), len(cond))[:len(dst)]
	switch {
	case !tScalar && !fScalar:
		t, f = t[:len(dst)], f[:len(dst)]
		for i := range dst {
			mask := -U(c[i] & 1)
			dst[i] = frombits(bits(t[i])&mask | bits(f[i])&^mask)
		}
	case !tScalar:
		t = t[:len(dst)]
		fb := bits(f[0])
		for i := range dst {
			mask := -U(c[i] & 1)
			dst[i] = frombits(bits(t[i])&mask | fb&^mask)
		}
	case !fScalar:
		f = f[:len(dst)]
		tb := bits(t[0])
		for i := range dst {
			mask := -U(c[i] & 1)
			dst[i] = frombits(tb&mask | bits(f[i])&^mask)
		}
	default:
		tb, fb := bits(t[0]), bits(f[0])
		for i := range dst {
			mask := -U(c[i] & 1)
			dst[i] = frombits(tb&mask | fb&^mask)
		}
	}
}
