//go:build race

package httpapi_test

// raceEnabled reports whether the race detector is on; it slows SQLite
// (pure Go) about twentyfold, which bounds what a test can seed.
const raceEnabled = true
