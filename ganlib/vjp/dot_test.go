package vjp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ganlab/gogan/ganlib/verify/gradcheck"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestDotGeneralGradient checks the registered DotGeneral gradient (two matrix products and a
// transpose) to second order, including batch axes, contracting axes that are not last, and
// several contracting axes paired in a different order on each side.
func TestDotGeneralGradient(t *testing.T) {
	cases := []struct {
		name                  string
		lhsDims, rhsDims      []int
		lhsContract, lhsBatch []int
		rhsContract, rhsBatch []int
	}{
		{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil},
		{"contract first axes", []int{4, 3}, []int{5, 4}, []int{0}, nil, []int{1}, nil},
		{"batched", []int{2, 3, 4}, []int{2, 4, 5}, []int{2}, []int{0}, []int{1}, []int{0}},
		{"batch not first", []int{3, 2, 4}, []int{4, 5, 2}, []int{2}, []int{1}, []int{0}, []int{2}},
		{"two contracting axes crossed", []int{2, 3, 4}, []int{4, 3, 5}, []int{1, 2}, nil, []int{1, 0}, nil},
		{"im2col conv", []int{2, 3, 3, 6}, []int{6, 2}, []int{3}, nil, []int{0}, nil},
	}
	gradcheck.ForEachBackend(t, func(t *testing.T, backend backends.Backend) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(i), 9))
				lhs, rhs := gradcheck.RandomInput(rng, tc.lhsDims...), gradcheck.RandomInput(rng, tc.rhsDims...)
				// Squared so that the second derivative goes through the registered gradient itself.
				fn := func(in []*Node) *Node {
					return Square(DotGeneral(in[0], tc.lhsContract, tc.lhsBatch, in[1], tc.rhsContract, tc.rhsBatch))
				}
				gradcheck.Check(t, backend, fn, []*tensors.Tensor{lhs, rhs}, gradcheck.Options{})
			})
		}
	})
}
