//go:build race

package sqlstore_test

// raceEnabled: the race detector slows Go code several times over, so the
// scale test's timings are logged but not held to the goals.
const raceEnabled = true
