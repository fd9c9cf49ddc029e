package periodic_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/periodic"
)

// TestFlushWritesOnceMoreAtShutdown: the loop flushes while running and
// once more, with a live context, after its context is done; failures are
// logged with what is pending.
func TestFlushWritesOnceMoreAtShutdown(t *testing.T) {
	var mu sync.Mutex
	var calls []bool
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	flushed := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Flush(ctx, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), "test data",
			func(fctx context.Context, final bool) error {
				mu.Lock()
				calls = append(calls, final)
				mu.Unlock()
				if final {
					if fctx.Err() != nil {
						t.Error("the final flush got a context that is already done")
					}
					return errors.New("disk full")
				}
				select {
				case flushed <- struct{}{}:
				default:
				}
				return nil
			}, func() int { return 7 })
	}()
	<-flushed
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < 2 || calls[len(calls)-1] != true || calls[0] != false {
		t.Errorf("flush calls (final?) = %v; want some periodic ones, then one final", calls)
	}
	if got := logs.String(); !strings.Contains(got, "final write of test data failed") || !strings.Contains(got, "lost=7") {
		t.Errorf("log = %q; want the final failure with what was lost", got)
	}
}
