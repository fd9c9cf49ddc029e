package service

import (
	"encoding/json"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/internal/testdb"
)

// TestRevokeLeakedKeys reports tokens of every kind and checks each
// verdict, that only live Signet keys are revoked (reason leaked), that
// each revocation records one api_key.leaked event without the token, and
// that the same report again changes and records nothing.
func TestRevokeLeakedKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRevokeLeakedKeys) }

func testRevokeLeakedKeys(t *testing.T) {
	e := newEnv(t)
	owner := e.sa()
	newKey := func() *CreatedKey {
		k, err := e.svc.CreateAPIKey(e.ctx, e.admin, owner.ID, CreateKeyInput{Name: e.uniq("key")})
		e.must(err)
		return k
	}
	live, personal, revokedBefore := newKey(), (*CreatedKey)(nil), newKey()
	p, err := e.svc.CreateAPIKey(e.ctx, e.admin, e.admin.UserID, CreateKeyInput{Name: "mine"})
	e.must(err)
	personal = p
	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, revokedBefore.Key.ID, "rotated")
	e.must(err)

	// A lookalike: a live key with one character of its checksum changed.
	badChecksum := []byte(live.Secret)
	badChecksum[len(badChecksum)-1] ^= 1
	// A key of this shape and checksum whose secret is not the stored one.
	rawID := strings.TrimPrefix(live.Key.ID, apikey.IDPrefix)
	wrongSecret, _, err := apikey.Generate(apikey.KindServiceAccount, rawID)
	e.must(err)
	// The key under the other kind's prefix (checksum recomputed).
	otherKind, _, err := apikey.Generate(apikey.KindPersonal, rawID)
	e.must(err)
	// A well-formed key that was never issued.
	unknown, _, err := apikey.Generate(apikey.KindServiceAccount, "01jd5x7d0e5k3v8q2m4n6p8r9t")
	e.must(err)

	report := []LeakedToken{
		{Token: live.Secret, URL: "https://example.com/repo/blob/main/.env", Source: "content"},
		{Token: "ghp_notasignetkey0123456789", URL: "https://example.com/x", Source: "commit"},
		{Token: string(badChecksum)},
		{Token: wrongSecret},
		{Token: otherKind},
		{Token: unknown},
		{Token: revokedBefore.Secret},
		{Token: personal.Secret, URL: "https://example.com/issue/1\x00\u202e", Source: strings.Repeat("s", 100)},
		{Token: live.Secret}, // twice in one report
		{Token: ""},
	}
	want := []LeakVerdict{
		{Key: true, KeyID: live.Key.ID, Revoked: true},
		{}, {}, {}, {}, {},
		{Key: true, KeyID: revokedBefore.Key.ID},
		{Key: true, KeyID: personal.Key.ID, Revoked: true},
		{Key: true, KeyID: live.Key.ID},
		{},
	}
	before := len(e.events())
	got, err := e.svc.RevokeLeakedKeys(e.ctx, report)
	e.must(err)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("verdict %d = %+v; want %+v", i, got[i], want[i])
		}
	}

	evs := e.events()[:len(e.events())-before]
	if len(evs) != 2 {
		t.Fatalf("%d events recorded; want 2 (one per key revoked)", len(evs))
	}
	for _, ev := range evs {
		if ev.Action != ActionKeyLeaked || ev.ActorKind != "system" || ev.Outcome != signet.OutcomeSuccess || ev.TargetType != "api_key" {
			t.Errorf("event = %s by %s (%s) on %s; want %s by the system, success, on an api_key", ev.Action, ev.ActorKind, ev.Outcome, ev.TargetType, ActionKeyLeaked)
		}
		if ev.Details["reason"] != ReasonLeaked {
			t.Errorf("event details reason = %v; want %q", ev.Details["reason"], ReasonLeaked)
		}
		raw, _ := json.Marshal(ev)
		for _, secret := range []string{live.Secret, personal.Secret} {
			if strings.Contains(string(raw), secret) || strings.Contains(string(raw), secret[len(secret)-42:]) {
				t.Errorf("event %s contains a reported token", ev.Action)
			}
		}
	}
	// Oldest first: the first key's event names the report's URL and source.
	first, second := evs[1], evs[0]
	if first.TargetID != live.Key.ID || first.Details["url"] != "https://example.com/repo/blob/main/.env" || first.Details["source"] != "content" {
		t.Errorf("first event = %s %v; want %s with the report's url and source", first.TargetID, first.Details, live.Key.ID)
	}
	// Control and text-direction characters dropped, long values cut.
	if second.TargetID != personal.Key.ID || second.Details["url"] != "https://example.com/issue/1" || len(second.Details["source"].(string)) != maxLeakSourceLen {
		t.Errorf("second event = %s %q %q; want %s, the URL without control characters, the source cut to %d", second.TargetID,
			second.Details["url"], second.Details["source"], personal.Key.ID, maxLeakSourceLen)
	}

	for _, k := range []*CreatedKey{live, personal} {
		stored, err := e.svc.GetAPIKey(e.ctx, e.admin, k.Key.ID)
		e.must(err)
		if stored.RevokedAt == nil || stored.RevokedReason != ReasonLeaked || stored.RevokedBy != "" {
			t.Errorf("key %s: revoked at %v, reason %q, by %q; want revoked, reason %q, by the system", k.Key.ID, stored.RevokedAt, stored.RevokedReason, stored.RevokedBy, ReasonLeaked)
		}
	}
	stored, err := e.svc.GetAPIKey(e.ctx, e.admin, revokedBefore.Key.ID)
	e.must(err)
	if stored.RevokedReason != "rotated" {
		t.Errorf("a key revoked before keeps its reason: got %q; want %q", stored.RevokedReason, "rotated")
	}

	// The same report again: same verdicts, but nothing revoked now and
	// nothing recorded.
	n := len(e.events())
	again, err := e.svc.RevokeLeakedKeys(e.ctx, report)
	e.must(err)
	for i := range want {
		w := want[i]
		w.Revoked = false
		if again[i] != w {
			t.Errorf("replayed verdict %d = %+v; want %+v", i, again[i], w)
		}
	}
	if len(e.events()) != n {
		t.Errorf("a replayed report recorded %d events; want none", len(e.events())-n)
	}
}

// TestRevokeLeakedKeysReadsBeforeWriting checks that a report of junk
// opens no write transaction: no cache invalidation, no event.
func TestRevokeLeakedKeysReadsBeforeWriting(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRevokeLeakedKeysReadsBeforeWriting)
}

func testRevokeLeakedKeysReadsBeforeWriting(t *testing.T) {
	e := newEnv(t)
	unknown, _, err := apikey.Generate(apikey.KindPersonal, "01jd5x7d0e5k3v8q2m4n6p8r9t")
	e.must(err)
	e.mu.Lock()
	changes := e.changes
	e.mu.Unlock()
	got, err := e.svc.RevokeLeakedKeys(e.ctx, []LeakedToken{{Token: unknown}, {Token: "sgn_junk"}})
	e.must(err)
	if got[0].Key || got[1].Key {
		t.Errorf("verdicts = %+v; want false positives", got)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.changes != changes {
		t.Errorf("a report of junk told caches of %d changes; want none", e.changes-changes)
	}
}
