package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/ganlab/gogan/ganlib/metrics"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func init() {
	suites["features"] = featuresSuite
}

var (
	featuresCache   = flag.String("features-cache", ".cache/metrics", "-suite=features: the metrics cache holding (or receiving) the classifiers")
	featuresDataset = flag.String("features-dataset", "fashion-mnist", "-suite=features: the data set whose classifier is timed")
)

// featuresSuite times the metrics' feature extractors: images/s of a data set's classifier (the
// default spec, trained first if the cache lacks it) on batches of 250 32x32 grey images, and of
// nsfwjs's InceptionV3 to mixed5 (the images resized to 299x299) on batches of 1 and 8.
func featuresSuite(b *bench) (*table, error) {
	t := &table{
		title:  "Feature extraction for the quality metrics (float32)",
		header: []string{"extractor", "batch", "runs", "ms", "images/s"},
	}
	c, err := metrics.LoadOrTrainClassifier(b.backend, metrics.DefaultClassifierSpec(*featuresDataset), *featuresCache, log.Printf)
	if err != nil {
		return nil, err
	}
	const batch = 250
	images := randomTensor(rand.New(rand.NewPCG(1, 2)), batch, 32, 32, 1)
	defer finalize([]*tensors.Tensor{images})
	timings, _, err := b.timing.measure([]job{{name: "classifier", release: func() {},
		run: func() ([]*tensors.Tensor, error) {
			_, _, err := c.Extract(images)
			return nil, err
		}}})
	if err != nil {
		return nil, err
	}
	tm := timings[0]
	t.rows = append(t.rows, []string{c.Describe(), fmt.Sprint(batch), fmt.Sprint(tm.runs), fmt.Sprintf("%.1f", tm.median.Seconds()*1e3),
		fmt.Sprintf("%.0f", batch/tm.median.Seconds())})
	if x, err := metrics.NewInception(b.backend, metrics.InceptionWeightsPath, false); err != nil {
		t.notes = append(t.notes, fmt.Sprintf("InceptionV3 not timed: %v", err))
	} else {
		for _, n := range []int{1, 8} {
			images := randomTensor(rand.New(rand.NewPCG(3, 4)), n, 32, 32, 1)
			timings, _, err := b.timing.measure([]job{{name: fmt.Sprintf("inception batch %d", n), release: func() {},
				run: func() ([]*tensors.Tensor, error) {
					_, _, err := x.Extract(images)
					return nil, err
				}}})
			finalize([]*tensors.Tensor{images})
			if err != nil {
				return nil, err
			}
			tm := timings[0]
			t.rows = append(t.rows, []string{x.Describe(), fmt.Sprint(n), fmt.Sprint(tm.runs), fmt.Sprintf("%.1f", tm.median.Seconds()*1e3),
				fmt.Sprintf("%.2f", float64(n)/tm.median.Seconds())})
		}
	}
	t.notes = append(t.notes, "ms: the median of the timed runs of one batch through the classifier to its features and softmax, copies to Go slices included.")
	return t, nil
}
