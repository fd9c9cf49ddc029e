package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// TestKeyPolicyPage: the page and its navigation entry, saving a policy
// through the form (durations as typed, enforcement in UTC), a refusal
// shown with what was typed, the summary of non-compliant keys with their
// badge and filter on the API keys page, and a read-only page for a
// viewer with settings:read only.
func TestKeyPolicyPage(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyPolicyPage) }

func testKeyPolicyPage(t *testing.T) {
	e := newEnv(t)
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	sa, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "legacy-etl", Key: &service.CreateKeyInput{Name: "forever"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)

	r := b.get("/settings/key-policy")
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/key-policy" aria-current="page"`) ||
		!strings.Contains(r.body, "Not enforced") || !strings.Contains(r.body, "Every key complies") {
		t.Fatalf("GET /settings/key-policy = %d; want the page, its navigation entry, no enforcement, every key compliant:\n%s", r.status, r.body)
	}

	// A bad duration: the message names the field, and what was typed stays.
	csrf := b.csrf("/settings/key-policy")
	r = b.post("/settings/key-policy", url.Values{"csrf": {csrf}, "max_lifetime_service_account": {"ninety days"}, "max_lifetime_personal": {"30d"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="key-policy-error"`) ||
		!strings.Contains(r.body, "Maximum lifetime of service-account keys") || !strings.Contains(r.body, `value="ninety days"`) || !strings.Contains(r.body, `value="30d"`) {
		t.Errorf("POST a bad duration = %d; want 422 naming the field, with what was typed:\n%s", r.status, r.body)
	}
	r = b.post("/settings/key-policy", url.Values{"csrf": {csrf}, "expiry_warnings": {"7d, 0"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "expiry_warnings must be durations longer than zero") {
		t.Errorf("POST a zero warning = %d; want the service's refusal", r.status)
	}

	// The access token lifetime: bounded, named.
	r = b.post("/settings/key-policy", url.Values{"csrf": {csrf}, "token_lifetime": {"48h"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "token_lifetime must be at most 1d") || !strings.Contains(r.body, `value="48h"`) {
		t.Errorf("POST a 48h token lifetime = %d; want the service's refusal, with what was typed:\n%s", r.status, r.body)
	}
	r = b.post("/settings/key-policy", url.Values{"csrf": {csrf}, "token_lifetime": {"soon"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Access token lifetime") {
		t.Errorf("POST a bad token lifetime = %d; want 422 naming the field", r.status)
	}

	// Save: the policy as typed.
	enforce := e.clock().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	r = b.post("/settings/key-policy", url.Values{"csrf": {csrf}, "max_lifetime_service_account": {"90d"}, "require_expiry": {"true"},
		"max_active_keys_per_account": {"3"}, "expiry_warnings": {"7d, 1d"}, "enforce_from": {enforce.Format("2006-01-02T15:04")}, "token_lifetime": {"30m"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("POST /settings/key-policy = %d; want 303:\n%s", r.status, r.body)
	}
	p, err := e.svc.GetKeyPolicy(e.ctx, a)
	if err != nil || p.MaxLifetimeServiceAccount != 90*24*time.Hour || !p.RequireExpiry || p.MaxActiveKeysPerAccount != 3 ||
		len(p.ExpiryWarnings) != 2 || p.EnforceFrom == nil || !p.EnforceFrom.Equal(enforce) || p.TokenLifetime != 30*time.Minute {
		t.Fatalf("policy after the form = %+v, %v; want what was typed", p, err)
	}
	r = b.get("/settings/key-policy?notice=saved")
	if !strings.Contains(r.body, `value="90d"`) || !strings.Contains(r.body, `value="7d, 1d"`) || !strings.Contains(r.body, `value="30m"`) || !strings.Contains(r.body, "Enforced from") ||
		!strings.Contains(r.body, `data-key-id="`+sa.Key.Key.ID+`"`) || !strings.Contains(r.body, "require_expiry") || !strings.Contains(r.body, "1 key breaks the policy") {
		t.Errorf("the page after saving does not show the policy and the non-compliant key:\n%s", r.body)
	}

	// The API keys page marks the key and filters on it.
	r = b.get("/settings/api-keys?noncompliant=1")
	if !strings.Contains(r.body, "breaks policy") || !strings.Contains(r.body, `data-key-id="`+sa.Key.Key.ID+`"`) || !strings.Contains(r.body, `id="knoncompliant" checked`) {
		t.Errorf("API keys page, non-compliant filter: want the key with its badge, the box ticked:\n%s", r.body)
	}

	// With settings:read only: the rules, no form to save.
	role, err := e.svc.CreateRole(e.ctx, a, service.RoleInput{Name: "settings reader", Base: signet.BaseNone, Permissions: []string{"settings:read"}})
	if err != nil {
		t.Fatal(err)
	}
	e.human("Rita", "rita@example.com", service.GrantSpec{RoleID: role.Role.ID, WorkspaceID: signet.OrganisationWide})
	rb := e.browser()
	rb.login("rita@example.com", adminPassword)
	r = rb.get("/settings/key-policy")
	if r.status != http.StatusOK || strings.Contains(r.body, `id="save-key-policy"`) || !strings.Contains(r.body, "<fieldset disabled>") || strings.Contains(r.body, `id="non-compliant"`) {
		t.Errorf("GET /settings/key-policy with settings:read only = %d; want the rules read-only, no key list:\n%s", r.status, r.body)
	}
	r = rb.post("/settings/key-policy", url.Values{"csrf": {rb.csrf("/settings/key-policy")}, "require_expiry": {"true"}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST /settings/key-policy with settings:read only = %d; want 403", r.status)
	}
	// Without settings:read: no entry in the navigation, and no page.
	e.human("Nora", "nora@example.com")
	nb := e.browser()
	nb.login("nora@example.com", adminPassword)
	if r := nb.get("/settings/api-keys"); strings.Contains(r.body, `href="/settings/key-policy"`) {
		t.Error("the navigation offers the key policy to a user without settings:read")
	}
	if r := nb.get("/settings/key-policy"); r.status != http.StatusForbidden {
		t.Errorf("GET /settings/key-policy without settings:read = %d; want 403", r.status)
	}
}
