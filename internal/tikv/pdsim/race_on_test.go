//go:build race

package pdsim

// raceEnabled: the race detector slows everything several times over, so
// wall-clock bounds are relaxed under it.
const raceEnabled = true
