// Package tui is `operator top`: a terminal dashboard of the daemon's
// banner and actions mode, the kill switch, the cluster's nodes, the
// active tickets and the live action runs, from which an approver can
// approve or reject a proposed run. It is a client of the daemon's HTTP API
// like the rest of the CLI; the Model only knows a Source, so tests drive it
// with a fake and no daemon.
package tui
