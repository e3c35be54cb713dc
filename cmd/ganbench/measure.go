package main

import (
	"log"
	"slices"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// timingOptions says how many times to run each job: at least minRuns times and minTime in
// total, but never planning a run that would take the total past maxTime, so that a very slow
// job costs a bounded time (with fewer runs, which the report shows).
type timingOptions struct {
	minRuns          int
	minTime, maxTime time.Duration
}

// job is one compiled computation to time: run executes it once, with its arguments; release
// frees what it compiled.
type job struct {
	name    string
	run     func() ([]*tensors.Tensor, error)
	release func()
}

// graphJob times a compiled graph on fixed arguments.
func graphJob(name string, exec *graph.Exec, args ...any) job {
	return job{name: name, run: func() ([]*tensors.Tensor, error) { return exec.Exec(args...) }, release: exec.Finalize}
}

// timing is the result of measuring one job.
type timing struct {
	runs   int
	median time.Duration
	// capped is set when maxTime stopped the runs before minRuns or minTime was reached.
	capped bool
	// peakRSS is the process's peak resident memory (bytes) during the warm-up run; 0 if unknown.
	peakRSS int64
}

// jobState is a job's timed runs so far.
type jobState struct {
	samples  []time.Duration
	total    time.Duration
	finished bool
	capped   bool
}

// record adds a timed run and decides whether the job has enough runs, or whether another one
// would take it past maxTime.
func (o timingOptions) record(s *jobState, elapsed time.Duration) {
	s.samples = append(s.samples, elapsed)
	s.total += elapsed
	switch {
	case len(s.samples) >= o.minRuns && s.total >= o.minTime:
		s.finished = true
	case s.total+elapsed > o.maxTime:
		s.finished, s.capped = true, true
	}
}

// measure times jobs that are to be compared with each other. Each job first runs once untimed
// (that compiles it, and its peak memory is recorded); then the timed runs go in rounds of one
// run of every unfinished job, so that on a shared machine all jobs see the same competing load
// and their ratios hold even when the absolute times do not. The compiled executables are
// reused throughout. It returns the warm-up outputs for the caller to check and finalize.
func (o timingOptions) measure(jobs []job) ([]timing, [][]*tensors.Tensor, error) {
	timings := make([]timing, len(jobs))
	warmups := make([][]*tensors.Tensor, 0, len(jobs))
	fail := func(err error) ([]timing, [][]*tensors.Tensor, error) {
		for _, outputs := range warmups {
			finalize(outputs)
		}
		return nil, nil, err
	}
	for i, j := range jobs {
		peakKnown := resetPeakRSS()
		start := time.Now()
		outputs, err := j.run()
		if err != nil {
			return fail(errors.WithMessagef(err, "compiling and running %s", j.name))
		}
		if peakKnown {
			timings[i].peakRSS = peakRSS()
		}
		warmups = append(warmups, outputs)
		log.Printf("%s: warm-up (with compilation) %s, peak RSS %s MiB",
			j.name, time.Since(start).Round(time.Millisecond), formatMiB(timings[i].peakRSS))
	}
	// Leave the warm-ups' garbage out of the timed runs.
	resetPeakRSS()
	states := make([]jobState, len(jobs))
	for unfinished := len(jobs); unfinished > 0; {
		for i, j := range jobs {
			if states[i].finished {
				continue
			}
			start := time.Now()
			outputs, err := j.run()
			elapsed := time.Since(start)
			if err != nil {
				return fail(errors.WithMessagef(err, "running %s (timed run %d)", j.name, len(states[i].samples)+1))
			}
			finalize(outputs)
			if o.record(&states[i], elapsed); states[i].finished {
				unfinished--
			}
		}
	}
	for i, j := range jobs {
		s := states[i]
		timings[i].runs, timings[i].median, timings[i].capped = len(s.samples), median(s.samples), s.capped
		log.Printf("%s: %d runs, median %s", j.name, timings[i].runs, timings[i].median.Round(time.Microsecond))
	}
	return timings, warmups, nil
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
