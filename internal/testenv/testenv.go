// Package testenv is what every package's tests share about the test run
// itself: which tests are heavy, and how long a test may wait.
//
// Heavy tests are correct and worth running, but too slow for the
// default run (`go test -race ./...`, which a newcomer waits for): a
// million rows, a server restarted many times, several replicas. They
// skip unless SIGNET_HEAVY is set, and say so; CI sets it (.ci/run).
// SIGNET_LOAD, separate, runs the load harnesses, which measure rather
// than check and want a quiet machine.
//
// No test waits for a fixed wall-clock time: a loaded machine (two runs
// at once, the race detector, other work) can be ten times slower than
// the one a figure was chosen on. Deadline and Context give a test
// until shortly before its own deadline (go test -timeout, 10 minutes by
// default), so that it fails with its own message rather than the
// binary's timeout panic, and never sooner.
package testenv

import (
	"context"
	"os"
	"testing"
	"time"
)

// EnvHeavy is the variable that turns the heavy tests on.
const EnvHeavy = "SIGNET_HEAVY"

// Heavy reports whether heavy tests run: SIGNET_HEAVY is set to
// anything but "" or "0".
func Heavy() bool {
	v := os.Getenv(EnvHeavy)
	return v != "" && v != "0"
}

// RequireHeavy skips tb unless heavy tests run; why says what makes it
// heavy, for the skip message.
func RequireHeavy(tb testing.TB, why string) {
	tb.Helper()
	if !Heavy() {
		tb.Skipf("heavy test (%s): set %s=1 to run it; CI does", why, EnvHeavy)
	}
}

// noDeadline is how long a test may wait when the run has no deadline
// (go test -timeout 0, or a benchmark).
const noDeadline = 10 * time.Minute

// Deadline returns when tb should give up waiting for something: before
// the test binary's deadline by 5% of the time left (at least a second),
// which leaves time to report; 10 minutes from now without a deadline.
func Deadline(tb testing.TB) time.Time {
	tb.Helper()
	// testing.TB has no Deadline; *testing.T has (benchmarks have none).
	t, ok := tb.(interface{ Deadline() (time.Time, bool) })
	var d time.Time
	if ok {
		d, ok = t.Deadline()
	}
	if !ok {
		return time.Now().Add(noDeadline)
	}
	margin := max(time.Until(d)/20, time.Second)
	return d.Add(-margin)
}

// Context returns tb.Context() ending at Deadline(tb).
func Context(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithDeadline(tb.Context(), Deadline(tb))
	tb.Cleanup(cancel)
	return ctx
}

// Eventually polls cond every 10ms until it holds, and fails tb, naming
// what it waited for, if it does not by Deadline(tb).
func Eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := Deadline(tb)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
