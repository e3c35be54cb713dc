package fastgo

import (
	"os"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
)

// Graph rewrites done when a graph is compiled, for what im2col convolutions and their
// gradients build:
//
//  1. accumulate: Add(acc, Pad(y, 0)) where the Pad has no other consumer becomes acc += y at the
//     padded positions (in place when acc's buffer is free), so summing the gradients of the k*k
//     windows of an im2col convolution (col2im) makes no full-size zero-padded copies.
//  2. fold: a data-movement node (Pad, Concatenate, Slice, Transpose, accumulate, ...) reading
//     the output of a Slice, Transpose, Reverse or BroadcastInDim reads that node's input
//     directly, through the composed index mapping.
//  3. views: a DotGeneral operand that is a data-movement node of a single array (after 2: the
//     im2col patches, a Concatenate of Slices of the padded input) is read by the matrix
//     product's packing directly from that array through per-axis offset tables, and the patches
//     are never materialized.
//
//  4. reshapes: native kernels read flat data, so a native consumer of a Reshape reads the
//     Reshape's operand instead (a Reshape left to consumers executed by simplego, which checks
//     shapes, is still computed, by simplego, in place when its operand is free).
//
//  5. broadcasts: an elementwise op (or Where) reading a BroadcastInDim that nothing else reads
//     reads the broadcast's operand directly (as a scalar operand when it has one element, else
//     through strides that are zero on the broadcast axes), so gradients of reductions and zero
//     branches (ZerosLike) are never materialized.
//
//  6. elementwise groups: see fuse_elem.go.
//
// Nodes left without consumers are not executed.

// Rewrite names the rewrites above; RewriteCount says how often each was applied (tests assert
// that the graphs they compare with and without fusion were fused at all).
type Rewrite int

const (
	RewriteAccumulate Rewrite = iota
	RewriteFold
	RewriteView
	RewriteReshape
	RewriteBroadcast
	RewriteElementwise
	numRewrites
)

var rewriteCounts [numRewrites]atomic.Int64

// RewriteCount returns how many times rewrite r was applied since the process started.
func RewriteCount(r Rewrite) int64 { return rewriteCounts[r].Load() }

func (r Rewrite) String() string {
	return [...]string{"accumulate", "fold", "view", "reshape", "broadcast", "elementwise"}[r]
}

func counted(r Rewrite) { rewriteCounts[r].Add(1) }

// rawLooper is a native op whose work is raw loops reading its inputs (movesOp, accumulateOp).
type rawLooper interface {
	rawLoops() []*rawLoop
	// directInput is the input read otherwise than by the loops (-1: none).
	directInput() int
	finish()
}

func (o *movesOp) rawLoops() []*rawLoop { return o.raws }
func (o *movesOp) directInput() int     { return o.fillInput }

// accumulateOp adds inputs 1..n, through loops, into a copy of input 0 (or into input 0's buffer
// when free): out = in0; out[dst_j(i)] += in_j[src_j(i)] for every loop j.
type accumulateOp struct {
	raws  []*rawLoop // reading inputs 1..n
	loops []*moveLoop
	// slabs > 0 when every loop's outermost axis has that size and writes disjoint slabs of the
	// output (the batch of a col2im): the loops then run slab by slab, each slab of the output
	// staying in cache while all loops add into it.
	slabs int
	// lockstep is set when all loops have the same dimensions and strides (only their offsets
	// differ): then row r of every loop is done before row r+1, so that the loops' sources (the
	// windows of one im2col row) are read sequentially.
	lockstep bool
}

func (o *accumulateOp) rawLoops() []*rawLoop { return o.raws }
func (o *accumulateOp) directInput() int     { return 0 }
func (o *accumulateOp) inPlaceInputs() []int { return []int{0} }

func (o *accumulateOp) finish() {
	o.loops = o.loops[:0]
	for _, r := range o.raws {
		o.loops = append(o.loops, r.compile())
	}
	o.slabs = 0
	first := o.raws[0]
	if len(first.dims) == 0 || first.dims[0] <= 1 {
		return
	}
	for i, r := range o.raws {
		if len(r.dims) == 0 || r.dims[0] != first.dims[0] || r.dstStride[0] != first.dstStride[0] || r.dstStride[0] <= 0 {
			return
		}
		// The loop's writes for one index of axis 0 stay within one stride of it.
		lo, hi := r.dstOff, r.dstOff
		for a := 1; a < len(r.dims); a++ {
			ext := (r.dims[a] - 1) * r.dstStride[a]
			if ext < 0 {
				lo += ext
			} else {
				hi += ext
			}
		}
		if lo < 0 || hi-lo >= r.dstStride[0] || lo/r.dstStride[0] != hi/r.dstStride[0] {
			return
		}
		if l := o.loops[i]; l.outer()%first.dims[0] != 0 {
			return
		}
	}
	o.slabs = first.dims[0]
	o.lockstep = true
	for _, l := range o.loops[1:] {
		if !slices.Equal(l.dims, o.loops[0].dims) || !slices.Equal(l.dstStride, o.loops[0].dstStride) ||
			!slices.Equal(l.srcStride, o.loops[0].srcStride) {
			o.lockstep = false
		}
	}
}

func (o *accumulateOp) run(s *execState, inputs []any, out any) {
	if flatData(out) != flatData(inputs[0]) {
		copyFlat(out, inputs[0])
	}
	s.srcs = append(s.srcs[:0], inputs[1:]...)
	if o.slabs == 0 {
		s.move.add = true
		s.runMoves(o.loops, out, s.srcs)
	} else {
		j := &s.slab
		j.op, j.dst, j.srcs, j.parts = o, out, s.srcs, min(s.e.backend.workers.parallelism, o.slabs)
		s.e.backend.workers.run(j, j.parts, &s.moveWG)
		j.dst, j.srcs = nil, nil
	}
	clear(s.srcs)
}

// slabJob runs an accumulateOp's loops slab by slab, slabs split over the cores.
type slabJob struct {
	op    *accumulateOp
	dst   any
	srcs  []any
	parts int
}

func (j *slabJob) runPart(part int) {
	from, to := partRange(j.op.slabs, j.parts, part, 1)
	if j.op.lockstep {
		rows := j.op.loops[0].outer() / j.op.slabs
		switch dst := j.dst.(type) {
		case []float32:
			accumulateLockstep(j.op.loops, dst, j.srcs, from*rows, to*rows)
		case []float64:
			accumulateLockstep(j.op.loops, dst, j.srcs, from*rows, to*rows)
		}
		return
	}
	for slab := from; slab < to; slab++ {
		for i, l := range j.op.loops {
			rows := l.outer() / j.op.slabs
			switch dst := j.dst.(type) {
			case []float32:
				reduceRows(l, dst, j.srcs[i].([]float32), slab*rows, (slab+1)*rows)
			case []float64:
				reduceRows(l, dst, j.srcs[i].([]float64), slab*rows, (slab+1)*rows)
			}
		}
	}
}

// flatData returns the address of a flat slice's data.
func flatData(flat any) unsafe.Pointer {
	switch f := flat.(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []float64:
		return unsafe.Pointer(unsafe.SliceData(f))
	}
	return nil
}

// consumerCounts returns, for the nodes the outputs need, how many edges consume each (outputs
// count as consumers).
func consumerCounts(nodes []*node, outputs []*node) []int {
	needed := make([]bool, len(nodes))
	var visit func(n *node)
	visit = func(n *node) {
		if needed[n.idx] {
			return
		}
		needed[n.idx] = true
		for _, in := range n.inputs {
			visit(in)
		}
	}
	for _, out := range outputs {
		visit(out)
	}
	counts := make([]int, len(nodes))
	for _, n := range nodes {
		if !needed[n.idx] {
			continue
		}
		for _, in := range n.inputs {
			counts[in.idx]++
		}
	}
	for _, out := range outputs {
		counts[out.idx]++
	}
	return counts
}

// fuse applies the rewrites above to the builder's nodes.
func (b *Builder) fuse(outputs []*node) {
	if fusionDisabled {
		return
	}
	b.fuseAccumulate(consumerCounts(b.nodes, outputs))
	b.fuseFold(consumerCounts(b.nodes, outputs))
	b.fuseViews(consumerCounts(b.nodes, outputs))
	b.bypassReshapes()
	b.fuseBroadcasts(consumerCounts(b.nodes, outputs))
	b.fuseElementwise(consumerCounts(b.nodes, outputs))
}

// fusionDisabled turns the rewrites off (FASTGO_NOFUSION=1; tests compare with and without).
var fusionDisabled = os.Getenv("FASTGO_NOFUSION") == "1"

func movesOf(n *node, opType backends.OpType) *movesOp {
	if n.opType != opType {
		return nil
	}
	op, _ := n.native.(*movesOp)
	return op
}

// isZeroConstant reports whether n is a scalar constant 0.
func (b *Builder) isZeroConstant(n *node) bool {
	if n.kind != kindConstant || n.shape.Size() != 1 {
		return false
	}
	flat, err := b.backend.Backend.BufferData(n.constant)
	if err != nil {
		return false
	}
	switch f := flat.(type) {
	case []float32:
		return f[0] == 0
	case []float64:
		return f[0] == 0
	}
	return false
}

func (b *Builder) fuseAccumulate(consumers []int) {
	for _, n := range b.nodes {
		add, ok := n.native.(*elemOp)
		if !ok || n.opType != backends.OpTypeAdd || add.scalar != -1 || add.bcast != nil || n.inputs[0] == n.inputs[1] {
			continue
		}
		for _, p := range []int{1, 0} {
			pad := movesOf(n.inputs[p], backends.OpTypePad)
			padNode := n.inputs[p]
			if pad == nil || pad.fillInput != 1 || len(pad.raws) != 1 || consumers[padNode.idx] != 1 ||
				!b.isZeroConstant(padNode.inputs[1]) {
				continue
			}
			raw := *pad.raws[0]
			raw.input = 1
			op := &accumulateOp{raws: []*rawLoop{&raw}}
			op.finish()
			n.native = op
			n.opType = backends.OpTypeAdd
			n.inputs = []*node{n.inputs[1-p], padNode.inputs[0]}
			counted(RewriteAccumulate)
			break
		}
	}
	// Chains: an accumulation into the result of another one, its only consumer, does both.
	for _, n := range b.nodes {
		acc, ok := n.native.(*accumulateOp)
		if !ok {
			continue
		}
		prev := n.inputs[0]
		prevAcc, ok := prev.native.(*accumulateOp)
		if !ok || consumers[prev.idx] != 1 || slices.Contains(n.inputs[1:], prev) {
			continue
		}
		inputs := slices.Clone(prev.inputs)
		raws := slices.Clone(prevAcc.raws)
		for _, r := range acc.raws {
			c := *r
			c.input = len(inputs) + r.input - 1
			raws = append(raws, &c)
		}
		n.inputs = append(inputs, n.inputs[1:]...)
		acc.raws = raws
		acc.finish()
		consumers[prev.idx] = 0
		counted(RewriteAccumulate)
	}
}

// viewOf returns the single-loop view a node's output is of its input (nil if it is not one):
// output element idx (row-major) is input element srcStart + idx*step along srcAxis.
func viewOf(n *node) *rawLoop {
	op, ok := n.native.(*movesOp)
	if !ok || op.fillInput >= 0 || len(op.raws) != 1 {
		return nil
	}
	switch n.opType {
	case backends.OpTypeSlice, backends.OpTypeTranspose, backends.OpTypeReverse, backends.OpTypeBroadcastInDim:
	default:
		return nil
	}
	r := op.raws[0]
	if r.dstOff != 0 || !slices.Equal(r.dstStride, rowMajorStrides(r.dims)) || !slices.Equal(r.dims, n.shape.Dimensions) {
		return nil
	}
	return r
}

// compose returns r reading through the view v (r's operand is v's output).
func compose(r, v *rawLoop) *rawLoop {
	c := *r
	c.srcAxis = make([]int, len(r.srcAxis))
	c.srcStep = make([]int, len(r.srcStep))
	for i, a := range r.srcAxis {
		c.srcAxis[i] = -1
		if a >= 0 && v.srcAxis[a] >= 0 {
			c.srcAxis[i] = v.srcAxis[a]
			c.srcStep[i] = r.srcStep[i] * v.srcStep[a]
		}
	}
	c.srcStart = slices.Clone(v.srcStart)
	for a, start := range r.srcStart {
		if v.srcAxis[a] >= 0 {
			c.srcStart[v.srcAxis[a]] += start * v.srcStep[a]
		}
	}
	c.srcDims = v.srcDims
	return &c
}

func (b *Builder) fuseFold(consumers []int) {
	for _, n := range b.nodes {
		looper, ok := n.native.(rawLooper)
		if !ok {
			continue
		}
		changed := false
		for k, in := range n.inputs {
			v := viewOf(in)
			// Slices are folded always (their reads are as cheap from the source); other views
			// when this is their only consumer (they are then not computed at all).
			if v == nil || (in.opType != backends.OpTypeSlice && consumers[in.idx] != 1) {
				continue
			}
			if looper.directInput() >= 0 && n.inputs[looper.directInput()] == in {
				continue // also read directly
			}
			raws := looper.rawLoops()
			if !slices.ContainsFunc(raws, func(r *rawLoop) bool { return r.input == k }) {
				continue
			}
			for i, r := range raws {
				if r.input == k {
					raws[i] = compose(r, v)
				}
			}
			consumers[in.idx]--
			consumers[in.inputs[0].idx]++
			n.inputs[k] = in.inputs[0]
			changed = true
		}
		if changed {
			looper.finish()
			counted(RewriteFold)
		}
	}
}

// viewTables returns per-axis offset tables of n's output in the single array its loops read,
// and that array, if n is such a view (see fuse, 3).
func viewTables(n *node) ([][]int, *node) {
	op, ok := n.native.(*movesOp)
	if !ok || op.fillInput >= 0 || len(op.raws) == 0 || n.shape.Rank() == 0 {
		return nil, nil
	}
	dims := n.shape.Dimensions
	rm := rowMajorStrides(dims)
	source := n.inputs[op.raws[0].input]
	for _, r := range op.raws {
		if n.inputs[r.input] != source || !slices.Equal(r.dstStride, rm) {
			return nil, nil
		}
	}
	srcRM := rowMajorStrides(op.raws[0].srcDims)
	base := func(r *rawLoop) int {
		off := 0
		for a, s := range r.srcStart {
			off += s * srcRM[a]
		}
		return off
	}
	axisTab := func(r *rawLoop, i, n int) []int {
		tab := make([]int, n)
		if a := r.srcAxis[i]; a >= 0 {
			for t := range tab {
				tab[t] = t * r.srcStep[i] * srcRM[a]
			}
		}
		return tab
	}
	tabs := make([][]int, len(dims))
	if len(op.raws) == 1 {
		r := op.raws[0]
		if r.dstOff != 0 || !slices.Equal(r.dims, dims) {
			return nil, nil
		}
		for i := range dims {
			tabs[i] = axisTab(r, i, dims[i])
		}
		b0 := base(r)
		for t := range tabs[0] {
			tabs[0][t] += b0
		}
		return tabs, source
	}
	if n.opType != backends.OpTypeConcatenate {
		return nil, nil
	}
	c := op.concatAxis
	first := op.raws[0]
	tabs[c] = make([]int, dims[c])
	covered := 0
	for _, r := range op.raws {
		for i := range dims {
			if i != c && (r.dims[i] != dims[i] || r.srcAxis[i] != first.srcAxis[i] || r.srcStep[i] != first.srcStep[i]) {
				return nil, nil
			}
		}
		if r.dstOff%rm[c] != 0 {
			return nil, nil
		}
		start := r.dstOff / rm[c]
		within := axisTab(r, c, r.dims[c])
		b0 := base(r)
		for l, off := range within {
			tabs[c][start+l] = b0 + off
		}
		covered += r.dims[c]
	}
	if covered != dims[c] {
		return nil, nil
	}
	for i := range dims {
		if i != c {
			tabs[i] = axisTab(first, i, dims[i])
		}
	}
	return tabs, source
}

func (b *Builder) fuseViews(consumers []int) {
	// Which nodes are consumed by native DotGenerals only.
	dotUses := make([]int, len(b.nodes))
	for _, n := range b.nodes {
		if _, ok := n.native.(*dotOp); ok && consumers[n.idx] > 0 {
			for _, in := range n.inputs {
				dotUses[in.idx]++
			}
		}
	}
	views := map[*node]struct {
		tabs   [][]int
		source *node
	}{}
	for _, n := range b.nodes {
		dot, ok := n.native.(*dotOp)
		if !ok || consumers[n.idx] == 0 {
			continue
		}
		var tabs [2][][]int
		replaced := false
		for k, in := range n.inputs {
			tabs[k] = axisTables(in.shape.Dimensions)
			if dotUses[in.idx] != consumers[in.idx] {
				continue // some consumer needs the materialized array
			}
			v, found := views[in]
			if !found {
				v.tabs, v.source = viewTables(in)
				views[in] = v
			}
			if v.source == nil {
				continue
			}
			tabs[k] = v.tabs
			n.inputs[k] = v.source
			replaced = true
		}
		if replaced {
			lhsDims, rhsDims := dot.plan.lhsDims, dot.plan.rhsDims
			dot.plan = newDotPlan(lhsDims, dot.lc, dot.lb, tabs[0], rhsDims, dot.rc, dot.rb, tabs[1])
			counted(RewriteView)
		}
	}
}

// isReshape reports whether n is a Reshape run by the inner backend.
func isReshape(n *node) bool {
	return n.kind == kindOp && n.opType == backends.OpTypeReshape && n.native == nil && len(n.inputs) == 1
}

func (b *Builder) bypassReshapes() {
	for _, n := range b.nodes {
		if n.native == nil {
			continue
		}
		for k, in := range n.inputs {
			if !isReshape(in) {
				continue
			}
			for isReshape(in) {
				in = in.inputs[0]
			}
			n.inputs[k] = in
			counted(RewriteReshape)
		}
	}
}

// accumulateLockstep adds rows [from, to) of loops that differ only by their offsets, row by row.
func accumulateLockstep[T float](loops []*moveLoop, dst []T, srcs []any, from, to int) {
	l := loops[0]
	rank := len(l.dims)
	inner := l.dims[rank-1]
	dIn, sIn := l.dstStride[rank-1], l.srcStride[rank-1]
	var srcArrays [32][]T
	var dOffs, sOffs [32]int
	n := len(loops)
	if n > len(srcArrays) {
		for i, lj := range loops {
			reduceRows(lj, dst, srcs[i].([]T), from, to)
		}
		return
	}
	for i, lj := range loops {
		srcArrays[i] = srcs[i].([]T)
		dOffs[i], sOffs[i] = lj.dstOff-l.dstOff, lj.srcOff-l.srcOff
	}
	idx, d, s := l.rowStart(from)
	dst32, is32 := any(dst).([]float32)
	var src32 [32][]float32
	if is32 {
		for i := range n {
			src32[i] = any(srcArrays[i]).([]float32)
		}
	}
	for row := from; row < to; row++ {
		if is32 && dIn == 1 && sIn == 1 && simdAddRows32 != nil {
			simdAddRows32(dst32, d, dOffs[:n], src32[:n], s, sOffs[:n], inner)
		} else {
			for i := range n {
				di, si := d+dOffs[i], s+sOffs[i]
				src := srcArrays[i]
				if dIn == 1 && sIn == 1 {
					addInto(dst[di:di+inner], src[si:si+inner])
					continue
				}
				for range inner {
					dst[di] += src[si]
					di += dIn
					si += sIn
				}
			}
		}
		d, s = advanceRow(l.dims, l.dstStride, l.srcStride, &idx, d, s)
	}
}

// broadcastSource returns the operand of n when n is a BroadcastInDim (a single-loop view with
// no offset) and the strides it reads it with over n's axes.
func broadcastSource(n *node) (*node, []int) {
	if n.opType != backends.OpTypeBroadcastInDim {
		return nil, nil
	}
	r := viewOf(n)
	if r == nil {
		return nil, nil
	}
	strides, off := r.srcStrides()
	if off != 0 {
		return nil, nil
	}
	return n.inputs[0], strides
}

func (b *Builder) fuseBroadcasts(consumers []int) {
	for _, n := range b.nodes {
		switch op := n.native.(type) {
		case *elemOp:
			if len(n.inputs) != 2 || op.scalar != -1 || op.bcast != nil || n.inputs[0] == n.inputs[1] {
				continue
			}
			var srcs [2]*node
			var strides [2][]int
			for k, in := range n.inputs {
				if in.shape.Equal(n.shape) && consumers[in.idx] == 1 {
					srcs[k], strides[k] = broadcastSource(in)
				}
			}
			// A broadcast scalar: the op's scalar form (the other operand read as is).
			scalarDone := false
			for k := range 2 {
				if srcs[k] != nil && srcs[k].shape.Size() == 1 {
					op.scalar, op.inPlace = k, []int{1 - k}
					n.inputs[k] = srcs[k]
					scalarDone = true
					counted(RewriteBroadcast)
					break
				}
			}
			if scalarDone || (srcs[0] == nil && srcs[1] == nil) {
				continue
			}
			for k := range 2 {
				if srcs[k] == nil {
					strides[k] = rowMajorStrides(n.shape.Dimensions)
				} else {
					n.inputs[k] = srcs[k]
				}
			}
			op.bcast = newMoveLoop3(n.shape.Dimensions, strides[0], strides[1])
			counted(RewriteBroadcast)
			op.inPlace = nil
			for k := range 2 {
				if srcs[k] == nil {
					op.inPlace = append(op.inPlace, k)
				}
			}
		case *whereOp:
			for k := 1; k <= 2; k++ {
				in := n.inputs[k]
				src, _ := broadcastSource(in)
				if src == nil || src.shape.Size() != 1 || consumers[in.idx] != 1 {
					continue
				}
				n.inputs[k] = src
				if k == 1 {
					op.trueScalar = true
				} else {
					op.falseScalar = true
				}
				op.inPlace = slices.DeleteFunc(op.inPlace, func(i int) bool { return i == k })
				counted(RewriteBroadcast)
			}
		}
	}
}
