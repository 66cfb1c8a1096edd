// Package runview renders action runs for people: the table of
// `operator actions list` and the detail of `operator actions show`.
package runview
