package datasets

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestBatchTensors(t *testing.T) {
	b := randomBatch(2, 4, 3, 3)
	b.Labels = []int32{7, 1}
	images, err := b.Tensor()
	if err != nil {
		t.Fatal(err)
	}
	if dims := images.Shape().Dimensions; !slices.Equal(dims, []int{2, 4, 4, 3}) {
		t.Errorf("images tensor dimensions %v, want [2 4 4 3]", dims)
	}
	if values := tensors.MustCopyFlatData[float32](images); !slices.Equal(values, b.Images) {
		t.Error("images tensor values differ from the batch")
	}
	labels, err := b.LabelsTensor()
	if err != nil {
		t.Fatal(err)
	}
	if values := tensors.MustCopyFlatData[int32](labels); !slices.Equal(values, []int32{7, 1}) {
		t.Errorf("labels tensor = %v, want [7 1]", values)
	}
	b.Labels = nil
	if _, err := b.LabelsTensor(); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("LabelsTensor of an unlabeled batch: error %v, want no labels", err)
	}
	b.Shape[0] = 3
	if _, err := b.Tensor(); err == nil || !strings.Contains(err.Error(), "[3 4 4 3]") {
		t.Errorf("Tensor with a wrong shape: error %v, want one naming the shape", err)
	}
}
