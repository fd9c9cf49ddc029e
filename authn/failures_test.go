package authn_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
)

// sink collects what an aggregator writes.
type sink struct {
	mu  sync.Mutex
	got []service.AuthFailure
}

func (s *sink) write(_ context.Context, fs []service.AuthFailure) error {
	s.mu.Lock()
	s.got = append(s.got, fs...)
	s.mu.Unlock()
	return nil
}

func (s *sink) take() []service.AuthFailure {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	return out
}

// TestFailureAggregation checks the documented rule with an injected
// clock: one event per (subject, IP, reason) per window, carrying the
// count; a bounded number of subjects per source; a bounded total.
func TestFailureAggregation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var s sink
	g := authn.NewFailureAggregator(s.write, c.Now, nil)
	bad := authn.Failure{Credential: "api_key", KeyID: "key_01", Reason: "invalid_key", IP: "192.0.2.1", RequestID: "req-first"}

	// A flood of 1000 failures with one key from one source within a minute.
	for i := range 1000 {
		f := bad
		if i > 0 {
			f.RequestID = fmt.Sprintf("req-%d", i)
		}
		g.Record(f)
		if i%100 == 0 {
			c.Advance(time.Second)
		}
	}
	if err := g.Flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := s.take(); len(got) != 0 {
		t.Fatalf("flush before the window closed wrote %d events; want 0", len(got))
	}
	c.Advance(time.Minute)
	g.Flush(ctx, false)
	got := s.take()
	if len(got) != 1 || got[0].Count != 1000 || got[0].KeyID != "key_01" || got[0].RequestID != "req-first" || !got[0].Last.After(got[0].First) {
		t.Fatalf("after the window: %+v; want one run of 1000 failures of key_01, first request req-first", got)
	}
	// The next failure opens a new run.
	g.Record(bad)
	c.Advance(time.Minute)
	g.Flush(ctx, false)
	if got := s.take(); len(got) != 1 || got[0].Count != 1 {
		t.Fatalf("next window: %+v; want one run of 1", got)
	}

	// Another source, another reason: separate buckets.
	g.Record(bad)
	other := bad
	other.IP = "198.51.100.1"
	g.Record(other)
	other.Reason = "revoked"
	g.Record(other)
	g.Flush(ctx, true)
	if got := s.take(); len(got) != 3 {
		t.Fatalf("three (subject, IP, reason) buckets gave %d events; want 3", len(got))
	}

	// Random junk keys from one source: at most PerSource buckets, the rest
	// in the source's overflow bucket.
	for i := range 500 {
		g.Record(authn.Failure{Credential: "api_key", Fingerprint: fmt.Sprintf("%016x", i), Reason: "invalid_key", IP: "203.0.113.5"})
	}
	if n := g.Open(); n != g.PerSource+1 {
		t.Errorf("open buckets after 500 distinct junk keys = %d; want %d", n, g.PerSource+1)
	}
	c.Advance(time.Minute)
	g.Flush(ctx, false)
	var overflow int64
	for _, f := range s.take() {
		if f.Fingerprint == "*" {
			overflow = f.Count
		}
	}
	if overflow != 500-int64(g.PerSource) {
		t.Errorf("overflow count = %d; want %d", overflow, 500-g.PerSource)
	}

	// Many sources: at most MaxBuckets in all, plus the global overflow.
	g.MaxBuckets = 50
	for i := range 200 {
		g.Record(authn.Failure{Credential: "malformed", Fingerprint: "ab", Reason: "malformed_credentials", IP: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
	}
	if n := g.Open(); n != 51 {
		t.Errorf("open buckets after 200 sources with MaxBuckets 50 = %d; want 51", n)
	}
}

// TestFailedAuthenticationIsAudited drives the Authenticator with bad
// credentials and checks the events: key id when the key parses, a
// fingerprint otherwise, never the secret.
func TestFailedAuthenticationIsAudited(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testFailedAuthenticationIsAudited)
}

func testFailedAuthenticationIsAudited(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "prod"})
	g := authn.NewFailureAggregator(f.svc.RecordAuthFailures, f.clock.Now, nil)
	auth := authn.NewAuthenticator(f.verifier, f.svc)
	auth.AuditFailures(g)

	wrongSecret := sa.Key.Secret[:len(sa.Key.Secret)-10] + "AAAAAAAAAA" // bad checksum, still the shape of a key
	junk := "not-a-key-at-all-but-a-secret"
	for _, h := range []struct{ name, value string }{
		{"Authorization", "Bearer " + wrongSecret},
		{"Authorization", "Bearer " + wrongSecret},
		{"X-API-Key", junk},
		{"Authorization", "Bearer"}, // malformed
	} {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set(h.name, h.value)
		r = r.WithContext(signet.WithRequestInfo(r.Context(), signet.RequestInfo{IP: "192.0.2.44", UserAgent: "curl/8", RequestID: "req-x"}))
		if _, err := auth.Authenticate(r); signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
			t.Fatalf("Authenticate(%s: %s) = %v; want unauthenticated", h.name, h.value, err)
		}
	}
	if err := g.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	var evs []*signet.AuditEvent
	err := f.st.Read(ctx, func(tx store.Tx) error {
		var err error
		evs, _, err = tx.ListAuditEvents(ctx, signet.AuditFilter{Action: service.ActionAuthFailed})
		return err
	})
	if err != nil || len(evs) != 3 {
		t.Fatalf("auth.failed events = %d, %v; want 3", len(evs), err)
	}
	byTarget := map[string]*signet.AuditEvent{}
	for _, e := range evs {
		raw := fmt.Sprint(e)
		if strings.Contains(raw, wrongSecret[20:]) || strings.Contains(raw, junk) {
			t.Errorf("event %s contains the presented secret: %s", e.ID, raw)
		}
		if fmt.Sprint(e.Details["credential"]) == "malformed" {
			continue // the malformed header's event; events of one instant list in any order
		}
		byTarget[e.TargetType] = e
	}
	k := byTarget["api_key"]
	if k == nil || k.KeyID != sa.Key.Key.ID || k.TargetName != "prod" || fmt.Sprint(k.Details["count"]) != "2" ||
		k.IP != "192.0.2.44" || k.UserAgent != "curl/8" || k.RequestID != "req-x" || k.Outcome != signet.OutcomeDenied {
		t.Errorf("key failure event = %+v; want key %s (prod), count 2, from 192.0.2.44", k, sa.Key.Key.ID)
	}
	if fp := byTarget["credential"]; fp == nil || fp.TargetID != authn.Fingerprint(junk) {
		t.Errorf("junk failure event = %+v; want fingerprint %s", fp, authn.Fingerprint(junk))
	}
}

// TestKeyActivityCounts checks that successes and failures of a key are
// counted per hour in memory and written with the last-used flush.
func TestKeyActivityCounts(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyActivityCounts) }

func testKeyActivityCounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k"})
	uses := authn.NewUsageRecorder(f.svc.RecordKeyUsage, nil)
	v := authn.NewVerifier(f.svc, uses, f.clock.Now)
	// Same key id, another secret, valid checksum: a wrong secret.
	wrong, _, err := apikey.Generate(apikey.KindServiceAccount, strings.TrimPrefix(sa.Key.Key.ID, "key_"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		v.VerifyKey(ctx, sa.Key.Secret, "192.0.2.1")
	}
	v.VerifyKey(ctx, wrong, "192.0.2.1")
	f.clock.Advance(time.Hour)
	v.VerifyKey(ctx, sa.Key.Secret, "192.0.2.1")
	var before []signet.KeyActivity
	f.st.Read(ctx, func(tx store.Tx) error {
		before, _ = tx.ListKeyActivity(ctx, sa.Key.Key.ID, time.Time{})
		return nil
	})
	if len(before) != 0 {
		t.Fatalf("activity written before a flush: %+v", before)
	}
	if err := uses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.KeyActivity(ctx, f.admin, sa.Key.Key.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]int64{3, 1, 1, 0})
	var counts []int64
	for _, a := range got {
		counts = append(counts, a.Successes, a.Failures)
	}
	if fmt.Sprint(counts) != want {
		t.Errorf("activity = %+v; want hours with (successes, failures) %s", got, want)
	}
}
