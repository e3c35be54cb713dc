package fastgo

import (
	"os"
	"sync"
	"sync/atomic"
)

// float is the element types the matrix product kernels handle.
type float interface{ ~float32 | ~float64 }

// axisMap gives the offset in an operand's flat data of the i-th element along a group of axes
// (enumerated in row-major order over the group): i*stride when the offsets are affine, else
// tab[i], with run[i] the number of consecutive offsets from i that are contiguous (tab[i]+t).
type axisMap struct {
	n, stride int
	tab       []int
	run       []int32
}

func (m *axisMap) at(i int) int {
	if m.tab != nil {
		return m.tab[i]
	}
	return i * m.stride
}

// contiguous reports whether the group is contiguous in memory (offset i).
func (m *axisMap) contiguous() bool { return m.tab == nil && m.stride == 1 }

// runAt returns how many elements from i (at most limit) have contiguous offsets.
func (m *axisMap) runAt(i, limit int) int {
	if m.tab == nil {
		if m.stride == 1 {
			return limit
		}
		return 1
	}
	return min(int(m.run[i]), limit)
}

// minRun returns the length of the shortest contiguous stretch (n when contiguous).
func (m *axisMap) minRun() int {
	if m.tab == nil {
		if m.stride == 1 {
			return m.n
		}
		return 1
	}
	if m.run == nil {
		return 1
	}
	shortest := m.n
	for i := 0; i < m.n; i += int(m.run[i]) {
		shortest = min(shortest, int(m.run[i]))
	}
	return shortest
}

// hasRuns reports whether offsets come in contiguous stretches worth copying as such.
func (m *axisMap) hasRuns() bool { return m.contiguous() || (m.tab != nil && m.run != nil) }

// axisTables returns the per-axis offset tables of a row-major array: tab[a][i] = i*stride[a].
func axisTables(dims []int) [][]int {
	strides := rowMajorStrides(dims)
	tabs := make([][]int, len(dims))
	for a, d := range dims {
		tabs[a] = make([]int, d)
		for i := range d {
			tabs[a][i] = i * strides[a]
		}
	}
	return tabs
}

// newAxisMap enumerates the given axes of an operand whose element at multi-index idx is at
// offset sum_a tabs[a][idx[a]].
func newAxisMap(dims []int, axes []int, tabs [][]int) axisMap {
	n := 1
	for _, axis := range axes {
		n *= dims[axis]
	}
	tab := make([]int, n)
	idx := make([]int, len(axes))
	for i := range n {
		off := 0
		for j, axis := range axes {
			off += tabs[axis][idx[j]]
		}
		tab[i] = off
		for j := len(axes) - 1; j >= 0; j-- {
			idx[j]++
			if idx[j] < dims[axes[j]] {
				break
			}
			idx[j] = 0
		}
	}
	m := axisMap{n: n, tab: tab}
	if n == 1 && tab[0] == 0 || n == 0 {
		m.tab, m.stride = nil, 1
		return m
	}
	if n > 1 && tab[0] == 0 {
		stride := tab[1] - tab[0]
		affine := true
		for i, off := range tab {
			if off != i*stride {
				affine = false
				break
			}
		}
		if affine {
			m.tab, m.stride = nil, stride
			return m
		}
	}
	m.run = make([]int32, n)
	m.run[n-1] = 1
	contiguous := false
	for i := n - 2; i >= 0; i-- {
		m.run[i] = 1
		if tab[i+1] == tab[i]+1 {
			m.run[i] = m.run[i+1] + 1
			contiguous = true
		}
	}
	if !contiguous {
		m.run = nil
	}
	return m
}

// dotPlan is a DotGeneral as `batch` products C[M,N] = A[M,K]·B[K,N], with A, B read through
// axis maps (so any layout of the operands is packed directly, without a transposing copy) and
// C written row-major: exactly DotGeneral's output layout [batch..., lhs cross..., rhs cross...].
type dotPlan struct {
	lhsDims, rhsDims []int
	batch, m, n, k   int
	// rs and cs are C's strides for the plan's (m, n): (n, 1), or (1, m) when swapped.
	rs, cs int
	// swapped plans compute C^T = B^T·A^T (A and B exchanged), for outputs with few columns
	// (N = 3 image channels): the micro-kernel's wide dimension then spans the long axis.
	swapped        bool
	aBatch, aM, aK axisMap
	bBatch, bK, bN axisMap
}

// newDotPlan plans DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
// for operands of the given dimensions (axes already validated and non-negative) whose element
// at multi-index idx is at sum_a tabs[a][idx[a]] (see axisTables; a view of another array after
// fusion).
func newDotPlan(lhsDims []int, lhsContracting, lhsBatch []int, lhsTabs [][]int,
	rhsDims []int, rhsContracting, rhsBatch []int, rhsTabs [][]int) *dotPlan {
	cross := func(rank int, contracting, batch []int) []int {
		used := make([]bool, rank)
		for _, a := range contracting {
			used[a] = true
		}
		for _, a := range batch {
			used[a] = true
		}
		var axes []int
		for a := range rank {
			if !used[a] {
				axes = append(axes, a)
			}
		}
		return axes
	}
	p := &dotPlan{
		aBatch: newAxisMap(lhsDims, lhsBatch, lhsTabs),
		aM:     newAxisMap(lhsDims, cross(len(lhsDims), lhsContracting, lhsBatch), lhsTabs),
		aK:     newAxisMap(lhsDims, lhsContracting, lhsTabs),
		bBatch: newAxisMap(rhsDims, rhsBatch, rhsTabs),
		bK:     newAxisMap(rhsDims, rhsContracting, rhsTabs),
		bN:     newAxisMap(rhsDims, cross(len(rhsDims), rhsContracting, rhsBatch), rhsTabs),
	}
	p.batch, p.m, p.k, p.n = p.aBatch.n, p.aM.n, p.aK.n, p.bN.n
	p.lhsDims, p.rhsDims = lhsDims, rhsDims
	p.rs, p.cs = p.n, 1
	if p.n < 16 && p.m >= 4*p.n {
		p.swapped = true
		p.m, p.n = p.n, p.m
		p.aBatch, p.bBatch = p.bBatch, p.aBatch
		p.aM, p.bN = p.bN, p.aM
		p.aK, p.bK = p.bK, p.aK
		p.rs, p.cs = 1, p.m
	}
	return p
}

// flops is the number of floating-point operations of the product.
func (p *dotPlan) flops() float64 {
	return 2 * float64(p.batch) * float64(p.m) * float64(p.n) * float64(p.k)
}

// microKernel computes an mr x nr tile of C: c[r*ldc+j] = (accumulate ? c[r*ldc+j] : 0) +
// sum_p a[p*mr+r]·b[p*nr+j], from a packed kc x mr panel a and a packed kc x nr panel b (kc >= 1).
type microKernel[T float] struct {
	mr, nr int
	fn     func(kc int, a, b, c []T, ldc int, accumulate bool)
	name   string
}

// Cache blocking: a kc x nc block of B is packed per (jc, pc) and a mc x kc block of A per ic;
// the micro-kernel then streams an A micro-panel (kc x mr) against a B micro-panel (kc x nr)
// that stays in L1.
var (
	blockKC = 256
	blockMC = 128
	blockNC = 2048
)

// copyShort copies a few elements (a micro-panel row) without calling memmove.
func copyShort[T float](dst, src []T) {
	if d, ok := any(dst).([]float32); ok && len(src) == 32 && simdCopy32 != nil {
		simdCopy32(d, any(src).([]float32))
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}

// gemmScratch is one part's packing memory, reused across products.
type gemmScratch struct {
	a32, b32, tile32 []float32
	a64, b64, tile64 []float64
}

// sharedScratch holds the operand packed once and read by every part.
type sharedScratch struct {
	f32 []float32
	f64 []float64
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// freeList is a mutex-guarded stack of reusable scratch objects: products running at once each
// take their own, and none is allocated once the graphs have run.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
}

func (f *freeList[T]) get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.items); n > 0 {
		x := f.items[n-1]
		f.items = f.items[:n-1]
		return x
	}
	return new(T)
}

func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.items = append(f.items, x)
	f.mu.Unlock()
}

// How a product is split over the cores.
const (
	splitNone  = iota // one part
	splitBatch        // static ranges of batch elements, each part packs its own panels
	splitM            // B packed once (shared), then blocks of M rows handed out dynamically
	splitN            // A packed once (shared), then blocks of N columns handed out dynamically
)

// minParallelFLOPs is the smallest product split over cores (below, the hand-off costs more).
const minParallelFLOPs = 1 << 21

// maxSharedElements caps the operand packed whole for splitM/splitN (beyond, 1 part runs).
const maxSharedElements = 1 << 25

// Chunks handed out dynamically: rows of A (splitM) or columns of B (splitN) per chunk.
var (
	chunkRows = 64
	chunkCols = 64
)

// gemmJob is one product being run, split in parts over the workers.
type gemmJob struct {
	backend *Backend
	plan    *dotPlan
	simd    bool
	parts   int
	split   int
	// phase of a splitM/splitN product: 0 packs the shared operand, 1 computes.
	phase   int
	batch   int // batch element being computed (splitM/splitN)
	nChunks int
	next    atomic.Int64
	shared  *sharedScratch
	// directA: the SIMD float32 kernel reads A's rows in place (splitM, rows contiguous in k).
	directA       bool
	a32, b32, c32 []float32
	a64, b64, c64 []float64
	wg            barrier
}

// chooseSplit decides how a product is split over parallelism cores.
func (p *dotPlan) chooseSplit(parallelism, mr, nr int) (parts, split int) {
	if parallelism <= 1 || p.flops() < minParallelFLOPs || p.k == 0 {
		return 1, splitNone
	}
	kPad := roundUp(p.k, blockKC)
	switch {
	case p.batch >= parallelism:
		return parallelism, splitBatch
	case p.m >= p.n && p.m >= 2*mr && kPad*roundUp(p.n, nr) <= maxSharedElements:
		// Splitting M shares the packing of B (K·N), cheaper than A's when N <= M.
		return parallelism, splitM
	case p.n >= 2*nr && kPad*roundUp(p.m, mr) <= maxSharedElements:
		return parallelism, splitN
	}
	return 1, splitNone
}

// partRange splits [0, n) in parts chunks, multiples of unit, and returns chunk part.
func partRange(n, parts, part, unit int) (from, to int) {
	units := (n + unit - 1) / unit
	from = part * units / parts * unit
	to = (part + 1) * units / parts * unit
	return min(from, n), min(to, n)
}

// runDot computes the product planned by p into c.
func (s *execState) runDot(p *dotPlan, a, b, c any) {
	j := &s.gemm
	backend := s.e.backend
	j.backend, j.plan, j.simd = backend, p, backend.workers.simd
	backend.matmulFLOPs.Add(uint64(p.flops()))
	if p.swapped {
		a, b = b, a
	}
	var mr, nr int
	switch a := a.(type) {
	case []float32:
		j.a32, j.b32, j.c32 = a, b.([]float32), c.([]float32)
		k := kernel32(j.simd)
		mr, nr = k.mr, k.nr
	case []float64:
		j.a64, j.b64, j.c64 = a, b.([]float64), c.([]float64)
		k := kernel64(j.simd)
		mr, nr = k.mr, k.nr
	}
	j.parts, j.split = p.chooseSplit(backend.workers.parallelism, mr, nr)
	j.directA = j.c32 != nil && j.simd && directKernel32 != nil && !directDisabled && j.split == splitM && p.aK.hasRuns() &&
		p.aK.minRun() >= directMinRun && p.cs == 1
	switch j.split {
	case splitNone, splitBatch:
		backend.workers.run(j, j.parts, &j.wg)
	default:
		j.shared = backend.shared.get()
		if j.c32 != nil {
			j.shared.f32 = grow(j.shared.f32, j.sharedSize(mr, nr))
		} else {
			j.shared.f64 = grow(j.shared.f64, j.sharedSize(mr, nr))
		}
		kBlocks := (p.k + blockKC - 1) / blockKC
		for bi := range p.batch {
			j.batch = bi
			// Phase 0: pack the shared operand, one k-block per chunk.
			j.phase, j.nChunks = 0, kBlocks
			j.next.Store(0)
			backend.workers.run(j, min(j.parts, kBlocks), &j.wg)
			// Phase 1: compute blocks of rows (splitM) or columns (splitN) of C.
			j.phase = 1
			if j.split == splitM {
				j.nChunks = (p.m + chunkRows - 1) / chunkRows
			} else {
				j.nChunks = (p.n + chunkCols - 1) / chunkCols
			}
			j.next.Store(0)
			backend.workers.run(j, min(j.parts, j.nChunks), &j.wg)
		}
		backend.shared.put(j.shared)
		j.shared = nil
	}
	j.a32, j.b32, j.c32, j.a64, j.b64, j.c64 = nil, nil, nil, nil, nil, nil
}

func (j *gemmJob) runPart(part int) {
	sc := j.backend.scratch.get()
	if j.c32 != nil {
		k := kernel32(j.simd)
		if j.split == splitM || j.split == splitN {
			sc.a32, sc.tile32 = gemmChunks(j, j.a32, j.b32, j.c32, k, j.shared.f32, sc.a32, sc.tile32)
		} else {
			sc.a32, sc.b32, sc.tile32 = gemmPart(j, part, j.a32, j.b32, j.c32, k, sc.a32, sc.b32, sc.tile32)
		}
	} else {
		k := kernel64(j.simd)
		if j.split == splitM || j.split == splitN {
			sc.a64, sc.tile64 = gemmChunks(j, j.a64, j.b64, j.c64, k, j.shared.f64, sc.a64, sc.tile64)
		} else {
			sc.a64, sc.b64, sc.tile64 = gemmPart(j, part, j.a64, j.b64, j.c64, k, sc.a64, sc.b64, sc.tile64)
		}
	}
	j.backend.scratch.put(sc)
}

// sharedSize is the number of elements of the shared packed operand: all of K (in blocks of
// blockKC) times all of N (splitM) or M (splitN), rounded up to whole micro-panels.
func (j *gemmJob) sharedSize(mr, nr int) int {
	kPad := roundUp(j.plan.k, blockKC)
	if j.split == splitM {
		return kPad * roundUp(j.plan.n, nr)
	}
	return kPad * roundUp(j.plan.m, mr)
}

// gemmChunks runs chunks of the current phase of a splitM/splitN product until none is left.
// The shared slice was sized by runDot; the scratch slices returned may have grown.
func gemmChunks[T float](j *gemmJob, a, b, c []T, k *microKernel[T], shared, ap, tile []T) ([]T, []T) {
	p := j.plan
	mr, nr := k.mr, k.nr
	aBase, bBase := p.aBatch.at(j.batch), p.bBatch.at(j.batch)
	cBatch := c[j.batch*p.m*p.n : (j.batch+1)*p.m*p.n]
	mPad, nPad := roundUp(p.m, mr), roundUp(p.n, nr)
	tile = grow(tile, mr*nr)
	for {
		chunk := int(j.next.Add(1) - 1)
		if chunk >= j.nChunks {
			return ap, tile
		}
		if j.phase == 0 {
			pc := chunk * blockKC
			kc := min(blockKC, p.k-pc)
			if j.split == splitM {
				packB(shared[pc*nPad:pc*nPad+kc*nPad], b, bBase, &p.bK, &p.bN, pc, kc, 0, p.n, nr)
			} else {
				packA(shared[pc*mPad:pc*mPad+kc*mPad], a, aBase, &p.aM, &p.aK, 0, p.m, pc, kc, mr)
			}
			continue
		}
		if j.split == splitM {
			m0 := chunk * chunkRows
			mc := min(chunkRows, p.m-m0)
			if a32, ok := any(a).([]float32); ok && j.directA && mc%4 == 0 {
				// A's rows are read where they are (no packing): see directKernel32.
				c32, tile32 := any(cBatch).([]float32), any(tile).([]float32)
				for pc := 0; pc < p.k; pc += blockKC {
					kc := min(blockKC, p.k-pc)
					bBlock := any(shared[pc*nPad : pc*nPad+kc*nPad]).([]float32)
					for s := 0; s < kc; {
						seg := p.aK.runAt(pc+s, kc-s)
						macroKernelDirect32(a32, aBase, &p.aM, p.aK.at(pc+s), m0, mc, bBlock, kc, s, seg, p.n,
							c32[m0*p.rs:], p.rs, p.cs, pc+s > 0, tile32)
						s += seg
					}
				}
				continue
			}
			ap = grow(ap, roundUp(mc, mr)*min(blockKC, p.k))
			for pc := 0; pc < p.k; pc += blockKC {
				kc := min(blockKC, p.k-pc)
				packA(ap, a, aBase, &p.aM, &p.aK, m0, mc, pc, kc, mr)
				macroKernel(k, kc, ap, mc, shared[pc*nPad:pc*nPad+kc*nPad], p.n, cBatch[m0*p.rs:], p.rs, p.cs, pc > 0, tile)
			}
		} else {
			n0 := chunk * chunkCols
			nc := min(chunkCols, p.n-n0)
			ap = grow(ap, roundUp(nc, nr)*min(blockKC, p.k)) // B's panels for this chunk
			for pc := 0; pc < p.k; pc += blockKC {
				kc := min(blockKC, p.k-pc)
				packB(ap, b, bBase, &p.bK, &p.bN, pc, kc, n0, nc, nr)
				macroKernel(k, kc, shared[pc*mPad:pc*mPad+kc*mPad], p.m, ap, nc, cBatch[n0*p.cs:], p.rs, p.cs, pc > 0, tile)
			}
		}
	}
}

// macroKernel multiplies packed A panels (mc rows) by packed B panels (nc columns) over kc,
// into C (element (r, j) at c[r*rs + j*cs]), accumulating or not.
func macroKernel[T float](k *microKernel[T], kc int, ap []T, mc int, bp []T, nc int, c []T, rs, cs int, accumulate bool, tile []T) {
	mr, nr := k.mr, k.nr
	for jr := 0; jr < nc; jr += nr {
		bPanel := bp[jr*kc : (jr+nr)*kc]
		cols := min(nr, nc-jr)
		for ir := 0; ir < mc; ir += mr {
			aPanel := ap[ir*kc : (ir+mr)*kc]
			rows := min(mr, mc-ir)
			cOff := ir*rs + jr*cs
			if rows == mr && cols == nr && cs == 1 {
				k.fn(kc, aPanel, bPanel, c[cOff:], rs, accumulate)
				continue
			}
			k.fn(kc, aPanel, bPanel, tile, nr, false)
			if cs != 1 {
				for r := range rows {
					for i, v := range tile[r*nr : r*nr+cols] {
						at := cOff + r*rs + i*cs
						if accumulate {
							c[at] += v
						} else {
							c[at] = v
						}
					}
				}
				continue
			}
			for r := range rows {
				dst := c[cOff+r*rs : cOff+r*rs+cols]
				src := tile[r*nr : r*nr+cols]
				if accumulate {
					for i, v := range src {
						dst[i] += v
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// gemmPart computes part `part` of a splitNone/splitBatch job, packing its own panels; it returns
// the (possibly grown) scratch slices.
func gemmPart[T float](j *gemmJob, part int, a, b, c []T, k *microKernel[T], ap, bp, tile []T) ([]T, []T, []T) {
	p := j.plan
	b0, b1 := 0, p.batch
	if j.split == splitBatch {
		b0, b1 = partRange(p.batch, j.parts, part, 1)
	}
	kc := min(blockKC, p.k)
	mc := roundUp(min(blockMC, p.m), k.mr)
	nc := roundUp(min(blockNC, p.n), k.nr)
	ap = grow(ap, mc*kc)
	bp = grow(bp, nc*kc)
	tile = grow(tile, k.mr*k.nr)
	for bi := b0; bi < b1; bi++ {
		cBatch := c[bi*p.m*p.n : (bi+1)*p.m*p.n]
		if p.k == 0 {
			clear(cBatch)
			continue
		}
		aBase, bBase := p.aBatch.at(bi), p.bBatch.at(bi)
		for jc := 0; jc < p.n; jc += blockNC {
			nc := min(blockNC, p.n-jc)
			for pc := 0; pc < p.k; pc += blockKC {
				kc := min(blockKC, p.k-pc)
				packB(bp, b, bBase, &p.bK, &p.bN, pc, kc, jc, nc, k.nr)
				for ic := 0; ic < p.m; ic += blockMC {
					mc := min(blockMC, p.m-ic)
					packA(ap, a, aBase, &p.aM, &p.aK, ic, mc, pc, kc, k.mr)
					macroKernel(k, kc, ap, mc, bp, nc, cBatch[ic*p.rs+jc*p.cs:], p.rs, p.cs, pc > 0, tile)
				}
			}
		}
	}
	return ap, bp, tile
}

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }

// packA packs A[m0:m0+mc, k0:k0+kc] into mr-row micro-panels: panel i holds rows m0+i*mr...,
// laid out [k][r]; rows past the end are zero.
func packA[T float](dst, a []T, base int, am, ak *axisMap, m0, mc, k0, kc, mr int) {
	var rows [16][]T
	if am.contiguous() && mr == 4 && mc >= 4 {
		// Rows are adjacent elements (A is a transposed operand, e.g. the output gradient of a
		// convolution's kernel gradient): walk k, spreading mc contiguous values over the panels.
		full := mc / 4 * 4
		for kk := range kc {
			off := base + m0 + ak.at(k0+kk)
			src := a[off : off+full]
			for ir := 0; ir < full; ir += 4 {
				d := dst[ir*kc+kk*4 : ir*kc+kk*4+4 : ir*kc+kk*4+4]
				s := src[ir : ir+4 : ir+4]
				d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
			}
		}
		if full == mc {
			return
		}
		// The last, partial panel: below.
		dst, m0, mc = dst[full*kc:], m0+full, mc-full
	}
	for ir := 0; ir < mc; ir += mr {
		panel := dst[ir*kc : ir*kc+mr*kc]
		n := min(mr, mc-ir)
		if n == mr && am.contiguous() {
			// The rows are adjacent elements: copy mr values per k.
			start := base + m0 + ir
			for kk := range kc {
				off := start + ak.at(k0+kk)
				copyShort(panel[kk*mr:kk*mr+mr], a[off:off+mr])
			}
			continue
		}
		if ak.hasRuns() && n == 4 && mr == 4 {
			// Rows are contiguous along k in stretches (all of k, or per window of an im2col view).
			o0, o1, o2, o3 := base+am.at(m0+ir), base+am.at(m0+ir+1), base+am.at(m0+ir+2), base+am.at(m0+ir+3)
			for kk := 0; kk < kc; {
				seg := ak.runAt(k0+kk, kc-kk)
				off := ak.at(k0 + kk)
				packRows4(panel[4*kk:], a, o0+off, o1+off, o2+off, o3+off, seg)
				kk += seg
			}
			continue
		}
		if ak.hasRuns() {
			for kk := 0; kk < kc; {
				seg := ak.runAt(k0+kk, kc-kk)
				off := base + ak.at(k0+kk)
				for r := range mr {
					if r < n {
						o := off + am.at(m0+ir+r)
						rows[r] = a[o : o+seg]
					}
				}
				for t := range seg {
					out := panel[(kk+t)*mr : (kk+t)*mr+mr]
					for r := range n {
						out[r] = rows[r][t]
					}
					for r := n; r < mr; r++ {
						out[r] = 0
					}
				}
				kk += seg
			}
			continue
		}
		for r := range mr {
			if r >= n {
				for kk := range kc {
					panel[kk*mr+r] = 0
				}
				continue
			}
			rowBase := base + am.at(m0+ir+r)
			for kk := range kc {
				panel[kk*mr+r] = a[rowBase+ak.at(k0+kk)]
			}
		}
	}
}

// packB packs B[k0:k0+kc, n0:n0+nc] into nr-column micro-panels laid out [k][j]; columns past
// the end are zero.
func packB[T float](dst, b []T, base int, bk, bn *axisMap, k0, kc, n0, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : jr*kc+nr*kc]
		cols := min(nr, nc-jr)
		switch {
		case bn.contiguous() || (bn.hasRuns() && bn.runAt(n0+jr, cols) == cols):
			// The panel's columns are contiguous (all of N, or within one stretch of an im2col
			// view): copy a row of the panel per k.
			start := base + bn.at(n0+jr)
			if p, ok := any(panel).([]float32); ok && cols == 32 && nr == 32 && simdPackRows32 != nil {
				simdPackRows32(p, any(b).([]float32), start, bk, k0, kc)
				continue
			}
			for kk := range kc {
				off := start + bk.at(k0+kk)
				out := panel[kk*nr : kk*nr+nr]
				copyShort(out, b[off:off+cols])
				clear(out[cols:])
			}
		case bk.hasRuns():
			for j := range nr {
				if j >= cols {
					for kk := range kc {
						panel[kk*nr+j] = 0
					}
					continue
				}
				col := base + bn.at(n0+jr+j)
				for kk := 0; kk < kc; {
					seg := bk.runAt(k0+kk, kc-kk)
					off := col + bk.at(k0+kk)
					for t, v := range b[off : off+seg] {
						panel[(kk+t)*nr+j] = v
					}
					kk += seg
				}
			}
		default:
			for kk := range kc {
				rowBase := base + bk.at(k0+kk)
				out := panel[kk*nr : kk*nr+nr]
				for j := range cols {
					out[j] = b[rowBase+bn.at(n0+jr+j)]
				}
				clear(out[cols:])
			}
		}
	}
}

// packRows4 interleaves 4 rows of kc contiguous values starting at offsets o0..o3 of a.
func packRows4[T float](panel, a []T, o0, o1, o2, o3, kc int) {
	r0, r1, r2, r3 := a[o0:o0+kc], a[o1:o1+kc], a[o2:o2+kc], a[o3:o3+kc]
	if p, ok := any(panel).([]float32); ok && simdPackRows4 != nil && kc >= 16 {
		simdPackRows4(p, any(r0).([]float32), any(r1).([]float32), any(r2).([]float32), any(r3).([]float32), kc)
		return
	}
	panel = panel[:4*kc]
	for kk := range kc {
		out := panel[4*kk : 4*kk+4 : 4*kk+4]
		out[0], out[1], out[2], out[3] = r0[kk], r1[kk], r2[kk], r3[kk]
	}
}

// directDisabled turns the in-place reading of A off (FASTGO_NODIRECT=1, for comparisons).
var directDisabled = os.Getenv("FASTGO_NODIRECT") == "1"

// directMinRun is the shortest contiguous stretch of A's rows along k for which A is read in
// place (each stretch is one call of the micro-kernel per tile).
const directMinRun = 32

// directKernel32 is the float32 micro-kernel reading A's 4 rows in place (4 slices of kc
// contiguous values) instead of a packed panel; nil where unavailable.
var directKernel32 func(kc int, a0, a1, a2, a3, b, c []float32, ldc int, accumulate bool)

// macroKernelDirect32 is macroKernel with A read in place: rows m0..m0+mc of A, each from
// base + am(m) + kOff for seg values of k, against rows s..s+seg of the packed B block (kc rows).
func macroKernelDirect32(a []float32, base int, am *axisMap, kOff, m0, mc int, bBlock []float32, kc, s, seg, nc int,
	c []float32, rs, cs int, accumulate bool, tile []float32) {
	const mr, nr = 4, 32
	for jr := 0; jr < nc; jr += nr {
		bPanel := bBlock[jr*kc+s*nr : jr*kc+(s+seg)*nr]
		cols := min(nr, nc-jr)
		for ir := 0; ir < mc; ir += mr {
			o0 := base + am.at(m0+ir) + kOff
			o1 := base + am.at(m0+ir+1) + kOff
			o2 := base + am.at(m0+ir+2) + kOff
			o3 := base + am.at(m0+ir+3) + kOff
			a0, a1, a2, a3 := a[o0:o0+seg], a[o1:o1+seg], a[o2:o2+seg], a[o3:o3+seg]
			cOff := ir*rs + jr*cs
			if cols == nr {
				directKernel32(seg, a0, a1, a2, a3, bPanel, c[cOff:], rs, accumulate)
				continue
			}
			directKernel32(seg, a0, a1, a2, a3, bPanel, tile, nr, false)
			for r := range mr {
				dst := c[cOff+r*rs : cOff+r*rs+cols]
				src := tile[r*nr : r*nr+cols]
				if accumulate {
					for i, v := range src {
						dst[i] += v
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}
