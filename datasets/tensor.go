package datasets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Tensor copies the images into a GoMLX float32 tensor of shape [B, H, W, C].
func (b Batch) Tensor() (*tensors.Tensor, error) {
	n, h, w, c := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	if n < 1 || h < 1 || w < 1 || c < 1 || len(b.Images) != n*h*w*c {
		return nil, fmt.Errorf("Batch.Tensor: shape %v does not describe the %d image values", b.Shape, len(b.Images))
	}
	return tensors.FromFlatDataAndDimensions(b.Images, n, h, w, c), nil
}

// LabelsTensor copies the labels into a GoMLX int32 tensor of shape [B].
func (b Batch) LabelsTensor() (*tensors.Tensor, error) {
	if b.Labels == nil {
		return nil, fmt.Errorf("Batch.LabelsTensor: the batch has no labels (the data set is unlabeled)")
	}
	if len(b.Labels) != b.Shape[0] {
		return nil, fmt.Errorf("Batch.LabelsTensor: %d labels for a batch of %d images", len(b.Labels), b.Shape[0])
	}
	return tensors.FromFlatDataAndDimensions(b.Labels, len(b.Labels)), nil
}

// NextTensors is NextBatch as tensors, what the training loop reads (train.Data): images
// [n, H, W, C] and, for labelled data, labels [n] (else nil).
func (d *Dataset) NextTensors(n int) (images, labels *tensors.Tensor, err error) {
	batch, err := d.NextBatch(n)
	if err != nil {
		return nil, nil, err
	}
	if images, err = batch.Tensor(); err != nil || batch.Labels == nil {
		return images, nil, err
	}
	labels, err = batch.LabelsTensor()
	return images, labels, err
}
