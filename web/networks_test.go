package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// TestKeyAllowedNetworksForms: the key forms take an allowlist (one per
// line, commas too), the key tables show it, and the networks page edits
// and clears it, with a bad entry named in the form.
func TestKeyAllowedNetworksForms(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyAllowedNetworksForms)
}

func testKeyAllowedNetworksForms(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)
	keyOf := func(name string) *signet.APIKey {
		t.Helper()
		keys, _, err := e.svc.ListAPIKeys(e.ctx, signet.SystemActor, signet.APIKeyFilter{NameContains: name})
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys named %q = %v, %v; want one", name, keys, err)
		}
		return keys[0]
	}
	nets := func(k *signet.APIKey) string { return fmt.Sprint(signet.FormatNetworks(k.AllowedNetworks)) }

	// A personal key with an allowlist.
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, `name="key_allowed_networks"`) {
		t.Fatal("the personal key form has no allowed networks field")
	}
	b.form(t, "/settings/api-keys", "/settings/api-keys/personal", url.Values{"key_name": {"laptop"}, "key_allowed_networks": {"10.0.0.0/8\r\n2001:db8::1, 192.0.2.0/24"}}, http.StatusCreated)
	k := keyOf("laptop")
	if got := nets(k); got != "[10.0.0.0/8 2001:db8::1/128 192.0.2.0/24]" {
		t.Errorf("personal key networks = %s", got)
	}
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, "from 10.0.0.0/8, 2001:db8::1/128, 192.0.2.0/24") {
		t.Error("the keys table does not show the allowlist")
	}
	// A bad entry: the dialog again, naming it.
	r := b.form(t, "/settings/api-keys", "/settings/api-keys/personal", url.Values{"key_name": {"bad"}, "key_allowed_networks": {"10.0.0.0/8\nhome"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "&#34;home&#34; is not an IP address") || !strings.Contains(r.body, "10.0.0.0/8\nhome") {
		t.Errorf("bad network: want the message naming it and the text kept:\n%s", r.body)
	}

	// A service account created with a key and an allowlist.
	b.form(t, "/settings/users", "/settings/service-accounts", url.Values{"name": {"etl"}, "key_name": {"etl-key"}, "key_allowed_networks": {"198.51.100.0/24"}}, http.StatusCreated)
	if got := nets(keyOf("etl-key")); got != "[198.51.100.0/24]" {
		t.Errorf("service account key networks = %s", got)
	}
	sa, err := e.svc.CreateServiceAccount(e.ctx, signet.SystemActor, service.CreateServiceAccountInput{Name: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	up := "/settings/users/" + sa.User.ID
	b.form(t, up, up+"/api-keys", url.Values{"key_name": {"bot-key"}, "key_allowed_networks": {"203.0.113.9"}}, http.StatusCreated)
	if got := nets(keyOf("bot-key")); got != "[203.0.113.9/32]" {
		t.Errorf("edit page key networks = %s", got)
	}

	// The networks page: edit, refuse a bad one, clear.
	page := "/settings/api-keys/" + k.ID + "/networks"
	if r := b.get(page + "?back=" + url.QueryEscape(up)); r.status != 200 || !strings.Contains(r.body, "10.0.0.0/8\n2001:db8::1/128") || !strings.Contains(r.body, `value="`+up+`"`) {
		t.Fatalf("GET %s = %d; want the form with the current list and the way back:\n%s", page, r.status, r.body)
	}
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, `href="/settings/api-keys/`+k.ID+`/networks?back=%2fsettings%2fapi-keys"`) {
		t.Errorf("the keys table has no link to edit a key's networks:\n%s", r.body)
	}
	r = b.form(t, page, page, url.Values{"allowed_networks": {"172.16.0.0/12"}, "back": {up}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, up) {
		t.Errorf("after saving: Location %q; want back to %s", loc, up)
	}
	if got := nets(keyOf("laptop")); got != "[172.16.0.0/12]" {
		t.Errorf("after editing: %s; want [172.16.0.0/12]", got)
	}
	r = b.form(t, page, page, url.Values{"allowed_networks": {"172.16.0.0/40"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="key-networks-error"`) || !strings.Contains(r.body, `aria-invalid="true" aria-describedby="key-networks-error key-networks-hint"`) ||
		!strings.Contains(r.body, "172.16.0.0/40") {
		t.Errorf("bad network on the networks page: want the error in the form:\n%s", r.body)
	}
	r = b.form(t, page, page, url.Values{"allowed_networks": {""}, "back": {"//evil.example"}}, http.StatusSeeOther)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/settings/api-keys") {
		t.Errorf("back to another site: Location %q; want the API keys page", loc)
	}
	if got := nets(keyOf("laptop")); got != "[]" {
		t.Errorf("after clearing: %s; want []", got)
	}
	evs, _, _ := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{Action: "api_key.update"})
	if len(evs) != 2 {
		t.Errorf("api_key.update events = %d; want 2 (edit, clear)", len(evs))
	}
}
