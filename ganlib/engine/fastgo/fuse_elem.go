package fastgo

import (
	"slices"
)

// Elementwise fusion: a group of native elementwise nodes (elementwise ops of equal shapes or a
// scalar operand, comparisons, Where) whose intermediate results are used only inside the group
// runs as one op over blocks of elements, the intermediates living in small per-core buffers
// instead of full arrays: e.g. a leaky ReLU's Mul, Max and Mul, or its gradient's comparison,
// selections, products and sum, each read and write memory once instead of once per op.

// fuseBlock is the number of elements a fused group evaluates at a time (its intermediates stay in
// L1).
const fuseBlock = 512

const (
	stepElem = iota
	stepCmp
	stepWhere
)

// fuseRef names an operand of a fused step: an external input of the group, or an earlier step.
type fuseRef struct {
	input  int // >= 0: input of the fused node
	step   int // input < 0: index of the step
	scalar bool
}

type fuseStep struct {
	kind    int
	elem    *elemOp
	cmp     *cmpOp
	where   *whereOp
	args    []fuseRef
	boolOut bool
}

// fusedOp evaluates its steps block by block; the last step is the node's output.
type fusedOp struct {
	steps   []fuseStep
	inPlace []int
	size    int
}

func (o *fusedOp) inPlaceInputs() []int { return o.inPlace }

// fusible reports whether a node can be a member of an elementwise group, and its op.
func fusible(n *node) bool {
	switch op := n.native.(type) {
	case *elemOp:
		return op.bcast == nil && isFloatShape(n.shape)
	case *cmpOp, *whereOp:
		return true
	}
	return false
}

func (b *Builder) fuseElementwise(consumers []int) {
	grouped := make([]bool, len(b.nodes))
	for i := len(b.nodes) - 1; i >= 0; i-- {
		sink := b.nodes[i]
		if grouped[sink.idx] || consumers[sink.idx] == 0 || !fusible(sink) || !isFloatShape(sink.shape) {
			continue
		}
		size := sink.shape.Size()
		members := map[*node]bool{sink: true}
		// uses[p] counts the edges from members to p.
		uses := map[*node]int{}
		for _, in := range sink.inputs {
			uses[in]++
		}
		for changed := true; changed; {
			changed = false
			for p, count := range uses {
				if members[p] || grouped[p.idx] || !fusible(p) || p.shape.Size() != size || count != consumers[p.idx] {
					continue
				}
				members[p] = true
				for _, in := range p.inputs {
					uses[in]++
				}
				changed = true
			}
		}
		if len(members) < 2 {
			continue
		}
		ordered := make([]*node, 0, len(members))
		for m := range members {
			ordered = append(ordered, m)
		}
		slices.SortFunc(ordered, func(a, b *node) int { return a.idx - b.idx })
		op := &fusedOp{size: size}
		stepOf := map[*node]int{}
		var inputs []*node
		ref := func(in *node, scalar bool) fuseRef {
			if s, ok := stepOf[in]; ok {
				return fuseRef{input: -1, step: s}
			}
			k := slices.Index(inputs, in)
			if k < 0 {
				k = len(inputs)
				inputs = append(inputs, in)
			}
			return fuseRef{input: k, scalar: scalar}
		}
		for _, m := range ordered {
			var st fuseStep
			switch mop := m.native.(type) {
			case *elemOp:
				st.kind, st.elem = stepElem, mop
				for k, in := range m.inputs {
					st.args = append(st.args, ref(in, mop.scalar == k))
				}
			case *cmpOp:
				st.kind, st.cmp, st.boolOut = stepCmp, mop, true
				for k, in := range m.inputs {
					st.args = append(st.args, ref(in, mop.scalar == k))
				}
			case *whereOp:
				st.kind, st.where = stepWhere, mop
				st.args = []fuseRef{ref(m.inputs[0], false), ref(m.inputs[1], mop.trueScalar), ref(m.inputs[2], mop.falseScalar)}
			}
			stepOf[m] = len(op.steps)
			op.steps = append(op.steps, st)
			if m != sink {
				grouped[m.idx] = true
				consumers[m.idx] = 0
			}
		}
		for k, in := range inputs {
			if in.shape.Equal(sink.shape) {
				op.inPlace = append(op.inPlace, k)
			}
		}
		grouped[sink.idx] = true
		sink.native = op
		sink.inputs = inputs
		counted(RewriteElementwise)
	}
}

// fuseJob runs a fused group over blocks split among the cores.
type fuseJob struct {
	op     *fusedOp
	inputs []any
	out    any
	parts  int
}

func (o *fusedOp) run(s *execState, inputs []any, out any) {
	j := &s.fuse
	j.op, j.inputs, j.out, j.parts = o, inputs, out, 1
	if o.size >= minParallelMove {
		j.parts = s.e.backend.workers.parallelism
	}
	s.e.backend.workers.run(j, j.parts, &s.moveWG)
	j.inputs, j.out = nil, nil
}

func (j *fuseJob) runPart(part int) {
	from, to := partRange(j.op.size, j.parts, part, fuseBlock)
	if from >= to {
		return
	}
	sc := getFuseScratch(len(j.op.steps))
	switch out := j.out.(type) {
	case []float32:
		runFused(j.op, j.inputs, out, sc.f32, sc.b, from, to)
	case []float64:
		runFused(j.op, j.inputs, out, sc.f64, sc.b, from, to)
	}
	putFuseScratch(sc)
}

// runFused evaluates elements [from, to) of a fused group; scratch holds fuseBlock values per
// step (floats and bools).
func runFused[T float](o *fusedOp, inputs []any, out []T, scratch *[]T, bools *[]bool, from, to int) {
	steps := len(o.steps)
	if len(*scratch) < steps*fuseBlock {
		*scratch = make([]T, steps*fuseBlock)
	}
	if len(*bools) < steps*fuseBlock {
		*bools = make([]bool, steps*fuseBlock)
	}
	fs, bs := *scratch, *bools
	for lo := from; lo < to; lo += fuseBlock {
		n := min(fuseBlock, to-lo)
		float := func(r fuseRef) []T {
			if r.input >= 0 {
				in := inputs[r.input].([]T)
				if r.scalar {
					return in[:1]
				}
				return in[lo : lo+n]
			}
			return fs[r.step*fuseBlock : r.step*fuseBlock+n]
		}
		boolean := func(r fuseRef) []bool {
			if r.input >= 0 {
				return inputs[r.input].([]bool)[lo : lo+n]
			}
			return bs[r.step*fuseBlock : r.step*fuseBlock+n]
		}
		for i := range o.steps {
			st := &o.steps[i]
			var dst []T
			if i == steps-1 {
				dst = out[lo : lo+n]
			} else {
				dst = fs[i*fuseBlock : i*fuseBlock+n]
			}
			switch st.kind {
			case stepElem:
				a := float(st.args[0])
				if len(st.args) == 1 {
					unaryLoop(st.elem.code, dst, a)
					continue
				}
				b := float(st.args[1])
				switch st.elem.scalar {
				case 0:
					binaryScalarLoop(st.elem.code, dst, a[0], b, true)
				case 1:
					binaryScalarLoop(st.elem.code, dst, b[0], a, false)
				default:
					binaryLoop(st.elem.code, dst, a, b)
				}
			case stepCmp:
				compareLoop(st.cmp, bs[i*fuseBlock:i*fuseBlock+n], float(st.args[0]), float(st.args[1]))
			case stepWhere:
				whereLoop(st.where, dst, boolean(st.args[0]), float(st.args[1]), float(st.args[2]))
			}
		}
	}
}

// fuseScratch is one core's block buffers for fused groups.
type fuseScratch struct {
	f32 *[]float32
	f64 *[]float64
	b   *[]bool
}

var fuseScratchPool = make(chan *fuseScratch, 16)

func getFuseScratch(int) *fuseScratch {
	select {
	case sc := <-fuseScratchPool:
		return sc
	default:
		return &fuseScratch{f32: new([]float32), f64: new([]float64), b: new([]bool)}
	}
}

func putFuseScratch(sc *fuseScratch) {
	select {
	case fuseScratchPool <- sc:
	default:
	}
}
