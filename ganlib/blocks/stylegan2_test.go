package blocks

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/layers"
	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestResidualBlocksSumWithGain: a residual block (G's and D's) is (skip(x) + block(x)) / sqrt(2),
// with the skip a bias-free 1x1 conv resampled as the block is, and the main branch the plain
// block's, with the same weights.
func TestResidualBlocksSumWithGain(t *testing.T) {
	channels := func(r int) int { return map[int]int{4: 3, 8: 2}[r] }
	rng := rand.New(rand.NewPCG(7, 7))
	for _, generator := range []bool{true, false} {
		ctx := context.New().Checked(false)
		ctx.SetParams(layers.Settings.Defaults())
		x := gradcheck.RandomInput(rng, 4, 4, 4, 3)
		ws := gradcheck.RandomInput(rng, 4, NumWs(8), 5)
		if !generator {
			x = gradcheck.RandomInput(rng, 4, 8, 8, 2)
		}
		outs := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, x, ws *Node) []*Node {
			if generator {
				block := func(residual bool) *Node {
					g := StyleGAN2Generator{FeatureMaps: channels, ImageChannels: 1, Residual: residual, Noise: layers.NoiseNone, ws: ws}
					return g.Block(ctx.In("block8"), x, 8)
				}
				skip := layers.ResampledConv2D(ctx.In("block8").In("skip"), x, 2, 1, ops.Up2x)
				return []*Node{block(true), block(false), skip}
			}
			block := func(residual bool) *Node {
				return StyleGAN2Discriminator{FeatureMaps: channels, Residual: residual}.Block(ctx.In("block8"), x, 8)
			}
			skip := layers.ResampledConv2D(ctx.In("block8").In("skip"), x, 3, 1, ops.Down2x)
			return []*Node{block(true), block(false), skip}
		}).MustExec(x, ws)
		residual, plain, skip := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1]), tensors.MustCopyFlatData[float64](outs[2])
		for i := range residual {
			if want := (skip[i] + plain[i]) / math.Sqrt2; math.Abs(residual[i]-want) > 1e-12 {
				t.Fatalf("generator %v, element %d: residual block %g, want (skip %g + block %g) / sqrt(2) = %g",
					generator, i, residual[i], skip[i], plain[i], want)
			}
		}
	}
}

// TestEveryStyleLatentIsUsed: in a 16x16 synthesis network of each architecture, changing any
// one of the NumWs latents changes the image (an index off by one leaves a latent unused).
func TestEveryStyleLatentIsUsed(t *testing.T) {
	channels := func(int) int { return 3 }
	rng := rand.New(rand.NewPCG(8, 8))
	numWs := NumWs(16)
	if numWs != 6 {
		t.Fatalf("NumWs(16) = %d, want 2 log2(16) - 2 = 6", numWs)
	}
	base := gradcheck.RandomInput(rng, 2, numWs, 4)
	for _, outputs := range []Outputs{OutputFinal, OutputSkip} {
		ctx := context.New().Checked(false)
		exec := context.MustNewExec(gradcheck.PureGo(), ctx, func(ctx *context.Context, ws *Node) *Node {
			g := StyleGAN2Generator{FeatureMaps: channels, ImageChannels: 1, Noise: layers.NoiseNone}
			return StyleGAN2Synthesis(ctx, g, 16, outputs, ws)[0]
		})
		image := func(ws *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](exec.MustExec(ws)[0]) }
		want := image(base)
		for i := range numWs {
			values := tensors.MustCopyFlatData[float64](base)
			for n := range 2 {
				for j := range 4 {
					values[(n*numWs+i)*4+j] += 0.5
				}
			}
			got := image(tensors.FromFlatDataAndDimensions(values, 2, numWs, 4))
			changed := false
			for k := range got {
				changed = changed || math.Abs(got[k]-want[k]) > 1e-9
			}
			if !changed {
				t.Errorf("%s: changing latent %d leaves the image as it was", outputs, i)
			}
		}
	}
}
