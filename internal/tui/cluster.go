package tui

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/operator-dev/operator/internal/overview"
)

// maxNodeRows keeps the cluster pane compact, so the tickets and runs an
// approver acts on stay on screen in a large cluster; the web console
// shows every node.
const maxNodeRows = 8

// viewCluster is the compact cluster pane: one row per node (id, state,
// used space, leaders, shards), in the cluster's own words ("store",
// "region").
func (m Model) viewCluster(b *strings.Builder) {
	if !m.clusterKnown {
		b.WriteString(titleStyle.Render("CLUSTER: no overview yet") + "\n")
		return
	}
	o := m.cluster
	node, shard := noun(o.NodeNoun, "node"), noun(o.ShardNoun, "shard")
	// The age, not a clock time: a failed read leaves the last overview
	// on screen, and its age growing says so.
	fmt.Fprintf(b, "%s\n", titleStyle.Render(fmt.Sprintf("CLUSTER: %s, %s · %s old",
		count(len(o.Nodes), node), count(o.Shards, shard), age(m.now().Sub(o.At)))))
	var sick []string
	for _, h := range o.Health {
		if h.Count > 0 {
			sick = append(sick, fmt.Sprintf("%s %d", h.Name, h.Count))
		}
	}
	if len(sick) > 0 {
		fmt.Fprintf(b, "  %s health: %s\n", shard, strings.Join(sick, " · "))
	}
	if len(o.Gaps) > 0 {
		// A zero next to a gap is unknown, not idle.
		fmt.Fprintf(b, "  not read: %s\n", oneLine(strings.Join(o.Gaps, "; ")))
	}
	if len(o.Nodes) == 0 {
		b.WriteString("  no " + node + "s\n")
		return
	}
	rows, common := nodeRows(o.Nodes)
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\tSTATE\tUSED\tLEADERS\t%sS\n", strings.ToUpper(node), strings.ToUpper(shard))
	for _, n := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\n", oneLine(n.ID), oneLine(n.State), usedPercent(n), n.Leaders, n.Shards)
	}
	tw.Flush()
	if hidden := len(o.Nodes) - len(rows); hidden > 0 {
		more := fmt.Sprintf("  ... %d more", hidden)
		if common != "" {
			more += ", all " + common
		}
		b.WriteString(more + "\n")
	}
}

// nodeRows picks the rows to show: all of them when they fit, else the
// nodes in an unusual state first (a Down store among forty Up ones), then
// the rest, in the adapter's order within each. common is the state of
// every node left out, "" when they differ.
func nodeRows(nodes []overview.Node) (rows []overview.Node, common string) {
	if len(nodes) <= maxNodeRows {
		return nodes, ""
	}
	seen := map[string]int{}
	usual := ""
	for _, n := range nodes {
		seen[n.State]++
		if seen[n.State] > seen[usual] {
			usual = n.State
		}
	}
	sorted := slices.Clone(nodes)
	slices.SortStableFunc(sorted, func(a, b overview.Node) int {
		return boolRank(a.State == usual) - boolRank(b.State == usual)
	})
	rows, rest := sorted[:maxNodeRows], sorted[maxNodeRows:]
	common = rest[0].State
	for _, n := range rest {
		if n.State != common {
			return rows, ""
		}
	}
	return rows, common
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// usedPercent is the node's used space, "?" when it reports no capacity.
func usedPercent(n overview.Node) string {
	if n.CapacityBytes == 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", 100*n.UsedRatio())
}

func noun(n, fallback string) string {
	if n = oneLine(n); n == "" {
		return fallback
	}
	return n
}

// count says "1 store", "5 stores".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
