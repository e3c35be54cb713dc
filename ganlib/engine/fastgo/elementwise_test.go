package fastgo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestElementwiseGraphs builds random graphs of elementwise ops (intermediates used once, several
// times, as outputs, with scalar operands) and compares them with a float64 evaluation: this
// covers the kernels and the executor's buffer reuse (in-place writes, releases, donations).
func TestElementwiseGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	type binOp struct {
		name string
		f    func(a, b float64) float64
		op   func(b backends.Builder, x, y backends.Op) (backends.Op, error)
	}
	type unOp struct {
		name string
		f    func(a float64) float64
		op   func(b backends.Builder, x backends.Op) (backends.Op, error)
	}
	bins := []binOp{
		{"Add", func(a, b float64) float64 { return a + b }, backends.Builder.Add},
		{"Sub", func(a, b float64) float64 { return a - b }, backends.Builder.Sub},
		{"Mul", func(a, b float64) float64 { return a * b }, backends.Builder.Mul},
		{"Div", func(a, b float64) float64 { return a / b }, backends.Builder.Div},
		{"Max", math.Max, backends.Builder.Max},
		{"Min", math.Min, backends.Builder.Min},
	}
	sign := func(a float64) float64 {
		switch {
		case a < 0:
			return -1
		case a > 0:
			return 1
		}
		return 0
	}
	uns := []unOp{
		{"Neg", func(a float64) float64 { return -a }, backends.Builder.Neg},
		{"Abs", math.Abs, backends.Builder.Abs},
		{"Sign", sign, backends.Builder.Sign},
		{"Sqrt", func(a float64) float64 { return math.Sqrt(math.Abs(a)) }, nil},
		{"Rsqrt", func(a float64) float64 { return 1 / math.Sqrt(math.Abs(a)+1) }, nil},
	}
	for name, backend := range newTestBackends(t) {
		for trial := range 40 {
			dims := randomDims(rng, 1+rng.IntN(3), 9)
			if trial%8 == 0 {
				dims = []int{300, 257} // split over cores
			}
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				bld := backend.Builder("ew")
				type value struct {
					op     backends.Op
					vals   []float64
					scalar bool
					dims   []int
				}
				var values []value
				var inputs []backends.Buffer
				for i := range 4 {
					d := dims
					switch i {
					case 2:
						d = nil // a scalar
					case 3: // broadcast along random axes
						d = append([]int(nil), dims...)
						for a := range d {
							if rng.IntN(2) == 0 {
								d[a] = 1
							}
						}
					}
					v := randomValues(rng, d)
					p, err := bld.Parameter(fmt.Sprint("p", i), shapes.Make(dtype, d...), nil)
					if err != nil {
						t.Fatal(err)
					}
					values = append(values, value{op: p, vals: v, scalar: i == 2, dims: d})
					inputs = append(inputs, toBuffer(t, backend, dtype, v, d))
				}
				desc := ""
				for range 12 {
					x := values[rng.IntN(len(values))]
					var (
						op   backends.Op
						vals []float64
						err  error
					)
					if rng.IntN(3) == 0 {
						u := uns[rng.IntN(len(uns))]
						in := x
						switch u.name {
						case "Sqrt", "Rsqrt":
							// keep arguments positive: abs (+1)
							in.op, err = bld.Abs(x.op)
							if err == nil && u.name == "Rsqrt" {
								one, _ := bld.Constant(oneValue(dtype), []int{}...)
								in.op, err = bld.Add(in.op, one)
							}
							if err == nil && u.name == "Sqrt" {
								op, err = bld.Sqrt(in.op)
							} else if err == nil {
								op, err = bld.Rsqrt(in.op)
							}
						default:
							op, err = u.op(bld, x.op)
						}
						vals = make([]float64, len(x.vals))
						for i, a := range x.vals {
							vals[i] = u.f(a)
						}
						desc += " " + u.name
					} else {
						y := values[rng.IntN(len(values))]
						if x.scalar && y.scalar {
							continue
						}
						bo := bins[rng.IntN(len(bins))]
						op, err = bo.op(bld, x.op, y.op)
						outDims := dims
						if x.scalar {
							outDims = y.dims
						} else if y.scalar {
							outDims = x.dims
						} else {
							outDims = make([]int, len(dims))
							for a := range outDims {
								outDims[a] = max(x.dims[a], y.dims[a])
							}
						}
						at := func(v value, idx []int) float64 {
							if v.scalar {
								return v.vals[0]
							}
							src := make([]int, len(idx))
							for a := range idx {
								if v.dims[a] != 1 {
									src[a] = idx[a]
								}
							}
							return v.vals[flatIndex(src, v.dims)]
						}
						vals = make([]float64, sizeOf(outDims))
						for i := range vals {
							idx := multiIndex(i, outDims)
							vals[i] = bo.f(at(x, idx), at(y, idx))
						}
						desc += " " + bo.name
						values = append(values, value{op: op, vals: vals, dims: outDims})
						if err != nil {
							t.Fatal(err)
						}
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					values = append(values, value{op: op, vals: vals, scalar: x.scalar, dims: x.dims})
				}
				// Outputs: the last value and one intermediate.
				outs := []value{values[len(values)-1], values[3+rng.IntN(len(values)-3)]}
				if outs[0].op == outs[1].op {
					outs = outs[:1]
				}
				outOps := make([]backends.Op, len(outs))
				for i, o := range outs {
					outOps[i] = o.op
				}
				exec, err := bld.Compile(outOps, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := exec.Execute(inputs, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-9
				if dtype == dtypes.Float32 {
					tol = 1e-3 // divisions by small values amplify float32 rounding
				}
				for i, o := range outs {
					flat, _ := backend.BufferData(got[i])
					checkValues(t, fmt.Sprintf("%s %s %v:%s output %d", name, dtype, dims, desc, i), toFloat64s(flat), o.vals, tol)
					_ = backend.BufferFinalize(got[i])
				}
				exec.Finalize()
			}
		}
	}
}

func oneValue(dtype dtypes.DType) any {
	if dtype == dtypes.Float32 {
		return []float32{1}
	}
	return []float64{1}
}

func toBuffer(t *testing.T, backend backends.Backend, dtype dtypes.DType, values []float64, dims []int) backends.Buffer {
	t.Helper()
	var flat any
	if dtype == dtypes.Float32 {
		f := make([]float32, len(values))
		for i, v := range values {
			f[i] = float32(v)
		}
		flat = f
	} else {
		flat = append([]float64(nil), values...)
	}
	buf, err := backend.BufferFromFlatData(0, flat, shapes.Make(dtype, dims...))
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func toFloat64s(flat any) []float64 {
	switch f := flat.(type) {
	case []float32:
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), f...)
	}
	return nil
}

// TestElementwiseSpecialValues checks NaN and infinities through the (SIMD where available)
// loops, on arrays long enough for the vector paths and their tails.
func TestElementwiseSpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	specials := []float64{nan, inf, -inf, 1, -2, 3.5, nan, -inf, 0.25, inf}
	n := 37
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(specials[i%len(specials)])
		b[i] = float32(specials[(i*7+3)%len(specials)])
	}
	for _, code := range []int{ewAdd, ewSub, ewMul, ewDiv, ewMax, ewMin} {
		out := make([]float32, n)
		binaryLoop(code, out, a, b)
		for i := range out {
			want := binaryOne(code, a[i], b[i])
			if !(out[i] == want || (math.IsNaN(float64(out[i])) && math.IsNaN(float64(want)))) {
				t.Errorf("op %d: %g, %g -> %g, want %g", code, a[i], b[i], out[i], want)
			}
		}
		binaryScalarLoop(code, out, b[1], a, false)
		for i := range out {
			want := binaryOne(code, a[i], b[1])
			if !(out[i] == want || (math.IsNaN(float64(out[i])) && math.IsNaN(float64(want)))) {
				t.Errorf("op %d scalar: %g, %g -> %g, want %g", code, a[i], b[1], out[i], want)
			}
		}
	}
	for _, code := range []int{cmpGE, cmpGT, cmpLE, cmpLT, cmpEQ, cmpNE} {
		got := make([]bool, n)
		compareLoop(&cmpOp{code: code, scalar: -1}, got, a, b)
		for i := range got {
			if want := compareOne(code, a[i], b[i]); got[i] != want {
				t.Errorf("compare %d: %g, %g -> %v, want %v", code, a[i], b[i], got[i], want)
			}
		}
	}
}
