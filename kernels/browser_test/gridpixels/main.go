// Command gridpixels prints, as JSON, the grey levels the browser test must find in the
// quickstart's grid of real digits: MNIST training samples 0-31 at 16x16, as the notebook cell
// opens them, laid out as that grid is documented (8 columns and 4 rows of 16x16 tiles, 2-pixel
// grey (128) gaps around every tile). It computes them from the data set's samples directly,
// not through ganlib/render, so a grid drawn blank, black, shifted or from other samples fails.
//
//	go run ./kernels/browser_test/gridpixels
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/ganlab/gogan/datasets"
)

const (
	columns, rows, tile, gap = 8, 4, 16, 2
	gapGrey                  = 128
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gridpixels:", err)
		os.Exit(1)
	}
}

func run() error {
	data, err := datasets.Open("mnist", datasets.Options{Resolution: tile, Channels: 1, Seed: 1})
	if err != nil {
		return err
	}
	defer data.Close()
	indices := make([]int, columns*rows)
	for i := range indices {
		indices[i] = i
	}
	batch, err := data.Samples(indices)
	if err != nil {
		return err
	}
	width, height := columns*(tile+gap)+gap, rows*(tile+gap)+gap
	grey := make([]int, width*height)
	for i := range grey {
		grey[i] = gapGrey
	}
	for i := range indices {
		x0, y0 := gap+(i%columns)*(tile+gap), gap+(i/columns)*(tile+gap)
		for y := range tile {
			for x := range tile {
				v := batch.Images[(i*tile+y)*tile+x] // in [-1, 1]
				grey[(y0+y)*width+x0+x] = int(math.Round(float64(v+1) * 127.5))
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"width": width, "height": height, "grey": grey})
}
