package issuer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/signetdev/signet/internal/periodic"
	"github.com/signetdev/signet/service"
)

// Token issuances and refusals are audited, but a client asking for a
// token every second must not write an audit event every second. The
// Aggregator applies the rule of authn.FailureAggregator to tokens:
//
//   - An issuance belongs to the bucket (client, credential, grant type,
//     audience, source IP); a refusal to (client as claimed, grant type,
//     audience, OAuth error, source IP). A bucket opens with its first
//     request and stays open for Window (one minute); later requests only
//     count. When it has closed, the next flush writes it as one
//     oauth_token.issue (or oauth_token.refused) event with count,
//     first_at and last_at, and the scope, IP, user agent and request id
//     of its first request.
//   - At most MaxBuckets buckets are open; beyond, requests go to one
//     overflow bucket per kind and error (client "*"). Memory is bounded.
//
// No token and no secret is ever kept. A crash loses the open buckets.
type Aggregator struct {
	write  func(context.Context, []service.TokenEvent) error
	now    func() time.Time
	logger *slog.Logger
	// Window is how long a bucket aggregates. Default one minute.
	Window time.Duration
	// MaxBuckets bounds the open buckets. Default 10,000.
	MaxBuckets int

	flushMu sync.Mutex // serialises Flush
	mu      sync.Mutex // guards buckets
	buckets map[bucketKey]*service.TokenEvent
}

type bucketKey struct {
	refused                                          bool
	clientID, credential, grantType, audience, error string
	ip                                               string
}

// record is one token request as the issuer saw it.
type record struct {
	refused                                bool
	error, reason                          string
	clientID, credential, grantType, scope string
	audience, ip, userAgent, requestID     string
}

// NewAggregator returns an aggregator writing through write
// (service.RecordTokenEvents). now may be nil (time.Now).
func NewAggregator(write func(context.Context, []service.TokenEvent) error, now func() time.Time, logger *slog.Logger) *Aggregator {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Aggregator{write: write, now: now, logger: logger, Window: time.Minute, MaxBuckets: 10000,
		buckets: make(map[bucketKey]*service.TokenEvent)}
}

func (g *Aggregator) record(r record) {
	now := g.now()
	k := bucketKey{refused: r.refused, clientID: r.clientID, credential: r.credential, grantType: r.grantType,
		audience: r.audience, error: r.error, ip: r.ip}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[k]
	if b == nil && len(g.buckets) >= g.MaxBuckets {
		k = bucketKey{refused: r.refused, clientID: "*", error: r.error, ip: "*"}
		r = record{refused: r.refused, error: r.error, reason: "more distinct requests than the aggregator holds", clientID: "*"}
		b = g.buckets[k]
	}
	if b == nil {
		b = &service.TokenEvent{Refused: r.refused, Error: r.error, Reason: r.reason, ClientID: r.clientID,
			Credential: r.credential, GrantType: r.grantType, Audience: r.audience, Scope: r.scope,
			IP: r.ip, UserAgent: r.userAgent, RequestID: r.requestID, First: now}
		g.buckets[k] = b
	}
	b.Count++
	b.Last = now
}

// Open returns how many buckets are open.
func (g *Aggregator) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.buckets)
}

// Flush writes the buckets whose window closed before now, or every
// bucket when all is set (at shutdown). On failure they are kept for the
// next flush.
func (g *Aggregator) Flush(ctx context.Context, all bool) error {
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	now := g.now()
	g.mu.Lock()
	var out []service.TokenEvent
	var keys []bucketKey
	for k, b := range g.buckets {
		if all || now.Sub(b.First) >= g.Window {
			out = append(out, *b)
			keys = append(keys, k)
		}
	}
	g.mu.Unlock()
	if len(out) == 0 {
		return nil
	}
	if err := g.write(ctx, out); err != nil {
		return err
	}
	g.mu.Lock()
	for i, k := range keys {
		// Requests counted while writing stay for the next flush.
		if b := g.buckets[k]; b != nil {
			if b.Count == out[i].Count {
				delete(g.buckets, k)
			} else {
				b.Count -= out[i].Count
				b.First = out[i].Last
			}
		}
	}
	g.mu.Unlock()
	return nil
}

// Run flushes every interval until ctx is done, then flushes everything.
func (g *Aggregator) Run(ctx context.Context, interval time.Duration) {
	periodic.Flush(ctx, interval, g.logger, "token audit events", g.Flush, g.Open)
}
