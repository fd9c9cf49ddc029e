// Package periodic runs the write-behind loops of a server: what is
// gathered in memory (last-used data, aggregated failures and refusals) is
// written every interval and once more at shutdown.
package periodic

import (
	"context"
	"log/slog"
	"time"
)

// FinalTimeout bounds the last flush, made after the server's context is
// done.
const FinalTimeout = 10 * time.Second

// Flush runs flush(ctx, false) every interval until ctx is done, then
// flush(final, true) once with a fresh FinalTimeout deadline, so that
// nothing gathered before shutdown is lost to a cancelled context. A
// failure is logged with pending(), what is left to write: at warn level
// (it will be retried) during the loop, at error level (it is lost) at
// the end. what names the data in the log, e.g. "key last-used data".
func Flush(ctx context.Context, interval time.Duration, logger *slog.Logger, what string,
	flush func(ctx context.Context, final bool) error, pending func() int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := flush(ctx, false); err != nil {
				logger.Warn("writing "+what+" failed; will retry", "err", err, "pending", pending())
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), FinalTimeout)
			if err := flush(final, true); err != nil {
				logger.Error("final write of "+what+" failed", "err", err, "lost", pending())
			}
			cancel()
			return
		}
	}
}
