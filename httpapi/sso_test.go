package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestSSOProviders walks the provider configuration API: create (201,
// Location), reads that never show the client secret, patch, the
// password sign-in switch, delete.
func TestSSOProviders(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSOProviders) }

func testSSOProviders(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	const secret = "very-secret-client-secret"
	r := e.do("POST", "/api/v1/sso/providers", `{"name":"Okta","issuer":"https://corp.okta.example","client_id":"signet","client_secret":"`+secret+`","allowed_domains":["example.com"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/v1/sso/providers = %d %s; want 201", r.status, r.body)
	}
	var p client.OIDCProvider
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/sso/providers/"+p.ID || !strings.HasPrefix(p.ID, "idp_") {
		t.Errorf("Location = %q, id %q; want /api/v1/sso/providers/idp_…", loc, p.ID)
	}
	if !p.Enabled || p.RedirectPath != "/login/sso/callback" || p.RedirectURI != "" || strings.Join(p.Scopes, " ") != "email profile" {
		t.Errorf("created provider = %+v; want enabled, the redirect path (no URI: no public URL), default scopes", p)
	}
	for _, path := range []string{"/api/v1/sso/providers", "/api/v1/sso/providers/" + p.ID} {
		r := e.do("GET", path, "")
		if r.status != http.StatusOK || strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "client_secret") {
			t.Errorf("GET %s = %d %s; want 200 without the client secret", path, r.status, r.body)
		}
	}
	up := must(c.UpdateOIDCProvider(ctx, p.ID, client.OIDCProviderUpdate{JITCreate: ptr(true), ClientSecret: ptr("another-secret")}))(t)
	if !up.JITCreate {
		t.Errorf("UpdateOIDCProvider(jit_create) = %+v; want jit_create", up)
	}
	if list := must(c.ListOIDCProviders(ctx))(t); len(list) != 1 || list[0].ID != p.ID {
		t.Errorf("ListOIDCProviders() = %+v; want the provider", list)
	}
	if r := e.do("POST", "/api/v1/sso/providers", `{"name":"x","issuer":"ftp://x","client_id":"a","client_secret":"b"}`); r.status != http.StatusUnprocessableEntity {
		t.Errorf("POST a provider with an ftp issuer = %d; want 422", r.status)
	}

	pl := must(c.SetPasswordLogin(ctx, client.PasswordLogin{Disabled: true, BreakGlassUserID: e.adminID}))(t)
	if got := must(c.GetPasswordLogin(ctx))(t); !got.Disabled || got.BreakGlassUserID != e.adminID || *pl != *got {
		t.Errorf("GetPasswordLogin() = %+v; want off with the admin as break-glass", got)
	}
	must(c.SetPasswordLogin(ctx, client.PasswordLogin{}))(t)

	if err := c.DeleteOIDCProvider(ctx, p.ID); err != nil {
		t.Fatalf("DeleteOIDCProvider = %v", err)
	}
	if r := e.do("GET", "/api/v1/sso/providers/"+p.ID, ""); r.status != http.StatusNotFound {
		t.Errorf("GET a deleted provider = %d; want 404", r.status)
	}
	// Without credentials: 401.
	if r := e.do("GET", "/api/v1/sso/providers", "", "-auth"); r.status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/sso/providers without a key = %d; want 401", r.status)
	}
}

// TestSSORedirectURI: a server that knows its public URL answers the
// absolute redirect URI to register at the provider.
func TestSSORedirectURI(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSSORedirectURI) }

func testSSORedirectURI(t *testing.T) {
	e := newEnvWith(t, envOptions{publicURL: "https://signet.example.com/"}).withAdmin()
	p := must(e.admin.CreateOIDCProvider(e.ctx, client.CreateOIDCProviderRequest{Name: "Okta", Issuer: "https://corp.okta.example",
		ClientID: "signet", ClientSecret: "s3cret-value"}))(t)
	if p.RedirectURI != "https://signet.example.com/login/sso/callback" {
		t.Errorf("redirect_uri = %q; want https://signet.example.com/login/sso/callback", p.RedirectURI)
	}
}
