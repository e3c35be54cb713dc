package growing

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
)

var keys = Keys{FadeKimg: "fade", StableKimg: "stable", BatchSizes: "sizes"}

// TestPhasesAndStages: a 16x16 schedule of fade 2 and stable 1 kimg is 4x4 for [0, 1), the 8x8
// fade-in for [1, 3), 8x8 for [3, 4), the 16x16 fade-in for [4, 6) and 16x16 from 6 on, alpha
// growing linearly over each fade-in; batch sizes and optimizer resets follow the resolution.
func TestPhasesAndStages(t *testing.T) {
	s := Schedule{Resolution: 16, FadeKimg: 2, StableKimg: 1, ResetOptimizers: true, BatchSizes: map[int]int{8: 12}}
	want := []Phase{{4, false, 0, 1}, {8, true, 1, 3}, {8, false, 3, 4}, {16, true, 4, 6}, {16, false, 6, 7}}
	if got := s.Phases(); !reflect.DeepEqual(got, want) {
		t.Errorf("phases %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		kimg float64
		want gan.Stage
	}{
		{0.5, gan.Stage{Key: "4x4", Alpha: 1}},
		{1.5, gan.Stage{Key: "8x8 fade-in", Alpha: 0.25, BatchSize: 12, ResetOptimizers: true}},
		{3, gan.Stage{Key: "8x8", Alpha: 1, BatchSize: 12}},
		{5.5, gan.Stage{Key: "16x16 fade-in", Alpha: 0.75, ResetOptimizers: true}},
		{100, gan.Stage{Key: "16x16", Alpha: 1}},
	} {
		if got := s.Stage(tc.kimg); got != tc.want {
			t.Errorf("kimg %g: %+v, want %+v", tc.kimg, got, tc.want)
		}
	}
}

// TestBatchSizesAndValidate: batch sizes round-trip through their text form; a bad text, a
// fade-in of 0, a negative stable phase or a size at a resolution the schedule lacks is refused
// naming the setting.
func TestBatchSizesAndValidate(t *testing.T) {
	sizes, err := ParseBatchSizes("sizes", " 16:8, 4:64 ,8:32")
	if err != nil || !reflect.DeepEqual(sizes, map[int]int{4: 64, 8: 32, 16: 8}) {
		t.Fatalf("ParseBatchSizes: %v, %v", sizes, err)
	}
	s := Schedule{Resolution: 16, FadeKimg: 1, BatchSizes: sizes}
	if got := s.FormatBatchSizes(); got != "4:64,8:32,16:8" {
		t.Errorf("FormatBatchSizes %q", got)
	}
	if err := s.Validate(keys); err != nil {
		t.Errorf("valid schedule: %v", err)
	}
	if _, err := ParseBatchSizes("sizes", "4-64"); err == nil || !strings.Contains(err.Error(), `sizes="4-64"`) {
		t.Errorf("4-64: %v", err)
	}
	for _, tc := range []struct {
		s    Schedule
		want string
	}{
		{Schedule{Resolution: 16, FadeKimg: 0}, "fade=0: a fade-in must last"},
		{Schedule{Resolution: 16, FadeKimg: 1, StableKimg: -1}, "stable=-1 must be >= 0"},
		{Schedule{Resolution: 16, FadeKimg: 1, BatchSizes: map[int]int{32: 4}}, "sizes: batch size 4 at resolution 32"},
		{Schedule{Resolution: 16, FadeKimg: 1, BatchSizes: map[int]int{12: 4}}, "resolution 12"},
		{Schedule{Resolution: 16, FadeKimg: 1, BatchSizes: map[int]int{8: 0}}, "batch size 0"},
	} {
		if err := tc.s.Validate(keys); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.s, err, tc.want)
		}
	}
}
