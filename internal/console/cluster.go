package console

import (
	"fmt"
	"html/template"

	"github.com/operator-dev/operator/internal/overview"
)

// clusterData is the overview page's cluster section.
type clusterData struct {
	Wired    bool // the daemon gathers overviews
	Has      bool // and has one
	Overview overview.Overview
	Sick     int // shards counted by at least one health check (an upper bound: one may be in several)
	Used     template.HTML
	Write    template.HTML
}

// chartLines is how many stores a chart draws at most.
const chartLines = 10

// cluster reads the latest overview and draws its history.
func (c *console) cluster() clusterData {
	h := c.opts.Overview
	if h == nil {
		return clusterData{}
	}
	d := clusterData{Wired: true}
	d.Overview, d.Has = h.Latest()
	if !d.Has {
		return d
	}
	for _, x := range d.Overview.Health {
		d.Sick += x.Count
	}
	noun := d.Overview.NodeNoun
	d.Used = lineChart{Title: "Used capacity per " + noun, Noun: noun, Series: h.Series(overview.UsedRatio),
		Format: func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }, YMax: 1, MaxLines: chartLines}.render()
	d.Write = lineChart{Title: "Write rate per " + noun, Noun: noun, Series: h.Series(overview.WriteBytesPerSec),
		Format: humanRate, MaxLines: chartLines}.render()
	return d
}
