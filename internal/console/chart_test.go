package console

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/overview"
)

var c0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func pts(step time.Duration, vs ...float64) []overview.Point {
	out := make([]overview.Point, len(vs))
	for i, v := range vs {
		out[i] = overview.Point{At: c0.Add(time.Duration(i) * step), Value: v}
	}
	return out
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

// wellFormed parses the markup as XML: an unbalanced tag or a stray
// unescaped character fails.
func wellFormed(t *testing.T, markup string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(markup))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, markup)
		}
	}
}

var pathRE = regexp.MustCompile(`<path d="([^"]*)"`)

func TestChartScalesPoints(t *testing.T) {
	out := string(lineChart{Title: "Used", Noun: "store", Format: pct, YMax: 1,
		Series: []overview.Series{{ID: "1", Points: pts(10*time.Second, 0, 0.5, 1)}}}.render())
	wellFormed(t, out)
	m := pathRE.FindStringSubmatch(out)
	// x from 80 to 80+628 over 20s; y from 190 (0) up to 12 (the top).
	if m == nil || m[1] != "M80.0 190.0L394.0 101.0L708.0 12.0" {
		t.Fatalf("path: %v\n%s", m, out)
	}
	for _, want := range []string{">0%<", ">50%<", ">100%<", ">12:00:00<", ">12:00:20 UTC<", ">20s window<", "store 1", `aria-label="Used"`} {
		if !strings.Contains(out, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(out, "style=") {
		t.Error("the chart uses an inline style, which the CSP blocks")
	}
}

func TestChartAxisRoundsUpAndClamps(t *testing.T) {
	out := string(lineChart{Title: "Write", Noun: "store", Format: humanRate,
		Series: []overview.Series{{ID: "1", Points: pts(time.Second, 0, 3e6)}, {ID: "2", Points: pts(time.Second, 1e6, 2e6)}}}.render())
	wellFormed(t, out)
	// The top is 5e6 (a round number above 3e6): 3e6 sits at 60%.
	if !strings.Contains(out, ">4.8 MiB/s<") { // 5e6 B/s
		t.Errorf("top label is not 5e6 B/s:\n%s", out)
	}
	ds := pathRE.FindAllStringSubmatch(out, -1)
	if len(ds) != 2 || ds[0][1] != fmt.Sprintf("M80.0 190.0L708.0 %.1f", 190-0.6*178) {
		t.Fatalf("paths: %v", ds)
	}
	// A value above a fixed top is drawn at the top, not off the chart.
	out = string(lineChart{Title: "t", Format: pct, YMax: 1, Series: []overview.Series{{ID: "1", Points: pts(time.Second, 2, 2)}}}.render())
	if m := pathRE.FindStringSubmatch(out); m == nil || m[1] != "M80.0 12.0L708.0 12.0" {
		t.Fatalf("clamped path: %v", m)
	}
}

func TestChartWithoutData(t *testing.T) {
	for name, s := range map[string][]overview.Series{"no series": nil, "no points": {{ID: "1"}}} {
		out := string(lineChart{Title: `Used <capacity>`, Format: pct, Series: s}.render())
		if !strings.Contains(out, "no data yet") || strings.Contains(out, "<svg") || !strings.Contains(out, "Used &lt;capacity&gt;") {
			t.Errorf("%s: %s", name, out)
		}
	}
}

func TestChartEscapesText(t *testing.T) {
	evil := `<script>alert("x")</script>`
	out := string(lineChart{Title: evil, Noun: `st"ore`, Format: func(float64) string { return "<b>" },
		Series: []overview.Series{{ID: evil, Points: pts(time.Second, 1, 2)}}}.render())
	wellFormed(t, out)
	if strings.Contains(out, "<script>") || strings.Contains(out, "<b>") || strings.Contains(out, `st"ore`) {
		t.Fatalf("unescaped text in the chart:\n%s", out)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Fatalf("escaped id missing:\n%s", out)
	}
}

func TestChartOneSampleAndGaps(t *testing.T) {
	out := string(lineChart{Title: "t", Format: pct, YMax: 1, Series: []overview.Series{{ID: "1", Points: pts(time.Second, 0.5)}}}.render())
	wellFormed(t, out)
	if !strings.Contains(out, `<circle cx="708.0" cy="101.0"`) || strings.Contains(out, "<path") {
		t.Fatalf("one sample is not a dot at the right edge:\n%s", out)
	}
	// Samples every 10s with one minute missing: two lines, not one across the gap.
	p := pts(10*time.Second, 0, 0, 0, 0)
	p = append(p, overview.Point{At: c0.Add(100 * time.Second)}, overview.Point{At: c0.Add(110 * time.Second)})
	out = string(lineChart{Title: "t", Format: pct, YMax: 1, Series: []overview.Series{{ID: "1", Points: p}}}.render())
	m := pathRE.FindStringSubmatch(out)
	if m == nil || strings.Count(m[1], "M") != 2 {
		t.Fatalf("gap drawn across: %v", m)
	}
}

func TestChartDrawsTheHighestWhenThereAreTooMany(t *testing.T) {
	var s []overview.Series
	for i := range 12 {
		s = append(s, overview.Series{ID: fmt.Sprint(i + 1), Points: pts(time.Second, 0, float64(i))})
	}
	out := string(lineChart{Title: "t", Noun: "store", Format: pct, Series: s, MaxLines: 10}.render())
	wellFormed(t, out)
	if n := strings.Count(out, "<path"); n != 10 {
		t.Fatalf("%d lines drawn, want 10", n)
	}
	if strings.Contains(out, "store 1<") || strings.Contains(out, "store 2<") || !strings.Contains(out, "store 12<") {
		t.Errorf("the lowest were not the ones left out:\n%s", out)
	}
	if !strings.Contains(out, "2 more stores not drawn") {
		t.Error("the chart does not say lines were left out")
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {-3, 1}, {0.3, 0.5}, {1, 1}, {1.1, 2}, {2.2, 2.5}, {3e6, 5e6}, {7, 10}, {99, 100}} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCapBar(t *testing.T) {
	for _, c := range []struct {
		n     overview.Node
		width string
		class string
		fig   string
	}{
		{overview.Node{CapacityBytes: 1 << 40, AvailableBytes: 3 << 38}, `width="30.0"`, "cap-ok", "25% · 256.0 GiB of 1.0 TiB"},
		{overview.Node{CapacityBytes: 100, AvailableBytes: 25}, `width="90.0"`, "cap-high", "75% · 75 B of 100 B"},
		{overview.Node{CapacityBytes: 100, AvailableBytes: 0}, `width="120.0"`, "cap-full", "100%"},
	} {
		out := string(capBar(c.n))
		wellFormed(t, "<x>"+out+"</x>")
		if !strings.Contains(out, c.width) || !strings.Contains(out, c.class) || !strings.Contains(out, c.fig) {
			t.Errorf("%+v: %s", c.n, out)
		}
	}
	if out := string(capBar(overview.Node{})); !strings.Contains(out, "capacity unknown") {
		t.Errorf("no capacity: %s", out)
	}
}

func TestFormats(t *testing.T) {
	for in, want := range map[float64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB", 1 << 60: "1.0 EiB"} {
		if got := humanBytes(in); got != want {
			t.Errorf("humanBytes(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Up": "state-up", "Disconnected": "state-disconnected", `x" onload="y`: "state-xonloady", "": "state-"} {
		if got := stateClass(in); got != want {
			t.Errorf("stateClass(%q) = %q, want %q", in, got, want)
		}
	}
}
