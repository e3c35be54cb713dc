package render

import (
	"encoding/base64"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestPNGImgInlinesTheBytes(t *testing.T) {
	got := PNGImg([]byte("\x89PNG"), `a "grid" <1>`, 64)
	want := `<img alt="a &#34;grid&#34; &lt;1&gt;" src="data:image/png;base64,iVBORw==" width="64" style="image-rendering:pixelated">`
	if got != want {
		t.Errorf("PNGImg:\n got %s\nwant %s", got, want)
	}
	if got := PNGImg([]byte{1}, "x", 0); strings.Contains(got, "width=") {
		t.Errorf("width 0 must leave the natural size: %s", got)
	}
}

func TestPNGImgDecodesBack(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	img.SetRGBA(1, 0, color.RGBA{255, 0, 0, 255})
	png, err := EncodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	tag := PNGImg(png, "red", 0)
	m := regexp.MustCompile(`base64,([^"]+)"`).FindStringSubmatch(tag)
	if m == nil {
		t.Fatalf("no base64 data in %s", tag)
	}
	data, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.RGBAAt(1, 0); got != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("pixel (1,0) = %v after the round trip, want red", got)
	}
}

// polylines returns the points attribute of every polyline in an SVG, in order.
func polylines(svg string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<polyline [^>]*points="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestChartPolylinePoints(t *testing.T) {
	// 200x100 chart: plot area x 52..190, y 22..70 (margins 52, 10, 22, 30).
	c := Chart{Title: "D <loss>", XLabel: "kimg", Width: 200, Height: 100, Series: []Series{
		{Name: "d_loss", X: []float64{0, 1, 2}, Y: []float64{4, 2, 0}},
		{Name: "g_loss", X: []float64{0, 2}, Y: []float64{1, math.NaN()}},
	}}
	svg := c.SVG()
	got := polylines(svg)
	// x: 0 -> 52, 1 -> 121, 2 -> 190; y over [0, 4]: 4 -> 22, 2 -> 46, 1 -> 58, 0 -> 70.
	want := []string{"52.0,22.0 121.0,46.0 190.0,70.0", "52.0,58.0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("polylines %q, want %q", got, want)
	}
	for _, s := range []string{`>D &lt;loss&gt;</text>`, `>kimg</text>`, `>4</text>`, `>0</text>`, `>2</text>`, `fill="#4e79a7">d_loss</text>`, `fill="#f28e2b">g_loss</text>`} {
		if !strings.Contains(svg, s) {
			t.Errorf("SVG lacks %s:\n%s", s, svg)
		}
	}
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"`) || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("not a standalone SVG element: %s", svg)
	}
}

func TestChartConstantSeriesIsCentred(t *testing.T) {
	c := Chart{Width: 200, Height: 100, Series: []Series{{Name: "flat", X: []float64{3, 3}, Y: []float64{5, 5}}}}
	// Both ranges widen to +-0.5 around the value: the point sits in the middle of the area.
	if got := polylines(c.SVG()); len(got) != 1 || got[0] != "121.0,46.0 121.0,46.0" {
		t.Errorf("polylines %q", got)
	}
	empty := Chart{Width: 200, Height: 100, Series: []Series{{Name: "none"}}}.SVG()
	if len(polylines(empty)) != 0 || !strings.Contains(empty, ">none</text>") {
		t.Errorf("an empty series must be in the legend only: %s", empty)
	}
}

func TestDecimateAveragesBuckets(t *testing.T) {
	s := Series{X: []float64{0, 1, 2, 3, 4, 5}, Y: []float64{10, 20, math.NaN(), 40, 50, 60}}
	got := decimate(s, 3)
	wantX, wantY := []float64{0.5, 3, 4.5}, []float64{15, 40, 55}
	for i := range wantX {
		if got.X[i] != wantX[i] || got.Y[i] != wantY[i] {
			t.Fatalf("decimate = %v %v, want %v %v", got.X, got.Y, wantX, wantY)
		}
	}
	long := Series{Name: "long", X: make([]float64, 1000), Y: make([]float64, 1000)}
	for i := range long.X {
		long.X[i], long.Y[i] = float64(i), float64(i%2)
	}
	svg := Chart{Width: 200, Height: 100, MaxPoints: 10, Series: []Series{long}}.SVG()
	if n := len(strings.Fields(polylines(svg)[0])); n != 10 {
		t.Errorf("%d points drawn, want MaxPoints = 10", n)
	}
}

func TestPanelHTML(t *testing.T) {
	p := &Panel{Title: "MSG-ProGAN", XLabel: "kimg", ChartWidth: 200, ChartHeight: 100, SamplesWidth: 128,
		Charts: []PanelChart{{Title: "D", Terms: []string{"d_loss", "wasserstein"}}, {Title: "G", Terms: []string{"g_loss"}}}}
	p.Add(0, map[string]float64{"d_loss": 4, "wasserstein": 1, "g_loss": 2})
	p.Add(2, map[string]float64{"d_loss": 0, "g_loss": 0})
	p.SetStatus("kimg 2/4 <fast>")
	p.SetSamples([]byte("PNG"), "samples at kimg 2")
	got := p.HTML()
	for _, s := range []string{
		`<b>MSG-ProGAN</b> &mdash; kimg 2/4 &lt;fast&gt;`,
		`<img alt="samples at kimg 2" src="data:image/png;base64,UE5H" width="128"`,
		`<figcaption style="font:12px sans-serif">samples at kimg 2</figcaption>`,
	} {
		if !strings.Contains(got, s) {
			t.Errorf("panel lacks %s:\n%s", s, got)
		}
	}
	// Chart D spans y in [0, 4]: d_loss 4 -> 22, 0 -> 70; wasserstein has one finite point (1 ->
	// 58); chart G spans [0, 2]: 2 -> 22, 0 -> 70.
	want := []string{"52.0,22.0 190.0,70.0", "52.0,58.0", "52.0,22.0 190.0,70.0"}
	if got := polylines(got); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("polylines %q, want %q", got, want)
	}
	if n := strings.Count(got, "<svg"); n != 2 {
		t.Errorf("%d charts, want 2", n)
	}
}
