package render

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Panel is the state of a live training panel: the latest samples and loss curves, redrawn as
// one HTML fragment (HTML) after every update. A notebook shows it in one display that it
// replaces in place, so the saved notebook keeps the final state.
type Panel struct {
	Title string
	// Charts lists one chart per group of terms (losses of different scales get their own axes).
	Charts []PanelChart
	// XLabel names the x values given to Add (e.g. "kimg").
	XLabel string
	// ChartWidth, ChartHeight size each chart (0: 360x200).
	ChartWidth, ChartHeight int
	// SamplesWidth is the displayed width of the samples image (0: its own size).
	SamplesWidth int

	status         string
	samples        []byte
	samplesCaption string
	x              []float64
	values         map[string][]float64
}

// PanelChart is one chart of a Panel: a title and the term names it plots.
type PanelChart struct {
	Title string
	Terms []string
}

// Add records one point: terms[name] at x for every term the charts plot (NaN where missing).
func (p *Panel) Add(x float64, terms map[string]float64) {
	if p.values == nil {
		p.values = map[string][]float64{}
	}
	p.x = append(p.x, x)
	for _, chart := range p.Charts {
		for _, name := range chart.Terms {
			v, ok := terms[name]
			if !ok {
				v = math.NaN()
			}
			// A term in two charts is recorded once.
			if len(p.values[name]) < len(p.x) {
				p.values[name] = append(p.values[name], v)
			}
		}
	}
}

// SetSamples replaces the samples image (PNG bytes) and its caption.
func (p *Panel) SetSamples(png []byte, caption string) {
	p.samples, p.samplesCaption = png, caption
}

// SetStatus replaces the one-line status shown beside the title (progress, speed, ETA).
func (p *Panel) SetStatus(status string) { p.status = status }

// HTML returns the panel: title and status, then the samples and the charts side by side
// (wrapping on narrow screens).
func (p *Panel) HTML() string {
	width, height := p.ChartWidth, p.ChartHeight
	if width <= 0 || height <= 0 {
		width, height = 360, 200
	}
	var b strings.Builder
	b.WriteString(`<div class="gogan-panel" style="font:13px sans-serif">`)
	fmt.Fprintf(&b, `<div><b>%s</b>`, html.EscapeString(p.Title))
	if p.status != "" {
		fmt.Fprintf(&b, ` &mdash; %s`, html.EscapeString(p.status))
	}
	b.WriteString(`</div><div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">`)
	if p.samples != nil {
		b.WriteString(Figure(PNGImg(p.samples, p.samplesCaption, p.SamplesWidth), p.samplesCaption))
	}
	for _, chart := range p.Charts {
		c := Chart{Title: chart.Title, XLabel: p.XLabel, Width: width, Height: height}
		for _, name := range chart.Terms {
			c.Series = append(c.Series, Series{Name: name, X: p.x, Y: p.values[name]})
		}
		b.WriteString(c.SVG())
	}
	b.WriteString(`</div></div>`)
	return b.String()
}
