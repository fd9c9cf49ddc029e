package service

import (
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

func TestCreateAPIKeyInput(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCreateAPIKeyInput) }

func testCreateAPIKeyInput(t *testing.T) {
	past := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	future := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		in       CreateKeyInput
		wantCode string
		wantExp  *time.Time
	}{
		{name: "minimal", in: CreateKeyInput{Name: "ci"}},
		{name: "expires at", in: CreateKeyInput{Name: "ci", ExpiresAt: &future}, wantExp: &future},
		{name: "expires in", in: CreateKeyInput{Name: "ci", ExpiresIn: time.Hour}, wantExp: ptr(time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC))},
		{name: "scopes", in: CreateKeyInput{Name: "ci", Scopes: []string{"audit:read"}}},
		{name: "no name", in: CreateKeyInput{}, wantCode: signet.EINVALID},
		{name: "long name", in: CreateKeyInput{Name: strings.Repeat("n", signet.MaxNameLen+1)}, wantCode: signet.EINVALID},
		{name: "long description", in: CreateKeyInput{Name: "ci", Description: strings.Repeat("d", signet.MaxDescriptionLen+1)}, wantCode: signet.EINVALID},
		{name: "expired at", in: CreateKeyInput{Name: "ci", ExpiresAt: &past}, wantCode: signet.EINVALID},
		{name: "expires now", in: CreateKeyInput{Name: "ci", ExpiresAt: ptr(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}, wantCode: signet.EINVALID},
		{name: "negative expires in", in: CreateKeyInput{Name: "ci", ExpiresIn: -time.Second}, wantCode: signet.EINVALID},
		{name: "both expiries", in: CreateKeyInput{Name: "ci", ExpiresAt: &future, ExpiresIn: time.Hour}, wantCode: signet.EINVALID},
		{name: "unknown scope", in: CreateKeyInput{Name: "ci", Scopes: []string{"metrics:read"}}, wantCode: signet.EINVALID},
		{name: "malformed scope", in: CreateKeyInput{Name: "ci", Scopes: []string{"everything"}}, wantCode: signet.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			sa := e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide})
			before := len(e.events())
			ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, tt.in)
			wantCode(t, "CreateAPIKey", err, tt.wantCode)
			if err != nil {
				if after := len(e.events()); after != before {
					t.Errorf("events after failed create = %d; want %d", after, before)
				}
				return
			}
			parsed, err := apikey.Parse(ck.Secret)
			if err != nil || parsed.ID() != ck.Key.ID || parsed.Kind != apikey.KindServiceAccount {
				t.Fatalf("apikey.Parse(secret) = %+v, %v; want id %s, kind sa", parsed, err, ck.Key.ID)
			}
			if ck.Key.SecretHash != ([32]byte{}) {
				t.Error("CreatedKey.Key exposes the secret hash")
			}
			if ck.Key.Hint != apikey.Hint(ck.Secret) || ck.Key.CreatedBy != e.admin.UserID || ck.Key.OwnerID != sa.ID {
				t.Errorf("key = %+v; want hint %q, created by admin, owned by the SA", ck.Key, apikey.Hint(ck.Secret))
			}
			// Storage keeps only the hash of the secret.
			e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
				k, err := tx.GetAPIKey(e.ctx, ck.Key.ID)
				if err == nil && !parsed.Matches(k.SecretHash) {
					t.Error("stored hash does not match the secret")
				}
				return err
			}))
			if (tt.wantExp == nil) != (ck.Key.ExpiresAt == nil) || tt.wantExp != nil && !tt.wantExp.Equal(*ck.Key.ExpiresAt) {
				t.Errorf("ExpiresAt = %v; want %v", ck.Key.ExpiresAt, tt.wantExp)
			}
			ev := e.lastEvent()
			if ev.Action != "api_key.create" || ev.TargetID != ck.Key.ID || ev.Details["owner_id"] != sa.ID {
				t.Errorf("last event = %s %s %v; want api_key.create of the key", ev.Action, ev.TargetID, ev.Details)
			}
			for k, v := range ev.Details {
				if s, ok := v.(string); ok && strings.Contains(s, parsed.Secret) {
					t.Errorf("event detail %s contains the secret", k)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestAPIKeyOwnership(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAPIKeyOwnership) }

func testAPIKeyOwnership(t *testing.T) {
	tests := []struct {
		name     string
		perms    []string
		owner    string // "self", "other human", "sa"
		wantCode string
		wantKind string
	}{
		{name: "personal key needs nothing", owner: "self", wantKind: signet.KeyKindPersonal},
		{name: "other human's key", perms: []string{"api_keys:write", "users:write"}, owner: "other human", wantCode: signet.EFORBIDDEN},
		{name: "sa key without perms", owner: "sa", wantCode: signet.EFORBIDDEN},
		{name: "sa key with api_keys:write", perms: []string{"api_keys:write"}, owner: "sa", wantKind: signet.KeyKindServiceAccount},
		{name: "sa key with service_accounts:write", perms: []string{"service_accounts:write"}, owner: "sa", wantKind: signet.KeyKindServiceAccount},
		{name: "unknown owner", perms: []string{"api_keys:write"}, owner: "nobody", wantCode: signet.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.actorWith(tt.perms...)
			var owner string
			switch tt.owner {
			case "self":
				owner = a.UserID
			case "other human":
				owner = e.admin.UserID
			case "sa":
				owner = e.sa().ID // holds nothing, so any actor covers it
			default:
				owner = "sa_nobody"
			}
			ck, err := e.svc.CreateAPIKey(e.ctx, a, owner, CreateKeyInput{Name: "k"})
			wantCode(t, "CreateAPIKey", err, tt.wantCode)
			if err != nil {
				return
			}
			prefix := "sgn_sa_"
			if tt.wantKind == signet.KeyKindPersonal {
				prefix = "sgn_pk_"
			}
			if ck.Key.Kind != tt.wantKind || !strings.HasPrefix(ck.Secret, prefix) {
				t.Errorf("key kind %s secret prefix %.7s; want %s %s", ck.Key.Kind, ck.Secret, tt.wantKind, prefix)
			}
		})
	}
}

func TestRevokeAPIKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRevokeAPIKey) }

func testRevokeAPIKey(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "svc", Key: &CreateKeyInput{Name: "k"}})
	e.must(err)
	keyID := out.Key.Key.ID

	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, keyID, strings.Repeat("r", signet.MaxReasonLen+1))
	wantCode(t, "RevokeAPIKey(long reason)", err, signet.EINVALID)
	_, err = e.svc.RevokeAPIKey(e.ctx, e.actorWith(), keyID, "")
	wantCode(t, "RevokeAPIKey(no perms)", err, signet.EFORBIDDEN)
	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, "key_nope", "")
	wantCode(t, "RevokeAPIKey(unknown)", err, signet.ENOTFOUND)

	first := e.clock()
	k, err := e.svc.RevokeAPIKey(e.ctx, e.admin, keyID, "leaked")
	e.must(err)
	if k.RevokedAt == nil || !k.RevokedAt.Equal(first) || k.RevokedBy != e.admin.UserID || k.RevokedReason != "leaked" {
		t.Fatalf("RevokeAPIKey = %+v; want revoked now by admin for \"leaked\"", k)
	}
	if ev := e.lastEvent(); ev.Action != "api_key.revoke" || ev.TargetID != keyID || ev.Details["reason"] != "leaked" {
		t.Errorf("last event = %s %s %v; want api_key.revoke with the reason", ev.Action, ev.TargetID, ev.Details)
	}
	other := e.actorWith("api_keys:write")
	before := len(e.events())
	e.advance(time.Hour)
	k2, err := e.svc.RevokeAPIKey(e.ctx, other, keyID, "again")
	e.must(err)
	if !k2.RevokedAt.Equal(first) || k2.RevokedBy != e.admin.UserID || k2.RevokedReason != "leaked" {
		t.Errorf("second RevokeAPIKey = %v by %s %q; want the first revocation kept", k2.RevokedAt, k2.RevokedBy, k2.RevokedReason)
	}
	if after := len(e.events()); after != before {
		t.Errorf("events after second revocation = %d; want %d (not audited again)", after, before)
	}
	ks, err := e.svc.LoadKeyState(e.ctx, keyID)
	e.must(err)
	if ks.Key.Status(e.clock()) != signet.KeyStatusRevoked {
		t.Errorf("LoadKeyState status = %s; want revoked", ks.Key.Status(e.clock()))
	}

	// Owners revoke their own personal keys without any permission.
	bob := e.actorWith()
	pk, err := e.svc.CreateAPIKey(e.ctx, bob, bob.UserID, CreateKeyInput{Name: "mine"})
	e.must(err)
	_, err = e.svc.RevokeAPIKey(e.ctx, bob, pk.Key.ID, "")
	wantCode(t, "RevokeAPIKey(own personal key)", err, "")
	// Others' personal keys need api_keys:write, not service_accounts:write.
	pk2, err := e.svc.CreateAPIKey(e.ctx, bob, bob.UserID, CreateKeyInput{Name: "mine2"})
	e.must(err)
	_, err = e.svc.RevokeAPIKey(e.ctx, e.actorWith("service_accounts:write"), pk2.Key.ID, "")
	wantCode(t, "RevokeAPIKey(other's personal key by SA manager)", err, signet.EFORBIDDEN)
}

func TestKeyStatus(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyStatus) }

func testKeyStatus(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "short-lived", ExpiresIn: time.Minute})
	e.must(err)
	live, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "live"})
	e.must(err)
	revoked, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "gone"})
	e.must(err)
	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, revoked.Key.ID, "")
	e.must(err)
	e.advance(2 * time.Minute)

	tests := []struct {
		status string
		want   string
	}{
		{signet.KeyStatusActive, live.Key.ID},
		{signet.KeyStatusExpired, ck.Key.ID},
		{signet.KeyStatusRevoked, revoked.Key.ID},
	}
	for _, tt := range tests {
		keys, _, err := e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{OwnerID: sa.ID, Status: tt.status})
		e.must(err)
		if len(keys) != 1 || keys[0].ID != tt.want {
			t.Errorf("ListAPIKeys(status %s) = %d keys; want just %s", tt.status, len(keys), tt.want)
			continue
		}
		if keys[0].SecretHash != ([32]byte{}) {
			t.Errorf("ListAPIKeys exposes a secret hash")
		}
		if got := keys[0].Status(e.clock()); got != tt.status {
			t.Errorf("key %s Status = %s; want %s", keys[0].ID, got, tt.status)
		}
	}
	_, _, err = e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{Status: "bogus"})
	wantCode(t, "ListAPIKeys(bogus status)", err, signet.EINVALID)
}

func TestListAPIKeysVisibility(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testListAPIKeysVisibility)
}

func testListAPIKeysVisibility(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	_, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "sa key"})
	e.must(err)
	_, err = e.svc.CreateAPIKey(e.ctx, e.admin, e.admin.UserID, CreateKeyInput{Name: "admin personal"})
	e.must(err)

	tests := []struct {
		name     string
		perms    []string
		filter   signet.APIKeyFilter
		wantCode string
		wantN    int
	}{
		{name: "no perms sees own", wantN: 1},
		{name: "no perms asks sa keys", filter: signet.APIKeyFilter{OwnerID: sa.ID}, wantCode: signet.EFORBIDDEN},
		{name: "sa reader sees sa keys", perms: []string{"service_accounts:read"}, wantN: 1},
		{name: "sa reader asks personal", perms: []string{"service_accounts:read"}, filter: signet.APIKeyFilter{Kind: signet.KeyKindPersonal, OwnerID: "usr_x"}, wantCode: signet.EFORBIDDEN},
		{name: "api_keys reader sees all", perms: []string{"api_keys:read"}, wantN: 3},
		{name: "api_keys reader filters kind", perms: []string{"api_keys:read"}, filter: signet.APIKeyFilter{Kind: signet.KeyKindPersonal}, wantN: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.actorWith(tt.perms...)
			_, err := e.svc.CreateAPIKey(e.ctx, a, a.UserID, CreateKeyInput{Name: "own"})
			e.must(err)
			keys, _, err := e.svc.ListAPIKeys(e.ctx, a, tt.filter)
			wantCode(t, "ListAPIKeys", err, tt.wantCode)
			if err != nil {
				return
			}
			// Other subtests' actors' personal keys add to "all" counts.
			if tt.name == "api_keys reader sees all" || tt.name == "api_keys reader filters kind" {
				if len(keys) < tt.wantN {
					t.Errorf("ListAPIKeys = %d keys; want at least %d", len(keys), tt.wantN)
				}
				return
			}
			if len(keys) != tt.wantN {
				t.Errorf("ListAPIKeys = %d keys; want %d", len(keys), tt.wantN)
			}
		})
	}
}
