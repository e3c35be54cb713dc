package fastgo

import (
	"reflect"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// DotGeneral implements backends.Builder: float32 and float64 products run natively (see
// dotPlan), other dtypes on the inner backend.
func (b *Builder) DotGeneral(lhs backends.Op, lhsContractingAxes, lhsBatchAxes []int,
	rhs backends.Op, rhsContractingAxes, rhsBatchAxes []int) (backends.Op, error) {
	// simplego normalizes negative axes in the slices it is given: give it copies.
	lc, lb := slices.Clone(lhsContractingAxes), slices.Clone(lhsBatchAxes)
	rc, rb := slices.Clone(rhsContractingAxes), slices.Clone(rhsBatchAxes)
	n, err := b.single(backends.OpTypeDotGeneral, []backends.Op{lhs, rhs}, func(sb backends.Builder, in []backends.Op) (backends.Op, error) {
		return sb.DotGeneral(in[0], slices.Clone(lc), slices.Clone(lb), in[1], slices.Clone(rc), slices.Clone(rb))
	})
	if err != nil {
		return nil, err
	}
	dtype := n.shape.DType
	if dtype != dtypes.Float32 && dtype != dtypes.Float64 {
		return n, nil
	}
	lhsDims, rhsDims := n.inputs[0].shape.Dimensions, n.inputs[1].shape.Dimensions
	normalize := func(axes []int, rank int) []int {
		for i, a := range axes {
			if a < 0 {
				axes[i] = a + rank
			}
		}
		return axes
	}
	op := &dotOp{lc: normalize(lc, len(lhsDims)), lb: normalize(lb, len(lhsDims)),
		rc: normalize(rc, len(rhsDims)), rb: normalize(rb, len(rhsDims))}
	op.plan = newDotPlan(lhsDims, op.lc, op.lb, axisTables(lhsDims), rhsDims, op.rc, op.rb, axisTables(rhsDims))
	if op.plan.batch*op.plan.m*op.plan.n != n.shape.Size() {
		return n, nil // not the layout planned for: leave it to the inner backend
	}
	n.native = op
	return n, nil
}

// dotOp is a native DotGeneral.
type dotOp struct {
	plan           *dotPlan
	lc, lb, rc, rb []int // axes, for re-planning when an operand becomes a view (fusion.go)
}

func (o *dotOp) run(s *execState, inputs []any, out any) {
	if opStatsEnabled {
		start := time.Now()
		defer func() { recordDot(o.plan, time.Since(start)) }()
	}
	s.runDot(o.plan, inputs[0], inputs[1], out)
}

// copyFlat copies flat slices of the same type.
func copyFlat(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	default:
		reflect.Copy(reflect.ValueOf(dst), reflect.ValueOf(src))
	}
}
