package fastgo

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
)

// Per-operation timing, for finding what to make native next: enabled by FASTGO_OPSTATS=1 (or
// EnableOpStats), read with OpStats.
var (
	opStatsEnabled = os.Getenv("FASTGO_OPSTATS") == "1"
	opStatsMu      sync.Mutex
	opStats        = map[opStatsKey]*opStat{}
)

type opStatsKey struct {
	opType backends.OpType
	native bool
}

type opStat struct {
	count    int
	elapsed  time.Duration
	elements int64
}

// EnableOpStats turns the per-operation timing on or off (it costs two clock reads per op).
func EnableOpStats(on bool) { opStatsEnabled = on }

// ResetOpStats clears the per-operation timings.
func ResetOpStats() {
	opStatsMu.Lock()
	clear(opStats)
	clear(dotStats)
	opStatsMu.Unlock()
}

func recordOp(n *node, native bool, elapsed time.Duration) {
	opStatsMu.Lock()
	key := opStatsKey{n.opType, native}
	s := opStats[key]
	if s == nil {
		s = &opStat{}
		opStats[key] = s
	}
	s.count++
	s.elapsed += elapsed
	if n.kind != kindMulti {
		s.elements += int64(n.shape.Size())
	}
	opStatsMu.Unlock()
}

// OpStats returns the per-operation timings collected so far, slowest first, as a table.
func OpStats() string {
	opStatsMu.Lock()
	defer opStatsMu.Unlock()
	keys := make([]opStatsKey, 0, len(opStats))
	var total time.Duration
	for k, s := range opStats {
		keys = append(keys, k)
		total += s.elapsed
	}
	slices.SortFunc(keys, func(a, b opStatsKey) int { return int(opStats[b].elapsed - opStats[a].elapsed) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-22s %-8s %8s %10s %6s %12s\n", "op", "kernel", "count", "ms", "%", "Melements")
	for _, k := range keys {
		s := opStats[k]
		kernel := "simplego"
		if k.native {
			kernel = "native"
		}
		fmt.Fprintf(&sb, "%-22s %-8s %8d %10.1f %6.1f %12.1f\n", k.opType, kernel, s.count,
			s.elapsed.Seconds()*1e3, 100*s.elapsed.Seconds()/total.Seconds(), float64(s.elements)/1e6)
	}
	return sb.String()
}

// OpStatsEnabled reports whether per-operation timing is on.
func OpStatsEnabled() bool { return opStatsEnabled }

// Per-shape timing of the native matrix products (with FASTGO_OPSTATS=1).
var (
	dotStats = map[[4]int]*opStat{}
)

func recordDot(p *dotPlan, elapsed time.Duration) {
	opStatsMu.Lock()
	key := [4]int{p.batch, p.m, p.n, p.k}
	s := dotStats[key]
	if s == nil {
		s = &opStat{}
		dotStats[key] = s
	}
	s.count++
	s.elapsed += elapsed
	opStatsMu.Unlock()
}

// DotStats returns the per-shape timings of the matrix products, slowest first.
func DotStats() string {
	opStatsMu.Lock()
	defer opStatsMu.Unlock()
	keys := make([][4]int, 0, len(dotStats))
	for k := range dotStats {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [4]int) int { return int(dotStats[b].elapsed - dotStats[a].elapsed) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-28s %6s %10s %8s\n", "batch x M x N x K", "count", "ms", "GFLOP/s")
	for _, k := range keys {
		s := dotStats[k]
		flops := 2 * float64(k[0]) * float64(k[1]) * float64(k[2]) * float64(k[3]) * float64(s.count)
		fmt.Fprintf(&sb, "%-28s %6d %10.1f %8.1f\n", fmt.Sprintf("%dx%dx%dx%d", k[0], k[1], k[2], k[3]), s.count,
			s.elapsed.Seconds()*1e3, flops/s.elapsed.Seconds()/1e9)
	}
	return sb.String()
}
