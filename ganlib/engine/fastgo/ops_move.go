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
	loops     []*moveLoop
	srcInput  []int
	fillInput int // -1: no fill
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
	inStrides := rowMajorStrides(n.inputs[0].shape.Dimensions)
	srcStride := make([]int, len(inStrides))
	srcOff := 0
	for a := range inStrides {
		srcStride[a] = inStrides[a] * strides[a]
		srcOff += starts[a] * inStrides[a]
	}
	dims := n.shape.Dimensions
	n.native = &movesOp{loops: []*moveLoop{newMoveLoop(dims, rowMajorStrides(dims), srcStride, 0, srcOff)},
		srcInput: []int{0}, fillInput: -1}
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
	inStrides, outStrides := rowMajorStrides(inDims), rowMajorStrides(outDims)
	rank := len(inDims)
	counts := make([]int, rank)
	dstStride := make([]int, rank)
	dstOff, srcOff, covered := 0, 0, 1
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
		srcOff += lo * inStrides[a]
		covered *= counts[a]
	}
	op := &movesOp{fillInput: 1}
	if covered == shapes.Make(n.shape.DType, outDims...).Size() {
		op.fillInput = -1 // every output element is an operand element
	}
	if covered > 0 {
		op.loops = []*moveLoop{newMoveLoop(counts, dstStride, inStrides, max(dstOff, 0), srcOff)}
		op.srcInput = []int{0}
	}
	n.native = op
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
	op := &movesOp{fillInput: -1}
	offset := 0
	for i, in := range n.inputs {
		dims := in.shape.Dimensions
		if in.shape.Size() > 0 {
			op.loops = append(op.loops, newMoveLoop(dims, outStrides, rowMajorStrides(dims), offset*outStrides[axis], 0))
			op.srcInput = append(op.srcInput, i)
		}
		offset += dims[axis]
	}
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
	inStrides := rowMajorStrides(n.inputs[0].shape.Dimensions)
	srcStride := make([]int, len(permutation))
	for i, p := range permutation {
		srcStride[i] = inStrides[p]
	}
	dims := n.shape.Dimensions
	n.native = &movesOp{loops: []*moveLoop{newMoveLoop(dims, rowMajorStrides(dims), srcStride, 0, 0)},
		srcInput: []int{0}, fillInput: -1}
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
	srcStride := rowMajorStrides(dims)
	srcOff := 0
	reversed := make([]bool, len(dims))
	for _, a := range axes {
		if a < 0 {
			a += len(dims)
		}
		reversed[a] = !reversed[a]
	}
	for a, r := range reversed {
		if r && dims[a] > 0 {
			srcOff += (dims[a] - 1) * srcStride[a]
			srcStride[a] = -srcStride[a]
		}
	}
	n.native = &movesOp{loops: []*moveLoop{newMoveLoop(dims, rowMajorStrides(dims), srcStride, 0, srcOff)},
		srcInput: []int{0}, fillInput: -1}
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
	inStrides := rowMajorStrides(inDims)
	dims := n.shape.Dimensions
	srcStride := make([]int, len(dims))
	for i, a := range broadcastAxes {
		if inDims[i] == dims[a] {
			srcStride[a] = inStrides[i]
		}
	}
	n.native = &movesOp{loops: []*moveLoop{newMoveLoop(dims, rowMajorStrides(dims), srcStride, 0, 0)},
		srcInput: []int{0}, fillInput: -1}
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
