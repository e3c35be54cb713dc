// Command ganbench measures how fast the engine runs the computations the GAN models here are
// made of, on one backend, and prints the results as Markdown tables (ready for
// docs/BENCHMARKS.md). Progress goes to stderr, results to stdout.
//
//	go run ./cmd/ganbench -suite=conv                 # pure-Go backend (or $GOMLX_BACKEND)
//	go run ./cmd/ganbench -suite=conv -backend=xla:cpu
//
// Suites are registered by name in the suites map; each lives in its own file and adds itself
// from an init function, so a new suite is a new file and touches nothing here.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/gomlx/gomlx/backends"
	"github.com/pkg/errors"
)

// bench is what every suite gets: the backend to run on and how long to time each variant.
type bench struct {
	backend backends.Backend
	timing  timingOptions
}

// suite runs one family of benchmarks and returns its results.
type suite func(b *bench) (*table, error)

// suites maps the -suite names to their implementations; files add to it from init.
var suites = map[string]suite{}

// table is one suite's result, printed as a Markdown table with notes below it.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func main() {
	suiteNames := flag.String("suite", "", "comma-separated suites to run: "+strings.Join(suiteList(), ", "))
	// The default shows the effective backend: $GOMLX_BACKEND if set, else engine.DefaultConfig.
	backendConfig := flag.String("backend", engine.Config(""), "backend config passed to engine.New (go, xla:cpu, xla:/abs/plugin.so)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (read with go tool pprof)")
	var timing timingOptions
	flag.IntVar(&timing.minRuns, "min-runs", 3, "timed runs per variant, at least")
	flag.DurationVar(&timing.minTime, "min-time", 2*time.Second, "total timed duration per variant, at least")
	flag.DurationVar(&timing.maxTime, "max-time", 10*time.Second,
		"stop timing a variant before a run would take its total past this, even below -min-runs (at least one run is timed)")
	maxRSSMiB := flag.Int64("max-rss-mib", 0, "stop the program if its resident memory passes this many MiB (0: 90% of the memory available at start)")
	flag.Parse()
	if *suiteNames == "" || flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "usage: ganbench -suite=NAME[,NAME...] [flags]; suites: %s\n", strings.Join(suiteList(), ", "))
		flag.PrintDefaults()
		os.Exit(2)
	}
	if err := run(os.Stdout, strings.Split(*suiteNames, ","), *backendConfig, *cpuProfile, *maxRSSMiB, timing); err != nil {
		log.Fatalf("ganbench: %v", err)
	}
}

// run checks the suite names, starts the backend and runs each suite, printing as it goes.
func run(w io.Writer, names []string, backendConfig, cpuProfile string, maxRSSMiB int64, timing timingOptions) error {
	for _, name := range names {
		if suites[name] == nil {
			return errors.Errorf("unknown suite %q in -suite: available suites are %s", name, strings.Join(suiteList(), ", "))
		}
	}
	if timing.minRuns < 1 {
		return errors.Errorf("-min-runs=%d: need at least 1 timed run", timing.minRuns)
	}
	if err := startMemoryGuard(maxRSSMiB); err != nil {
		return err
	}
	backend, err := engine.New(backendConfig)
	if err != nil {
		return errors.WithMessagef(err, "creating backend from -backend=%q", backendConfig)
	}
	defer backend.Finalize()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return errors.Wrapf(err, "creating -cpuprofile file")
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return errors.Wrapf(err, "starting CPU profile into %q", cpuProfile)
		}
		defer pprof.StopCPUProfile()
	}
	printHeader(w, backend)
	b := &bench{backend: backend, timing: timing}
	for _, name := range names {
		start := time.Now()
		t, err := suites[name](b)
		if err != nil {
			return errors.WithMessagef(err, "suite %q", name)
		}
		t.notes = append(t.notes, "load average at the end of the suite: "+loadAverage())
		t.print(w)
		log.Printf("suite %q took %s", name, time.Since(start).Round(time.Second))
	}
	return nil
}

// suiteList returns the registered suite names, sorted for stable help text.
func suiteList() []string {
	names := make([]string, 0, len(suites))
	for name := range suites {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// printHeader says what the numbers were measured on, since they mean nothing without it.
func printHeader(w io.Writer, backend backends.Backend) {
	fmt.Fprintf(w, "- date: %s\n", time.Now().Format(time.RFC3339))
	fmt.Fprintf(w, "- engine: %s\n", engine.Describe(backend))
	fmt.Fprintf(w, "- machine: %s; %d logical CPUs, GOMAXPROCS=%d; %s %s/%s\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- code: %s\n", codeVersion())
	fmt.Fprintf(w, "- load average at start: %s\n", loadAverage())
	// The program name alone: under go run, os.Args[0] is a path in the build cache.
	fmt.Fprintf(w, "- command: %s\n\n", strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " "))
}

// codeVersion names the commit of the checkout in the working directory and any uncommitted
// paths: several people change the engine at once, and a number is only meaningful with the
// exact code it measured.
func codeVersion() string {
	commit, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return fmt.Sprintf("unknown (git rev-parse in the working directory: %v)", err)
	}
	status, err := exec.Command("git", "status", "--porcelain").Output()
	if err != nil {
		return fmt.Sprintf("commit %s, working tree state unknown (git status: %v)", bytes.TrimSpace(commit), err)
	}
	changed := strings.FieldsFunc(string(status), func(r rune) bool { return r == '\n' })
	if len(changed) == 0 {
		return fmt.Sprintf("commit %s, no uncommitted changes", bytes.TrimSpace(commit))
	}
	const shown = 10
	list := strings.Join(changed[:min(len(changed), shown)], "; ")
	if len(changed) > shown {
		list += fmt.Sprintf("; and %d more", len(changed)-shown)
	}
	return fmt.Sprintf("commit %s plus uncommitted changes (git status --porcelain): %s", bytes.TrimSpace(commit), list)
}

// loadAverage returns the 1, 5 and 15 minute load averages (Linux): timings taken while other
// processes compete for the cores are slower, and the reader needs to know.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return fmt.Sprintf("unknown (unexpected /proc/loadavg %q)", data)
	}
	return strings.Join(fields[:3], " ") + " (1, 5, 15 min)"
}

// cpuModel reads the CPU model name from /proc/cpuinfo (Linux); elsewhere it says why it can't.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return fmt.Sprintf("CPU model unknown (%v)", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "CPU model unknown (no \"model name\" in /proc/cpuinfo)"
}

// print writes the table in Markdown, columns padded so it also reads well in a terminal.
func (t *table) print(w io.Writer) {
	widths := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	line := func(cells []string) {
		for i, cell := range cells {
			fmt.Fprintf(w, "| %-*s ", widths[i], cell)
		}
		fmt.Fprintln(w, "|")
	}
	fmt.Fprintf(w, "### %s\n\n", t.title)
	line(t.header)
	rule := make([]string, len(widths))
	for i, width := range widths {
		rule[i] = strings.Repeat("-", width)
	}
	line(rule)
	for _, row := range t.rows {
		line(row)
	}
	fmt.Fprintln(w)
	for _, note := range t.notes {
		fmt.Fprintf(w, "- %s\n", note)
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
	}
}
