package metrics

import (
	"slices"
	"strings"

	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// FeatureGraph is an extractor whose features other graphs can build and differentiate (the
// projection's feature distance, where a researcher with the weights would use LPIPS).
type FeatureGraph interface {
	Extractor
	// FeatureFn returns the features [B, FeatureDim] of images [B, H, W, C] in [-1, 1] (of the
	// extractor's Resolution and Channels, when not 0) as a graph function; its weights go into
	// ctx, frozen.
	FeatureFn(ctx *context.Context) (func(images *Node) *Node, error)
}

// FeatureFn copies the classifier's weights into ctx (as state, under its scope).
func (c *Classifier) FeatureFn(ctx *context.Context) (func(images *Node) *Node, error) {
	saved, err := runs.CaptureVariables(c.ctx)
	if err != nil {
		return nil, errors.WithMessage(err, "metrics: copying the classifier's weights")
	}
	if err := runs.RestoreVariables(ctx, saved); err != nil {
		return nil, errors.WithMessage(err, "metrics: copying the classifier's weights")
	}
	return func(images *Node) *Node {
		features, _ := classifierNet(ctx, images, c.classes)
		return features
	}, nil
}

// FeatureFn builds InceptionV3 with its weights as constants of the graph.
func (x *Inception) FeatureFn(*context.Context) (func(images *Node) *Node, error) {
	return func(images *Node) *Node {
		features, err := x.features(images)
		if err != nil {
			panic(err) // a layer Forward cannot build: the graph's builder reports it
		}
		return features
	}, nil
}

// FeatureExtractor returns the extractor called name (classifier, nsfwinception, ...) for the
// run whose settings ctx holds, as one that other graphs can build.
func FeatureExtractor(ctx *context.Context, backend backends.Backend, name string, logf func(string, ...any)) (FeatureGraph, error) {
	if !slices.Contains(extractorNames, name) {
		return nil, errors.Errorf("no feature extractor %q; the extractors are %s", name, strings.Join(extractorNames, ", "))
	}
	x, err := extractorFor(Protocol{Kind: KindFD, Samples: 1, Extractor: name}, ctx, backend, logf)
	if err != nil {
		return nil, err
	}
	fg, ok := x.(FeatureGraph)
	if !ok {
		return nil, errors.Errorf("the %s extractor cannot be built into another graph", name)
	}
	return fg, nil
}
