package blocks

import (
	"slices"
	"testing"
)

// TestConnectionLevels: at 1024x1024 the levels are the paper's groups (Table 4); at any
// resolution they split the resolutions below the output's, coarse before middle before fine.
func TestConnectionLevels(t *testing.T) {
	for _, tc := range []struct {
		resolution           int
		coarse, middle, fine []int
	}{
		{1024, []int{4, 8}, []int{16, 32}, []int{64, 128, 256, 512}},
		{32, []int{4}, []int{8}, []int{16}},
		{64, []int{4}, []int{8}, []int{16, 32}},
		{128, []int{4, 8}, []int{16}, []int{32, 64}},
		{256, []int{4, 8}, []int{16}, []int{32, 64, 128}},
	} {
		for level, want := range map[string][]int{"coarse": tc.coarse, "middle": tc.middle, "fine": tc.fine} {
			got, err := ParseConnections("connections", level, tc.resolution)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s at %dx%d: %v, %v; want %v", level, tc.resolution, tc.resolution, got, err, want)
			}
		}
		if joined := slices.Concat(tc.coarse, tc.middle, tc.fine); !slices.Equal(joined, AllConnections(tc.resolution)) {
			t.Errorf("%dx%d: the levels join to %v, not every resolution below the output's", tc.resolution, tc.resolution, joined)
		}
	}
}
