package fastgo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// multiIndex decodes a flat row-major index.
func multiIndex(flat int, dims []int) []int {
	idx := make([]int, len(dims))
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = flat % dims[a]
		flat /= dims[a]
	}
	return idx
}

func flatIndex(idx, dims []int) int {
	f := 0
	for a, d := range dims {
		f = f*d + idx[a]
	}
	return f
}

// runOp builds op on the backend over parameters of the given dims (float64 values given) and
// returns the output as float64 values and its dimensions.
func runOp(t *testing.T, backend *Backend, dtype dtypes.DType, inputs [][]float64, dims [][]int,
	op func(b backends.Builder, params []backends.Op) (backends.Op, error)) ([]float64, []int, bool) {
	t.Helper()
	bld := backend.Builder("move")
	params := make([]backends.Op, len(inputs))
	for i := range inputs {
		p, err := bld.Parameter(fmt.Sprint("p", i), shapes.Make(dtype, dims[i]...), nil)
		if err != nil {
			t.Fatal(err)
		}
		params[i] = p
	}
	out, err := op(bld, params)
	if err != nil {
		t.Fatal(err)
	}
	native := out.(*node).native != nil
	exec, err := bld.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	bufs := make([]backends.Buffer, len(inputs))
	for i, values := range inputs {
		var flat any
		if dtype == dtypes.Float32 {
			f := make([]float32, len(values))
			for j, v := range values {
				f[j] = float32(v)
			}
			flat = f
		} else {
			flat = slices.Clone(values)
		}
		bufs[i], err = backend.BufferFromFlatData(0, flat, shapes.Make(dtype, dims[i]...))
		if err != nil {
			t.Fatal(err)
		}
	}
	outs, err := exec.Execute(bufs, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	shape, _ := backend.BufferShape(outs[0])
	flat, _ := backend.BufferData(outs[0])
	var got []float64
	switch f := flat.(type) {
	case []float32:
		for _, v := range f {
			got = append(got, float64(v))
		}
	case []float64:
		got = slices.Clone(f)
	}
	_ = backend.BufferFinalize(outs[0])
	for _, buf := range bufs {
		_ = backend.BufferFinalize(buf)
	}
	return got, shape.Dimensions, native
}

func randomDims(rng *rand.Rand, rank, maxDim int) []int {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1 + rng.IntN(maxDim)
	}
	return dims
}

func sizeOf(dims []int) int { return shapes.Make(dtypes.Float64, dims...).Size() }

func TestMoves(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	backends_ := newTestBackends(t)
	for trial := range 300 {
		rank := 1 + rng.IntN(4)
		maxDim := 6
		if trial%10 == 0 {
			maxDim = 70 // large enough to be split over cores
		}
		dims := randomDims(rng, rank, maxDim)
		x := randomValues(rng, dims)
		var (
			name  string
			want  []float64
			wDims []int
			op    func(b backends.Builder, p []backends.Op) (backends.Op, error)
			extra [][]float64
			eDims [][]int
		)
		switch trial % 6 {
		case 0: // Slice
			starts, limits, strides := make([]int, rank), make([]int, rank), make([]int, rank)
			wDims = make([]int, rank)
			for a, d := range dims {
				starts[a] = rng.IntN(d)
				limits[a] = starts[a] + 1 + rng.IntN(d-starts[a])
				strides[a] = 1 + rng.IntN(3)
				wDims[a] = (limits[a] - starts[a] + strides[a] - 1) / strides[a]
			}
			name = fmt.Sprintf("Slice %v %v %v %v", dims, starts, limits, strides)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, wDims)
				for a := range idx {
					idx[a] = starts[a] + idx[a]*strides[a]
				}
				want[o] = x[flatIndex(idx, dims)]
			}
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) {
				return b.Slice(p[0], starts, limits, strides)
			}
		case 1: // Pad
			cfg := make([]backends.PadAxis, rank)
			wDims = make([]int, rank)
			for a, d := range dims {
				cfg[a] = backends.PadAxis{Start: rng.IntN(5) - 2, End: rng.IntN(5) - 2, Interior: rng.IntN(3)}
				for d+(d-1)*cfg[a].Interior+cfg[a].Start+cfg[a].End < 0 {
					cfg[a].Start++
					cfg[a].End++
				}
				wDims[a] = d + (d-1)*cfg[a].Interior + cfg[a].Start + cfg[a].End
			}
			fill := 0.5
			extra, eDims = [][]float64{{fill}}, [][]int{{}}
			name = fmt.Sprintf("Pad %v %v", dims, cfg)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, wDims)
				want[o] = fill
				src := make([]int, rank)
				inside := true
				for a := range idx {
					rel := idx[a] - cfg[a].Start
					step := cfg[a].Interior + 1
					if rel < 0 || rel%step != 0 || rel/step >= dims[a] {
						inside = false
						break
					}
					src[a] = rel / step
				}
				if inside {
					want[o] = x[flatIndex(src, dims)]
				}
			}
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.Pad(p[0], p[1], cfg...) }
		case 2: // Concatenate
			axis := rng.IntN(rank)
			n := 1 + rng.IntN(3)
			wDims = slices.Clone(dims)
			parts := [][]float64{x}
			partDims := [][]int{dims}
			for range n {
				d := slices.Clone(dims)
				d[axis] = 1 + rng.IntN(4)
				wDims[axis] += d[axis]
				parts = append(parts, randomValues(rng, d))
				partDims = append(partDims, d)
			}
			extra, eDims = parts[1:], partDims[1:]
			name = fmt.Sprintf("Concatenate axis %d %v", axis, partDims)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, wDims)
				pos := idx[axis]
				for k, d := range partDims {
					if pos < d[axis] {
						idx[axis] = pos
						want[o] = parts[k][flatIndex(idx, d)]
						break
					}
					pos -= d[axis]
				}
			}
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.Concatenate(axis, p...) }
		case 3: // Transpose
			perm := rng.Perm(rank)
			wDims = make([]int, rank)
			for i, p := range perm {
				wDims[i] = dims[p]
			}
			name = fmt.Sprintf("Transpose %v %v", dims, perm)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, wDims)
				src := make([]int, rank)
				for i, p := range perm {
					src[p] = idx[i]
				}
				want[o] = x[flatIndex(src, dims)]
			}
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.Transpose(p[0], perm...) }
		case 4: // Reverse
			var axes []int
			for a := range rank {
				if rng.IntN(2) == 0 {
					axes = append(axes, a)
				}
			}
			wDims = dims
			name = fmt.Sprintf("Reverse %v %v", dims, axes)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, dims)
				for _, a := range axes {
					idx[a] = dims[a] - 1 - idx[a]
				}
				want[o] = x[flatIndex(idx, dims)]
			}
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.Reverse(p[0], axes...) }
		case 5: // BroadcastInDim: insert axes and expand unit axes
			outRank := rank + rng.IntN(3)
			kept := rng.Perm(outRank)[:rank]
			slices.Sort(kept)
			wDims = randomDims(rng, outRank, 5)
			for i, a := range kept {
				if rng.IntN(3) == 0 {
					dims[i] = 1
				}
				if dims[i] != 1 || rng.IntN(2) == 0 {
					wDims[a] = dims[i]
				}
			}
			x = randomValues(rng, dims)
			name = fmt.Sprintf("BroadcastInDim %v -> %v axes %v", dims, wDims, kept)
			want = make([]float64, sizeOf(wDims))
			for o := range want {
				idx := multiIndex(o, wDims)
				src := make([]int, rank)
				for i, a := range kept {
					if dims[i] != 1 {
						src[i] = idx[a]
					}
				}
				want[o] = x[flatIndex(src, dims)]
			}
			outShape := shapes.Make(dtypes.Float64, wDims...)
			op = func(b backends.Builder, p []backends.Op) (backends.Op, error) {
				s, _ := b.OpShape(p[0])
				outShape.DType = s.DType
				return b.BroadcastInDim(p[0], outShape, kept)
			}
		}
		for bname, backend := range backends_ {
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got, gotDims, native := runOp(t, backend, dtype, append([][]float64{x}, extra...), append([][]int{dims}, eDims...), op)
				if !native {
					t.Fatalf("%s: not native", name)
				}
				if !slices.Equal(gotDims, wDims) {
					t.Fatalf("%s %s %s: dims %v, want %v", bname, dtype, name, gotDims, wDims)
				}
				checkValues(t, fmt.Sprintf("%s %s %s", bname, dtype, name), got, want, 1e-6)
			}
		}
	}
}

// TestReduceSumRowAccuracy sums a long float32 row whose sequential float32 sum loses its small
// terms: 1 followed by 2^20 times 2^-24. Each float32 addition rounds 1 + 2^-24 back to 1 (half
// an ulp, ties to even), while the exact sum, 1 + 2^20 * 2^-24 = 1.0625, is a float32.
func TestReduceSumRowAccuracy(t *testing.T) {
	const n = 1 << 20
	x := make([]float64, n+1)
	x[0] = 1
	for i := 1; i <= n; i++ {
		x[i] = 1.0 / (1 << 24)
	}
	for bname, backend := range newTestBackends(t) {
		got, _, native := runOp(t, backend, dtypes.Float32, [][]float64{x}, [][]int{{n + 1}},
			func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.ReduceSum(p[0], 0) })
		if !native {
			t.Fatalf("ReduceSum not native")
		}
		if got[0] != 1.0625 {
			t.Errorf("%s: float32 ReduceSum of 1 and 2^20 times 2^-24 = %.9g, want 1.0625 exactly", bname, got[0])
		}
	}
}

func TestReduceSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	backends_ := newTestBackends(t)
	for trial := range 60 {
		rank := 1 + rng.IntN(4)
		maxDim := 6
		if trial%6 == 0 {
			maxDim = 60
		}
		dims := randomDims(rng, rank, maxDim)
		var axes []int
		for a := range rank {
			if rng.IntN(2) == 0 {
				axes = append(axes, a)
			}
		}
		if len(axes) == 0 { // no axes means all axes
			for a := range rank {
				axes = append(axes, a)
			}
		}
		x := randomValues(rng, dims)
		var wDims []int
		for a, d := range dims {
			if !slices.Contains(axes, a) {
				wDims = append(wDims, d)
			}
		}
		want := make([]float64, sizeOf(wDims))
		for i, v := range x {
			idx := multiIndex(i, dims)
			var o []int
			for a := range dims {
				if !slices.Contains(axes, a) {
					o = append(o, idx[a])
				}
			}
			want[flatIndex(o, wDims)] += v
		}
		for bname, backend := range backends_ {
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got, gotDims, native := runOp(t, backend, dtype, [][]float64{x}, [][]int{dims},
					func(b backends.Builder, p []backends.Op) (backends.Op, error) { return b.ReduceSum(p[0], axes...) })
				if !native {
					t.Fatalf("ReduceSum not native")
				}
				if !slices.Equal(gotDims, wDims) && !(len(gotDims) == 0 && len(wDims) == 0) {
					t.Fatalf("%s: dims %v, want %v", bname, gotDims, wDims)
				}
				checkValues(t, fmt.Sprintf("%s %s ReduceSum %v axes %v", bname, dtype, dims, axes), got, want, 1e-5)
			}
		}
	}
}
