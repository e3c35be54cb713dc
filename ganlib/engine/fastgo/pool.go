package fastgo

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
//
// A training step runs thousands of parallel sections (every matrix product, copy and
// elementwise op of some size), so hand-offs must be fast: an idle worker polls for work for a
// short while (spinWait) before it parks, and the caller polls for the workers' completion before
// it blocks. Waking a parked goroutine costs tens of microseconds, more on a loaded machine.
type workers struct {
	parallelism int
	simd        bool
	items       chan workItem
	stopOnce    sync.Once
}

// spinWait bounds the polling of workers and callers before they block (FASTGO_SPIN_US
// overrides it, 0 turns polling off).
var spinWait = func() time.Duration {
	if us, err := strconv.Atoi(os.Getenv("FASTGO_SPIN_US")); err == nil && us >= 0 {
		return time.Duration(us) * time.Microsecond
	}
	return 500 * time.Microsecond
}()

// parallelJob is work split in parts, run concurrently.
type parallelJob interface {
	runPart(part int)
}

// barrier tracks the parts of one parallel section still running.
type barrier struct {
	wg      sync.WaitGroup
	pending atomic.Int32
}

type workItem struct {
	job     parallelJob
	part    int
	barrier *barrier
}

func newWorkers(parallelism int) *workers {
	w := &workers{parallelism: parallelism, items: make(chan workItem, 64)}
	for range parallelism - 1 {
		go w.work()
	}
	return w
}

// work is a worker goroutine's loop.
func (w *workers) work() {
	for {
		item, ok := w.next()
		if !ok {
			return
		}
		item.job.runPart(item.part)
		item.barrier.pending.Add(-1)
		item.barrier.wg.Done()
	}
}

// next returns the next work item, polling for spinWait before blocking; false once stopped.
func (w *workers) next() (workItem, bool) {
	select {
	case item, ok := <-w.items:
		return item, ok
	default:
	}
	start := time.Now()
	for polls := 1; ; polls++ {
		select {
		case item, ok := <-w.items:
			return item, ok
		default:
		}
		if polls%64 == 0 && time.Since(start) > spinWait {
			item, ok := <-w.items
			return item, ok
		}
	}
}

// run runs job's parts 0..parts-1, part 0 on the calling goroutine, and waits for all.
func (w *workers) run(job parallelJob, parts int, b *barrier) {
	if parts <= 1 {
		job.runPart(0)
		return
	}
	b.wg.Add(parts - 1)
	b.pending.Store(int32(parts - 1))
	for part := 1; part < parts; part++ {
		w.items <- workItem{job: job, part: part, barrier: b}
	}
	job.runPart(0)
	if b.pending.Load() > 0 {
		start := time.Now()
		for polls := 1; b.pending.Load() > 0; polls++ {
			if polls%64 == 0 && time.Since(start) > spinWait {
				break
			}
		}
	}
	b.wg.Wait()
}

func (w *workers) stop() {
	w.stopOnce.Do(func() { close(w.items) })
}
