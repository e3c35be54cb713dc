package datasets

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// NextBatch returns the next batchSize samples of the endless shuffled stream. Batches run across
// epoch boundaries, so every batch is full and no sample is dropped; each epoch is a new
// permutation of all samples (see Options.Seed). Batches are decoded ahead by Options.Workers
// goroutines, at most Options.Prefetch batches ahead, so memory stays bounded whatever the size
// of the data set. Changing batchSize between calls restarts the prefetching at the same
// position, so the stream of samples does not depend on batch sizes.
//
// A decoding error is returned (naming the file) without advancing, so calling again returns the
// same error; set Options.SkipBad to skip such files instead.
func (d *Dataset) NextBatch(batchSize int) (Batch, error) {
	if batchSize <= 0 {
		return Batch{}, fmt.Errorf("%s: NextBatch(%d): the batch size must be positive", d.spec, batchSize)
	}
	if d.pipe == nil || d.pipe.batchSize != batchSize {
		d.stopPipeline()
		d.pipe = d.startPipeline(batchSize, d.position)
	}
	result := <-<-d.pipe.ready
	if result.err != nil {
		d.stopPipeline()
		return Batch{}, result.err
	}
	d.position += int64(batchSize)
	return result.batch, nil
}

// pipeline is the prefetching machinery for one batch size: a producer that lays out the order
// of future batches and a pool of workers that decode them.
type pipeline struct {
	batchSize int
	// ready receives, in serving order, the channel on which each batch will be delivered; its
	// capacity bounds how many batches are prepared ahead.
	ready chan chan batchResult
	stop  chan struct{}
	wg    sync.WaitGroup
}

type batchJob struct {
	indices []int32
	flips   []bool
	done    chan batchResult
}

type batchResult struct {
	batch Batch
	err   error
}

func (d *Dataset) startPipeline(batchSize int, start int64) *pipeline {
	p := &pipeline{
		batchSize: batchSize,
		ready:     make(chan chan batchResult, d.opts.Prefetch),
		stop:      make(chan struct{}),
	}
	jobs := make(chan batchJob)
	p.wg.Add(1 + d.opts.Workers)
	go func() {
		defer p.wg.Done()
		d.produce(p, jobs, start)
	}()
	for range d.opts.Workers {
		go func() {
			defer p.wg.Done()
			scratch := make([]uint8, d.sampleBytes())
			for {
				select {
				case job := <-jobs:
					job.done <- d.fillBatch(job, scratch)
				case <-p.stop:
					return
				}
			}
		}()
	}
	return p
}

// produce lays out batch after batch from position start until the pipeline stops.
func (d *Dataset) produce(p *pipeline, jobs chan<- batchJob, start int64) {
	n := int64(d.src.Len())
	var order []int32
	orderEpoch := int64(-1)
	for position := start; ; position += int64(p.batchSize) {
		job := batchJob{
			indices: make([]int32, p.batchSize),
			flips:   make([]bool, p.batchSize),
			done:    make(chan batchResult, 1),
		}
		for k := range p.batchSize {
			q := position + int64(k)
			if epoch := q / n; epoch != orderEpoch {
				order, orderEpoch = epochOrder(d.opts.Seed, epoch, int(n)), epoch
			}
			job.indices[k] = order[q%n]
			job.flips[k] = d.opts.Flip && flipAt(d.opts.Seed, q)
		}
		select {
		case p.ready <- job.done:
		case <-p.stop:
			return
		}
		select {
		case jobs <- job:
		case <-p.stop:
			return
		}
	}
}

func (d *Dataset) fillBatch(job batchJob, scratch []uint8) batchResult {
	batch := d.newBatch(len(job.indices))
	for k, index := range job.indices {
		if err := d.fillSlot(batch, k, int(index), job.flips[k], scratch); err != nil {
			return batchResult{err: err}
		}
	}
	return batchResult{batch: batch}
}

func (d *Dataset) stopPipeline() {
	if d.pipe == nil {
		return
	}
	close(d.pipe.stop)
	d.pipe.wg.Wait()
	d.pipe = nil
}

// parallelFor calls fn(worker, i) for every i in [0, n) on the given number of goroutines;
// worker in [0, workers) lets fn use per-goroutine scratch buffers.
func parallelFor(n, workers int, fn func(worker, i int)) {
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(w, i)
			}
		})
	}
	wg.Wait()
}
