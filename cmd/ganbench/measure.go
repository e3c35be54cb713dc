package main

import (
	"log"
	"slices"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// timingOptions says how many times to run each variant: at least minRuns times and minTime in
// total, but never planning a run that would take the total past maxTime, so that a very slow
// variant costs a bounded time (with fewer runs, which the report shows).
type timingOptions struct {
	minRuns          int
	minTime, maxTime time.Duration
}

// timing is the result of measuring one executable.
type timing struct {
	runs   int
	median time.Duration
	// capped is set when maxTime stopped the runs before minRuns or minTime was reached.
	capped bool
	// peakRSS is the process's peak resident memory (bytes) during warm-up and runs; 0 if unknown.
	peakRSS int64
}

// measure times exec on args: one untimed warm-up call (it compiles the graph and lets the backend
// allocate), then timed calls, reusing the compiled executable. It returns the warm-up outputs so
// the caller can check them; the caller must finalize them.
func (o timingOptions) measure(name string, exec *graph.Exec, args ...any) (timing, []*tensors.Tensor, error) {
	peakKnown := resetPeakRSS()
	start := time.Now()
	warmup, err := exec.Exec(args...)
	if err != nil {
		return timing{}, nil, errors.WithMessagef(err, "compiling and running %s", name)
	}
	log.Printf("%s: warm-up (with compilation) %s", name, time.Since(start).Round(time.Millisecond))
	var (
		samples []time.Duration
		total   time.Duration
		capped  bool
	)
	for len(samples) < o.minRuns || total < o.minTime {
		if n := len(samples); n > 0 && total+samples[n-1] > o.maxTime {
			capped = true
			break
		}
		start := time.Now()
		outputs, err := exec.Exec(args...)
		elapsed := time.Since(start)
		if err != nil {
			finalize(warmup)
			return timing{}, nil, errors.WithMessagef(err, "running %s (timed run %d)", name, len(samples)+1)
		}
		finalize(outputs)
		samples = append(samples, elapsed)
		total += elapsed
	}
	t := timing{runs: len(samples), median: median(samples), capped: capped}
	if peakKnown {
		t.peakRSS = peakRSS()
	}
	log.Printf("%s: %d runs, median %s, peak RSS %s", name, t.runs, t.median.Round(time.Microsecond), formatMiB(t.peakRSS))
	return t, warmup, nil
}

// finalize frees output tensors right away: at these sizes (up to ~100 MB per step) leaving them
// to the garbage collector makes memory, and GC pauses inside timed runs, grow.
func finalize(outputs []*tensors.Tensor) {
	for _, t := range outputs {
		if err := t.FinalizeAll(); err != nil {
			// Not fatal for a benchmark: at worst memory grows until the GC frees it.
			log.Printf("freeing an output tensor %s: %v", t.Shape(), err)
		}
	}
}

// median of a non-empty list of durations (the mean of the middle two for an even count).
func median(samples []time.Duration) time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
