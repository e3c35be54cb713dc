package fastgo

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// maxPooledRank is the largest rank whose buffers are pooled (others go back to the inner backend).
const maxPooledRank = 8

// shapeKey identifies a shape without allocating.
type shapeKey struct {
	dtype dtypes.DType
	rank  int8
	dims  [maxPooledRank]int
}

func keyOf(shape shapes.Shape) (shapeKey, bool) {
	if shape.Rank() > maxPooledRank {
		return shapeKey{}, false
	}
	k := shapeKey{dtype: shape.DType, rank: int8(shape.Rank())}
	copy(k.dims[:], shape.Dimensions)
	return k, true
}

// bufferPool keeps released buffers by exact shape, so a training step reuses the previous
// step's buffers instead of allocating (inner-backend buffers carry their shape, which its
// executables check, so reuse is by shape rather than by size).
type bufferPool struct {
	inner backends.Backend
	mu    sync.Mutex
	free  map[shapeKey][]backends.Buffer
	bytes int64
	// maxBytes caps the memory the pool keeps; further buffers go back to the inner backend.
	maxBytes int64
}

func newBufferPool(inner backends.Backend) *bufferPool {
	return &bufferPool{inner: inner, free: make(map[shapeKey][]backends.Buffer), maxBytes: 4 << 30}
}

// get returns a buffer of the shape (contents undefined) and its flat slice.
func (p *bufferPool) get(shape shapes.Shape) (backends.Buffer, any, error) {
	if key, ok := keyOf(shape); ok {
		p.mu.Lock()
		list := p.free[key]
		if n := len(list); n > 0 {
			buf := list[n-1]
			list[n-1] = nil
			p.free[key] = list[:n-1]
			p.bytes -= int64(shape.Memory())
			p.mu.Unlock()
			flat, err := p.inner.BufferData(buf)
			return buf, flat, err
		}
		p.mu.Unlock()
	}
	return p.inner.NewSharedBuffer(0, shape)
}

// put releases a buffer into the pool (or to the inner backend when the pool is full).
func (p *bufferPool) put(buf backends.Buffer) {
	shape, err := p.inner.BufferShape(buf)
	if err != nil {
		return
	}
	if key, ok := keyOf(shape); ok {
		size := int64(shape.Memory())
		p.mu.Lock()
		if p.bytes+size <= p.maxBytes {
			p.free[key] = append(p.free[key], buf)
			p.bytes += size
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	_ = p.inner.BufferFinalize(buf)
}

// clone returns a new buffer with a copy of buf's contents.
func (p *bufferPool) clone(buf backends.Buffer, shape shapes.Shape) (backends.Buffer, error) {
	src, err := p.inner.BufferData(buf)
	if err != nil {
		return nil, err
	}
	out, dst, err := p.get(shape)
	if err != nil {
		return nil, err
	}
	copyFlat(dst, src)
	return out, nil
}

// clear returns every pooled buffer to the inner backend.
func (p *bufferPool) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, list := range p.free {
		for _, buf := range list {
			_ = p.inner.BufferFinalize(buf)
		}
		delete(p.free, key)
	}
	p.bytes = 0
}

// workers runs the parts of a parallel job on long-lived goroutines (no allocation per job).
type workers struct {
	parallelism int
	simd        bool
	items       chan workItem
	stopOnce    sync.Once
}

// parallelJob is work split in parts, run concurrently.
type parallelJob interface {
	runPart(part int)
}

type workItem struct {
	job  parallelJob
	part int
	wg   *sync.WaitGroup
}

func newWorkers(parallelism int) *workers {
	w := &workers{parallelism: parallelism, items: make(chan workItem, 64)}
	for range parallelism - 1 {
		go func() {
			for item := range w.items {
				item.job.runPart(item.part)
				item.wg.Done()
			}
		}()
	}
	return w
}

// run runs job's parts 0..parts-1, part 0 on the calling goroutine, and waits for all.
func (w *workers) run(job parallelJob, parts int, wg *sync.WaitGroup) {
	if parts <= 1 {
		job.runPart(0)
		return
	}
	wg.Add(parts - 1)
	for part := 1; part < parts; part++ {
		w.items <- workItem{job: job, part: part, wg: wg}
	}
	job.runPart(0)
	wg.Wait()
}

func (w *workers) stop() {
	w.stopOnce.Do(func() { close(w.items) })
}
