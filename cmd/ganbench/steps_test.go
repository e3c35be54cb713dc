package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ganlab/gogan/ganlib/engine"
)

// setFlag sets a string flag variable for one test.
func setFlag(t *testing.T, flag *string, value string) {
	old := *flag
	*flag = value
	t.Cleanup(func() { *flag = old })
}

// TestStepsSuite runs the steps suite as scripts/gpu-check.sh does (a preset, resolutions, a
// comparison with pure Go in float64), on the smallest preset at 8x8 and 16x16: one row per
// resolution, every cell filled, speeds positive, and the pure-Go backend within float32 rounding
// of its float64 self.
func TestStepsSuite(t *testing.T) {
	setFlag(t, stepsPresets, "msg-progan-32")
	setFlag(t, stepsResolutions, "8,16")
	setFlag(t, stepsCompare, "go")
	setFlag(t, stepsCompareDType, "float64")
	backend := engine.MustNew("go")
	defer backend.Finalize()
	table, err := stepsSuite(&bench{backend: backend, timing: timingOptions{minRuns: 1, maxTime: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	table.print(&out)
	t.Log("\n" + out.String())
	if len(table.rows) != 2 {
		t.Fatalf("%d rows, want 2 (8x8 and 16x16)", len(table.rows))
	}
	for i, want := range []string{"8x8x1", "16x16x1"} {
		row := table.rows[i]
		if len(row) != len(table.header) || row[0] != "msg-progan-32" || row[1] != want {
			t.Fatalf("row %d = %q for header %q", i, row, table.header)
		}
		values := map[string]float64{}
		for _, col := range []int{8, 9, 10} { // images/s, output and D gradient differences
			v, err := strconv.ParseFloat(row[col], 64)
			if err != nil {
				t.Fatalf("row %d column %q: %q is not a number", i, table.header[col], row[col])
			}
			values[table.header[col]] = v
		}
		if values[table.header[8]] <= 0 || values[table.header[9]] > 1e-4 || values[table.header[10]] > 1e-5 {
			t.Errorf("row %d: %v; want images/s > 0, output difference <= 1e-4, D gradient difference <= 1e-5", i, values)
		}
		// Float32 steps are never exact: differences from a float64 reference of at least ~1e-9
		// show that the reference did run in float64 (float32 on both sides agrees exactly).
		if values[table.header[9]] < 1e-9 || values[table.header[10]] < 1e-9 {
			t.Errorf("row %d: %v; want output and D gradient differences >= 1e-9 from the float64 reference", i, values)
		}
	}
}

// TestStepsSuiteLazySteps times StyleGAN2's E-32 at 8x8: its lazy R1 and path-length steps are
// timed too and amortized into images/s, which is then below batch / (D step + G step).
func TestStepsSuiteLazySteps(t *testing.T) {
	setFlag(t, stepsModel, "stylegan2")
	setFlag(t, stepsPresets, "E-32")
	setFlag(t, stepsResolutions, "8")
	setFlag(t, stepsStages, "final")
	setFlag(t, stepsCompare, "")
	backend := engine.MustNew("go")
	defer backend.Finalize()
	table, err := stepsSuite(&bench{backend: backend, timing: timingOptions{minRuns: 1, maxTime: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	table.print(&out)
	t.Log("\n" + out.String())
	row := table.rows[0]
	if !strings.Contains(row[7], "Dreg") || !strings.Contains(row[7], "(16)") || !strings.Contains(row[7], "Greg") || !strings.Contains(row[7], "(4)") {
		t.Errorf("lazy steps %q, want Dreg every 16 and Greg every 4", row[7])
	}
	number := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.Fields(s)[0], 64)
		if err != nil {
			t.Fatalf("%q is not a number", s)
		}
		return v
	}
	if d, g, rate := number(row[5]), number(row[6]), number(row[8]); !(rate > 0 && rate < 16/((d+g)/1e3)*1.02) {
		t.Errorf("images/s %g with D %g ms and G %g ms at batch 16: want the lazy steps counted (the ms rounded to 0.1)", rate, d, g)
	}
}

// TestStepsSelectionErrors checks that bad -presets and -resolutions are refused, naming the flag.
func TestStepsSelectionErrors(t *testing.T) {
	for _, tc := range []struct{ model, presets, resolutions, stages, want string }{
		{"", "msg-progan-32,stylegan", "32", "final", "-presets"},
		{"", "msg-progan-32", "32,x", "final", "-resolutions"},
		{"progan", "msg-progan-32", "32", "final", "-presets"},
		{"stylegan9", "msg-progan-32", "32", "final", "-model"},
		{"progan", "progan-32", "0", "some", "-stages"},
	} {
		setFlag(t, stepsModel, tc.model)
		setFlag(t, stepsPresets, tc.presets)
		setFlag(t, stepsResolutions, tc.resolutions)
		setFlag(t, stepsStages, tc.stages)
		if _, _, _, err := stepsSelection(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %s", tc, err, tc.want)
		}
	}
}

// TestStepsSuiteStages times every stage of a small ProGAN: one row per stage of its schedule,
// the layers growing with the stages (more parameters at 16x16 than at 4x4).
func TestStepsSuiteStages(t *testing.T) {
	setFlag(t, stepsModel, "progan")
	setFlag(t, stepsPresets, "progan-32")
	setFlag(t, stepsResolutions, "16")
	setFlag(t, stepsStages, "all")
	setFlag(t, stepsCompare, "")
	backend := engine.MustNew("go")
	defer backend.Finalize()
	table, err := stepsSuite(&bench{backend: backend, timing: timingOptions{minRuns: 1, maxTime: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	table.print(&out)
	t.Log("\n" + out.String())
	want := []string{"progan-32 [4x4]", "progan-32 [8x8 fade-in]", "progan-32 [8x8]", "progan-32 [16x16 fade-in]", "progan-32 [16x16]"}
	if len(table.rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(table.rows), len(want))
	}
	params := func(row []string) float64 {
		v, _ := strconv.ParseFloat(strings.TrimSuffix(row[3], "M"), 64)
		return v
	}
	for i, row := range table.rows {
		if row[0] != want[i] || row[1] != "16x16x1" {
			t.Errorf("row %d: %q, want %q at 16x16x1", i, row[:2], want[i])
		}
	}
	if first, last := params(table.rows[0]), params(table.rows[4]); !(first > 0 && last > first) {
		t.Errorf("G parameters %g at 4x4, %g at 16x16: want growing", first, last)
	}
}
