package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/ganlab/gogan/ganlib/train"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// pixels is an extractor whose features are the 2x2 grey image's pixels.
type pixels struct{}

func (pixels) Name() string     { return "pixels" }
func (pixels) FeatureDim() int  { return 4 }
func (pixels) Classes() int     { return 1 }
func (pixels) Resolution() int  { return 2 }
func (pixels) Channels() int    { return 1 }
func (pixels) Describe() string { return "the pixels" }
func (pixels) Extract(images *tensors.Tensor) ([]float32, []float32, error) {
	return tensors.MustCopyFlatData[float32](images), make([]float32, images.Shape().Dimensions[0]), nil
}

// TestPerceptualPathLengthOfALinearGenerator: for the isometry-up-to-scale G(w) = 0.1 w (a 2x2
// image of the 4-d latent, mapping the identity) and pixel features, the path length in W of
// each pair is 0.01 |w1 - w0|^2 and in Z 0.01 theta^2, theta the angle between z0 and z1 (the
// great circle's speed): PPL is their 1%-99% trimmed mean, computed here from those formulas.
func TestPerceptualPathLengthOfALinearGenerator(t *testing.T) {
	image := func(w *Node) *Node { return MulScalar(Reshape(w, w.Shape().Dimensions[0], 2, 2, 1), 0.1) }
	model := gan.Model{Name: "linear", LatentDim: 4,
		Mapping:   func(_ *context.Context, z, _ *Node) *Node { return z },
		Synthesis: func(_ *context.Context, w *Node) []*Node { return []*Node{image(w)} },
		Generator: func(_ *context.Context, z, _ *Node) []*Node { return []*Node{image(z)} },
	}
	backend := engine.MustNew("go")
	defer backend.Finalize()
	ctx := context.New()
	e := &train.SnapshotEvent{Tick: &runs.Tick{}, Model: model, Seed: 5,
		Graph: func(fn func(ctx *context.Context, in []*Node) []*Node) (*context.Exec, error) {
			return context.NewExec(backend, ctx, fn)
		}}
	const n = 300
	var inW, inZ []float64
	for chunk := 0; chunk*pplBatch < n; chunk++ {
		z, _ := train.FixedLatents(e.Seed+104729*(chunk+1), 2*pplBatch, model)
		flat := tensors.MustCopyFlatData[float32](z)
		for i := range pplBatch {
			a, b := flat[i*4:(i+1)*4], flat[(pplBatch+i)*4:(pplBatch+i+1)*4]
			var dw, dot, na, nb float64
			for k := range 4 {
				d := float64(b[k]) - float64(a[k])
				dw += d * d
				dot += float64(a[k]) * float64(b[k])
				na += float64(a[k]) * float64(a[k])
				nb += float64(b[k]) * float64(b[k])
			}
			theta := math.Acos(dot / math.Sqrt(na*nb))
			inW, inZ = append(inW, 0.01*dw), append(inZ, 0.01*theta*theta)
		}
	}
	for kind, lengths := range map[string][]float64{KindPPLW: inW, KindPPLZ: inZ} {
		got, err := PerceptualPathLength(e, pixels{}, Protocol{Kind: kind, Samples: n, Extractor: "pixels"})
		if err != nil {
			t.Fatal(err)
		}
		if want := TrimmedMean(lengths, 0.01); math.Abs(got-want) > 2e-3*want {
			t.Errorf("%s: PPL %.6g, want %.6g", kind, got, want)
		}
	}
	// Without Mapping, W is refused and Z suggested.
	model.Mapping = nil
	e.Model = model
	if _, err := PerceptualPathLength(e, pixels{}, Protocol{Kind: KindPPLW, Samples: n, Extractor: "pixels"}); err == nil || !strings.Contains(err.Error(), "use pplz300-pixels") {
		t.Errorf("W without a mapping network: %v", err)
	}
}

func TestTrimmedMean(t *testing.T) {
	values := make([]float64, 101)
	for i := range values {
		values[i] = float64(i)
	}
	values[100] = 1e9 // an outlier above the 99th percentile's value 99
	// Kept: 1..99 (q=0.01 of 100 steps: lower index 1, upper 99).
	near(t, "trimmed mean", TrimmedMean(values, 0.01), 50, 1e-12)
}
