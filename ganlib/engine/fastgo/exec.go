package fastgo

import (
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// Compile implements backends.Builder.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if len(shardings) != 0 {
		return nil, errors.Errorf("sharding or distributed execution are not supported by backend %q", b.backend.name)
	}
	outs, err := b.checkOps("Compile", outputs...)
	if err != nil {
		return nil, err
	}
	b.compiled = true
	b.fuse(outs)
	e := &Executable{backend: b.backend, builder: b, outputs: outs, numUses: make([]int32, len(b.nodes))}
	// Mark what the outputs need, counting the uses of each node (one per consumer edge).
	needed := make([]bool, len(b.nodes))
	var visit func(n *node)
	visit = func(n *node) {
		if needed[n.idx] {
			return
		}
		needed[n.idx] = true
		for _, in := range n.inputs {
			e.numUses[in.idx]++
			visit(in)
		}
	}
	for _, out := range outs {
		visit(out)
		e.numUses[out.idx]++ // outputs are never released by their consumers
	}
	for _, n := range b.nodes {
		if !needed[n.idx] {
			continue
		}
		e.maxInputs = max(e.maxInputs, len(n.inputs))
		switch n.kind {
		case kindOutput:
			continue // computed by its kindMulti input
		case kindParameter, kindConstant:
		case kindOp, kindMulti:
			if n.native == nil {
				if n.fb.exec, err = n.fb.builder.Compile(n.fb.outputs, nil); err != nil {
					return nil, errors.WithMessagef(err, "compiling %s on the inner backend", n.opType)
				}
			}
		}
		e.order = append(e.order, n)
	}
	// Unused fallback graphs (native nodes, unused nodes) are dropped.
	for _, n := range b.nodes {
		if n.fb != nil && n.fb.exec == nil {
			n.fb = nil
		}
	}
	e.states.New = func() any { return e.newState() }
	return e, nil
}

// Executable runs a compiled graph.
type Executable struct {
	backend *Backend
	builder *Builder
	// order lists the nodes to run, in build (topological) order.
	order     []*node
	outputs   []*node
	numUses   []int32
	maxInputs int
	states    sync.Pool
}

var _ backends.Executable = (*Executable)(nil)

// execState is one execution's working memory, reused across executions.
type execState struct {
	e       *Executable
	results []backends.Buffer
	owned   []bool
	used    []int32
	// per-op scratch
	inputs []backends.Buffer
	donate []bool
	flats  []any
	// Jobs of the kernel being run (ops run one at a time).
	gemm   gemmJob
	move   moveJob
	fill   fillJob
	elem   elemJob
	reduce reduceJob
	slab   slabJob
	fuse   fuseJob
	moveWG barrier
	srcs   []any
}

func (e *Executable) newState() *execState {
	n := len(e.builder.nodes)
	return &execState{
		e:       e,
		results: make([]backends.Buffer, n),
		owned:   make([]bool, n),
		used:    make([]int32, n),
		inputs:  make([]backends.Buffer, e.maxInputs),
		donate:  make([]bool, e.maxInputs),
		flats:   make([]any, e.maxInputs),
	}
}

// Inputs implements backends.Executable.
func (e *Executable) Inputs() (names []string, inputShapes []shapes.Shape) {
	for _, p := range e.builder.params {
		names = append(names, p.paramName)
		inputShapes = append(inputShapes, p.shape)
	}
	return
}

// Outputs implements backends.Executable.
func (e *Executable) Outputs() (outputShapes []shapes.Shape) {
	for _, out := range e.outputs {
		outputShapes = append(outputShapes, out.shape)
	}
	return
}

// Finalize implements backends.Executable.
func (e *Executable) Finalize() {
	if e.builder == nil {
		return
	}
	for _, n := range e.builder.nodes {
		if n.fb != nil && n.fb.exec != nil {
			n.fb.exec.Finalize()
		}
		if n.constant != nil {
			_ = e.backend.Backend.BufferFinalize(n.constant)
			n.constant = nil
		}
	}
	e.builder = nil
}

// Execute implements backends.Executable.
func (e *Executable) Execute(inputs []backends.Buffer, donate []bool, _ backends.DeviceNum) ([]backends.Buffer, error) {
	if e.builder == nil {
		return nil, errors.New("Execute: executable was finalized")
	}
	params := e.builder.params
	if len(inputs) != len(params) {
		return nil, errors.Errorf("Execute: expected %d inputs, got %d", len(params), len(inputs))
	}
	inner := e.backend.Backend
	for i, in := range inputs {
		if in == nil {
			return nil, errors.Errorf("Execute: input buffer #%d is nil", i)
		}
		shape, err := inner.BufferShape(in)
		if err != nil {
			return nil, errors.WithMessagef(err, "Execute: input #%d", i)
		}
		if !shape.Equal(params[i].shape) {
			return nil, errors.Errorf("Execute: parameter %q (input #%d) for %q: expected shape %s, got %s",
				params[i].paramName, i, e.builder.name, params[i].shape, shape)
		}
	}
	s := e.states.Get().(*execState)
	defer e.states.Put(s)
	for i, p := range params {
		if e.numUses[p.idx] == 0 {
			if len(donate) > i && donate[i] {
				_ = inner.BufferFinalize(inputs[i])
			}
			continue
		}
		s.results[p.idx] = inputs[i]
		s.owned[p.idx] = len(donate) > i && donate[i]
	}
	var err error
	for _, n := range e.order {
		if err = s.run(n); err != nil {
			break
		}
	}
	if err != nil {
		s.releaseAll()
		return nil, err
	}
	outputs := make([]backends.Buffer, len(e.outputs))
	for i, out := range e.outputs {
		buf := s.results[out.idx]
		if s.owned[out.idx] {
			outputs[i] = buf
			s.owned[out.idx] = false // a repeated output gets a copy
			continue
		}
		if outputs[i], err = e.backend.pool.clone(buf, out.shape); err != nil {
			s.releaseAll()
			return nil, err
		}
	}
	s.releaseAll()
	return outputs, nil
}

// releaseAll returns the owned buffers still held (after an error or for outputs) and resets s.
func (s *execState) releaseAll() {
	for i, buf := range s.results {
		if buf != nil && s.owned[i] {
			s.e.backend.pool.put(buf)
		}
		s.results[i] = nil
		s.owned[i] = false
		s.used[i] = 0
	}
}

// run computes one node.
func (s *execState) run(n *node) error {
	switch n.kind {
	case kindParameter:
		return nil
	case kindConstant:
		s.results[n.idx] = n.constant
		s.owned[n.idx] = false
		return nil
	}
	if opStatsEnabled {
		start := time.Now()
		defer func() { recordOp(n, n.native != nil, time.Since(start)) }()
	}
	e := s.e
	inputs := s.inputs[:len(n.inputs)]
	for i, in := range n.inputs {
		inputs[i] = s.results[in.idx]
		if inputs[i] == nil {
			return errors.Errorf("executing %s: input #%d (%s) not computed (bug)", n.opType, i, in.opType)
		}
	}
	if n.native != nil {
		flats := s.flats[:len(inputs)]
		for i, in := range inputs {
			flat, err := e.backend.Backend.BufferData(in)
			if err != nil {
				return errors.WithMessagef(err, "executing %s", n.opType)
			}
			flats[i] = flat
		}
		// Write into an input's buffer when this is its last use (elementwise ops).
		reused := -1
		if ip, ok := n.native.(inPlacer); ok {
			for _, i := range ip.inPlaceInputs() {
				if s.lastOwnedUse(n, i) {
					reused = i
					break
				}
			}
		}
		var (
			out     backends.Buffer
			outFlat any
		)
		if reused >= 0 {
			out, outFlat = inputs[reused], flats[reused]
		} else {
			var err error
			if out, outFlat, err = e.backend.pool.get(n.shape); err != nil {
				return errors.WithMessagef(err, "executing %s", n.opType)
			}
		}
		n.native.run(s, flats, outFlat)
		clear(flats)
		var taken []bool
		if reused >= 0 {
			taken = s.donate[:len(inputs)]
			clear(taken)
			taken[reused] = true
		}
		s.results[n.idx] = out
		s.owned[n.idx] = true
		s.consumed(n, taken)
		clear(inputs)
		return nil
	}
	// Fallback: donate the inputs whose last use this is (simplego then reuses them in place).
	donate := s.donate[:len(inputs)]
	for i, in := range n.inputs {
		donate[i] = s.owned[in.idx] && e.numUses[in.idx]-s.used[in.idx] == 1
	}
	outs, err := n.fb.exec.Execute(inputs, donate, 0)
	if err != nil {
		return errors.WithMessagef(err, "executing %s on the inner backend", n.opType)
	}
	if n.kind == kindMulti {
		for i, out := range n.outputs {
			if e.numUses[out.idx] == 0 {
				e.backend.pool.put(outs[i])
				continue
			}
			s.results[out.idx] = outs[i]
			s.owned[out.idx] = true
		}
	} else {
		s.results[n.idx] = outs[0]
		s.owned[n.idx] = true
	}
	s.consumed(n, donate)
	clear(inputs)
	return nil
}

// lastOwnedUse reports whether input i of n is an owned buffer used for the last time, and only
// once by n (so n may overwrite it).
func (s *execState) lastOwnedUse(n *node, i int) bool {
	in := n.inputs[i]
	if !s.owned[in.idx] || s.e.numUses[in.idx]-s.used[in.idx] != 1 || !in.shape.Equal(n.shape) {
		// (The buffer keeps its shape, which executables of the inner backend check: an input
		// read through a bypassed Reshape has another shape.)
		return false
	}
	for j, other := range n.inputs {
		if j != i && other == in {
			return false
		}
	}
	return true
}

// consumed counts one use of each input of n and releases those whose last use it was
// (donated ones already belong to the inner backend).
func (s *execState) consumed(n *node, donated []bool) {
	for i, in := range n.inputs {
		s.used[in.idx]++
		if donated != nil && donated[i] {
			s.results[in.idx] = nil
			s.owned[in.idx] = false
			continue
		}
		if s.used[in.idx] == s.e.numUses[in.idx] && s.results[in.idx] != nil {
			if s.owned[in.idx] {
				s.e.backend.pool.put(s.results[in.idx])
			}
			s.results[in.idx] = nil
			s.owned[in.idx] = false
		}
	}
}
