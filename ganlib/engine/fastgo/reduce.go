package fastgo

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
)

// reduceOp is a native ReduceSum: the output is zeroed, then every input element is added to its
// output element, walking the input in row-major order (destination stride 0 on reduced axes).
type reduceOp struct {
	loop *moveLoop
	// parallel is set when the outermost merged axis is kept, so parts of it write disjoint outputs.
	parallel bool
}

func (o *reduceOp) run(s *execState, inputs []any, out any) {
	switch out := out.(type) {
	case []float32:
		clear(out)
	case []float64:
		clear(out)
	}
	j := &s.reduce
	j.op, j.out, j.in = o, out, inputs[0]
	j.parts = 1
	if o.parallel && o.loop.size >= minParallelMove {
		j.parts = s.e.backend.workers.parallelism
	}
	s.e.backend.workers.run(j, j.parts, &s.moveWG)
	j.out, j.in = nil, nil
}

type reduceJob struct {
	op      *reduceOp
	out, in any
	parts   int
}

func (j *reduceJob) runPart(part int) {
	l := j.op.loop
	// Split whole iterations of the outermost (kept) axis: other rows of the same iteration may
	// add into the same outputs.
	rows := l.outer()
	from, to := 0, rows
	if j.parts > 1 {
		from, to = partRange(rows, j.parts, part, rows/l.dims[0])
	}
	switch out := j.out.(type) {
	case []float32:
		reduceRows(l, out, j.in.([]float32), from, to)
	case []float64:
		reduceRows(l, out, j.in.([]float64), from, to)
	}
}

// reduceRows adds rows [from, to) of the loop's source into the destination.
func reduceRows[T float](l *moveLoop, dst, src []T, from, to int) {
	rank := len(l.dims)
	inner := l.dims[rank-1]
	dIn, sIn := l.dstStride[rank-1], l.srcStride[rank-1]
	if inner == 0 {
		return
	}
	idx, d, s := l.rowStart(from)
	for row := from; row < to; row++ {
		switch {
		case dIn == 0 && sIn == 1:
			// A whole row into one output (ReduceAllSum, last-axis sums): accumulated in float64,
			// since float32 rounding grows with the row length (a loss's mean over a batch of
			// images, a gradient norm over a million weights) and the conversions cost nothing
			// next to the serial additions. Rows added into a row of outputs (addInto below)
			// still round in T, once per reduced row.
			var sum float64
			for _, v := range src[s : s+inner] {
				sum += float64(v)
			}
			dst[d] += T(sum)
		case dIn == 1 && sIn == 1:
			addInto(dst[d:d+inner], src[s:s+inner])
		default:
			di, si := d, s
			for range inner {
				dst[di] += src[si]
				di += dIn
				si += sIn
			}
		}
		d, s = advanceRow(l.dims, l.dstStride, l.srcStride, &idx, d, s)
	}
}

// ReduceSum implements backends.Builder (native for float32 and float64).
func (b *Builder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	axes = slices.Clone(axes)
	n, err := b.single(backends.OpTypeReduceSum, []backends.Op{x}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.ReduceSum(in[0], slices.Clone(axes)...)
	})
	if err != nil || !isFloatShape(n.shape) {
		return n, err
	}
	inDims := n.inputs[0].shape.Dimensions
	reduced := make([]bool, len(inDims))
	if len(axes) == 0 {
		for a := range reduced {
			reduced[a] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += len(inDims)
		}
		reduced[a] = true
	}
	// Destination strides over the input's axes: row-major over the kept axes, 0 on reduced ones.
	dstStride := make([]int, len(inDims))
	stride := 1
	for a := len(inDims) - 1; a >= 0; a-- {
		if !reduced[a] {
			dstStride[a] = stride
			stride *= inDims[a]
		}
	}
	if stride != n.shape.Size() {
		return n, nil // unexpected output layout: leave it to the inner backend
	}
	loop := newMoveLoop(inDims, dstStride, rowMajorStrides(inDims), 0, 0)
	n.native = &reduceOp{loop: loop, parallel: len(loop.dims) > 1 && loop.dstStride[0] != 0}
	return n, nil
}
