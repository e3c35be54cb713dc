package nb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
)

func TestSmokeAndBudget(t *testing.T) {
	for value, want := range map[string]bool{"1": true, "true": true, " YES ": true, "0": false, "": false, "no": false} {
		t.Setenv(SmokeEnv, value)
		if got := Smoke(); got != want {
			t.Errorf("%s=%q: Smoke() = %v, want %v", SmokeEnv, value, got, want)
		}
		if got, wantBudget := Budget(5.0, 0.064), map[bool]float64{true: 0.064, false: 5}[want]; got != wantBudget {
			t.Errorf("%s=%q: Budget = %g, want %g", SmokeEnv, value, got, wantBudget)
		}
	}
}

// TestTrainingPanelOnTick runs outside a kernel (gonbui does nothing there) and checks the state
// the panel would show.
func TestTrainingPanelOnTick(t *testing.T) {
	samples := filepath.Join(t.TempDir(), "samples-kimg000000.032.png")
	if err := os.WriteFile(samples, []byte("PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewTrainingPanel("quick", 0.064, render.PanelChart{Title: "D", Terms: []string{"d_loss"}})
	if html := p.Panel.HTML(); !strings.Contains(html, "compiling the training graphs") {
		t.Errorf("initial panel: %s", html)
	}
	p.OnTick(&runs.Tick{Kimg: 0.032, ImagesPerSec: 8.25, TotalSeconds: 61.4, Terms: map[string]float64{"d_loss": 2}, SamplesPath: samples})
	p.OnTick(&runs.Tick{Kimg: 0.064, ImagesPerSec: 9, TotalSeconds: 65, Terms: map[string]float64{"d_loss": 1}, SamplesPath: samples + ".gone"})
	html := p.Panel.HTML()
	for _, s := range []string{
		"kimg 0.064 of 0.064, 9.0 images/s, 1m5s elapsed (samples unreadable:",
		`alt="generator EMA at kimg 0.032`,
		`base64,UE5H"`,
		`points="52.0,22.0 350.0,170.0"`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("panel lacks %s:\n%s", s, html)
		}
	}
	p.Finish("done in 1m10s")
	if html := p.Panel.HTML(); !strings.Contains(html, "&mdash; done in 1m10s</div>") {
		t.Errorf("final status missing: %s", html)
	}
}
