package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ganlab/gogan/datasets"
)

func prepare(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("prepare", flag.ContinueOnError)
	var opts datasets.Options
	addOptionFlags(flags, &opts)
	positional, err := parseFlags(flags, args, 2, "SPEC OUT.cache")
	if err != nil {
		return err
	}
	spec, cachePath := positional[0], positional[1]

	d, err := datasets.Open(spec, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(out, "preparing %d samples of %s at %dx%dx%d into %s\n", d.Len(), spec, d.Resolution(), d.Resolution(), d.Channels(), cachePath)
	started := time.Now()
	lastShown := started
	err = d.WriteCache(cachePath, func(done, total int) {
		if time.Since(lastShown) >= 2*time.Second || done == total {
			lastShown = time.Now()
			fmt.Fprintf(out, "  %d/%d decoded (%.0f images/s)\n", done, total, float64(done)/time.Since(started).Seconds())
		}
	})
	if err != nil {
		return err
	}
	info, err := os.Stat(cachePath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s: %.1f MiB in %v; %s\n", cachePath, float64(info.Size())/(1<<20), time.Since(started).Round(time.Millisecond), d.Report())
	fmt.Fprintf(out, "use it as the data set spec cache:%s\n", cachePath)
	return nil
}
