package fastgo

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Native elementwise operations on float32 and float64: operands of equal shapes or one scalar
// operand (other broadcasts run on the inner backend). They split large arrays over the cores
// and write into an operand's buffer when this is its last use (see inPlacer).

// Elementwise operation codes.
const (
	ewAdd = iota
	ewSub
	ewMul
	ewDiv
	ewMax
	ewMin
	ewNeg
	ewAbs
	ewSign
	ewSqrt
	ewRsqrt
)

// inPlacer is a native op that may write its output into one of its inputs' buffers.
type inPlacer interface {
	// inPlaceInputs lists the inputs whose buffer can hold the output (same shape and dtype).
	inPlaceInputs() []int
}

// elemOp is a native elementwise node.
type elemOp struct {
	code int
	// scalar is -1, or which operand (0 or 1) is a scalar broadcast over the other.
	scalar int
	// bcast, if set, broadcasts size-1 axes of either operand.
	bcast   *bcastLoop
	inPlace []int
}

func (o *elemOp) inPlaceInputs() []int { return o.inPlace }

// elemJob runs an elementwise op over ranges of the output.
type elemJob struct {
	op    *elemOp
	out   any
	a, b  any
	parts int
}

func (j *elemJob) runPart(part int) {
	unit := 64
	if l := j.op.bcast; l != nil {
		unit = l.dims[len(l.dims)-1] // whole rows
	}
	switch out := j.out.(type) {
	case []float32:
		from, to := partRange(len(out), j.parts, part, unit)
		if j.op.bcast != nil {
			bcastRange(j.op.code, j.op.bcast, out, j.a.([]float32), j.b.([]float32), from, to)
			return
		}
		elemRange(j.op, out, j.a.([]float32), j.b, from, to)
	case []float64:
		from, to := partRange(len(out), j.parts, part, unit)
		if j.op.bcast != nil {
			bcastRange(j.op.code, j.op.bcast, out, j.a.([]float64), j.b.([]float64), from, to)
			return
		}
		elemRange(j.op, out, j.a.([]float64), j.b, from, to)
	}
}

func (o *elemOp) run(s *execState, inputs []any, out any) {
	j := &s.elem
	j.op, j.out, j.a = o, out, inputs[0]
	j.b = nil
	if len(inputs) > 1 {
		j.b = inputs[1]
	}
	j.parts = 1
	if flatLen(out) >= minParallelMove {
		j.parts = s.e.backend.workers.parallelism
	}
	s.e.backend.workers.run(j, j.parts, &s.moveWG)
	j.out, j.a, j.b = nil, nil, nil
}

// elemRange computes out[from:to].
func elemRange[T float](o *elemOp, out, a []T, bAny any, from, to int) {
	out = out[from:to]
	if bAny == nil {
		unaryLoop(o.code, out, a[from:to])
		return
	}
	b := bAny.([]T)
	switch o.scalar {
	case 0:
		binaryScalarLoop(o.code, out, a[0], b[from:to], true)
	case 1:
		binaryScalarLoop(o.code, out, b[0], a[from:to], false)
	default:
		binaryLoop(o.code, out, a[from:to], b[from:to])
	}
}

func binaryLoop[T float](code int, out, a, b []T) {
	if o, ok := any(out).([]float32); ok && simdBinary32 != nil {
		simdBinary32(code, o, any(a).([]float32), any(b).([]float32))
		return
	}
	a, b = a[:len(out)], b[:len(out)]
	switch code {
	case ewAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case ewSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case ewMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case ewDiv:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	case ewMax:
		for i := range out {
			out[i] = max(a[i], b[i])
		}
	case ewMin:
		for i := range out {
			out[i] = min(a[i], b[i])
		}
	}
}

// binaryScalarLoop computes out = c op x (scalarFirst) or x op c.
func binaryScalarLoop[T float](code int, out []T, c T, x []T, scalarFirst bool) {
	if o, ok := any(out).([]float32); ok && simdBinaryScalar32 != nil {
		simdBinaryScalar32(code, o, any(c).(float32), any(x).([]float32), scalarFirst)
		return
	}
	x = x[:len(out)]
	switch code {
	case ewAdd:
		for i := range out {
			out[i] = x[i] + c
		}
	case ewSub:
		if scalarFirst {
			for i := range out {
				out[i] = c - x[i]
			}
		} else {
			for i := range out {
				out[i] = x[i] - c
			}
		}
	case ewMul:
		for i := range out {
			out[i] = x[i] * c
		}
	case ewDiv:
		if scalarFirst {
			for i := range out {
				out[i] = c / x[i]
			}
		} else {
			for i := range out {
				out[i] = x[i] / c
			}
		}
	case ewMax:
		for i := range out {
			out[i] = max(x[i], c)
		}
	case ewMin:
		for i := range out {
			out[i] = min(x[i], c)
		}
	}
}

func unaryLoop[T float](code int, out, x []T) {
	x = x[:len(out)]
	switch code {
	case ewNeg:
		for i := range out {
			out[i] = -x[i]
		}
	case ewAbs:
		for i := range out {
			out[i] = T(math.Abs(float64(x[i])))
		}
	case ewSign:
		signLoop(out, x)
	case ewSqrt:
		for i := range out {
			out[i] = T(math.Sqrt(float64(x[i])))
		}
	case ewRsqrt:
		for i := range out {
			out[i] = T(1 / math.Sqrt(float64(x[i])))
		}
	}
}

// isFloatShape reports whether the shape holds float32 or float64 values.
func isFloatShape(s shapes.Shape) bool { return s.DType == dtypes.Float32 || s.DType == dtypes.Float64 }

// nativeBinary makes a binary node native when its operands are float and have equal shapes or
// one is a scalar.
func nativeBinary(n *node, code int) {
	if !isFloatShape(n.shape) {
		return
	}
	lhs, rhs := n.inputs[0].shape, n.inputs[1].shape
	op := &elemOp{code: code, scalar: -1}
	switch {
	case lhs.Equal(rhs):
		op.inPlace = []int{0, 1}
	case rhs.IsScalar() && lhs.Equal(n.shape):
		op.scalar, op.inPlace = 1, []int{0}
	case lhs.IsScalar() && rhs.Equal(n.shape):
		op.scalar, op.inPlace = 0, []int{1}
	case lhs.Rank() == rhs.Rank() && lhs.Rank() == n.shape.Rank():
		// Size-1 axes broadcast: walk the output with per-operand strides (0 on broadcast axes).
		dims := n.shape.Dimensions
		aStride := broadcastStrides(lhs.Dimensions, dims)
		bStride := broadcastStrides(rhs.Dimensions, dims)
		op.bcast = newMoveLoop3(dims, aStride, bStride)
		if lhs.Equal(n.shape) {
			op.inPlace = []int{0}
		} else if rhs.Equal(n.shape) {
			op.inPlace = []int{1}
		}
	default:
		return
	}
	n.native = op
}

// broadcastStrides returns an operand's strides over the output dimensions (0 where it has 1).
func broadcastStrides(operand, out []int) []int {
	strides := rowMajorStrides(operand)
	for a := range strides {
		if operand[a] != out[a] {
			strides[a] = 0
		}
	}
	return strides
}

// bcastLoop walks a row-major output with two operands' strides, adjacent axes merged.
type bcastLoop struct {
	dims, aStride, bStride []int
}

func newMoveLoop3(dims, aStride, bStride []int) *bcastLoop {
	l := &bcastLoop{}
	for i, d := range dims {
		if d == 1 {
			continue
		}
		if n := len(l.dims); n > 0 && l.aStride[n-1] == d*aStride[i] && l.bStride[n-1] == d*bStride[i] {
			l.dims[n-1] *= d
			l.aStride[n-1], l.bStride[n-1] = aStride[i], bStride[i]
			continue
		}
		l.dims = append(l.dims, d)
		l.aStride = append(l.aStride, aStride[i])
		l.bStride = append(l.bStride, bStride[i])
	}
	if len(l.dims) == 0 {
		l.dims, l.aStride, l.bStride = []int{1}, []int{1}, []int{1}
	}
	return l
}

// bcastRange computes output elements [from, to) (whole rows of the innermost axis).
func bcastRange[T float](code int, l *bcastLoop, out, a, b []T, from, to int) {
	rank := len(l.dims)
	inner := l.dims[rank-1]
	aIn, bIn := l.aStride[rank-1], l.bStride[rank-1]
	idx, ao, bo := rowOffsets(l.dims, l.aStride, l.bStride, from/inner)
	for o := from; o < to; o += inner {
		row := out[o : o+inner]
		switch {
		case aIn == 1 && bIn == 1:
			binaryLoop(code, row, a[ao:ao+inner], b[bo:bo+inner])
		case aIn == 1 && bIn == 0:
			binaryScalarLoop(code, row, b[bo], a[ao:ao+inner], false)
		case aIn == 0 && bIn == 1:
			binaryScalarLoop(code, row, a[ao], b[bo:bo+inner], true)
		default:
			for i := range row {
				row[i] = binaryOne(code, a[ao+i*aIn], b[bo+i*bIn])
			}
		}
		ao, bo = advanceRow(l.dims, l.aStride, l.bStride, &idx, ao, bo)
	}
}

func (b *Builder) binary(opType backends.OpType, code int, lhs, rhs backends.Op,
	build func(sb backends.Builder, l, r backends.Op) (backends.Op, error)) (backends.Op, error) {
	n, err := b.single(opType, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return build(sb, in[0], in[1])
	})
	if err != nil {
		return nil, err
	}
	nativeBinary(n, code)
	return n, nil
}

func (b *Builder) unary(opType backends.OpType, code int, x backends.Op,
	build func(sb backends.Builder, x backends.Op) (backends.Op, error)) (backends.Op, error) {
	n, err := b.single(opType, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return build(sb, in[0])
	})
	if err != nil {
		return nil, err
	}
	if isFloatShape(n.shape) && n.inputs[0].shape.Equal(n.shape) {
		n.native = &elemOp{code: code, scalar: -1, inPlace: []int{0}}
	}
	return n, nil
}

// Add implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Add(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeAdd, ewAdd, lhs, rhs, backends.Builder.Add)
}

// Sub implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Sub(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeSub, ewSub, lhs, rhs, backends.Builder.Sub)
}

// Mul implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Mul(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMul, ewMul, lhs, rhs, backends.Builder.Mul)
}

// Div implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Div(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeDiv, ewDiv, lhs, rhs, backends.Builder.Div)
}

// Max implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Max(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMax, ewMax, lhs, rhs, backends.Builder.Max)
}

// Min implements backends.Builder (native for float32/float64 of equal shapes or a scalar).
func (b *Builder) Min(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMin, ewMin, lhs, rhs, backends.Builder.Min)
}

// Neg implements backends.Builder (native for float32/float64).
func (b *Builder) Neg(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeNeg, ewNeg, x, backends.Builder.Neg)
}

// Abs implements backends.Builder (native for float32/float64).
func (b *Builder) Abs(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeAbs, ewAbs, x, backends.Builder.Abs)
}

// Sign implements backends.Builder (native for float32/float64).
func (b *Builder) Sign(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeSign, ewSign, x, backends.Builder.Sign)
}

// Sqrt implements backends.Builder (native for float32/float64).
func (b *Builder) Sqrt(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeSqrt, ewSqrt, x, backends.Builder.Sqrt)
}

// Rsqrt implements backends.Builder (native for float32/float64).
func (b *Builder) Rsqrt(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeRsqrt, ewRsqrt, x, backends.Builder.Rsqrt)
}

// signLoop computes Sign branch-free (the signs of activations are random, so branches
// mispredict): ±1 for non-zero numbers, 0 for zeros and NaN (as simplego).
func signLoop[T float](out, x []T) {
	switch x := any(x).(type) {
	case []float32:
		out := any(out).([]float32)
		out = out[:len(x)]
		for i, v := range x {
			bits := math.Float32bits(v)
			mag := bits & 0x7fffffff
			nonZero := (mag | -mag) >> 31
			notNaN := ((0x7f800000 - mag) >> 31) ^ 1
			out[i] = math.Float32frombits(((bits & 0x80000000) | 0x3f800000) * (nonZero & notNaN))
		}
	case []float64:
		out := any(out).([]float64)
		out = out[:len(x)]
		for i, v := range x {
			bits := math.Float64bits(v)
			mag := bits & 0x7fffffffffffffff
			nonZero := (mag | -mag) >> 63
			notNaN := ((0x7ff0000000000000 - mag) >> 63) ^ 1
			out[i] = math.Float64frombits(((bits & 0x8000000000000000) | 0x3ff0000000000000) * (nonZero & notNaN))
		}
	}
}

// binaryOne applies a binary op to one pair of values.
func binaryOne[T float](code int, x, y T) T {
	switch code {
	case ewAdd:
		return x + y
	case ewSub:
		return x - y
	case ewMul:
		return x * y
	case ewDiv:
		return x / y
	case ewMax:
		return max(x, y)
	default:
		return min(x, y)
	}
}
