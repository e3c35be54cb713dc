package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// The machines here are shared and have no swap: a variant that needs more memory than is free
// gets the process (or a colleague's, whichever the kernel picks) killed without a word. So the
// memory of each variant is measured, and a guard stops the program, with a message, first.

// resetPeakRSS collects garbage and returns freed memory to the OS (so the previous variant's
// garbage is neither collected during this one's runs nor counted in its memory), then restarts
// the kernel's peak-RSS counter. It reports whether that worked (Linux only).
func resetPeakRSS() bool {
	// The pure-Go backend keeps freed buffers in sync.Pools, which survive one collection (as
	// victims): the first GC demotes them, the one in FreeOSMemory frees them.
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is the process's peak resident memory in bytes since resetPeakRSS; 0 if unknown.
func peakRSS() int64 {
	kB, err := readKB("/proc/self/status", "VmHWM")
	if err != nil {
		return 0
	}
	return kB << 10
}

// startMemoryGuard exits with an error as soon as the process's resident memory passes
// limitMiB; 0 sets the limit to 90% of the memory available now. A backend execution cannot be
// interrupted, so exiting is the only way to stop one in time; every measured variant is already
// in the log by then. Without /proc (not Linux) the guard is off, and it says so.
func startMemoryGuard(limitMiB int64) error {
	if limitMiB < 0 {
		return errors.Errorf("-max-rss-mib=%d: want a positive limit, or 0 for 90%% of the available memory", limitMiB)
	}
	limit := limitMiB << 20
	if limit == 0 {
		availableKB, err := readKB("/proc/meminfo", "MemAvailable")
		if err != nil {
			log.Printf("memory guard off: %v", err)
			return nil
		}
		limit = availableKB << 10 / 10 * 9
	}
	if _, err := readKB("/proc/self/status", "VmRSS"); err != nil {
		log.Printf("memory guard off: %v", err)
		return nil
	}
	log.Printf("memory guard: stopping if resident memory passes %d MiB (-max-rss-mib)", limit>>20)
	go func() {
		// Page-faulting in fresh memory runs at a few GB/s: checking every 50 ms stays well
		// inside the 10% margin of the default limit.
		for range time.Tick(50 * time.Millisecond) {
			if kB, err := readKB("/proc/self/status", "VmRSS"); err == nil && kB<<10 > limit {
				log.Fatalf("ganbench: resident memory %d MiB passed the limit of %d MiB (-max-rss-mib): stopping before the "+
					"kernel's OOM killer ends this or another process; the variants measured so far are logged above", kB>>10, limit>>20)
			}
		}
	}()
	return nil
}

// readKB returns the value of a "Key:   123 kB" line of a /proc file.
func readKB(path, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), key+":"); ok {
			kB, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err != nil {
				return 0, errors.Wrapf(err, "parsing %s in %s", key, path)
			}
			return kB, nil
		}
	}
	if err := scanner.Err(); err != nil {
		return 0, errors.Wrapf(err, "reading %s", path)
	}
	return 0, errors.Errorf("no %s line in %s", key, path)
}

// formatMiB formats a byte count in MiB, "n/a" for 0 (unknown).
func formatMiB(bytes int64) string {
	if bytes == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d", bytes>>20)
}
