package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// TestKeysPageExpiryBannerFiltersAndDisable: the API keys page warns of
// keys expiring soon, filters service-account keys by expiry and disuse,
// and disables and enables keys.
func TestKeysPageExpiryBannerFiltersAndDisable(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeysPageExpiryBannerFiltersAndDisable)
}

func testKeysPageExpiryBannerFiltersAndDisable(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	admin, err := e.svc.AuthenticatePassword(ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	sa, err := e.svc.CreateServiceAccount(ctx, a, service.CreateServiceAccountInput{Name: "etl", Key: &service.CreateKeyInput{Name: "soon-key", ExpiresIn: 3 * 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	later, err := e.svc.CreateAPIKey(ctx, a, sa.User.ID, service.CreateKeyInput{Name: "later-key", ExpiresIn: 60 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateAPIKey(ctx, a, admin.ID, service.CreateKeyInput{Name: "my-laptop", ExpiresIn: 30 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)

	r := b.get("/settings/api-keys")
	banner, _, _ := strings.Cut(r.body[strings.Index(r.body, `id="expiring-keys"`)+1:], "</section>")
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="expiring-keys"`) {
		t.Fatalf("GET /settings/api-keys = %d; want the expiring-keys banner:\n%s", r.status, r.body)
	}
	for _, want := range []string{"expiring within 14d", "my-laptop", "expires in 1 day", "soon-key", "expires in 3 days", "etl"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "later-key") {
		t.Errorf("banner names a key expiring in 60 days:\n%s", banner)
	}

	// Filters.
	for _, tt := range []struct {
		query      string
		want, not_ string
	}{
		{"?expiring_within=7d", "soon-key", "later-key"},
		{"?expiring_within=90d", "later-key", "my-laptop"},
		{"?unused_for=30d", "No service-account keys match these filters.", "soon-key"},
	} {
		r := b.get("/settings/api-keys" + tt.query)
		_, section, _ := strings.Cut(r.body, `id="sa-keys"`)
		if r.status != http.StatusOK || !strings.Contains(section, tt.want) || strings.Contains(section, tt.not_) {
			t.Errorf("GET /settings/api-keys%s = %d; want %q and not %q in the service-account keys", tt.query, r.status, tt.want, tt.not_)
		}
	}
	if r := b.get("/settings/api-keys?expiring_within=soon"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("GET /settings/api-keys?expiring_within=soon = %d; want 422", r.status)
	}
	if r := b.get("/settings/api-keys?expiring_within=7d"); !strings.Contains(r.body, `<option value="7d" selected>7 days</option>`) {
		t.Errorf("the expiry filter does not show its choice")
	}

	// Disable, then enable, from the row's buttons.
	r = b.form(t, "/settings/api-keys", "/settings/api-keys/"+later.Key.ID+"/disable", url.Values{"back": {"/settings/api-keys"}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/settings/api-keys?notice=key_disabled" {
		t.Errorf("disable redirected to %q", loc)
	}
	k, err := e.svc.GetAPIKey(ctx, a, later.Key.ID)
	if err != nil || k.Status(e.clock()) != signet.KeyStatusDisabled {
		t.Fatalf("after Disable the key is %v (%v); want disabled", k, err)
	}
	page := b.get("/settings/api-keys?status=disabled").body
	if !strings.Contains(page, `action="/settings/api-keys/`+later.Key.ID+`/enable"`) || !strings.Contains(page, "status-disabled") {
		t.Errorf("a disabled key's row has no Enable button or disabled badge")
	}
	b.form(t, "/settings/api-keys", "/settings/api-keys/"+later.Key.ID+"/enable", url.Values{"back": {"/settings/api-keys"}}, http.StatusSeeOther)
	if k, _ := e.svc.GetAPIKey(ctx, a, later.Key.ID); k.Status(e.clock()) != signet.KeyStatusActive {
		t.Errorf("after Enable the key is %s; want active", k.Status(e.clock()))
	}
}
