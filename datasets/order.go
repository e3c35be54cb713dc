package datasets

import "math/bits"

// The serving order is an endless sequence of epochs, each a permutation of the sample indices.
// Both the permutation of an epoch and the flip of a position are pure functions of the seed, so
// any batch size, worker count or restart point yields the same stream. The generator is written
// here (splitmix64) rather than taken from math/rand so that the order can never change with a
// Go release.

// mix64 is the splitmix64 finaliser: a bijective hash with good avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// epochOrder returns the permutation of [0, n) served in the given epoch (Fisher-Yates).
func epochOrder(seed uint64, epoch int64, n int) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	state := mix64(seed ^ mix64(uint64(epoch)+0x9e3779b97f4a7c15))
	for i := n - 1; i > 0; i-- {
		state += 0x9e3779b97f4a7c15
		// The high word of r*(i+1) is uniform in [0, i] up to a bias of (i+1)/2^64.
		j, _ := bits.Mul64(mix64(state), uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// flipAt tells whether the sample served at position is mirrored.
func flipAt(seed uint64, position int64) bool {
	return mix64(mix64(seed^0x5851f42d4c957f2d)+uint64(position))>>63 == 1
}
