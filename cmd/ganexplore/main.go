// Command ganexplore explores a trained StyleGAN2 (or MSG-StyleGAN) snapshot: truncation sweeps,
// style-mixing grids, interpolation strips and looping walks (GIF), and projection of an image
// into W or W+ (StyleGAN2 App. D), writing PNGs, GIFs and, for projection, the latent, the noise
// maps and a loss log.
//
//	go run ./cmd/ganexplore -snapshot runs/00003-e32 -mode truncate
//	go run ./cmd/ganexplore -snapshot runs/00003-e32 -mode mix -band coarse
//	go run ./cmd/ganexplore -snapshot runs/00003-e32 -mode interp -space w
//	go run ./cmd/ganexplore -snapshot runs/00003-e32 -mode project -image digit.png -out proj
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/explore"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/pkg/errors"
)

// options are the command's flags.
type options struct {
	snapshot, mode, out, backend, settings  string
	seed                                    uint64
	n, rows, class                          int
	psi                                     float64
	psis                                    string
	cutoff                                  int
	band                                    string
	space                                   string
	steps, keys, frames, delay              int
	image, features, record                 string
	projectSteps                            int
	plusW, rescaledPyramid                  bool
	pixelWeight, featureWeight, noiseWeight float64
}

func main() {
	var o options
	flag.StringVar(&o.snapshot, "snapshot", "", "a snapshot file, or a run folder (its latest snapshot)")
	flag.StringVar(&o.mode, "mode", "", "mix, truncate, interp or project")
	flag.StringVar(&o.out, "out", "", "output folder (default: explore/ in the run folder)")
	flag.StringVar(&o.backend, "backend", engine.Config(""), "backend config passed to engine.New (go, xla:cpu)")
	flag.StringVar(&o.settings, "set", "", `settings over the run's, such as "metrics_cache=/tmp/m"`)
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the latents")
	flag.IntVar(&o.n, "n", 6, "latents per row: truncate's columns, mix's B sources, interp's strips and walks")
	flag.IntVar(&o.rows, "rows", 4, "mix: the A sources (rows)")
	flag.IntVar(&o.class, "class", 0, "class-conditional models: the class of every image")
	flag.Float64Var(&o.psi, "psi", 1, "mix, interp: truncation psi (1: none)")
	flag.StringVar(&o.psis, "psis", "1,0.7,0.5,0.3,0", "truncate: the psi of each row")
	flag.IntVar(&o.cutoff, "cutoff", 0, "truncate: truncate only the first this many styles (0: all)")
	flag.StringVar(&o.band, "band", "all", "mix: the styles B gives: coarse, middle, fine or all (one grid each)")
	flag.StringVar(&o.space, "space", "z", "interp: z (spherical in Z; any family) or w (linear in W)")
	flag.IntVar(&o.steps, "steps", 8, "interp: images per strip")
	flag.IntVar(&o.keys, "keys", 4, "interp: keyframes of the looping walk")
	flag.IntVar(&o.frames, "frames", 12, "interp: walk frames per keyframe")
	flag.IntVar(&o.delay, "delay", 8, "interp, project: GIF frame time in hundredths of a second")
	flag.StringVar(&o.image, "image", "", "project: the target image (PNG; centre-cropped to a square, resized to the model's resolution, grey or RGB as the model)")
	flag.IntVar(&o.projectSteps, "project-steps", 1000, "project: optimization steps (the paper: 1000)")
	flag.BoolVar(&o.plusW, "wplus", false, "project: one w per synthesis layer (W+) instead of one w (W)")
	flag.StringVar(&o.features, "features", "auto", "project: feature extractor of the distance: classifier (MNIST, Fashion-MNIST runs), nsfwinception, none, or auto (classifier where the data set has one, else none); LPIPS weights are not available offline")
	flag.Float64Var(&o.pixelWeight, "pixel-weight", 1, "project: weight of the mean squared pixel difference")
	flag.Float64Var(&o.featureWeight, "feature-weight", 1, "project: weight of the feature distance")
	flag.Float64Var(&o.noiseWeight, "noise-weight", 1e5, "project: weight of the noise maps' autocorrelation (the paper: 1e5)")
	flag.BoolVar(&o.rescaledPyramid, "rescaled-pyramid", false, "project: double the noise maps' pooled levels in the regularizer, as the paper's App. D says (the authors' code does not)")
	flag.StringVar(&o.record, "record", "10,50,100,250,500", "project: steps whose reconstruction goes into the progress grid and GIF")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatalf("ganexplore: %v", err)
	}
}

func run(o options) error {
	if o.snapshot == "" || o.mode == "" {
		return errors.New("give -snapshot (a snapshot file or a run folder) and -mode (mix, truncate, interp or project); see -help")
	}
	path, err := snapshotPath(o.snapshot)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(filepath.Dir(path), "explore")
	}
	backend, err := engine.New(o.backend)
	if err != nil {
		return errors.WithMessage(err, "-backend")
	}
	defer backend.Finalize()
	e, err := explore.Open(backend, path, o.settings)
	if err != nil {
		return err
	}
	e.Class = o.class
	if e.Model.NumClasses > 0 && (o.class < 0 || o.class >= e.Model.NumClasses) {
		return errors.Errorf("-class %d: %s has classes 0 to %d", o.class, e.Model.Name, e.Model.NumClasses-1)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return errors.Wrap(err, "-out")
	}
	start := time.Now()
	switch o.mode {
	case "truncate":
		err = truncate(e, o)
	case "mix":
		err = mix(e, o)
	case "interp":
		err = interp(e, o)
	case "project":
		err = project(e, o)
	default:
		err = errors.Errorf("-mode %q: use mix, truncate, interp or project", o.mode)
	}
	if err == nil {
		log.Printf("ganexplore: %s of %s in %s; files in %s", o.mode, e.Source, time.Since(start).Round(time.Millisecond), o.out)
	}
	return err
}

// snapshotPath is the snapshot a -snapshot names: the file, or a run folder's latest.
func snapshotPath(p string) (string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return "", errors.Wrap(err, "-snapshot")
	}
	if !info.IsDir() {
		return p, nil
	}
	latest, _, err := runs.Open(p).LatestSnapshot()
	if err != nil {
		return "", errors.WithMessagef(err, "-snapshot %s", p)
	}
	return latest, nil
}

// write saves one output, saying so.
func write(o options, name string, save func(path string) error) error {
	path := filepath.Join(o.out, name)
	if err := save(path); err != nil {
		return err
	}
	fmt.Println(path)
	return nil
}

func floats(flagName, list string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, errors.Errorf("-%s %q: want comma-separated numbers", flagName, list)
		}
		out = append(out, v)
	}
	return out, nil
}

func truncate(e *explore.Explorer, o options) error {
	psis, err := floats("psis", o.psis)
	if err != nil {
		return err
	}
	grid, err := e.TruncationGrid(e.Latents(o.seed, o.n), psis, o.cutoff)
	if err != nil {
		return err
	}
	return write(o, "truncation.png", func(p string) error { return render.WritePNG(p, grid) })
}

func mix(e *explore.Explorer, o options) error {
	bands := explore.Bands
	if o.band != "all" {
		bands = []explore.Band{explore.Band(o.band)}
	}
	for _, band := range bands {
		grid, err := e.MixingGrid(e.Latents(o.seed, o.rows), e.Latents(o.seed+1000, o.n), band, o.psi)
		if err != nil {
			return errors.WithMessage(err, "-band")
		}
		if err := write(o, fmt.Sprintf("mix-%s.png", band), func(p string) error { return render.WritePNG(p, grid) }); err != nil {
			return err
		}
	}
	return nil
}

func interp(e *explore.Explorer, o options) error {
	space := explore.Space(o.space)
	var strips []render.Images
	for i := range o.n {
		strip, err := e.Interpolation(e.Latents(o.seed+uint64(i), 2), o.steps, space, o.psi)
		if err != nil {
			return err
		}
		strips = append(strips, strip)
	}
	cells := make([][]render.Cell, len(strips))
	for r := range strips {
		for c := range o.steps {
			cells[r] = append(cells[r], render.Cell{Images: &strips[r], Index: c})
		}
	}
	title := fmt.Sprintf("%s: interpolation in %s", e.Source, strings.ToUpper(o.space))
	grid := render.LabelledGrid(cells, render.MinTile, title, nil, nil)
	if err := write(o, "interp-"+o.space+".png", func(p string) error { return render.WritePNG(p, grid) }); err != nil {
		return err
	}
	frames, err := e.Walk(e.Latents(o.seed+500, o.keys*o.n), o.keys, o.frames, space, o.psi)
	if err != nil {
		return err
	}
	return write(o, "walk-"+o.space+".gif", func(p string) error { return render.WriteGIF(p, frames, o.delay) })
}
