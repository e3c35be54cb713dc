package fastgo

import (
	"sync"
)

// float is the element types the matrix product kernels handle.
type float interface{ ~float32 | ~float64 }

// axisMap gives the offset in an operand's flat data of the i-th element along a group of axes
// (enumerated in row-major order over the group): i*stride when the group is contiguous-like
// (affine), else tab[i].
type axisMap struct {
	n, stride int
	tab       []int
}

func (m *axisMap) at(i int) int {
	if m.tab != nil {
		return m.tab[i]
	}
	return i * m.stride
}

// affineStride returns the stride when offsets are i*stride for every i, with ok.
func (m *axisMap) contiguous() bool { return m.tab == nil && m.stride == 1 }

// newAxisMap enumerates the given axes of an operand with the given dimensions.
func newAxisMap(dims []int, axes []int) axisMap {
	strides := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		strides[i] = s
		s *= dims[i]
	}
	n := 1
	for _, axis := range axes {
		n *= dims[axis]
	}
	tab := make([]int, n)
	idx := make([]int, len(axes))
	for i := range n {
		off := 0
		for j, axis := range axes {
			off += idx[j] * strides[axis]
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
	if n <= 1 {
		m.tab, m.stride = nil, 1
		return m
	}
	stride := tab[1] - tab[0]
	for i, off := range tab {
		if off != i*stride {
			return m
		}
	}
	m.tab, m.stride = nil, stride
	return m
}

// dotPlan is a DotGeneral as `batch` products C[M,N] = A[M,K]·B[K,N], with A, B read through
// axis maps (so any layout of the operands is packed directly, without a transposing copy) and
// C written row-major: exactly DotGeneral's output layout [batch..., lhs cross..., rhs cross...].
type dotPlan struct {
	batch, m, n, k int
	aBatch, aM, aK axisMap
	bBatch, bK, bN axisMap
}

// newDotPlan plans DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
// for operands of the given dimensions (axes already validated and non-negative).
func newDotPlan(lhsDims []int, lhsContracting, lhsBatch []int, rhsDims []int, rhsContracting, rhsBatch []int) *dotPlan {
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
		aBatch: newAxisMap(lhsDims, lhsBatch),
		aM:     newAxisMap(lhsDims, cross(len(lhsDims), lhsContracting, lhsBatch)),
		aK:     newAxisMap(lhsDims, lhsContracting),
		bBatch: newAxisMap(rhsDims, rhsBatch),
		bK:     newAxisMap(rhsDims, rhsContracting),
		bN:     newAxisMap(rhsDims, cross(len(rhsDims), rhsContracting, rhsBatch)),
	}
	p.batch, p.m, p.k, p.n = p.aBatch.n, p.aM.n, p.aK.n, p.bN.n
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

// gemmScratch is one part's packing memory, reused across products.
type gemmScratch struct {
	a32, b32, tile32 []float32
	a64, b64, tile64 []float64
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (b *Backend) getScratch() *gemmScratch {
	b.scratchMu.Lock()
	defer b.scratchMu.Unlock()
	if n := len(b.scratch); n > 0 {
		s := b.scratch[n-1]
		b.scratch = b.scratch[:n-1]
		return s
	}
	return &gemmScratch{}
}

func (b *Backend) putScratch(s *gemmScratch) {
	b.scratchMu.Lock()
	b.scratch = append(b.scratch, s)
	b.scratchMu.Unlock()
}

// Work split of a product over the cores.
const (
	splitNone = iota
	splitBatch
	splitM
	splitN
)

// minParallelFLOPs is the smallest product split over cores (below, the hand-off costs more).
const minParallelFLOPs = 1 << 21

// gemmJob is one product being run, split in parts over the workers.
type gemmJob struct {
	backend       *Backend
	plan          *dotPlan
	parts         int
	split         int
	simd          bool
	a32, b32, c32 []float32
	a64, b64, c64 []float64
	wg            sync.WaitGroup
}

// chooseSplit decides how a product is split over parallelism cores.
func (p *dotPlan) chooseSplit(parallelism, mr, nr int) (parts, split int) {
	if parallelism <= 1 || p.flops() < minParallelFLOPs {
		return 1, splitNone
	}
	switch {
	case p.batch >= parallelism:
		return parallelism, splitBatch
	case p.m >= p.n && p.m >= 2*mr:
		// Splitting M duplicates the packing of B (K·N) on each core: cheaper when N <= M.
		return min(parallelism, (p.m+mr-1)/mr), splitM
	case p.n >= 2*nr:
		return min(parallelism, (p.n+nr-1)/nr), splitN
	case p.m >= 2*mr:
		return min(parallelism, (p.m+mr-1)/mr), splitM
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
	backend.workers.run(j, j.parts, &j.wg)
	j.a32, j.b32, j.c32, j.a64, j.b64, j.c64 = nil, nil, nil, nil, nil, nil
}

func (j *gemmJob) runPart(part int) {
	sc := j.backend.getScratch()
	if j.c32 != nil {
		k := kernel32(j.simd)
		sc.a32, sc.b32, sc.tile32 = gemmPart(j, part, j.a32, j.b32, j.c32, k, sc.a32, sc.b32, sc.tile32)
	} else {
		k := kernel64(j.simd)
		sc.a64, sc.b64, sc.tile64 = gemmPart(j, part, j.a64, j.b64, j.c64, k, sc.a64, sc.b64, sc.tile64)
	}
	j.backend.putScratch(sc)
}

// gemmPart computes part `part` of the job; it returns the (possibly grown) scratch slices.
func gemmPart[T float](j *gemmJob, part int, a, b, c []T, k *microKernel[T], ap, bp, tile []T) ([]T, []T, []T) {
	p := j.plan
	b0, b1, m0, m1, n0, n1 := 0, p.batch, 0, p.m, 0, p.n
	switch j.split {
	case splitBatch:
		b0, b1 = partRange(p.batch, j.parts, part, 1)
	case splitM:
		m0, m1 = partRange(p.m, j.parts, part, k.mr)
	case splitN:
		n0, n1 = partRange(p.n, j.parts, part, k.nr)
	}
	if m0 >= m1 || n0 >= n1 {
		return ap, bp, tile
	}
	kc := min(blockKC, p.k)
	mc := min(roundUp(blockMC, k.mr), roundUp(m1-m0, k.mr))
	nc := min(roundUp(blockNC, k.nr), roundUp(n1-n0, k.nr))
	ap = grow(ap, mc*kc)
	bp = grow(bp, nc*kc)
	tile = grow(tile, k.mr*k.nr)
	for bi := b0; bi < b1; bi++ {
		cBatch := c[bi*p.m*p.n : (bi+1)*p.m*p.n]
		if p.k == 0 {
			for m := m0; m < m1; m++ {
				clear(cBatch[m*p.n+n0 : m*p.n+n1])
			}
			continue
		}
		aBase, bBase := p.aBatch.at(bi), p.bBatch.at(bi)
		gemmBlock(p, k, a, aBase, b, bBase, cBatch, m0, m1, n0, n1, ap, bp, tile)
	}
	return ap, bp, tile
}

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }

// gemmBlock computes C[m0:m1, n0:n1] of one batch element.
func gemmBlock[T float](p *dotPlan, k *microKernel[T], a []T, aBase int, b []T, bBase int, c []T,
	m0, m1, n0, n1 int, ap, bp, tile []T) {
	mr, nr, ldc := k.mr, k.nr, p.n
	for jc := n0; jc < n1; jc += blockNC {
		nc := min(blockNC, n1-jc)
		for pc := 0; pc < p.k; pc += blockKC {
			kc := min(blockKC, p.k-pc)
			accumulate := pc > 0
			packB(bp, b, bBase, &p.bK, &p.bN, pc, kc, jc, nc, nr)
			for ic := m0; ic < m1; ic += blockMC {
				mc := min(blockMC, m1-ic)
				packA(ap, a, aBase, &p.aM, &p.aK, ic, mc, pc, kc, mr)
				for jr := 0; jr < nc; jr += nr {
					bPanel := bp[jr*kc : (jr+nr)*kc]
					cols := min(nr, nc-jr)
					for ir := 0; ir < mc; ir += mr {
						aPanel := ap[ir*kc : (ir+mr)*kc]
						rows := min(mr, mc-ir)
						cOff := (ic+ir)*ldc + jc + jr
						if rows == mr && cols == nr {
							k.fn(kc, aPanel, bPanel, c[cOff:], ldc, accumulate)
							continue
						}
						k.fn(kc, aPanel, bPanel, tile, nr, false)
						for r := range rows {
							dst := c[cOff+r*ldc : cOff+r*ldc+cols]
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
		}
	}
}

// packA packs A[m0:m0+mc, k0:k0+kc] into mr-row micro-panels: panel i holds rows m0+i*mr...,
// laid out [k][r]; rows past the end are zero.
func packA[T float](dst, a []T, base int, am, ak *axisMap, m0, mc, k0, kc, mr int) {
	var rows [16][]T
	for ir := 0; ir < mc; ir += mr {
		panel := dst[ir*kc : ir*kc+mr*kc]
		n := min(mr, mc-ir)
		if n == mr && am.contiguous() {
			// The rows are adjacent elements: copy mr values per k.
			start := base + m0 + ir
			for kk := range kc {
				off := start + ak.at(k0+kk)
				copy(panel[kk*mr:kk*mr+mr], a[off:off+mr])
			}
			continue
		}
		if ak.contiguous() {
			for r := range mr {
				if r < n {
					off := base + am.at(m0+ir+r) + k0
					rows[r] = a[off : off+kc]
				}
			}
			for kk := range kc {
				out := panel[kk*mr : kk*mr+mr]
				for r := range n {
					out[r] = rows[r][kk]
				}
				for r := n; r < mr; r++ {
					out[r] = 0
				}
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
		case bn.contiguous():
			start := base + n0 + jr
			for kk := range kc {
				off := start + bk.at(k0+kk)
				out := panel[kk*nr : kk*nr+nr]
				copy(out, b[off:off+cols])
				clear(out[cols:])
			}
		case bk.contiguous():
			for j := range nr {
				if j >= cols {
					for kk := range kc {
						panel[kk*nr+j] = 0
					}
					continue
				}
				off := base + bn.at(n0+jr+j) + k0
				for kk, v := range b[off : off+kc] {
					panel[kk*nr+j] = v
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
