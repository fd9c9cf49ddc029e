package authn

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/periodic"
)

// UseRecorder coalesces "last used" observations of keys, and counts of
// successful and failed authentications per key per hour, in memory, and
// writes them behind the requests in one batch, so verification never
// writes to the database per request. Only the latest use of each key
// between two flushes is kept; counts are summed.
//
// Recording is on the hot path of every verification, so it takes no
// lock: each (key, hour) has a record of atomic fields in a sync.Map,
// found without locking or allocating once it exists. The last-used time
// is kept at a resolution of UseResolution (a later use within that much
// of the recorded one is not written back), so that cores verifying the
// same key mostly read, not write, the shared record.
type UseRecorder struct {
	write  func(context.Context, []signet.KeyUse, []signet.KeyActivity) error
	logger *slog.Logger

	records sync.Map // activityKey -> *useRecord

	flushMu sync.Mutex // serialises Flush
	// OnFlush, if set before use, is told of every flush that had
	// something to write: how long it took, how many keys it wrote and
	// its error.
	OnFlush func(d time.Duration, keys int, err error)
}

// UseResolution is the resolution at which a key's last-used time (and
// IP) is kept between flushes.
const UseResolution = time.Second

type activityKey struct {
	keyID string
	hour  int64 // unix seconds of the start of the hour
}

// useRecord is one key's activity in one hour. The counters are read and
// reset by Flush with Swap, so no increment is lost or counted twice.
type useRecord struct {
	hour      int64 // the activityKey's; immutable
	ok        adder // successes: every verification of the key adds one
	failed    atomic.Int64
	lastAt    atomic.Int64 // unix nanoseconds of the latest use; 0 none
	flushedAt int64        // lastAt when last written; Flush only (flushMu)
	ip        atomic.Pointer[string]
}

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
	return &UseRecorder{write: write, logger: logger}
}

// record returns the record of keyID's hour at at, creating it.
func (r *UseRecorder) record(keyID string, at time.Time) *useRecord {
	k := activityKey{keyID: keyID, hour: at.Unix() - at.Unix()%3600}
	if x, ok := r.records.Load(k); ok {
		return x.(*useRecord)
	}
	x, _ := r.records.LoadOrStore(k, &useRecord{hour: k.hour})
	return x.(*useRecord)
}

// recordVia is record through a per-key slot (a cache entry's) that
// remembers the record of the current hour, saving the map lookup. A
// record is removed from the map only when empty and at least an hour
// older than the latest recorded, which a slot's record of the hour of
// at is not, unless the clock went back more than an hour.
func (r *UseRecorder) recordVia(slot *atomic.Pointer[useRecord], keyID string, at time.Time) *useRecord {
	hour := at.Unix() - at.Unix()%3600
	if u := slot.Load(); u != nil && u.hour == hour {
		return u
	}
	u := r.record(keyID, at)
	slot.Store(u)
	return u
}

// Record notes that keyID was used successfully at at from ip.
func (r *UseRecorder) Record(keyID string, at time.Time, ip string) {
	r.record(keyID, at).used(at, ip)
}

// used counts a success at at from ip.
func (u *useRecord) used(at time.Time, ip string) {
	u.ok.add(1)
	n := at.UnixNano()
	for {
		old := u.lastAt.Load()
		if old != 0 && n < old+int64(UseResolution) {
			return
		}
		if p := u.ip.Load(); p == nil || *p != ip {
			ip := strings.Clone(ip) // ip may point into a request
			u.ip.Store(&ip)
		}
		if u.lastAt.CompareAndSwap(old, n) {
			return
		}
	}
}

// RecordFailure notes a failed authentication with keyID at at (a wrong
// secret, or a revoked or expired key, or a disabled owner).
func (r *UseRecorder) RecordFailure(keyID string, at time.Time) {
	r.record(keyID, at).failed.Add(1)
}

// Pending returns how many keys have unflushed uses.
func (r *UseRecorder) Pending() int {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	keys := map[string]bool{}
	r.records.Range(func(k, x any) bool {
		u := x.(*useRecord)
		if u.lastAt.Load() > u.flushedAt {
			keys[k.(activityKey).keyID] = true
		}
		return true
	})
	return len(keys)
}

// Flush writes the pending uses and counts in one batch. On failure they
// are put back (counts added) to be retried at the next flush.
func (r *UseRecorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	type taken struct {
		u          *useRecord
		ok, failed int64
		lastAt     int64
	}
	var (
		took     []taken
		uses     = map[string]signet.KeyUse{}
		activity []signet.KeyActivity
	)
	// Records of hours before the previous one (relative to the latest
	// hour recorded, so that an injected clock works too) are dropped once
	// empty: nothing records into an hour that long gone.
	var latest int64
	r.records.Range(func(x, _ any) bool {
		latest = max(latest, x.(activityKey).hour)
		return true
	})
	oldest := latest - 3600
	r.records.Range(func(x, y any) bool {
		k, u := x.(activityKey), y.(*useRecord)
		t := taken{u: u, ok: u.ok.swap(), failed: u.failed.Swap(0), lastAt: u.lastAt.Load()}
		if t.ok == 0 && t.failed == 0 && t.lastAt <= u.flushedAt {
			if k.hour < oldest {
				r.records.Delete(k)
			}
			return true
		}
		took = append(took, t)
		if t.ok != 0 || t.failed != 0 {
			activity = append(activity, signet.KeyActivity{KeyID: k.keyID, Hour: time.Unix(k.hour, 0).UTC(), Successes: t.ok, Failures: t.failed})
		}
		if t.lastAt > u.flushedAt {
			if prev, ok := uses[k.keyID]; !ok || prev.At.UnixNano() < t.lastAt {
				var ip string
				if p := u.ip.Load(); p != nil {
					ip = *p
				}
				uses[k.keyID] = signet.KeyUse{KeyID: k.keyID, At: time.Unix(0, t.lastAt).UTC(), IP: ip}
			}
		}
		return true
	})
	if len(took) == 0 {
		return nil
	}
	batch := make([]signet.KeyUse, 0, len(uses))
	for _, u := range uses {
		batch = append(batch, u)
	}
	start := time.Now()
	err := r.write(ctx, batch, activity)
	if r.OnFlush != nil {
		r.OnFlush(time.Since(start), len(batch), err)
	}
	if err != nil {
		for _, t := range took {
			t.u.ok.add(t.ok)
			t.u.failed.Add(t.failed)
		}
		return err
	}
	for _, t := range took {
		t.u.flushedAt = t.lastAt
	}
	return nil
}

// Run flushes every interval until ctx is done, then flushes once more
// with a fresh deadline so that uses seen before shutdown are not lost.
func (r *UseRecorder) Run(ctx context.Context, interval time.Duration) {
	periodic.Flush(ctx, interval, r.logger, "key last-used data",
		func(ctx context.Context, _ bool) error { return r.Flush(ctx) }, r.Pending)
}

// adder is a counter that stays one word for a key used now and then,
// and spreads over striped cache lines once the key is hot (hotAdds
// adds in its hour), so one key verified on every core does not bounce a
// cache line between them. Only hot keys pay the stripes' memory
// (stripes*64 bytes), once per hour.
type adder struct {
	base  atomic.Int64
	cells atomic.Pointer[[stripes]paddedInt64]
}

// hotAdds is when an adder switches to striped cells.
const hotAdds = 256

type paddedInt64 struct {
	n atomic.Int64
	_ [56]byte
}

func (a *adder) add(n int64) {
	if c := a.cells.Load(); c != nil {
		c[rand.Uint32()%stripes].n.Add(n)
		return
	}
	if a.base.Add(n) >= hotAdds {
		a.cells.CompareAndSwap(nil, new([stripes]paddedInt64))
	}
}

// swap returns the count and resets it to zero; concurrent adds land
// before or after, never lost.
func (a *adder) swap() int64 {
	n := a.base.Swap(0)
	if c := a.cells.Load(); c != nil {
		for i := range c {
			n += c[i].n.Swap(0)
		}
	}
	return n
}
