package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/testdb"
)

// TestKeyPolicy walks the key policy API: the empty policy, setting one
// (durations as strings), what it refuses at creation, the keys it
// reports, and, once enforced, the refusal of those keys by the check API
// and forward-auth with reason policy_violation.
func TestKeyPolicy(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyPolicy) }

func testKeyPolicy(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin

	// Made before any policy: never expires.
	legacy := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "legacy", APIKey: &client.CreateAPIKeyRequest{Name: "forever"}}))(t)

	r := e.do("GET", "/api/v1/key-policy", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/key-policy = %d %s; want 200", r.status, r.body)
	}
	var empty map[string]any
	if err := json.Unmarshal(r.body, &empty); err != nil {
		t.Fatal(err)
	}
	if empty["max_lifetime_service_account"] != "0" || empty["updated_at"] != nil || empty["expiry_warnings"] != nil || empty["enforce_from"] != nil {
		t.Errorf("GET /api/v1/key-policy before any policy = %s; want every rule off (\"0\", null)", r.body)
	}

	// Bad input names the field and what would pass.
	bad := []struct {
		name, body string
		status     int
		msg        string
	}{
		{"not a duration", `{"max_lifetime_service_account":"ninety days"}`, 422, `field "max_lifetime_service_account"`},
		{"negative", `{"max_lifetime_personal":"-1d"}`, 422, `field "max_lifetime_personal"`},
		{"no warnings", `{"expiry_warnings":[]}`, 422, "expiry_warnings must hold 1 to 10"},
		{"zero warning", `{"expiry_warnings":["7d","0"]}`, 422, "longer than zero"},
		{"negative count", `{"max_active_keys_per_account":-1}`, 422, "max_active_keys_per_account"},
		{"grace over its maximum", `{"default_rotation_grace":"3d","max_rotation_grace":"2d"}`, 422, "default_rotation_grace"},
		{"enforce_from not a time", `{"enforce_from":"next year"}`, 400, "must be RFC 3339"},
	}
	for _, b := range bad {
		r := e.do("PUT", "/api/v1/key-policy", b.body)
		if r.status != b.status || !strings.Contains(r.errBody(t).Message, b.msg) {
			t.Errorf("%s: PUT /api/v1/key-policy %s = %d %s; want %d naming %q", b.name, b.body, r.status, r.body, b.status, b.msg)
		}
	}

	// Set through the SDK.
	p := must(c.SetKeyPolicy(ctx, client.KeyPolicySettings{MaxLifetimeServiceAccount: "P90D", RequireExpiry: true,
		MaxActiveKeysPerAccount: 5, ExpiryWarnings: []string{"7d", "1d"}}))(t)
	if p.MaxLifetimeServiceAccount != "90d" || p.MaxLifetimePersonal != "0" || !p.RequireExpiry || p.MaxActiveKeysPerAccount != 5 ||
		!slices.Equal(p.ExpiryWarnings, []string{"7d", "1d"}) || p.UpdatedAt == nil || p.UpdatedBy != e.adminID || p.EnforceFrom != nil {
		t.Errorf("SetKeyPolicy = %+v; want 90d for service-account keys, expiry required, set by the admin", p)
	}
	if got := must(c.GetKeyPolicy(ctx))(t); got.MaxLifetimeServiceAccount != "90d" || !got.RequireExpiry {
		t.Errorf("GetKeyPolicy = %+v; want what was set", got)
	}

	// Creation is held to it; the message says what would pass.
	_, err := c.CreateServiceAccountKey(ctx, legacy.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "long", ExpiresIn: "180d"})
	wantAPIError(t, err, 422, "invalid", "ask for expires_in of 90d or less")
	_, err = c.CreateServiceAccountKey(ctx, legacy.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "forever"})
	wantAPIError(t, err, 422, "invalid", "90d")
	ok := must(c.CreateServiceAccountKey(ctx, legacy.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "short", ExpiresIn: "30d"}))(t)
	if len(ok.Violations) != 0 {
		t.Errorf("compliant key violations = %v; want none", ok.Violations)
	}

	// The key made before is reported, not revoked.
	old := must(c.GetAPIKey(ctx, legacy.APIKey.ID))(t)
	if old.Status != "active" || len(old.Violations) != 1 || old.Violations[0].Rule != "require_expiry" || old.Violations[0].Message == "" {
		t.Errorf("GET key made before the policy = %+v; want active with a require_expiry violation", old)
	}
	page := must(c.ListAPIKeys(ctx, client.ListAPIKeysOptions{NonCompliant: true}))(t)
	if len(page.Data) != 1 || page.Data[0].ID != legacy.APIKey.ID {
		t.Errorf("?non_compliant=true = %+v; want only %s", page.Data, legacy.APIKey.ID)
	}
	if r := e.do("GET", "/api/v1/api-keys?non_compliant=yes", ""); r.status != 400 {
		t.Errorf("?non_compliant=yes = %d; want 400", r.status)
	}

	// Not enforced: the old key works. Enforced: it is refused, with the
	// reason, by the check API and forward-auth; the compliant one is not.
	res := must(c.Check(ctx, legacy.APIKey.Key, "api_keys:read", ""))(t)
	if res.Reason == client.ReasonPolicyViolation {
		t.Errorf("check before enforcement = %+v; want no policy_violation", res)
	}
	past := time.Now().Add(-time.Minute).UTC()
	r = e.do("PUT", "/api/v1/key-policy", `{"max_lifetime_service_account":"90d","enforce_from":"`+past.Format(time.RFC3339)+`"}`)
	if r.status != 200 {
		t.Fatalf("PUT with enforce_from = %d %s; want 200", r.status, r.body)
	}
	res = must(c.Check(ctx, legacy.APIKey.Key, "api_keys:read", ""))(t)
	if res.Allowed || res.Reason != client.ReasonPolicyViolation {
		t.Errorf("check of the non-compliant key once enforced = %+v; want denied, policy_violation", res)
	}
	if res := must(c.Check(ctx, ok.Key, "api_keys:read", ""))(t); res.Reason == client.ReasonPolicyViolation {
		t.Errorf("check of the compliant key = %+v; want no policy_violation", res)
	}
	resp := forwardGet(t, e.srv.URL+"/api/v1/forward-auth", "X-API-Key", legacy.APIKey.Key)
	if resp.StatusCode != 401 || resp.Header.Get(httpapi.HeaderReason) != client.ReasonPolicyViolation {
		t.Errorf("forward-auth with the non-compliant key = %d (reason %q); want 401 policy_violation", resp.StatusCode, resp.Header.Get(httpapi.HeaderReason))
	}
	r = e.do("GET", "/api/v1/me", "", "Authorization: Bearer "+legacy.APIKey.Key)
	if r.status != 401 || r.errBody(t).Reason != client.ReasonPolicyViolation {
		t.Errorf("GET /api/v1/me with the non-compliant key = %d %s; want 401 policy_violation", r.status, r.body)
	}

	// Reading needs settings:read; a key that lacks it is refused.
	nobody := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "nobody", APIKey: &client.CreateAPIKeyRequest{Name: "k", ExpiresIn: "1d"}}))(t)
	_, err = e.client(client.WithAPIKey(nobody.APIKey.Key)).GetKeyPolicy(ctx)
	wantAPIError(t, err, 403, "forbidden", "settings:read")
}
