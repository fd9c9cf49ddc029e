package authn

import (
	"context"
	"log/slog"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
)

// UseRecorder coalesces "last used" observations of keys, and counts of
// successful and failed authentications per key per hour, in memory, and
// writes them behind the requests in one batch, so verification never
// writes to the database per request. Only the latest use of each key
// between two flushes is kept; counts are summed.
type UseRecorder struct {
	write  func(context.Context, []signet.KeyUse, []signet.KeyActivity) error
	logger *slog.Logger

	mu      sync.Mutex // guards pending and counts
	pending map[string]signet.KeyUse
	counts  map[activityKey]*activityCount
}

type activityKey struct {
	keyID string
	hour  int64 // unix seconds of the start of the hour
}

type activityCount struct{ ok, failed int64 }

// NewUseRecorder returns a recorder that flushes last-used data through
// write and drops activity counts; see NewUsageRecorder.
func NewUseRecorder(write func(context.Context, []signet.KeyUse) error, logger *slog.Logger) *UseRecorder {
	return NewUsageRecorder(func(ctx context.Context, uses []signet.KeyUse, _ []signet.KeyActivity) error {
		if len(uses) == 0 {
			return nil
		}
		return write(ctx, uses)
	}, logger)
}

// NewUsageRecorder returns a recorder that flushes last-used data and
// hourly activity counts together through write (service.RecordKeyUsage).
func NewUsageRecorder(write func(context.Context, []signet.KeyUse, []signet.KeyActivity) error, logger *slog.Logger) *UseRecorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &UseRecorder{write: write, logger: logger,
		pending: make(map[string]signet.KeyUse), counts: make(map[activityKey]*activityCount)}
}

// Record notes that keyID was used successfully at at from ip.
func (r *UseRecorder) Record(keyID string, at time.Time, ip string) {
	r.mu.Lock()
	if prev, ok := r.pending[keyID]; !ok || at.After(prev.At) {
		r.pending[keyID] = signet.KeyUse{KeyID: keyID, At: at, IP: ip}
	}
	r.count(keyID, at).ok++
	r.mu.Unlock()
}

// RecordFailure notes a failed authentication with keyID at at (a wrong
// secret, or a revoked or expired key, or a disabled owner).
func (r *UseRecorder) RecordFailure(keyID string, at time.Time) {
	r.mu.Lock()
	r.count(keyID, at).failed++
	r.mu.Unlock()
}

// count returns the counter of keyID's hour at at. r.mu must be held.
func (r *UseRecorder) count(keyID string, at time.Time) *activityCount {
	k := activityKey{keyID: keyID, hour: at.Unix() - at.Unix()%3600}
	c := r.counts[k]
	if c == nil {
		c = &activityCount{}
		r.counts[k] = c
	}
	return c
}

// Pending returns how many keys have unflushed uses.
func (r *UseRecorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Flush writes the pending uses and counts in one batch. On failure they
// are put back (uses unless newer ones arrived meanwhile; counts added) to
// be retried at the next flush.
func (r *UseRecorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	if len(r.pending) == 0 && len(r.counts) == 0 {
		r.mu.Unlock()
		return nil
	}
	batch := make([]signet.KeyUse, 0, len(r.pending))
	for _, u := range r.pending {
		batch = append(batch, u)
	}
	activity := make([]signet.KeyActivity, 0, len(r.counts))
	for k, c := range r.counts {
		activity = append(activity, signet.KeyActivity{KeyID: k.keyID, Hour: time.Unix(k.hour, 0).UTC(), Successes: c.ok, Failures: c.failed})
	}
	r.pending = make(map[string]signet.KeyUse, len(batch))
	r.counts = make(map[activityKey]*activityCount, len(activity))
	r.mu.Unlock()

	if err := r.write(ctx, batch, activity); err != nil {
		r.mu.Lock()
		for _, u := range batch {
			if prev, ok := r.pending[u.KeyID]; !ok || u.At.After(prev.At) {
				r.pending[u.KeyID] = u
			}
		}
		for _, a := range activity {
			c := r.count(a.KeyID, a.Hour)
			c.ok += a.Successes
			c.failed += a.Failures
		}
		r.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes every interval until ctx is done, then flushes once more
// with a fresh deadline so that uses seen before shutdown are not lost.
func (r *UseRecorder) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := r.Flush(ctx); err != nil {
				r.logger.Warn("flushing key last-used data failed; will retry", "err", err, "pending", r.Pending())
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := r.Flush(final); err != nil {
				r.logger.Error("final flush of key last-used data failed", "err", err, "lost", r.Pending())
			}
			cancel()
			return
		}
	}
}
