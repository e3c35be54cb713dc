package fastgo

// Data movement (Slice, Pad, Concatenate, Transpose, Reverse, BroadcastInDim) as strided copies
// planned at build time: every one of these ops copies a box of its input to a box of its output
// with per-axis strides (zero for broadcast axes, negative for reversed ones). Adjacent axes that
// are contiguous in both are merged, so the inner loop is usually a copy() or a fill.

// moveLoop copies src[srcOff + Σ i_a·srcStride_a] to dst[dstOff + Σ i_a·dstStride_a] for every
// multi-index i over dims.
type moveLoop struct {
	dims           []int
	dstStride      []int
	srcStride      []int
	dstOff, srcOff int
	size           int // product of dims
}

// rowMajorStrides returns the strides of a row-major array of the given dimensions.
func rowMajorStrides(dims []int) []int {
	strides := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		strides[i] = s
		s *= dims[i]
	}
	return strides
}

// newMoveLoop simplifies a move: drops unit axes and merges adjacent axes that are contiguous in
// both source and destination.
func newMoveLoop(dims, dstStride, srcStride []int, dstOff, srcOff int) *moveLoop {
	l := &moveLoop{dstOff: dstOff, srcOff: srcOff, size: 1}
	for a, d := range dims {
		l.size *= d
		if d == 1 {
			continue
		}
		if n := len(l.dims); n > 0 && l.dstStride[n-1] == d*dstStride[a] && l.srcStride[n-1] == d*srcStride[a] {
			l.dims[n-1] *= d
			l.dstStride[n-1] = dstStride[a]
			l.srcStride[n-1] = srcStride[a]
			continue
		}
		l.dims = append(l.dims, d)
		l.dstStride = append(l.dstStride, dstStride[a])
		l.srcStride = append(l.srcStride, srcStride[a])
	}
	if l.size == 0 {
		l.dims, l.dstStride, l.srcStride = []int{0}, []int{1}, []int{1}
	}
	if len(l.dims) == 0 {
		l.dims, l.dstStride, l.srcStride = []int{1}, []int{1}, []int{1}
	}
	return l
}

// outer returns the number of inner rows (iterations of all axes but the last).
func (l *moveLoop) outer() int {
	n := 1
	for _, d := range l.dims[:len(l.dims)-1] {
		n *= d
	}
	return n
}

// rowStart returns the outer-axis indices of row `from` (an iteration of all axes but the last)
// and the destination and source offsets of its first element.
func (l *moveLoop) rowStart(from int) (idx [16]int, d, s int) {
	idx, d, s = rowOffsets(l.dims, l.dstStride, l.srcStride, from)
	return idx, d + l.dstOff, s + l.srcOff
}

// rowOffsets returns, for a row-major loop over dims whose elements sit at offsets given by two
// sets of strides (each loop here walks two arrays at once), the outer-axis indices of row `from`
// and the offsets of its first element in both arrays.
func rowOffsets(dims, strideA, strideB []int, from int) (idx [16]int, a, b int) {
	rem := from
	for ax := len(dims) - 2; ax >= 0; ax-- {
		idx[ax] = rem % dims[ax]
		rem /= dims[ax]
		a += idx[ax] * strideA[ax]
		b += idx[ax] * strideB[ax]
	}
	return idx, a, b
}

// advanceRow increments the outer-axis indices idx of a row of that loop and returns the offsets
// a, b of the next row's first element.
func advanceRow(dims, strideA, strideB []int, idx *[16]int, a, b int) (int, int) {
	for ax := len(dims) - 2; ax >= 0; ax-- {
		idx[ax]++
		a += strideA[ax]
		b += strideB[ax]
		if idx[ax] < dims[ax] {
			break
		}
		a -= idx[ax] * strideA[ax]
		b -= idx[ax] * strideB[ax]
		idx[ax] = 0
	}
	return a, b
}

// run copies rows [from, to) of the loop (rows: iterations of the outer axes).
func moveRows[T any](l *moveLoop, dst, src []T, from, to int) {
	rank := len(l.dims)
	inner := l.dims[rank-1]
	dIn, sIn := l.dstStride[rank-1], l.srcStride[rank-1]
	if inner == 0 {
		return
	}
	idx, d, s := l.rowStart(from)
	for row := from; row < to; row++ {
		switch {
		case dIn == 1 && sIn == 1:
			copy(dst[d:d+inner], src[s:s+inner])
		case dIn == 1 && sIn == 0:
			v := src[s]
			out := dst[d : d+inner]
			for i := range out {
				out[i] = v
			}
		default:
			di, si := d, s
			for range inner {
				dst[di] = src[si]
				di += dIn
				si += sIn
			}
		}
		d, s = advanceRow(l.dims, l.dstStride, l.srcStride, &idx, d, s)
	}
}

// minParallelMove is the smallest move (in elements) split over cores.
const minParallelMove = 1 << 16

// moveJob runs a list of moves (and an optional fill) split over the workers by rows.
type moveJob struct {
	loops []*moveLoop
	dst   any
	srcs  []any // one per loop
	parts int
	// add makes the loops add into the destination instead of storing (accumulateOp).
	add bool
}

func (j *moveJob) runPart(part int) {
	for i, l := range j.loops {
		rows := l.outer()
		from, to := partRange(rows, j.parts, part, 1)
		switch dst := j.dst.(type) {
		case []float32:
			if j.add {
				reduceRows(l, dst, j.srcs[i].([]float32), from, to)
			} else {
				moveRows(l, dst, j.srcs[i].([]float32), from, to)
			}
		case []float64:
			if j.add {
				reduceRows(l, dst, j.srcs[i].([]float64), from, to)
			} else {
				moveRows(l, dst, j.srcs[i].([]float64), from, to)
			}
		}
	}
}

// runMoves executes the loops (loop i reading srcs[i]) into dst, over the cores when large.
func (s *execState) runMoves(loops []*moveLoop, dst any, srcs []any) {
	total := 0
	for _, l := range loops {
		total += l.size
	}
	j := &s.move
	j.loops, j.dst, j.srcs = loops, dst, srcs
	j.parts = 1
	if total >= minParallelMove {
		j.parts = s.e.backend.workers.parallelism
	}
	s.e.backend.workers.run(j, j.parts, &s.moveWG)
	j.loops, j.dst, j.srcs, j.add = nil, nil, nil, false
}

// fillJob fills a slice with a value over the cores.
type fillJob struct {
	dst   any
	v32   float32
	v64   float64
	parts int
}

func (j *fillJob) runPart(part int) {
	switch dst := j.dst.(type) {
	case []float32:
		from, to := partRange(len(dst), j.parts, part, 1)
		fillSlice(dst[from:to], j.v32)
	case []float64:
		from, to := partRange(len(dst), j.parts, part, 1)
		fillSlice(dst[from:to], j.v64)
	}
}

func fillSlice[T float](s []T, v T) {
	if v == 0 {
		clear(s)
		return
	}
	for i := range s {
		s[i] = v
	}
}

// runFill fills dst with the first value of src (flat slices of the same dtype).
func (s *execState) runFill(dst any, src any) {
	j := &s.fill
	j.dst, j.parts = dst, 1
	switch src := src.(type) {
	case []float32:
		j.v32 = src[0]
	case []float64:
		j.v64 = src[0]
	}
	if flatLen(dst) >= minParallelMove {
		j.parts = s.e.backend.workers.parallelism
	}
	s.e.backend.workers.run(j, j.parts, &s.moveWG)
	j.dst = nil
}

func flatLen(flat any) int {
	switch f := flat.(type) {
	case []float32:
		return len(f)
	case []float64:
		return len(f)
	}
	return 0
}
