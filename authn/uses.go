package authn

import (
	"context"
	"log/slog"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
)

// UseRecorder coalesces "last used" observations of keys in memory and
// writes them behind the requests, so verification never writes to the
// database per request. Only the latest use of each key between two
// flushes is kept.
type UseRecorder struct {
	write  func(context.Context, []signet.KeyUse) error
	logger *slog.Logger

	mu      sync.Mutex // guards pending
	pending map[string]signet.KeyUse
}

// NewUseRecorder returns a recorder that flushes through write.
func NewUseRecorder(write func(context.Context, []signet.KeyUse) error, logger *slog.Logger) *UseRecorder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &UseRecorder{write: write, logger: logger, pending: make(map[string]signet.KeyUse)}
}

// Record notes that keyID was used at at from ip.
func (r *UseRecorder) Record(keyID string, at time.Time, ip string) {
	r.mu.Lock()
	if prev, ok := r.pending[keyID]; !ok || at.After(prev.At) {
		r.pending[keyID] = signet.KeyUse{KeyID: keyID, At: at, IP: ip}
	}
	r.mu.Unlock()
}

// Pending returns how many keys have unflushed uses.
func (r *UseRecorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Flush writes the pending uses in one batch. On failure they are put back
// (unless newer ones arrived meanwhile) to be retried at the next flush.
func (r *UseRecorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	if len(r.pending) == 0 {
		r.mu.Unlock()
		return nil
	}
	batch := make([]signet.KeyUse, 0, len(r.pending))
	for _, u := range r.pending {
		batch = append(batch, u)
	}
	r.pending = make(map[string]signet.KeyUse, len(batch))
	r.mu.Unlock()

	if err := r.write(ctx, batch); err != nil {
		for _, u := range batch {
			r.Record(u.KeyID, u.At, u.IP)
		}
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
