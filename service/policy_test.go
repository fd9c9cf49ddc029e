package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

const day = 24 * time.Hour

func TestKeyPolicySetting(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyPolicySetting) }

func testKeyPolicySetting(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.GetKeyPolicy(e.ctx, e.admin)
	if err != nil || !p.UpdatedAt.IsZero() || p.MaxLifetimeServiceAccount != 0 {
		t.Fatalf("GetKeyPolicy before any is set = %+v, %v; want the zero policy", p, err)
	}
	enforce := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	want := signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day, RequireExpiry: true, MaxActiveKeysPerAccount: 3,
		ExpiryWarnings: []time.Duration{7 * day}, EnforceFrom: &enforce}
	got, err := e.svc.SetKeyPolicy(e.ctx, e.admin, want)
	e.must(err)
	if !got.UpdatedAt.Equal(e.clock()) || got.UpdatedBy != e.admin.UserID {
		t.Errorf("SetKeyPolicy updated = %v by %q; want now by the admin", got.UpdatedAt, got.UpdatedBy)
	}
	ev := e.lastEvent()
	if ev.Action != "key_policy.update" || ev.TargetType != "key_policy" {
		t.Fatalf("event = %s on %s; want key_policy.update on key_policy", ev.Action, ev.TargetType)
	}
	wantChanges := map[string][2]any{
		"max_lifetime_service_account": {"0", "90d"},
		"require_expiry":               {false, true},
		"max_active_keys_per_account":  {0, 3},
		"expiry_warnings":              {nil, []string{"7d"}},
		"enforce_from":                 {nil, "2027-01-01T00:00:00Z"},
	}
	if len(ev.Details) != len(wantChanges) {
		t.Errorf("event details = %v; want exactly the changed fields %v", ev.Details, wantChanges)
	}
	for field, ch := range wantChanges {
		d, _ := ev.Details[field].(map[string]any)
		if d == nil || fmt.Sprint(d["old"]) != fmt.Sprint(ch[0]) || fmt.Sprint(d["new"]) != fmt.Sprint(ch[1]) {
			t.Errorf("details.%s = %v; want old %v, new %v", field, ev.Details[field], ch[0], ch[1])
		}
	}
	read, err := e.svc.GetKeyPolicy(e.ctx, e.admin)
	if err != nil || read.MaxLifetimeServiceAccount != 90*day || !read.RequireExpiry || read.EnforceFrom == nil || !read.EnforceFrom.Equal(enforce) {
		t.Errorf("GetKeyPolicy after set = %+v, %v; want what was set", read, err)
	}

	// The same policy again changes nothing, and records nothing.
	before := len(e.events())
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, want)
	e.must(err)
	if n := len(e.events()); n != before {
		t.Errorf("events after setting the same policy = %d; want %d", n, before)
	}

	// Reading needs settings:read, setting settings:write, organisation-wide.
	reader := e.actorWith("settings:read")
	if _, err := e.svc.GetKeyPolicy(e.ctx, reader); err != nil {
		t.Errorf("GetKeyPolicy with settings:read = %v; want nil", err)
	}
	_, err = e.svc.SetKeyPolicy(e.ctx, reader, signet.KeyPolicy{})
	wantCode(t, "SetKeyPolicy with settings:read only", err, signet.EFORBIDDEN)
	_, err = e.svc.GetKeyPolicy(e.ctx, e.actorWith("api_keys:read"))
	wantCode(t, "GetKeyPolicy without settings:read", err, signet.EFORBIDDEN)
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{MaxLifetimePersonal: -day})
	wantCode(t, "SetKeyPolicy with a negative lifetime", err, signet.EINVALID)
}

func TestKeyPolicyAtCreation(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyPolicyAtCreation) }

func testKeyPolicyAtCreation(t *testing.T) {
	tests := []struct {
		name     string
		policy   signet.KeyPolicy
		personal bool // a personal key of the admin, else a service account's
		in       CreateKeyInput
		wantCode string
		wantMsg  string // in the refusal
	}{
		{name: "no policy", in: CreateKeyInput{Name: "k"}},
		{name: "within the maximum", policy: signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day},
			in: CreateKeyInput{Name: "k", ExpiresIn: 90 * day}},
		{name: "beyond the maximum", policy: signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day},
			in: CreateKeyInput{Name: "k", ExpiresIn: 91 * day}, wantCode: signet.EINVALID,
			wantMsg: "the key policy allows service-account keys of at most 90d (max_lifetime_service_account): ask for expires_in of 90d or less"},
		{name: "beyond the maximum by expires_at", policy: signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day},
			in: CreateKeyInput{Name: "k", ExpiresAt: ptr(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}, wantCode: signet.EINVALID, wantMsg: "at most 90d"},
		{name: "no expiry under a maximum", policy: signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day},
			in: CreateKeyInput{Name: "k"}, wantCode: signet.EINVALID, wantMsg: "ask for expires_in of 90d or less"},
		{name: "the service-account maximum does not bind personal keys", policy: signet.KeyPolicy{MaxLifetimeServiceAccount: day},
			personal: true, in: CreateKeyInput{Name: "k"}},
		{name: "personal beyond the maximum", policy: signet.KeyPolicy{MaxLifetimePersonal: 30 * day},
			personal: true, in: CreateKeyInput{Name: "k", ExpiresIn: 31 * day}, wantCode: signet.EINVALID, wantMsg: "personal keys of at most 30d"},
		{name: "expiry required", policy: signet.KeyPolicy{RequireExpiry: true},
			personal: true, in: CreateKeyInput{Name: "k"}, wantCode: signet.EINVALID, wantMsg: "(require_expiry): ask for an expiry"},
		{name: "expiry required and given", policy: signet.KeyPolicy{RequireExpiry: true},
			in: CreateKeyInput{Name: "k", ExpiresIn: 365 * day}},
		{name: "allowlist required", policy: signet.KeyPolicy{RequireNetworkAllowlist: true},
			in: CreateKeyInput{Name: "k"}, wantCode: signet.EINVALID, wantMsg: "give allowed_networks"},
		{name: "allowlist not required of personal keys", policy: signet.KeyPolicy{RequireNetworkAllowlist: true},
			personal: true, in: CreateKeyInput{Name: "k"}},
		{name: "too many keys", policy: signet.KeyPolicy{MaxActiveKeysPerAccount: 2},
			in: CreateKeyInput{Name: "k"}, wantCode: signet.ECONFLICT, wantMsg: "already has 2 active API keys"},
		{name: "too many personal keys", policy: signet.KeyPolicy{MaxActiveKeysPerAccount: 2},
			personal: true, in: CreateKeyInput{Name: "k"}, wantCode: signet.ECONFLICT, wantMsg: "already has 2 active API keys"},
		{name: "a rotation is not refused for the count", policy: signet.KeyPolicy{MaxActiveKeysPerAccount: 2},
			in: CreateKeyInput{Name: "k", rotates: &signet.APIKey{ID: "key_rotated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			owner := e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide}).ID
			if tt.personal {
				owner = e.admin.UserID
			}
			// Two active keys, one revoked and one expired: the count is
			// of active keys only.
			for i, life := range []time.Duration{10 * time.Hour, time.Hour, 10 * time.Hour, 10 * time.Hour} {
				k, err := e.svc.CreateAPIKey(e.ctx, e.admin, owner, CreateKeyInput{Name: e.uniq("old"), ExpiresIn: life})
				e.must(err)
				if i == 0 {
					_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, k.Key.ID, "")
					e.must(err)
				}
			}
			e.advance(90 * time.Minute)
			_, err := e.svc.SetKeyPolicy(e.ctx, e.admin, tt.policy)
			e.must(err)
			before := len(e.events())
			var created *CreatedKey
			if tt.in.rotates != nil {
				// Rotation goes through createKey like every creation.
				err = e.svc.mutate(e.ctx, e.admin, "api_key.create", func(o *op) error {
					u, err := o.tx.GetUser(e.ctx, owner)
					if err != nil {
						return err
					}
					created, err = o.createKey(u, tt.in)
					if err == nil {
						o.recordKey(u, created.Key)
					}
					return err
				})
			} else {
				created, err = e.svc.CreateAPIKey(e.ctx, e.admin, owner, tt.in)
			}
			wantCode(t, "CreateAPIKey", err, tt.wantCode)
			if err != nil {
				if !strings.Contains(signet.ErrorMessage(err), tt.wantMsg) {
					t.Errorf("refusal = %q; want it to say %q", signet.ErrorMessage(err), tt.wantMsg)
				}
				if n := len(e.events()); n != before {
					t.Errorf("events after a refusal = %d; want %d", n, before)
				}
				return
			}
			if len(created.Key.Violations) != 0 {
				t.Errorf("created key violations = %v; want none", created.Key.Violations)
			}
		})
	}
}

func TestKeyPolicyNonCompliance(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyPolicyNonCompliance)
}

func testKeyPolicyNonCompliance(t *testing.T) {
	e := newEnv(t)
	sa := e.sa(GrantSpec{RoleID: signet.RoleAdminID, WorkspaceID: signet.OrganisationWide})
	mk := func(name string, owner string, life time.Duration) *signet.APIKey {
		k, err := e.svc.CreateAPIKey(e.ctx, e.admin, owner, CreateKeyInput{Name: name, ExpiresIn: life})
		e.must(err)
		return k.Key
	}
	forever := mk("forever", sa.ID, 0)
	long := mk("long", sa.ID, 365*day)
	mk("short", sa.ID, 30*day)
	revoked := mk("revoked", sa.ID, 0)
	_, err := e.svc.RevokeAPIKey(e.ctx, e.admin, revoked.ID, "")
	e.must(err)
	mk("personal", e.admin.UserID, 0)

	// Tightening the policy revokes nothing: it reports.
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * day})
	e.must(err)
	all, _, err := e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{})
	e.must(err)
	want := map[string]string{forever.ID: "max_lifetime_service_account", long.ID: "max_lifetime_service_account"}
	for _, k := range all {
		var rules []string
		for _, v := range k.Violations {
			rules = append(rules, v.Rule)
		}
		if strings.Join(rules, ",") != want[k.ID] {
			t.Errorf("key %s violations = %v; want %q", k.Name, k.Violations, want[k.ID])
		}
		if k.Status(e.clock()) == signet.KeyStatusRevoked && k.ID != revoked.ID {
			t.Errorf("key %s was revoked by a policy change", k.Name)
		}
	}
	got, err := e.svc.GetAPIKey(e.ctx, e.admin, long.ID)
	if err != nil || len(got.Violations) != 1 || !strings.Contains(got.Violations[0].Message, "more than the key policy's maximum of 90d") {
		t.Errorf("GetAPIKey(long) = %+v, %v; want one violation of the maximum lifetime", got, err)
	}

	// The filter keeps the non-compliant keys, page by page.
	var ids []string
	f := signet.APIKeyFilter{NonCompliant: true, Page: signet.Page{Limit: 1}}
	for range 5 {
		page, next, err := e.svc.ListAPIKeys(e.ctx, e.admin, f)
		e.must(err)
		for _, k := range page {
			ids = append(ids, k.ID)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(ids) != 2 || !(ids[0] == forever.ID || ids[0] == long.ID) || !(ids[1] == forever.ID || ids[1] == long.ID) || ids[0] == ids[1] {
		t.Errorf("non-compliant keys = %v; want %s and %s", ids, forever.ID, long.ID)
	}

	// A personal rule reports the personal key; a key that expired is
	// not reported.
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{RequireExpiry: true, MaxLifetimeServiceAccount: 10 * day})
	e.must(err)
	e.advance(31 * day) // short has expired
	page, _, err := e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{NonCompliant: true})
	e.must(err)
	var names []string
	for _, k := range page {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "forever,long,personal" {
		t.Errorf("non-compliant keys = %v; want forever, long and personal (not the expired or the revoked key)", names)
	}
}

func TestKeyPolicyKeyState(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyPolicyKeyState) }

// testKeyPolicyKeyState checks what verification is given: the key's
// violations and when they start to be refused (authn compares the time).
func testKeyPolicyKeyState(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	k, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "forever"})
	e.must(err)
	st, err := e.svc.LoadKeyState(e.ctx, k.Key.ID)
	if err != nil || st.Violations != nil || st.EnforceFrom != nil {
		t.Fatalf("LoadKeyState without a policy = %+v, %v; want no violations", st, err)
	}
	changes := e.changes
	enforce := e.clock().Add(day)
	_, err = e.svc.SetKeyPolicy(e.ctx, e.admin, signet.KeyPolicy{RequireExpiry: true, EnforceFrom: &enforce})
	e.must(err)
	if e.changes == changes {
		t.Error("SetKeyPolicy did not announce a change: cached keys would keep the old policy")
	}
	st, err = e.svc.LoadKeyState(e.ctx, k.Key.ID)
	if err != nil || len(st.Violations) != 1 || st.Violations[0].Rule != "require_expiry" || st.EnforceFrom == nil || !st.EnforceFrom.Equal(enforce) {
		t.Errorf("LoadKeyState under the policy = %+v, %v; want a require_expiry violation enforced from %v", st, err, enforce)
	}
}
