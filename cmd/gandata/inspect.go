package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/render"
)

func inspect(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var opts datasets.Options
	addOptionFlags(flags, &opts)
	flags.Uint64Var(&opts.Seed, "seed", 0, "seed of the shuffled order the grid samples are drawn in")
	gridPath := flags.String("grid", "", "PNG file for a grid of samples (empty: none; gandata writes only where told)")
	count := flags.Int("n", 64, "number of samples in the grid")
	pyramidPath := flags.String("pyramid", "", "PNG file showing the first samples at every pyramid level, 4x4 up (empty: none)")
	measure := flags.Duration("time", 0, "if positive, read batches of 64 for this long and report images/s")
	positional, err := parseFlags(flags, args, 1, "SPEC")
	if err != nil {
		return err
	}
	spec := positional[0]

	started := time.Now()
	d, err := datasets.Open(spec, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(out, "spec:        %s (opened in %v)\n", spec, time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(out, "samples:     %d\n", d.Len())
	fmt.Fprintf(out, "resolution:  %dx%d\n", d.Resolution(), d.Resolution())
	fmt.Fprintf(out, "channels:    %d\n", d.Channels())
	if d.NumClasses() == 0 {
		fmt.Fprintln(out, "classes:     none (unlabeled)")
	} else {
		fmt.Fprintf(out, "classes:     %d: %s\n", d.NumClasses(), strings.Join(d.ClassNames(), ", "))
	}

	if *count > 0 && (*gridPath != "" || *pyramidPath != "") {
		batch, err := d.NextBatch(*count)
		if err != nil {
			return err
		}
		if err := writeGrids(batch, *gridPath, *pyramidPath, out); err != nil {
			return err
		}
	}
	if *measure > 0 {
		if err := measureLoading(d, *measure, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "report:      %s\n", d.Report())
	return nil
}

func writeGrids(batch datasets.Batch, gridPath, pyramidPath string, out io.Writer) error {
	if gridPath != "" {
		columns := int(math.Ceil(math.Sqrt(float64(batch.Shape[0]))))
		if err := render.WritePNG(gridPath, render.SampleGrid(toRender(batch), columns, columns)); err != nil {
			return err
		}
		fmt.Fprintf(out, "grid:        %s (%d samples)\n", gridPath, batch.Shape[0])
	}
	if pyramidPath != "" {
		levels, err := datasets.Pyramid(batch, 4)
		if err != nil {
			return err
		}
		scales := make([]render.Images, len(levels))
		for i, level := range levels {
			scales[i] = toRender(level)
		}
		const rows = 8
		if err := render.WritePNG(pyramidPath, render.ScaleGrid(scales, rows)); err != nil {
			return err
		}
		fmt.Fprintf(out, "pyramid:     %s (%d levels, 4x4 to %dx%d)\n", pyramidPath, len(levels), batch.Shape[1], batch.Shape[2])
	}
	return nil
}

func toRender(b datasets.Batch) render.Images {
	return render.Images{Batch: b.Shape[0], Height: b.Shape[1], Width: b.Shape[2], Channels: b.Shape[3], Pixels: b.Images}
}

// measureLoading reads batches for the given time, as a training loop would, and reports the rate.
func measureLoading(d *datasets.Dataset, duration time.Duration, out io.Writer) error {
	const batchSize = 64
	images := 0
	started := time.Now()
	for time.Since(started) < duration {
		if _, err := d.NextBatch(batchSize); err != nil {
			return err
		}
		images += batchSize
	}
	elapsed := time.Since(started)
	fmt.Fprintf(out, "loading:     %.0f images/s (%d images in %v, batches of %d)\n",
		float64(images)/elapsed.Seconds(), images, elapsed.Round(time.Millisecond), batchSize)
	return nil
}
