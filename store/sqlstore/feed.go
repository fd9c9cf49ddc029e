package sqlstore

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/signetdev/signet/store"
)

var _ store.ChangeFeed = (*Store)(nil)

// listener is a dedicated connection receiving change notifications.
type listener interface {
	// start subscribes and returns the server process id, for the log.
	start(ctx context.Context) (pid int, err error)
	// wait returns the payload of the next notification.
	wait(ctx context.Context) (string, error)
	ping(ctx context.Context) error
	close()
}

// How the listener behaves: it wakes up at least every listenCheck to
// ping its connection (a connection silently cut would otherwise wait
// forever), and reconnects after a failure with an exponential backoff
// between listenBackoffMin and listenBackoffMax, jittered.
const (
	listenCheck      = 15 * time.Second
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// feed is one WatchChanges call.
type feed struct {
	s      *Store
	w      store.ChangeWatcher
	logger *slog.Logger

	mu      sync.Mutex // guards last and failing
	last    int64      // the change counter as last accounted for; -1 before the first poll
	failing bool       // the last poll failed (logged once per outage)
}

// WatchChanges reports changes committed by any process sharing the
// database until ctx is done, then returns nil.
//
// It polls the change counter every Options.ChangePollInterval; when the
// counter moved it calls w.Invalidate, and after every successful poll
// w.Confirm with the time the poll started. On PostgreSQL it also LISTENs
// on a dedicated connection and calls w.Invalidate as soon as a
// notification arrives (a few milliseconds after the commit), reconnecting
// with backoff when the connection drops; the poll covers what is missed
// meanwhile. So a change reaches w within the notification latency
// normally, and within one poll interval (plus the poll's own duration)
// when notifications are lost.
func (s *Store) WatchChanges(ctx context.Context, w store.ChangeWatcher) error {
	f := &feed{s: s, w: w, logger: s.logger, last: -1}
	if f.logger == nil {
		f.logger = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	if s.listen != nil {
		wg.Go(func() { f.listenLoop(ctx) })
	}
	f.poll(ctx)
	t := time.NewTicker(s.pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-t.C:
			f.poll(ctx)
		}
	}
}

// poll reads the change counter once.
func (f *feed) poll(ctx context.Context) {
	start := time.Now()
	timeout := f.s.txTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	var v int64
	err := f.s.read.QueryRowContext(pctx, readChangesSQL).Scan(&v)
	cancel()
	if ctx.Err() != nil {
		return
	}
	// The watcher is told under f.mu, so that a confirmation from one poll
	// can never overtake the invalidation another poll is about to make.
	f.mu.Lock()
	wasFailing := f.failing
	f.failing = err != nil
	if err == nil {
		if v != f.last {
			f.w.Invalidate()
		}
		f.last = v
		f.w.Confirm(start)
	}
	f.mu.Unlock()
	switch {
	case err != nil && !wasFailing:
		f.logger.Warn("cannot read the change counter; cached verifications expire unless it recovers", "err", err)
	case err == nil && wasFailing:
		f.logger.Info("change counter readable again", "version", v)
	}
}

// notified accounts for a notification: it invalidates, and advances the
// counter when the notification is the next version, so that the next
// poll does not invalidate for it again. A notification of a version a
// poll has already seen (the poll came first) is not reported again.
func (f *feed) notified(payload string) {
	v, err := strconv.ParseInt(payload, 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.last >= 0 && v <= f.last {
		return
	}
	if err == nil && f.last >= 0 && v == f.last+1 {
		f.last = v
	}
	f.w.Invalidate()
}

// listenLoop keeps a listening connection until ctx is done.
func (f *feed) listenLoop(ctx context.Context) {
	backoff := listenBackoffMin
	for ctx.Err() == nil {
		connected, err := f.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = listenBackoffMin
		}
		d := backoff/2 + rand.N(backoff)
		f.logger.Warn("change listener lost its connection; reconnecting (the poll covers the gap)", "err", err, "retry_in", d)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listenOnce connects, listens until the connection fails, and reports
// whether it got as far as listening.
func (f *feed) listenOnce(ctx context.Context) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, max(f.s.txTimeout, time.Second))
	l, err := f.s.listen(cctx)
	if err != nil {
		cancel()
		return false, err
	}
	defer l.close()
	pid, err := l.start(cctx)
	cancel()
	if err != nil {
		return false, err
	}
	f.logger.Info("listening for database changes", "pid", pid)
	// Changes committed while there was no listener: look now rather than
	// at the next tick.
	f.poll(ctx)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenCheck)
		payload, err := l.wait(wctx)
		timedOut := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil:
			f.notified(payload)
			continue
		case ctx.Err() != nil:
			return true, nil
		case !timedOut:
			return true, err
		}
		pctx, cancel := context.WithTimeout(ctx, max(f.s.txTimeout, time.Second))
		err = l.ping(pctx)
		cancel()
		if err != nil {
			return true, err
		}
	}
}
