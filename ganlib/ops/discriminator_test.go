package ops

import (
	"math"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestConcatenateConvDense checks the plumbing of an MSG-GAN discriminator block: an image
// concatenated with features along channels (phi_simple), a conv, then a Reshape to a flat vector
// and a dense layer. Concatenate's gradient is Slice and Slice's gradient is Pad, so the second
// order runs through the engine's Pad gradient.
func TestConcatenateConvDense(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		rng := newRNG(90)
		img := gradcheck.RandomInput(rng, 2, 4, 4, 3)
		features := gradcheck.RandomInput(rng, 2, 4, 4, 2)
		kernel := gradcheck.RandomInput(rng, 3, 3, 5, 2)
		dense := gradcheck.RandomInput(rng, 4*4*2, 3)
		block := func(in []*Node) *Node {
			h := Conv2D(Concatenate([]*Node{in[0], in[1]}, 3), in[2], SamePadding(3))
			return MatMul(Reshape(h, 2, 4*4*2), in[3])
		}

		a, f := toImage(img), toImage(features)
		joined := image{2, 4, 4, 5, nil}
		for n := range 2 {
			for y := range 4 {
				for x := range 4 {
					for c := range 3 {
						joined.v = append(joined.v, a.at(n, y, x, c))
					}
					for c := range 2 {
						joined.v = append(joined.v, f.at(n, y, x, c))
					}
				}
			}
		}
		conv, _ := referenceConv2D(joined, kernel, SamePadding(3))
		w := tensors.MustCopyFlatData[float64](dense)
		want := make([]float64, 2*3)
		for n := range 2 {
			for j := range 3 {
				for k := range 32 {
					want[n*3+j] += conv[n*32+k] * w[k*3+j]
				}
			}
		}
		assertClose(t, "concat-conv-dense", run(backend, block, img, features, kernel, dense), want, []int{2, 3}, 1e-13)
		gradcheck.Check(t, backend, block, []*tensors.Tensor{img, features, kernel, dense}, gradcheck.Options{})
	})
}

// discriminator is a small ProGAN-style critic built from the ops, its weights graph inputs:
// D(x) = dense(lrelu(conv3x3(mbstd(avgpool(lrelu(conv3x3(x))))))), one score per sample.
// Weights: conv1 [3,3,Cin,C], conv2 [3,3,C+1,C], dense [H/2*W/2*C, 1].
func discriminator(x, conv1, conv2, dense *Node) *Node {
	lrelu := func(v *Node) *Node { return LeakyReLU(v, 0.2, LeakyReLUGain) }
	h := AvgPool2x(lrelu(Conv2D(x, conv1, SamePadding(3))))
	h = lrelu(Conv2D(MinibatchStdDev(h, 2, 1), conv2, SamePadding(3)))
	batch := x.Shape().Dimensions[0]
	return Reshape(MatMul(Reshape(h, batch, -1), dense), batch)
}

// gradientPenalty is WGAN-GP's penalty mean_b (||dD/dx_b||_2 - 1)^2, with inputs
// (x, conv1, conv2, dense). The gradient is of sum_b D(x_b): minibatch stddev couples the samples,
// and this is the gradient WGAN-GP implementations take.
func gradientPenalty(in []*Node) *Node {
	x := in[0]
	grad := Gradient(ReduceAllSum(discriminator(x, in[1], in[2], in[3])), x)[0]
	norms := Sqrt(ReduceSum(Square(grad), 1, 2, 3))
	return ReduceAllMean(Square(AddScalar(norms, -1)))
}

// criticInputs returns x [2,size,size,cin] and the critic's weights with c channels. The weights
// are uniform in ±sqrt(3/fanIn) (variance 1/fanIn, as LeCun initialization), which keeps the
// input-gradient norms near 1 and the penalty O(1), so finite differences lose no digits to a
// large penalty value.
func criticInputs(seed uint64, size, cin, c int) []*tensors.Tensor {
	rng := newRNG(seed)
	weights := func(dims ...int) *tensors.Tensor {
		fanIn := 1
		for _, d := range dims[:len(dims)-1] {
			fanIn *= d
		}
		w := gradcheck.RandomInput(rng, dims...)
		tensors.MutableFlatData(w, func(flat []float64) {
			for i := range flat {
				flat[i] *= math.Sqrt(3 / float64(fanIn))
			}
		})
		return w
	}
	return []*tensors.Tensor{
		gradcheck.RandomInput(rng, 2, size, size, cin),
		weights(3, 3, cin, c),
		weights(3, 3, c+1, c),
		weights(size/2*size/2*c, 1),
	}
}

// TestDiscriminatorGradientPenalty is what WGAN-GP training needs: the gradient, with respect to
// the critic's weights, of a penalty that itself contains the critic's gradient with respect to
// its input. Random weights put no pre-activation within the finite-difference step of the leaky
// ReLU's kink (the seeds are fixed; a kink would show up as one huge mismatch).
func TestDiscriminatorGradientPenalty(t *testing.T) {
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		critic := func(in []*Node) *Node { return discriminator(in[0], in[1], in[2], in[3]) }
		t.Run("critic", func(t *testing.T) {
			// Second order of D is the gradient of a function of dD/dx and dD/dweights.
			gradcheck.Check(t, backend, critic, criticInputs(100, 8, 3, 4), gradcheck.Options{})
		})
		t.Run("penalty 8x8x3", func(t *testing.T) {
			gradcheck.Check(t, backend, gradientPenalty, criticInputs(100, 8, 3, 4), gradcheck.Options{FirstOrderOnly: true})
		})
		t.Run("penalty 4x4x2 to third order", func(t *testing.T) {
			// Second order of the penalty: third derivatives of D.
			gradcheck.Check(t, backend, gradientPenalty, criticInputs(101, 4, 2, 2), gradcheck.Options{})
		})
	})
}
