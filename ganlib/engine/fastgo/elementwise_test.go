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
//
// Each element is held to its own error bound, carried through the graph beside the reference
// value (first-order running error analysis): an op's bound is what its operands' bounds can
// change its result by, plus its own rounding (u = 2^-24 in float32, 2^-53 in float64; exact ops
// add none). A wrong value in a small element fails even when other elements are large.
func TestElementwiseGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	// bound* return the result's error bound given the operands' values and bounds and the
	// unit roundoff u.
	type binOp struct {
		name  string
		f     func(a, b float64) float64
		bound func(a, b, ea, eb, u float64) float64
		op    func(b backends.Builder, x, y backends.Op) (backends.Op, error)
	}
	type unOp struct {
		name  string
		f     func(a float64) float64
		bound func(a, ea, u float64) float64
		op    func(b backends.Builder, x backends.Op) (backends.Op, error)
	}
	inf := math.Inf(1)
	bins := []binOp{
		{"Add", func(a, b float64) float64 { return a + b },
			func(a, b, ea, eb, u float64) float64 { return ea + eb + u*math.Abs(a+b) }, backends.Builder.Add},
		{"Sub", func(a, b float64) float64 { return a - b },
			func(a, b, ea, eb, u float64) float64 { return ea + eb + u*math.Abs(a-b) }, backends.Builder.Sub},
		{"Mul", func(a, b float64) float64 { return a * b },
			func(a, b, ea, eb, u float64) float64 {
				return math.Abs(a)*eb + math.Abs(b)*ea + ea*eb + u*math.Abs(a*b)
			}, backends.Builder.Mul},
		{"Div", func(a, b float64) float64 { return a / b },
			func(a, b, ea, eb, u float64) float64 {
				if math.Abs(b) <= 2*eb {
					return inf // the divisor's error may reach its value: no bound
				}
				return (ea+math.Abs(a/b)*eb)/(math.Abs(b)-eb) + u*math.Abs(a/b)
			}, backends.Builder.Div},
		{"Max", math.Max, func(a, b, ea, eb, u float64) float64 { return max(ea, eb) }, backends.Builder.Max},
		{"Min", math.Min, func(a, b, ea, eb, u float64) float64 { return max(ea, eb) }, backends.Builder.Min},
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
		{"Neg", func(a float64) float64 { return -a }, func(a, ea, u float64) float64 { return ea }, backends.Builder.Neg},
		{"Abs", math.Abs, func(a, ea, u float64) float64 { return ea }, backends.Builder.Abs},
		{"Sign", sign, func(a, ea, u float64) float64 {
			if math.Abs(a) <= ea {
				return 2 // the sign may flip
			}
			return 0
		}, backends.Builder.Sign},
		// Built as Sqrt(Abs(x)): |sqrt(x) - sqrt(y)| <= min(|x - y| / sqrt(x), sqrt(|x - y|)).
		{"Sqrt", func(a float64) float64 { return math.Sqrt(math.Abs(a)) }, func(a, ea, u float64) float64 {
			return min(ea/math.Sqrt(math.Abs(a)), math.Sqrt(ea)) + u*math.Sqrt(math.Abs(a))
		}, nil},
		// Built as Rsqrt(Abs(x) + 1): the sum rounds once, and rsqrt's slope is at most 1/2 above 1.
		{"Rsqrt", func(a float64) float64 { return 1 / math.Sqrt(math.Abs(a)+1) }, func(a, ea, u float64) float64 {
			return 0.5*(ea+u*(math.Abs(a)+1)) + 2*u/math.Sqrt(math.Abs(a)+1)
		}, nil},
	}
	var compared, checked int
	for name, backend := range newTestBackends(t) {
		for trial := range 40 {
			dims := randomDims(rng, 1+rng.IntN(3), 9)
			if trial%8 == 0 {
				dims = []int{300, 257} // split over cores
			}
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				u := 0x1p-53
				if dtype == dtypes.Float32 {
					u = 0x1p-24
				}
				bld := backend.Builder("ew")
				type value struct {
					op         backends.Op
					vals, errs []float64
					scalar     bool
					dims       []int
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
					if dtype == dtypes.Float32 {
						for k := range v {
							v[k] = float64(float32(v[k])) // the reference starts from the values fed
						}
					}
					p, err := bld.Parameter(fmt.Sprint("p", i), shapes.Make(dtype, d...), nil)
					if err != nil {
						t.Fatal(err)
					}
					values = append(values, value{op: p, vals: v, errs: make([]float64, len(v)), scalar: i == 2, dims: d})
					inputs = append(inputs, toBuffer(t, backend, dtype, v, d))
				}
				desc := ""
				for range 12 {
					x := values[rng.IntN(len(values))]
					var (
						op         backends.Op
						vals, errs []float64
						err        error
					)
					if rng.IntN(3) == 0 {
						un := uns[rng.IntN(len(uns))]
						in := x
						switch un.name {
						case "Sqrt", "Rsqrt":
							// keep arguments positive: abs (+1)
							in.op, err = bld.Abs(x.op)
							if err == nil && un.name == "Rsqrt" {
								one, _ := bld.Constant(oneValue(dtype), []int{}...)
								in.op, err = bld.Add(in.op, one)
							}
							if err == nil && un.name == "Sqrt" {
								op, err = bld.Sqrt(in.op)
							} else if err == nil {
								op, err = bld.Rsqrt(in.op)
							}
						default:
							op, err = un.op(bld, x.op)
						}
						vals, errs = make([]float64, len(x.vals)), make([]float64, len(x.vals))
						for i, a := range x.vals {
							vals[i], errs[i] = un.f(a), un.bound(a, x.errs[i], u)
						}
						desc += " " + un.name
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
						at := func(v value, idx []int) int {
							if v.scalar {
								return 0
							}
							src := make([]int, len(idx))
							for a := range idx {
								if v.dims[a] != 1 {
									src[a] = idx[a]
								}
							}
							return flatIndex(src, v.dims)
						}
						vals, errs = make([]float64, sizeOf(outDims)), make([]float64, sizeOf(outDims))
						for i := range vals {
							idx := multiIndex(i, outDims)
							xi, yi := at(x, idx), at(y, idx)
							vals[i] = bo.f(x.vals[xi], y.vals[yi])
							errs[i] = bo.bound(x.vals[xi], y.vals[yi], x.errs[xi], y.errs[yi], u)
						}
						desc += " " + bo.name
						values = append(values, value{op: op, vals: vals, errs: errs, dims: outDims})
						if err != nil {
							t.Fatal(err)
						}
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					values = append(values, value{op: op, vals: vals, errs: errs, scalar: x.scalar, dims: x.dims})
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
				for i, o := range outs {
					flat, _ := backend.BufferData(got[i])
					compared += len(o.vals)
					checked += checkWithinBounds(t, fmt.Sprintf("%s %s %v:%s output %d", name, dtype, dims, desc, i), toFloat64s(flat), o.vals, o.errs)
					_ = backend.BufferFinalize(got[i])
				}
				exec.Finalize()
			}
		}
	}
	// Divisions by values within their own error of 0 leave some elements without a bound.
	t.Logf("%d of %d output elements checked against their error bounds", checked, compared)
	if checked < compared*9/10 {
		t.Errorf("only %d of %d output elements had an error bound to check", checked, compared)
	}
}

// checkWithinBounds fails t at the first element of got farther from want than twice its error
// bound (twice: the first-order bounds leave out second-order terms); an infinite bound (an
// ill-conditioned element) is not checked. It returns how many elements were checked.
func checkWithinBounds(t *testing.T, what string, got, want, bounds []float64) (checked int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.IsInf(bounds[i], 1) {
			continue
		}
		checked++
		if got[i] == want[i] || (math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			continue
		}
		if d := math.Abs(got[i] - want[i]); !(d <= 2*bounds[i]) {
			t.Fatalf("%s: element %d = %.9g, want %.9g within %.3g", what, i, got[i], want[i], 2*bounds[i])
		}
	}
	return checked
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
