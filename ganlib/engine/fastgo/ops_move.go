package fastgo

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// movesOp is a native data-movement node: an optional fill of the output with the first value of
// input fillInput, then strided copies, loop i reading input srcInput[i].
type movesOp struct {
	raws      []*rawLoop
	loops     []*moveLoop // raws compiled (see finish)
	srcInput  []int
	fillInput int // -1: no fill
	// Parameters the fusion pass reads.
	sliceStarts, sliceStrides []int // Slice
	concatAxis                int   // Concatenate
}

// newMovesOp returns a movesOp of the given loops, compiled.
func newMovesOp(fillInput int, raws ...*rawLoop) *movesOp {
	o := &movesOp{raws: raws, fillInput: fillInput}
	o.finish()
	return o
}

// finish (re)compiles the raw loops.
func (o *movesOp) finish() {
	o.loops, o.srcInput = o.loops[:0], o.srcInput[:0]
	for _, r := range o.raws {
		o.loops = append(o.loops, r.compile())
		o.srcInput = append(o.srcInput, r.input)
	}
}

func (o *movesOp) run(s *execState, inputs []any, out any) {
	if o.fillInput >= 0 {
		s.runFill(out, inputs[o.fillInput])
	}
	s.srcs = s.srcs[:0]
	for _, i := range o.srcInput {
		s.srcs = append(s.srcs, inputs[i])
	}
	s.runMoves(o.loops, out, s.srcs)
	clear(s.srcs)
}

// movable reports whether the node's values are moved natively (float32 and float64).
func movable(n *node) bool {
	return n.shape.DType == dtypes.Float32 || n.shape.DType == dtypes.Float64
}

// Slice implements backends.Builder (native for float32 and float64).
func (b *Builder) Slice(x backends.Op, starts, limits, strides []int) (backends.Op, error) {
	starts, limits, strides = slices.Clone(starts), slices.Clone(limits), slices.Clone(strides)
	n, err := b.single(backends.OpTypeSlice, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Slice(in[0], slices.Clone(starts), slices.Clone(limits), slices.Clone(strides))
	})
	if err != nil || !movable(n) {
		return n, err
	}
	dims := n.shape.Dimensions
	r := identityRaw(dims, rowMajorStrides(dims), 0, 0)
	r.srcDims, r.srcStep, r.srcStart = n.inputs[0].shape.Dimensions, strides, starts
	op := newMovesOp(-1, r)
	op.sliceStarts, op.sliceStrides = starts, strides
	n.native = op
	return n, nil
}

// Pad implements backends.Builder (native for float32 and float64): the output is filled, then
// the operand copied to its (strided, possibly cropped) positions.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	axesConfig = slices.Clone(axesConfig)
	inputs, err := b.checkOps("Pad", x, fillValue)
	if err != nil {
		return nil, err
	}
	if !movable(inputs[0]) {
		return b.singleOp(backends.OpTypePad, []backends.Op{x, fillValue}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
			return sb.Pad(in[0], in[1], slices.Clone(axesConfig)...)
		})
	}
	shape, err := padShape(inputs[0].shape, inputs[1].shape, axesConfig)
	if err != nil {
		return nil, err
	}
	n := b.newNode(kindOp, backends.OpTypePad, shape, inputs)
	inDims, outDims := n.inputs[0].shape.Dimensions, n.shape.Dimensions
	outStrides := rowMajorStrides(outDims)
	rank := len(inDims)
	counts := make([]int, rank)
	dstStride := make([]int, rank)
	srcStart := make([]int, rank)
	dstOff, covered := 0, 1
	for a := range rank {
		var cfg backends.PadAxis
		if a < len(axesConfig) {
			cfg = axesConfig[a]
		}
		step := cfg.Interior + 1
		// Input element i lands at cfg.Start + i*step; keep those inside [0, outDims[a]).
		lo := 0
		if cfg.Start < 0 {
			lo = (-cfg.Start + step - 1) / step
		}
		hi := inDims[a] // exclusive
		if hi > 0 {
			last := (outDims[a] - 1 - cfg.Start) // largest position index allowed, relative
			if last < 0 {
				hi = 0
			} else {
				hi = min(hi, last/step+1)
			}
		}
		counts[a] = max(hi-lo, 0)
		dstStride[a] = outStrides[a] * step
		dstOff += (cfg.Start + lo*step) * outStrides[a]
		srcStart[a] = lo
		covered *= counts[a]
	}
	fill := 1
	if covered == shapes.Make(n.shape.DType, outDims...).Size() {
		fill = -1 // every output element is an operand element
	}
	var raws []*rawLoop
	if covered > 0 {
		r := identityRaw(counts, dstStride, dstOff, 0)
		r.srcDims, r.srcStart = inDims, srcStart
		raws = append(raws, r)
	}
	n.native = newMovesOp(fill, raws...)
	return n, nil
}

// Concatenate implements backends.Builder (native for float32 and float64).
func (b *Builder) Concatenate(axis int, operands ...backends.Op) (backends.Op, error) {
	n, err := b.single(backends.OpTypeConcatenate, slices.Clone(operands), func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Concatenate(axis, in...)
	})
	if err != nil || !movable(n) {
		return n, err
	}
	outDims := n.shape.Dimensions
	if axis < 0 {
		axis += len(outDims)
	}
	outStrides := rowMajorStrides(outDims)
	var raws []*rawLoop
	offset := 0
	for i, in := range n.inputs {
		dims := in.shape.Dimensions
		if in.shape.Size() > 0 {
			raws = append(raws, identityRaw(dims, outStrides, offset*outStrides[axis], i))
		}
		offset += dims[axis]
	}
	op := newMovesOp(-1, raws...)
	op.concatAxis = axis
	n.native = op
	return n, nil
}

// Transpose implements backends.Builder (native for float32 and float64).
func (b *Builder) Transpose(x backends.Op, permutation ...int) (backends.Op, error) {
	permutation = slices.Clone(permutation)
	n, err := b.single(backends.OpTypeTranspose, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.Transpose(in[0], slices.Clone(permutation)...)
	})
	if err != nil || !movable(n) {
		return n, err
	}
	dims := n.shape.Dimensions
	r := identityRaw(dims, rowMajorStrides(dims), 0, 0)
	r.srcDims = n.inputs[0].shape.Dimensions
	copy(r.srcAxis, permutation)
	n.native = newMovesOp(-1, r)
	return n, nil
}

// Reverse implements backends.Builder (native for float32 and float64).
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	axes = slices.Clone(axes)
	inputs, err := b.checkOps("Reverse", x)
	if err != nil {
		return nil, err
	}
	if !movable(inputs[0]) {
		return b.singleOp(backends.OpTypeReverse, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
			return sb.Reverse(in[0], slices.Clone(axes)...)
		})
	}
	dims := inputs[0].shape.Dimensions
	for _, a := range axes {
		if a < -len(dims) || a >= len(dims) {
			return nil, errors.Errorf("Reverse: axis %d out of range for shape %s", a, inputs[0].shape)
		}
	}
	n := b.newNode(kindOp, backends.OpTypeReverse, inputs[0].shape.Clone(), inputs)
	reversed := make([]bool, len(dims))
	for _, a := range axes {
		if a < 0 {
			a += len(dims)
		}
		reversed[a] = !reversed[a]
	}
	r := identityRaw(dims, rowMajorStrides(dims), 0, 0)
	for a, rev := range reversed {
		if rev && dims[a] > 0 {
			r.srcStart[a], r.srcStep[a] = dims[a]-1, -1
		}
	}
	n.native = newMovesOp(-1, r)
	return n, nil
}

// BroadcastInDim implements backends.Builder (native for float32 and float64).
func (b *Builder) BroadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	outputShape, broadcastAxes = outputShape.Clone(), slices.Clone(broadcastAxes)
	n, err := b.single(backends.OpTypeBroadcastInDim, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.BroadcastInDim(in[0], outputShape.Clone(), slices.Clone(broadcastAxes))
	})
	if err != nil || !movable(n) {
		return n, err
	}
	inDims := n.inputs[0].shape.Dimensions
	dims := n.shape.Dimensions
	r := &rawLoop{dims: dims, dstStride: rowMajorStrides(dims), srcDims: inDims, srcAxis: make([]int, len(dims)),
		srcStep: make([]int, len(dims)), srcStart: make([]int, len(inDims))}
	for i := range r.srcAxis {
		r.srcAxis[i] = -1
	}
	for i, a := range broadcastAxes {
		if inDims[i] == dims[a] {
			r.srcAxis[a], r.srcStep[a] = i, 1
		}
	}
	n.native = newMovesOp(-1, r)
	return n, nil
}

// padShape infers the shape of Pad (the inner backend may lack Pad).
func padShape(x, fill shapes.Shape, axesConfig []backends.PadAxis) (shapes.Shape, error) {
	if !fill.IsScalar() || fill.DType != x.DType {
		return shapes.Invalid(), errors.Errorf("Pad: fill value must be a scalar of %s, got %s", x.DType, fill)
	}
	if len(axesConfig) > x.Rank() {
		return shapes.Invalid(), errors.Errorf("Pad: %d axes configured for operand of shape %s", len(axesConfig), x)
	}
	out := x.Clone()
	for a, cfg := range axesConfig {
		if cfg.Interior < 0 {
			return shapes.Invalid(), errors.Errorf("Pad: negative interior padding %d on axis %d", cfg.Interior, a)
		}
		d := x.Dimensions[a]
		size := cfg.Start + cfg.End + d
		if d > 0 {
			size += (d - 1) * cfg.Interior
		}
		if size < 0 {
			return shapes.Invalid(), errors.Errorf("Pad: negative padding (%d, %d) on axis %d removes more than its %d elements",
				cfg.Start, cfg.End, a, d)
		}
		out.Dimensions[a] = size
	}
	return out, nil
}
