package authn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/signetdev/signet/internal/periodic"
	"github.com/signetdev/signet/service"
)

// Failed API authentications are audited, but a flood of bad credentials
// must not flood the audit trail. The FailureAggregator applies this rule:
//
//   - A failure belongs to the bucket (subject, source IP, reason), where
//     the subject is the key id when the presented key has the shape of a
//     key, the login of HTTP Basic, or else a fingerprint: the first 8
//     bytes, in hex, of the SHA-256 of the presented value. The secret is
//     never kept.
//   - A bucket opens with its first failure and stays open for Window (one
//     minute); every failure in it only increments its count. When it has
//     closed, the next flush writes it as one "auth.failed" event carrying
//     count, first_at and last_at, and the IP, user agent and request id of
//     the first failure. So there is at most one event per (subject, IP,
//     reason) per Window.
//   - One source IP holds at most PerSource open buckets; failures with yet
//     other subjects from it go to its overflow bucket (subject "*"). At
//     most MaxBuckets buckets are open in all; beyond, failures go to one
//     global overflow bucket per reason (subject "*", IP "*"). Memory is
//     therefore bounded, and one source yields at most PerSource+1 events
//     per reason per Window.
//
// Buckets live in memory and are written by Flush (run periodically and at
// shutdown, when open buckets are written too); a crash loses at most the
// open ones.
type FailureAggregator struct {
	write  func(context.Context, []service.AuthFailure) error
	now    func() time.Time
	logger *slog.Logger
	// Window is how long a bucket aggregates. Default one minute.
	Window time.Duration
	// PerSource bounds the open buckets of one IP. Default 10.
	PerSource int
	// MaxBuckets bounds all open buckets. Default 10,000.
	MaxBuckets int

	// flushMu serialises Flush, so a bucket is never written twice.
	flushMu sync.Mutex
	mu      sync.Mutex // guards buckets and perIP
	buckets map[failureKey]*service.AuthFailure
	perIP   map[string]int
}

type failureKey struct{ subject, ip, reason string }

// Failure is one failed authentication as the Authenticator saw it.
type Failure struct {
	Credential  string // "api_key", "basic" or "malformed"
	KeyID       string
	Login       string
	Fingerprint string
	Reason      string
	IP          string
	UserAgent   string
	RequestID   string
}

// Fingerprint returns the first 8 bytes, in hex, of the SHA-256 of a
// presented value: enough to tell repeated junk apart, useless for
// recovering it.
func Fingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:8])
}

// NewFailureAggregator returns an aggregator writing through write
// (service.RecordAuthFailures). now may be nil (time.Now).
func NewFailureAggregator(write func(context.Context, []service.AuthFailure) error, now func() time.Time, logger *slog.Logger) *FailureAggregator {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &FailureAggregator{write: write, now: now, logger: logger,
		Window: time.Minute, PerSource: 10, MaxBuckets: 10000,
		buckets: make(map[failureKey]*service.AuthFailure), perIP: make(map[string]int)}
}

// Record adds one failure to its bucket.
func (g *FailureAggregator) Record(f Failure) {
	now := g.now()
	subject := f.KeyID
	switch {
	case subject != "":
	case f.Login != "":
		subject = "login:" + f.Login
	default:
		subject = "fp:" + f.Fingerprint
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	k := failureKey{subject, f.IP, f.Reason}
	b := g.buckets[k]
	if b == nil {
		switch {
		case len(g.buckets) >= g.MaxBuckets:
			k = failureKey{"*", "*", f.Reason}
			f = Failure{Credential: f.Credential, Fingerprint: "*", Reason: f.Reason}
		case g.perIP[f.IP] >= g.PerSource:
			k = failureKey{"*", f.IP, f.Reason}
			f = Failure{Credential: f.Credential, Fingerprint: "*", Reason: f.Reason, IP: f.IP, UserAgent: f.UserAgent, RequestID: f.RequestID}
		}
		b = g.buckets[k]
	}
	if b == nil {
		b = &service.AuthFailure{Credential: f.Credential, KeyID: f.KeyID, Login: f.Login, Fingerprint: f.Fingerprint,
			Reason: f.Reason, IP: f.IP, UserAgent: f.UserAgent, RequestID: f.RequestID, First: now}
		g.buckets[k] = b
		if k.subject != "*" {
			g.perIP[k.ip]++
		}
	}
	b.Count++
	b.Last = now
}

// Open returns how many buckets are open.
func (g *FailureAggregator) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.buckets)
}

// Flush writes the buckets whose window has closed, or every bucket when
// all is true (at shutdown). On failure they are kept for the next flush.
func (g *FailureAggregator) Flush(ctx context.Context, all bool) error {
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	now := g.now()
	g.mu.Lock()
	var out []service.AuthFailure
	written := make(map[failureKey]int64)
	for k, b := range g.buckets {
		if all || !now.Before(b.First.Add(g.Window)) {
			out = append(out, *b)
			written[k] = b.Count
		}
	}
	g.mu.Unlock()
	if len(out) == 0 {
		return nil
	}
	// Events follow the order in which runs began.
	slices.SortStableFunc(out, func(a, b service.AuthFailure) int { return a.First.Compare(b.First) })
	if err := g.write(ctx, out); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, n := range written {
		b := g.buckets[k]
		if b.Count > n {
			// Failures recorded while writing: keep them as a new run.
			b.Count -= n
			b.First = b.Last
			continue
		}
		delete(g.buckets, k)
		if k.subject != "*" {
			if g.perIP[k.ip]--; g.perIP[k.ip] <= 0 {
				delete(g.perIP, k.ip)
			}
		}
	}
	return nil
}

// Run flushes closed buckets every interval until ctx is done, then writes
// every open bucket with a fresh deadline.
func (g *FailureAggregator) Run(ctx context.Context, interval time.Duration) {
	periodic.Flush(ctx, interval, g.logger, "authentication failure events", g.Flush, g.Open)
}
