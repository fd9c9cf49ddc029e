package service

import (
	"context"
	"slices"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/internal/periodic"
	"github.com/signetdev/signet/store"
)

// Refused changes are audited, but a caller hammering Signet with changes
// it may not make must not flood the audit trail, nor keep the single
// writer from those whose changes are allowed. The DeniedAggregator
// applies this rule:
//
//   - Refusals belong to the run (actor, API key, action, source IP). The
//     first refusal of a run is recorded at once, as one "denied" event,
//     exactly as a lone refusal always was.
//   - Further refusals of the run within DeniedWindow (one minute) of its
//     first are only counted. When the window is over, the next flush
//     writes them as one more "denied" event of the same action and actor,
//     with details.repeated true, count, first_at, last_at and the last
//     refusal's error. So a run yields at most two events a minute.
//   - At most DeniedMaxRuns runs are open; refusals beyond go to one
//     overflow run per action (actor "*"), written the same way.
//
// Runs live in memory and are written by Flush (run periodically by Run
// and at shutdown); a crash loses at most the counts of open runs, never a
// first refusal.
type DeniedAggregator struct {
	s      *Service
	window time.Duration
	max    int

	// flushMu serialises Flush, so a run is never written twice.
	flushMu sync.Mutex
	mu      sync.Mutex // guards runs
	runs    map[deniedKey]*deniedRun
}

// Defaults of the DeniedAggregator.
const (
	DeniedWindow  = time.Minute
	DeniedMaxRuns = 10_000
)

type deniedKey struct{ actor, key, action, ip string }

// deniedRun is an open run: its first refusal was recorded; repeats
// counts those since, between repeatFirst and repeatLast.
type deniedRun struct {
	first       time.Time
	event       signet.AuditEvent // the first refusal, as recorded
	repeats     int64
	repeatFirst time.Time
	repeatLast  time.Time
	lastError   string
}

func newDeniedAggregator(s *Service) *DeniedAggregator {
	return &DeniedAggregator{s: s, window: DeniedWindow, max: DeniedMaxRuns, runs: make(map[deniedKey]*deniedRun)}
}

// Denied returns the service's aggregator of refused changes, for the
// server to run (see DeniedAggregator.Run).
func (s *Service) Denied() *DeniedAggregator { return s.denied }

// admit reports whether the refusal e (at now, for the reason msg) is the
// first of its run and must be recorded now; otherwise it is counted.
func (g *DeniedAggregator) admit(e *signet.AuditEvent, now time.Time, msg string) bool {
	k := deniedKey{e.ActorID, e.KeyID, e.Action, e.IP}
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.runs[k]
	if r == nil && len(g.runs) >= g.max {
		k = deniedKey{actor: "*", action: e.Action}
		if r = g.runs[k]; r == nil {
			// The overflow run's first refusal is not recorded on its own:
			// its flush says how many there were.
			r = &deniedRun{first: now, event: signet.AuditEvent{Action: e.Action, ActorID: "*", ActorKind: e.ActorKind}}
			g.runs[k] = r
		}
	}
	if r == nil {
		g.runs[k] = &deniedRun{first: now, event: *e}
		return true
	}
	if r.repeats == 0 {
		r.repeatFirst = now
	}
	r.repeats++
	r.repeatLast = now
	r.lastError = msg
	return false
}

// Open returns how many runs are open.
func (g *DeniedAggregator) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.runs)
}

// Flush writes the runs whose window has closed, or every run when all is
// true (at shutdown): one event for each run that had repeats. Runs are
// kept for the next flush when writing fails.
func (g *DeniedAggregator) Flush(ctx context.Context, all bool) error {
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	now := g.s.now()
	g.mu.Lock()
	type summary struct {
		at time.Time
		e  *signet.AuditEvent
	}
	var sums []summary
	done := make(map[deniedKey]int64)
	for k, r := range g.runs {
		if !all && now.Before(r.first.Add(g.window)) {
			continue
		}
		done[k] = r.repeats
		if r.repeats == 0 {
			continue
		}
		e := r.event
		e.ID = id.New(id.AuditEvent)
		e.Time = now
		e.Outcome = signet.OutcomeDenied
		e.Details = map[string]any{
			"error":    r.lastError,
			"repeated": true,
			"count":    r.repeats,
			"first_at": r.repeatFirst.UTC().Format(time.RFC3339Nano),
			"last_at":  r.repeatLast.UTC().Format(time.RFC3339Nano),
		}
		sums = append(sums, summary{r.repeatFirst, &e})
	}
	g.mu.Unlock()
	if len(sums) > 0 {
		// Events follow the order in which the repeats began.
		slices.SortStableFunc(sums, func(a, b summary) int { return a.at.Compare(b.at) })
		evs := make([]*signet.AuditEvent, len(sums))
		for i, x := range sums {
			evs[i] = x.e
		}
		if err := g.s.store.Write(ctx, func(tx store.Tx) error { return tx.AppendAuditEvents(ctx, evs) }); err != nil {
			return err
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, n := range done {
		r := g.runs[k]
		if r.repeats > n {
			// Refusals counted while writing: they start a new run whose
			// first refusal was not recorded on its own.
			r.first, r.repeats, r.repeatFirst = r.repeatLast, r.repeats-n, r.repeatLast
			continue
		}
		delete(g.runs, k)
	}
	return nil
}

// Run flushes closed runs every interval until ctx is done, then writes
// every open run with a fresh deadline.
func (g *DeniedAggregator) Run(ctx context.Context, interval time.Duration) {
	periodic.Flush(ctx, interval, g.s.logger, "repeated refusals", g.Flush, g.Open)
}
