package render

import (
	"fmt"
	"image"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ParamSampleLatents is the number of fixed latents in each sample grid.
const ParamSampleLatents = "sample_latents"

// Settings are render's keys.
var Settings = gan.Settings{{Key: ParamSampleLatents, Default: 8, Help: "fixed latents in each sample grid written at a snapshot (one row each)"}}

// SampleGrids returns the snapshot hook that writes the run's sample grid
// (runs.Dir.SamplesPath): the generator's moving average on the fixed latents, one row per
// latent, one column per scale (a growing model: its current stage's image, enlarged to the
// final resolution), under a header naming the model, the kimg, the stage and each column's
// resolution (LabelledScaleGrid). The latents come from the run's seed through a
// generator of their own, so they are the same at every snapshot and after a resume. It reads
// their number from ctx (ParamSampleLatents). A class-conditional model's grid has one row per
// class instead, named by classNames (the data set's), the same latents in every row
// (LabelledClassGrid of the final images).
func SampleGrids(ctx *context.Context, classNames ...string) func(*train.SnapshotEvent) error {
	n := gan.Get[int](ctx, Settings, ParamSampleLatents)
	var latents, labels *tensors.Tensor
	return func(e *train.SnapshotEvent) error {
		if latents == nil {
			latents, labels = train.FixedLatents(e.Seed, n, e.Model)
			if e.Model.NumClasses > 0 {
				latents, labels = ClassLatents(latents, e.Model.NumClasses)
			}
		}
		outputs, err := e.Sample(latents, labels)
		if err != nil {
			return err
		}
		scales := make([]Images, len(outputs))
		for i, out := range outputs {
			if scales[i], err = FromTensor(out); err != nil {
				return err
			}
		}
		title := fmt.Sprintf("%s, kimg %.3f", e.Model.Name, float64(e.Shown)/1000)
		if e.Tick.Stage != "" {
			title += ", stage " + e.Tick.Stage
		}
		tile := max(MinTile, e.Model.Resolution)
		var grid image.Image
		if e.Model.NumClasses > 0 {
			grid = LabelledClassGrid(scales[len(scales)-1], e.Model.NumClasses, n, tile, title, classNames)
		} else {
			grid = LabelledScaleGrid(scales, n, tile, title)
		}
		path := e.Run.SamplesPath(e.Shown)
		if err := WritePNG(path, grid); err != nil {
			return err
		}
		e.Tick.SamplesPath = path
		return nil
	}
}

// ClassLatents repeats latents [n, D] once per class: [classes*n, D] with labels [classes*n],
// class c's row holding all n latents (a class grid's rows).
func ClassLatents(latents *tensors.Tensor, classes int) (z, labels *tensors.Tensor) {
	n, d := latents.Shape().Dimensions[0], latents.Shape().Dimensions[1]
	values := tensors.MustCopyFlatData[float32](latents)
	repeated := make([]float32, 0, classes*n*d)
	ids := make([]int32, 0, classes*n)
	for c := range classes {
		repeated = append(repeated, values...)
		for range n {
			ids = append(ids, int32(c))
		}
	}
	return tensors.FromFlatDataAndDimensions(repeated, classes*n, d), tensors.FromFlatDataAndDimensions(ids, classes*n)
}
