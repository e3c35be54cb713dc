package metrics

import (
	"github.com/ganlab/gogan/ganlib/runs"
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
