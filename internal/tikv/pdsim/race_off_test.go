//go:build !race

package pdsim

const raceEnabled = false
