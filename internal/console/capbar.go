package console

import (
	"fmt"
	"html/template"

	"github.com/operator-dev/operator/internal/overview"
)

// capBarWidth is the capacity bar's width in pixels.
const capBarWidth = 120

// capLevel is the bar's colour class for a used ratio. The lines are
// PD's default high-space-ratio (0.7: PD starts to steer regions away)
// and low-space-ratio (0.8: PD stops moving regions in); any system's
// disks are in trouble past the same marks.
func capLevel(ratio float64) string {
	switch {
	case ratio >= 0.8:
		return "cap-full"
	case ratio >= 0.7:
		return "cap-high"
	}
	return "cap-ok"
}

var capFill = map[string]string{"cap-ok": "#2e7d32", "cap-high": "#c77700", "cap-full": "#a4161a"}

// capBar draws a node's used space as an inline SVG bar (the CSP allows
// no inline style, and SVG attributes are not style) followed by the
// figures: "42% · 430.0 GiB of 1.0 TiB". Only numbers go into the markup.
func capBar(n overview.Node) template.HTML {
	if n.CapacityBytes == 0 {
		return template.HTML(`<span class="hint">capacity unknown</span>`)
	}
	ratio := min(n.UsedRatio(), 1)
	lvl := capLevel(ratio)
	return template.HTML(fmt.Sprintf(`<svg class="capbar" width="%d" height="12" viewBox="0 0 %d 12" role="img" aria-label="%.0f%% used">`+
		`<rect width="%d" height="12" fill="#e3e3e3"/><rect class="%s" width="%.1f" height="12" fill="%s"/></svg> `+
		`<span class="capfig">%.0f%% · %s of %s</span>`,
		capBarWidth, capBarWidth, ratio*100, capBarWidth, lvl, ratio*capBarWidth, capFill[lvl],
		ratio*100, humanBytes(float64(n.UsedBytes())), humanBytes(float64(n.CapacityBytes))))
}
