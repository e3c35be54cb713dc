package losses

import "testing"

func TestLazySchedule(t *testing.T) {
	r1 := Lazy{Interval: DefaultR1Interval}
	for step, want := range map[int]bool{0: true, 1: false, 15: false, 16: true, 17: false, 32: true, 33: false} {
		if got := r1.Applies(step); got != want {
			t.Errorf("Lazy{16}.Applies(%d) = %v, want %v", step, got, want)
		}
	}
	if got := r1.Weight(); got != 16 {
		t.Errorf("Lazy{16}.Weight() = %g, want 16", got)
	}
	for _, every := range []Lazy{{}, {Interval: 1}} {
		for step := range 3 {
			if !every.Applies(step) {
				t.Errorf("%+v.Applies(%d) = false, want every step", every, step)
			}
		}
		if got := every.Weight(); got != 1 {
			t.Errorf("%+v.Weight() = %g, want 1", every, got)
		}
	}
}
