package console

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/overview"
)

// A line chart is drawn on the server as inline SVG: the console runs no
// script and its CSP allows no inline style, so geometry and colour are
// SVG attributes and everything else is a class in console.css.

// Chart geometry, in SVG user units (the SVG scales to its box).
const (
	chartW      = 720
	chartH      = 220
	chartLeft   = 80 // room for the y labels
	chartRight  = 12
	chartTop    = 12
	chartBottom = 30 // room for the x labels
	plotW       = chartW - chartLeft - chartRight
	plotH       = chartH - chartTop - chartBottom
)

// chartColors tell up to ten lines apart; more lines than that are not
// drawn (see lineChart.MaxLines).
var chartColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// lineChart is one chart: a line per series over a shared time axis.
type lineChart struct {
	Title string // said to screen readers and shown as the SVG's title
	Noun  string // what a series is, for the legend: "store"
	// Series are drawn in order; each is one node's points, oldest first.
	Series []overview.Series
	// Format writes a y value for the axis ("42%", "1.5 MiB/s").
	Format func(float64) string
	// YMax fixes the top of the y axis (1 for a ratio); 0: a round
	// number above the largest value.
	YMax float64
	// MaxLines bounds the lines drawn, the series with the highest latest
	// values kept (the fullest disks, the busiest stores); 0: all of
	// chartColors.
	MaxLines int
}

// render draws the chart, or says there is no data yet.
func (c lineChart) render() template.HTML {
	series := c.drawn()
	t0, t1, vmax, ok := bounds(series)
	if !ok {
		return template.HTML(`<p class="nodata">` + esc(c.Title) + `: no data yet.</p>`)
	}
	ymax := c.YMax
	if ymax <= 0 {
		ymax = niceCeil(vmax)
	}
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return chartLeft + plotW // one sample: at the right edge, "now"
		}
		return chartLeft + float64(t.Sub(t0))/float64(span)*plotW
	}
	y := func(v float64) float64 {
		v = math.Max(0, math.Min(v, ymax))
		return chartTop + plotH - v/ymax*plotH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart"><svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, esc(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Title))
	// Grid and y labels at 0, half and the top.
	for _, f := range []float64{0, 0.5, 1} {
		yy := y(f * ymax)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, chartLeft, yy, chartLeft+plotW, yy)
		fmt.Fprintf(&b, `<text class="ylabel" x="%d" y="%.1f" text-anchor="end" font-size="11">%s</text>`,
			chartLeft-6, yy+4, esc(c.Format(f*ymax)))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, chartLeft, chartTop, chartLeft, chartTop+plotH)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`,
		chartLeft, chartTop+plotH, chartLeft+plotW, chartTop+plotH)
	// x labels: first and last sample, and the span between.
	xl := chartTop + plotH + 18
	if span > 0 {
		fmt.Fprintf(&b, `<text class="xlabel" x="%d" y="%d" text-anchor="start" font-size="11">%s</text>`, chartLeft, xl, t0.UTC().Format("15:04:05"))
		fmt.Fprintf(&b, `<text class="xlabel" x="%d" y="%d" text-anchor="middle" font-size="11">%s window</text>`,
			chartLeft+plotW/2, xl, esc(span.Round(time.Second).String()))
	}
	fmt.Fprintf(&b, `<text class="xlabel" x="%d" y="%d" text-anchor="end" font-size="11">%s UTC</text>`, chartLeft+plotW, xl, t1.UTC().Format("15:04:05"))
	for i, s := range series {
		color := chartColors[i%len(chartColors)]
		fmt.Fprintf(&b, `<g class="series"><title>%s %s</title>`, esc(c.Noun), esc(s.ID))
		var d strings.Builder
		for j, run := range runs(s.Points) {
			if len(run) == 1 {
				// A lone sample is no line: mark it as a dot.
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, x(run[0].At), y(run[0].Value), color)
				continue
			}
			if j > 0 && d.Len() > 0 {
				d.WriteByte(' ')
			}
			for k, p := range run {
				cmd := 'L'
				if k == 0 {
					cmd = 'M'
				}
				fmt.Fprintf(&d, "%c%.1f %.1f", cmd, x(p.At), y(p.Value))
			}
		}
		if d.Len() > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`, d.String(), color)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg><figcaption><ul class="legend">`)
	for i, s := range series {
		fmt.Fprintf(&b, `<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="%s"/></svg> %s %s</li>`,
			chartColors[i%len(chartColors)], esc(c.Noun), esc(s.ID))
	}
	b.WriteString(`</ul>`)
	if left := len(c.Series) - len(series); left > 0 {
		fmt.Fprintf(&b, `<p class="hint">%d more %s not drawn (only the %d highest now are).</p>`, left, esc(plural(c.Noun)), len(series))
	}
	b.WriteString(`</figcaption></figure>`)
	return template.HTML(b.String())
}

// drawn picks the series to draw: all of them up to MaxLines, else those
// with the highest latest values, in their original order.
func (c lineChart) drawn() []overview.Series {
	limit := c.MaxLines
	if limit <= 0 || limit > len(chartColors) {
		limit = len(chartColors)
	}
	var have []overview.Series
	for _, s := range c.Series {
		if len(s.Points) > 0 {
			have = append(have, s)
		}
	}
	if len(have) <= limit {
		return have
	}
	idx := make([]int, len(have))
	for i := range idx {
		idx[i] = i
	}
	last := func(i int) float64 { return have[i].Points[len(have[i].Points)-1].Value }
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(last(b), last(a)) })
	idx = idx[:limit]
	slices.Sort(idx)
	out := make([]overview.Series, 0, limit)
	for _, i := range idx {
		out = append(out, have[i])
	}
	return out
}

// bounds is the time range and the largest value of the series; false
// when there is no point at all.
func bounds(series []overview.Series) (t0, t1 time.Time, vmax float64, ok bool) {
	for _, s := range series {
		for _, p := range s.Points {
			if !ok || p.At.Before(t0) {
				t0 = p.At
			}
			if !ok || p.At.After(t1) {
				t1 = p.At
			}
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				vmax = math.Max(vmax, p.Value)
			}
			ok = true
		}
	}
	return t0, t1, vmax, ok
}

// runs splits a series where a sample is missing: a gap of more than
// twice the series' usual step is drawn as a gap, not a straight line
// across it.
func runs(ps []overview.Point) [][]overview.Point {
	if len(ps) < 3 {
		if len(ps) == 0 {
			return nil
		}
		return [][]overview.Point{ps}
	}
	steps := make([]time.Duration, 0, len(ps)-1)
	for i := 1; i < len(ps); i++ {
		steps = append(steps, ps[i].At.Sub(ps[i-1].At))
	}
	sorted := slices.Clone(steps)
	slices.Sort(sorted)
	usual := sorted[len(sorted)/2]
	var out [][]overview.Point
	start := 0
	for i, st := range steps {
		if st > 2*usual {
			out = append(out, ps[start:i+1])
			start = i + 1
		}
	}
	return append(out, ps[start:])
}

// niceCeil is the smallest of 1, 2, 2.5 or 5 times a power of ten at or
// above v, so the axis reads in round numbers; 1 for v <= 0.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return template.HTMLEscapeString(s) }

func plural(noun string) string { return noun + "s" }
