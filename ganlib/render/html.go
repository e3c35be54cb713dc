package render

import (
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

// The HTML builders here return self-contained fragments: images are inline base64 PNGs and
// charts inline SVG, with inline styles and no script, so a saved notebook or an HTML export
// shows them offline, and JupyterLab's sanitizer keeps them.

// PNGImg returns an <img> showing png bytes inline. width > 0 sets the displayed width in CSS
// pixels; tiny grids (16x16 tiles) are scaled up without smoothing so pixels stay sharp.
func PNGImg(png []byte, alt string, width int) string { return inlineImg("png", png, alt, width) }

// inlineImg is an <img> of data, a base64 data URL of the given image type.
func inlineImg(kind string, data []byte, alt string, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<img alt="%s" src="data:image/%s;base64,%s"`, html.EscapeString(alt), kind, base64.StdEncoding.EncodeToString(data))
	if width > 0 {
		fmt.Fprintf(&b, ` width="%d"`, width)
	}
	b.WriteString(` style="image-rendering:pixelated">`)
	return b.String()
}

// Figure wraps content (an <img> or <svg>) with a caption below it.
func Figure(content, caption string) string {
	return `<figure style="margin:0;display:inline-block;text-align:center">` + content +
		`<figcaption style="font:12px sans-serif">` + html.EscapeString(caption) + `</figcaption></figure>`
}
