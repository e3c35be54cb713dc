package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ganlab/gogan/datasets"
	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/ganlab/gogan/ganlib/explore"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/ganlab/gogan/ganlib/render"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// summary is projection.json: what was projected, how, and how close it came.
type summary struct {
	Source, Image, Features string
	// Options are the projector's, as run (the extractor is Features, by name).
	Options        explore.ProjectOptions
	SigmaW         float64
	Steps          []int
	Distances      []explore.Distance
	Notes          []string
	Seconds        float64
	FeaturesDetail string `json:",omitempty"`
}

func project(e *explore.Explorer, o options) error {
	if err := e.StyleBased("projection"); err != nil {
		return err
	}
	if o.image == "" {
		return errors.New("-mode project needs -image, the PNG or JPEG to project")
	}
	m := e.Model
	pixels, err := datasets.ReadImage(o.image, m.Resolution, m.Channels, true)
	if err != nil {
		return errors.WithMessage(err, "-image")
	}
	target := render.Images{Batch: 1, Height: m.Resolution, Width: m.Resolution, Channels: m.Channels, Pixels: pixels}
	opts := explore.DefaultProjectOptions()
	opts.Steps, opts.PlusW, opts.Seed, opts.RescaledPyramid = o.projectSteps, o.plusW, o.seed, o.rescaledPyramid
	opts.PixelWeight, opts.FeatureWeight, opts.NoiseWeight = o.pixelWeight, o.featureWeight, o.noiseWeight
	for _, s := range strings.Split(o.record, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		step, err := strconv.Atoi(s)
		if err != nil || step < 1 {
			return errors.Errorf("-record %q: want comma-separated step numbers", o.record)
		}
		opts.Record = append(opts.Record, step)
	}
	name := o.features
	if name == "auto" {
		name = "none"
		if dataset := gan.Get[string](e.Ctx, datasets.Settings, datasets.ParamDataset); (dataset == "mnist" || dataset == "fashion-mnist") && m.Resolution == 32 && m.Channels == 1 {
			name = metrics.ExtractorClassifier
		}
	}
	if name == "none" {
		opts.FeatureWeight = 0
	} else {
		if opts.Features, err = metrics.FeatureExtractor(e.Ctx, e.Backend, name, logf); err != nil {
			return errors.WithMessage(err, "-features")
		}
	}
	bar := newProgress(opts.Steps)
	opts.Progress = func(l explore.Loss) { bar.update(l) }
	start := time.Now()
	p, err := e.Project(target, opts)
	bar.done()
	if err != nil {
		return err
	}
	s := summary{Source: e.Source, Image: o.image, Features: name, Options: opts, SigmaW: p.SigmaW, Steps: p.Steps, Distances: p.Distances,
		Notes:   append(p.Notes, "the paper's distance is LPIPS, whose weights are not available offline: this one is the mean squared pixel difference plus the squared distance of unit-length features of the extractor named"),
		Seconds: time.Since(start).Seconds()}
	if opts.Features != nil {
		s.FeaturesDetail = opts.Features.Describe()
	}
	final := p.Images[len(p.Images)-1]
	space := "W"
	if opts.PlusW {
		space = "W+"
	}
	names := []string{"w"}
	values := []*tensors.Tensor{p.W.Tensor()}
	for _, k := range slices.Sorted(maps.Keys(p.NoiseMaps)) {
		names, values = append(names, "noise"+strings.ReplaceAll(k, "/", "_")), append(values, p.NoiseMaps[k])
	}
	var log bytes.Buffer
	for _, l := range p.Log {
		line, err := json.Marshal(l)
		if err != nil {
			return err
		}
		log.Write(append(line, '\n'))
	}
	summaryJSON, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s: projection into %s", e.Source, space)
	outputs := []struct {
		name string
		save func(path string) error
	}{
		{"target.png", func(path string) error { return render.WritePNG(path, render.SampleGrid(target, 1, 1)) }},
		{"projected.png", func(path string) error { return render.WritePNG(path, render.SampleGrid(final, 1, 1)) }},
		{"progress.png", func(path string) error { return render.WritePNG(path, p.ProgressGrid(title)) }},
		{"progress.gif", func(path string) error { return render.WriteGIF(path, p.ProgressFrames(), o.delay*4) }},
		{"projected.npz", func(path string) error { return explore.WriteNPZ(path, names, values) }},
		{"loss.jsonl", func(path string) error { return atomicfile.Write(path, log.Bytes()) }},
		{"projection.json", func(path string) error { return atomicfile.Write(path, append(summaryJSON, '\n')) }},
	}
	for _, out := range outputs {
		if err := write(o, out.name, out.save); err != nil {
			return err
		}
	}
	first, last := p.Distances[0], p.Distances[len(p.Distances)-1]
	logf("ganexplore: pixel MSE %.4g -> %.4g, feature distance %.4g -> %.4g (%s), from w's mean to the projection", first.Pixel, last.Pixel, first.Feature, last.Feature, name)
	return nil
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// progress draws a one-line progress bar on stderr, at most ten times a second.
type progress struct {
	total int
	last  time.Time
	start time.Time
}

func newProgress(total int) *progress { return &progress{total: total, start: time.Now()} }

func (p *progress) update(l explore.Loss) {
	if step := l.Step + 1; step < p.total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * (l.Step + 1) / p.total
	fmt.Fprintf(os.Stderr, "\rproject [%s%s] %d/%d loss %.4g pixel %.4g feature %.4g noise %.3g %s ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), l.Step+1, p.total, l.Loss, l.Pixel, l.Feature, l.NoiseReg,
		time.Since(p.start).Round(time.Second))
}

func (p *progress) done() { fmt.Fprintln(os.Stderr) }
