package service

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

// putKeyPolicy stores a key policy as the settings hold it.
func (e *env) putKeyPolicy(p signet.KeyPolicy) {
	e.tb.Helper()
	b, err := json.Marshal(p)
	e.must(err)
	e.must(e.st.Write(e.ctx, func(tx store.Tx) error { return tx.PutSetting(e.ctx, signet.KeyPolicySetting, string(b)) }))
}

// storedKey reads a key as storage holds it.
func (e *env) storedKey(id string) *signet.APIKey {
	e.tb.Helper()
	var k *signet.APIKey
	e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
		var err error
		k, err = tx.GetAPIKey(e.ctx, id)
		return err
	}))
	return k
}

func TestRotateAPIKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRotateAPIKey) }

// testRotateAPIKey: the successor copies the old key's attributes and
// expiry rule, the old key expires at the end of the grace (never later
// than it did), both are linked, and one api_key.rotate event names both.
func testRotateAPIKey(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name      string
		expiresIn time.Duration // of the old key; 0: never
		age       time.Duration // how long after its creation it is rotated
		grace     *time.Duration
		wantGrace time.Duration // the old key's remaining life
		wantNext  time.Duration // the successor's life; 0: never expires
	}{
		{name: "default grace, never expires", wantGrace: signet.DefaultRotationGrace},
		{name: "grace 0", grace: ptr(time.Duration(0)), wantGrace: 0},
		{name: "grace 2h, 30d lifetime", expiresIn: 30 * day, age: 10 * day, grace: ptr(2 * time.Hour), wantGrace: 2 * time.Hour, wantNext: 30 * day},
		{name: "grace beyond the old expiry", expiresIn: 30 * day, age: 29*day + 23*time.Hour, grace: ptr(48 * time.Hour), wantGrace: time.Hour, wantNext: 30 * day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sa := e.sa(GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS})
			old, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "loader", Description: "nightly load",
				ExpiresIn: tt.expiresIn, Scopes: []string{"audit:read"}, Labels: map[string]string{"team": "data"}})
			e.must(err)
			// The allowlist is copied too (set in storage: its API is not
			// this test's).
			e.must(e.st.Write(e.ctx, func(tx store.Tx) error {
				k, err := tx.GetAPIKey(e.ctx, old.Key.ID)
				if err != nil {
					return err
				}
				k.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
				return tx.UpdateAPIKey(e.ctx, k)
			}))
			e.advance(tt.age)
			now := e.clock()
			before := len(e.events())
			got, err := e.svc.RotateAPIKey(e.ctx, e.admin, old.Key.ID, RotateKeyInput{Grace: tt.grace})
			e.must(err)

			parsed, err := apikey.Parse(got.Key.Secret)
			if err != nil || parsed.ID() != got.Key.Key.ID {
				t.Fatalf("apikey.Parse(new secret) = %v, %v; want the new key", parsed, err)
			}
			next := e.storedKey(got.Key.Key.ID)
			if !parsed.Matches(next.SecretHash) {
				t.Error("the new secret does not match the stored hash")
			}
			if next.OwnerID != sa.ID || next.Name != "loader" || next.Description != "nightly load" || next.Kind != signet.KeyKindServiceAccount ||
				!reflect.DeepEqual(next.Scopes, []string{"audit:read"}) || !reflect.DeepEqual(next.Labels, map[string]string{"team": "data"}) ||
				len(next.AllowedNetworks) != 1 || next.AllowedNetworks[0].String() != "10.0.0.0/8" {
				t.Errorf("successor = %+v; want the old key's owner, name, description, scopes, labels and allowlist", next)
			}
			if next.RotatedFrom != old.Key.ID || next.CreatedBy != e.admin.UserID {
				t.Errorf("successor RotatedFrom, CreatedBy = %q, %q; want %q, the admin", next.RotatedFrom, next.CreatedBy, old.Key.ID)
			}
			switch {
			case tt.wantNext == 0 && next.ExpiresAt != nil:
				t.Errorf("successor expires at %v; want never", next.ExpiresAt)
			case tt.wantNext != 0 && (next.ExpiresAt == nil || !next.ExpiresAt.Equal(now.Add(tt.wantNext))):
				t.Errorf("successor expires at %v; want %v (its creation + the old key's lifetime)", next.ExpiresAt, now.Add(tt.wantNext))
			}
			if next.Lifetime != tt.wantNext {
				t.Errorf("successor Lifetime = %v; want %v", next.Lifetime, tt.wantNext)
			}

			prev := e.storedKey(old.Key.ID)
			if prev.ExpiresAt == nil || !prev.ExpiresAt.Equal(now.Add(tt.wantGrace)) {
				t.Errorf("old key expires at %v; want %v", prev.ExpiresAt, now.Add(tt.wantGrace))
			}
			if prev.RotatedTo != next.ID || prev.RotatedAt == nil || !prev.RotatedAt.Equal(now) {
				t.Errorf("old key RotatedTo, RotatedAt = %q, %v; want %q, %v", prev.RotatedTo, prev.RotatedAt, next.ID, now)
			}
			if got.Previous.SecretHash != ([32]byte{}) || got.Key.Key.SecretHash != ([32]byte{}) {
				t.Error("the result exposes a secret hash")
			}
			wantStatus := signet.KeyStatusActive
			if tt.wantGrace == 0 {
				wantStatus = signet.KeyStatusExpired
			}
			if s := prev.Status(now); s != wantStatus {
				t.Errorf("old key status just after the rotation = %s; want %s", s, wantStatus)
			}
			if s := prev.Status(now.Add(tt.wantGrace)); s != signet.KeyStatusExpired {
				t.Errorf("old key status at the end of the grace = %s; want expired", s)
			}

			evs := e.events()
			if len(evs) != before+1 {
				t.Fatalf("rotation recorded %d events; want 1", len(evs)-before)
			}
			ev := evs[0]
			grace := signet.DefaultRotationGrace // granted, before the old expiry bounds it
			if tt.grace != nil {
				grace = *tt.grace
			}
			if ev.Action != "api_key.rotate" || ev.TargetType != "api_key" || ev.TargetID != old.Key.ID ||
				ev.Details["old_key_id"] != old.Key.ID || ev.Details["new_key_id"] != next.ID || ev.Details["grace"] != signet.FormatDuration(grace) ||
				ev.Details["old_expires_at"] != now.Add(tt.wantGrace).Format(time.RFC3339) {
				t.Errorf("event = %s %s/%s %v; want api_key.rotate of the old key naming both", ev.Action, ev.TargetType, ev.TargetID, ev.Details)
			}
			b, _ := json.Marshal(ev)
			if strings.Contains(string(b), parsed.Secret) {
				t.Error("the audit event contains the new secret")
			}
		})
	}
}

func TestRotateAPIKeyRefusals(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRotateAPIKeyRefusals)
}

// testRotateAPIKeyRefusals: keys that no longer work or have a successor
// cannot be rotated (409); a grace beyond the policy (422); someone who
// may not create a key for the owner (403); nothing is recorded but the
// refusal.
func testRotateAPIKeyRefusals(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(e *env, keyID string) *signet.Actor // returns the actor; nil: the admin
		grace    *time.Duration
		wantCode string
	}{
		{name: "revoked", wantCode: signet.ECONFLICT, prepare: func(e *env, id string) *signet.Actor {
			_, err := e.svc.RevokeAPIKey(e.ctx, e.admin, id, "")
			e.must(err)
			return nil
		}},
		{name: "disabled", wantCode: signet.ECONFLICT, prepare: func(e *env, id string) *signet.Actor {
			e.must(e.st.Write(e.ctx, func(tx store.Tx) error {
				k, err := tx.GetAPIKey(e.ctx, id)
				if err != nil {
					return err
				}
				k.DisabledAt = ptr(e.clock())
				return tx.UpdateAPIKey(e.ctx, k)
			}))
			return nil
		}},
		{name: "expired", wantCode: signet.ECONFLICT, prepare: func(e *env, id string) *signet.Actor {
			e.advance(2 * time.Hour)
			return nil
		}},
		{name: "rotated already", wantCode: signet.ECONFLICT, prepare: func(e *env, id string) *signet.Actor {
			_, err := e.svc.RotateAPIKey(e.ctx, e.admin, id, RotateKeyInput{})
			e.must(err)
			return nil
		}},
		{name: "grace beyond the default maximum", grace: ptr(8 * 24 * time.Hour), wantCode: signet.EINVALID},
		{name: "grace beyond the policy's maximum", grace: ptr(2 * time.Hour), wantCode: signet.EINVALID, prepare: func(e *env, id string) *signet.Actor {
			e.putKeyPolicy(signet.KeyPolicy{MaxRotationGrace: time.Hour})
			return nil
		}},
		{name: "negative grace", grace: ptr(-time.Second), wantCode: signet.EINVALID},
		{name: "reader", wantCode: signet.EFORBIDDEN, prepare: func(e *env, id string) *signet.Actor {
			return e.actorWith("api_keys:read")
		}},
		{name: "stranger", wantCode: signet.EFORBIDDEN, prepare: func(e *env, id string) *signet.Actor {
			return e.actorWith()
		}},
		{name: "writer without the account's access", wantCode: signet.EFORBIDDEN, prepare: func(e *env, id string) *signet.Actor {
			// May create keys, but not keys carrying the account's View.
			return e.actorWith("api_keys:write", "api_keys:read")
		}},
		{name: "unknown key", wantCode: signet.ENOTFOUND, prepare: func(e *env, id string) *signet.Actor { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sa := e.sa(GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS})
			k, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "loader", ExpiresIn: time.Hour})
			e.must(err)
			id := k.Key.ID
			a := e.admin
			if tt.prepare != nil {
				if got := tt.prepare(e, id); got != nil {
					a = got
				}
			}
			if tt.wantCode == signet.ENOTFOUND {
				id = "key_unknown"
			}
			before := e.storedKey(k.Key.ID)
			evs := len(e.events())
			_, err = e.svc.RotateAPIKey(e.ctx, a, id, RotateKeyInput{Grace: tt.grace})
			wantCode(t, "RotateAPIKey", err, tt.wantCode)
			if after := e.storedKey(k.Key.ID); !reflect.DeepEqual(after, before) {
				t.Errorf("refused rotation changed the key: %+v; was %+v", after, before)
			}
			wantEvents := evs
			if tt.wantCode == signet.EFORBIDDEN {
				wantEvents++ // the refusal
			}
			if got := len(e.events()); got != wantEvents {
				t.Errorf("events = %d; want %d", got, wantEvents)
			}
		})
	}
}

func TestRotateAPIKeyPolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRotateAPIKeyPolicy) }

// testRotateAPIKeyPolicy: the policy's default grace applies when none is
// asked for, and a personal key is rotated by its owner.
func testRotateAPIKeyPolicy(t *testing.T) {
	e := newEnv(t)
	e.putKeyPolicy(signet.KeyPolicy{DefaultRotationGrace: 3 * time.Hour, MaxRotationGrace: 6 * time.Hour})
	owner := e.human([]GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS}})
	k, err := e.svc.CreateAPIKey(e.ctx, owner, owner.UserID, CreateKeyInput{Name: "laptop"})
	e.must(err)
	got, err := e.svc.RotateAPIKey(e.ctx, owner, k.Key.ID, RotateKeyInput{})
	e.must(err)
	if want := e.clock().Add(3 * time.Hour); got.Previous.ExpiresAt == nil || !got.Previous.ExpiresAt.Equal(want) {
		t.Errorf("old key expires at %v; want %v (the policy's default grace)", got.Previous.ExpiresAt, want)
	}
	if got.Key.Key.Kind != signet.KeyKindPersonal || got.Key.Key.OwnerID != owner.UserID {
		t.Errorf("successor = %+v; want a personal key of the owner", got.Key.Key)
	}
	// Another human may not rotate it without api_keys:write.
	other := e.actorWith("api_keys:read")
	_, err = e.svc.RotateAPIKey(e.ctx, other, got.Key.Key.ID, RotateKeyInput{})
	wantCode(t, "RotateAPIKey(someone else's personal key)", err, signet.EFORBIDDEN)
}

func TestLoadKeyPolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLoadKeyPolicy) }

func testLoadKeyPolicy(t *testing.T) {
	e := newEnv(t)
	load := func() (signet.KeyPolicy, error) {
		var p signet.KeyPolicy
		err := e.st.Read(e.ctx, func(tx store.Tx) error {
			var err error
			p, err = loadKeyPolicy(e.ctx, tx)
			return err
		})
		return p, err
	}
	p, err := load()
	if err != nil || !reflect.DeepEqual(p, signet.KeyPolicy{}) {
		t.Errorf("loadKeyPolicy(none stored) = %+v, %v; want the zero policy", p, err)
	}
	want := signet.KeyPolicy{RequireExpiry: true, MaxRotationGrace: time.Hour, UpdatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	e.putKeyPolicy(want)
	if p, err = load(); err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("loadKeyPolicy() = %+v, %v; want %+v", p, err, want)
	}
	e.must(e.st.Write(e.ctx, func(tx store.Tx) error { return tx.PutSetting(e.ctx, signet.KeyPolicySetting, "{not json") }))
	_, err = load()
	wantCode(t, "loadKeyPolicy(damaged)", err, signet.EINTERNAL)
}
