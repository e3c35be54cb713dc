// Package nb is the notebook side of render: it shows render's HTML in GoNB notebooks through
// gonbui, and reads the notebook settings (smoke mode). It holds no drawing logic of its own, so
// render stays testable without a kernel; outside a GoNB kernel the display calls do nothing.
package nb

import (
	"fmt"
	"image"
	"os"
	"strings"
	"time"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// SmokeEnv names the environment variable that selects smoke mode: the same notebook code
// path with a tiny budget, which the notebook runner sets for the test command.
const SmokeEnv = "GOGAN_SMOKE"

// Smoke reports whether smoke mode is on ($GOGAN_SMOKE is 1, true or yes).
func Smoke() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(SmokeEnv))) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// Budget returns smoke in smoke mode, else full: every notebook setting that sizes a run goes
// through it, so the smoke run differs from the full one in those values only.
func Budget[T any](full, smoke T) T {
	if Smoke() {
		return smoke
	}
	return full
}

// ShowHTML displays html as an output of the running cell. Like every display here it waits
// until GoNB has taken the output (gonbui.Sync): a cell's program that exits right after a
// display can otherwise lose it.
func ShowHTML(html string) {
	gonbui.DisplayHTML(html)
	gonbui.Sync()
}

// UpdateHTML shows html in the display named id: created, in the running cell, on first use;
// replaced in place afterwards, wherever it is (a later cell can update an earlier cell's
// display, which the saved notebook keeps in its last state).
func UpdateHTML(id, html string) {
	gonbui.UpdateHTML(id, html)
	gonbui.Sync()
}

// ShowImage displays img inline, width CSS pixels wide (0: its own size): a PNG figure with alt
// as its caption, in the same output as the PNG itself (showFigure).
func ShowImage(img image.Image, alt string, width int) error {
	png, err := render.EncodePNG(img)
	if err != nil {
		return err
	}
	showFigure("image/png", png, render.Figure(render.PNGImg(png, alt, width), alt))
	return nil
}

// ShowAnimation displays frames inline as a looping GIF (delay hundredths of a second per frame),
// width CSS pixels wide (0: its own size): a latent walk, a projection's progress.
func ShowAnimation(frames []image.Image, delay int, alt string, width int) error {
	data, err := render.EncodeGIF(frames, delay)
	if err != nil {
		return err
	}
	showFigure("image/gif", data, render.Figure(render.GIFImg(data, alt, width), alt))
	return nil
}

// ShowSVG displays an SVG drawing (a render.Chart's) inline: one output with the SVG in HTML, which
// JupyterLab shows, and as image/svg+xml, which viewers that do not render HTML show.
func ShowSVG(svg string) { showFigure(protocol.MIMEImageSVG, svg, svg) }

// showFigure displays an encoded image as one output holding both the HTML figure (with its
// caption), which JupyterLab shows, and the image under its own MIME type, which viewers that do
// not render HTML (code hosts' notebook previews) show instead.
func showFigure(mime protocol.MIMEType, data any, html string) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMETextHTML: html, mime: data}})
	gonbui.Sync()
}

// TrainingPanel is a render.Panel kept in one notebook display and redrawn in place at every
// training tick; the saved notebook keeps its last state.
type TrainingPanel struct {
	Panel     *render.Panel
	id        string
	totalKimg float64
}

// NewTrainingPanel shows an empty panel for a run of totalKimg, with one chart per group of
// statistics (names as stats.jsonl has them: d_loss, wasserstein, g_loss, ...). Its Panel's fields (e.g.
// SamplesWidth, to enlarge small grids) can be set before the first tick.
func NewTrainingPanel(title string, totalKimg float64, charts ...render.PanelChart) *TrainingPanel {
	p := &TrainingPanel{
		Panel:     &render.Panel{Title: title, XLabel: "kimg", Charts: charts},
		id:        "gogan-panel-" + gonbui.UniqueId(),
		totalKimg: totalKimg,
	}
	p.Panel.SetStatus("compiling the training graphs")
	p.update()
	return p
}

// OnTick records a training tick (a train.Loop.OnTick hook): its mean loss terms, progress
// and, when the tick wrote one, the new sample grid.
func (p *TrainingPanel) OnTick(tick *runs.Tick) {
	p.Panel.Add(tick.Kimg, tick.Terms)
	elapsed := time.Duration(tick.TotalSeconds * float64(time.Second)).Round(time.Second)
	status := fmt.Sprintf("kimg %.3f of %g, %.1f images/s, %s elapsed", tick.Kimg, p.totalKimg, tick.ImagesPerSec, elapsed)
	if tick.SamplesPath != "" {
		// A missing grid is worth a note on the panel, not stopping the run for.
		if png, err := os.ReadFile(tick.SamplesPath); err != nil {
			status += fmt.Sprintf(" (samples unreadable: %v)", err)
		} else {
			p.Panel.SetSamples(png, fmt.Sprintf("generator EMA at kimg %.3f (rows: fixed latents; columns: resolutions)", tick.Kimg))
		}
	}
	p.Panel.SetStatus(status)
	p.update()
}

// Finish writes a last status line (e.g. the wall time) and redraws the panel.
func (p *TrainingPanel) Finish(status string) {
	p.Panel.SetStatus(status)
	p.update()
}

func (p *TrainingPanel) update() { UpdateHTML(p.id, p.Panel.HTML()) }
