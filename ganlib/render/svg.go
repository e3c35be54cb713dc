package render

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Series is one named curve: Y[i] at X[i]. Non-finite values are left out of the drawing.
type Series struct {
	Name string
	X, Y []float64
}

// Chart is a line chart of several series on shared axes, drawn as inline SVG.
type Chart struct {
	Title         string
	XLabel        string
	Width, Height int
	Series        []Series
	// MaxPoints caps the points drawn per series (0: DefaultMaxPoints): longer series are
	// averaged in consecutive buckets, so a long run's panel stays small enough to update live.
	MaxPoints int
}

// DefaultMaxPoints is the default cap on points drawn per series.
const DefaultMaxPoints = 400

// Chart margins in pixels: room for the title above, tick labels on the left, the x label below.
const (
	marginLeft, marginRight, marginTop, marginBottom = 52, 10, 22, 30
)

// Palette colours series in order (Tableau 10, distinguishable and colour-blind friendlier).
var Palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// plotArea maps data coordinates into the chart's pixel rectangle.
type plotArea struct {
	x0, x1, y0, y1         float64 // pixels: left, right, top, bottom
	xMin, xMax, yMin, yMax float64 // data ranges
}

func (a plotArea) px(x float64) float64 {
	return a.x0 + (x-a.xMin)/(a.xMax-a.xMin)*(a.x1-a.x0)
}

func (a plotArea) py(y float64) float64 {
	return a.y1 - (y-a.yMin)/(a.yMax-a.yMin)*(a.y1-a.y0)
}

// dataRange returns the range of the values (all finite), widened to a non-empty interval:
// [0, 1] when there are none.
func dataRange(values func(yield func(float64) bool)) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo > hi {
		return 0, 1
	}
	if lo == hi {
		// A constant series still gets a visible horizontal line in the middle.
		return lo - 0.5, hi + 0.5
	}
	return lo, hi
}

// SVG draws the chart: a frame, min/max labels on both axes, one polyline per series and a
// legend. Series with no finite point are listed in the legend only.
func (c Chart) SVG() string {
	maxPoints := c.MaxPoints
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	series := make([]Series, len(c.Series))
	for i, s := range c.Series {
		series[i] = decimate(s, maxPoints)
	}
	all := func(pick func(Series) []float64) func(func(float64) bool) {
		return func(yield func(float64) bool) {
			for _, s := range series {
				for i, v := range pick(s) {
					// A point counts only if both coordinates are finite.
					if finite(s.X[i]) && finite(s.Y[i]) && !yield(v) {
						return
					}
				}
			}
		}
	}
	area := plotArea{x0: marginLeft, x1: float64(c.Width - marginRight), y0: marginTop, y1: float64(c.Height - marginBottom)}
	area.xMin, area.xMax = dataRange(all(func(s Series) []float64 { return s.X }))
	area.yMin, area.yMax = dataRange(all(func(s Series) []float64 { return s.Y }))

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`,
		c.Width, c.Height, c.Width, c.Height)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="white"/>`, c.Width, c.Height)
	fmt.Fprintf(&b, `<text x="%d" y="14" font-size="12" font-weight="bold">%s</text>`, marginLeft, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`,
		area.x0, area.y0, area.x1-area.x0, area.y1-area.y0)
	// Axis labels at the ends only: enough to read the scale, and exact values to compare runs.
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, area.x0-4, area.y0+8, formatTick(area.yMax))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, area.x0-4, area.y1, formatTick(area.yMin))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, area.x0, area.y1+13, formatTick(area.xMin))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, area.x1, area.y1+13, formatTick(area.xMax))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, (area.x0+area.x1)/2, area.y1+26, html.EscapeString(c.XLabel))
	for i, s := range series {
		color := Palette[i%len(Palette)]
		var points []string
		for j := range s.X {
			if finite(s.X[j]) && finite(s.Y[j]) {
				points = append(points, fmt.Sprintf("%.1f,%.1f", area.px(s.X[j]), area.py(s.Y[j])))
			}
		}
		if len(points) > 0 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"><title>%s</title></polyline>`,
				color, strings.Join(points, " "), html.EscapeString(s.Name))
		}
		legendY := area.y0 + 12 + float64(i)*13
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="%s">%s</text>`, area.x1-4, legendY, color, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// formatTick prints an axis value compactly (4 significant digits).
func formatTick(v float64) string { return fmt.Sprintf("%.4g", v) }

// decimate averages s in consecutive buckets of equal size when it has more than n points
// (n >= 1), skipping non-finite values within a bucket.
func decimate(s Series, n int) Series {
	if len(s.X) <= n {
		return s
	}
	out := Series{Name: s.Name, X: make([]float64, n), Y: make([]float64, n)}
	for k := range n {
		lo, hi := k*len(s.X)/n, (k+1)*len(s.X)/n
		var sx, sy float64
		count := 0
		for i := lo; i < hi; i++ {
			if finite(s.X[i]) && finite(s.Y[i]) {
				sx, sy = sx+s.X[i], sy+s.Y[i]
				count++
			}
		}
		if count == 0 {
			out.X[k], out.Y[k] = math.NaN(), math.NaN()
			continue
		}
		out.X[k], out.Y[k] = sx/float64(count), sy/float64(count)
	}
	return out
}
