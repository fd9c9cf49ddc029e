package signetauth_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/signetauth"
)

// TestRequirePermissionSignetToken: a token from a real Signet's token
// endpoint passes RequirePermission, verified offline against Signet's
// JWKS, in the workspace the edge rule decides and only with the
// permissions it was issued with; the account's API key still goes to the
// check API. A token revoked at Signet keeps passing until its exp (the
// documented bound) while introspection answers inactive at once.
func TestRequirePermissionSignetToken(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRequirePermissionSignetToken)
}

func testRequirePermissionSignetToken(t *testing.T) {
	ctx := t.Context()
	s := signettest.Start(t, signettest.Options{})
	const billing = "https://billing.internal"
	if _, err := s.Service.CreateAudience(ctx, signet.SystemActor, service.AudienceInput{Identifier: billing}); err != nil {
		t.Fatal(err)
	}
	sa := s.ServiceAccount(t, "billing-caller", signet.RoleEditID, s.DefaultWorkspace) // metrics:read, metrics:write
	saClient := s.Client(t, sa.APIKey.Key)
	resp, err := saClient.Token(ctx, client.TokenRequest{ClientID: sa.ServiceAccount.ID, Audience: billing, Scope: []string{"metrics:write"}})
	if err != nil {
		t.Fatal(err)
	}
	token := resp.AccessToken
	if !signetauth.IsToken(token) {
		t.Fatalf("Signet's token does not look like a JWT to IsToken")
	}

	newAuth := func(cfg signetauth.Config) *signetauth.Auth {
		cfg.URL, cfg.Key, cfg.HTTPClient = s.URL, s.CheckerKey, s.HTTP.Client()
		auth, err := signetauth.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return auth
	}
	billingAuth := newAuth(signetauth.Config{Audience: billing})
	otherAuth := newAuth(signetauth.Config{Audience: "https://ledger.internal"})
	pickOther := newAuth(signetauth.Config{Audience: billing, ClientWorkspaces: []string{s.OtherWorkspace}})
	for _, tt := range []struct {
		name   string
		auth   *signetauth.Auth
		perm   string
		cred   string
		hdr    []string
		status int
	}{
		{"token", billingAuth, "metrics:write", token, nil, 200},
		{"token names the default workspace", billingAuth, "metrics:write", token, []string{"X-Workspace-Id", s.DefaultWorkspace}, 200},
		{"token, a permission it was not issued with", billingAuth, "metrics:read", token, nil, 403},
		{"token, another workspace picked", pickOther, "metrics:write", token, []string{"X-Workspace-Id", s.OtherWorkspace}, 403},
		{"token for another audience", otherAuth, "metrics:write", token, nil, 401},
		{"the account's API key, through the check API", billingAuth, "metrics:read", sa.APIKey.Key, nil, 200},
	} {
		rec := serve(tt.auth.RequirePermission(tt.perm)(principalHandler), tt.cred, tt.hdr...)
		if rec.Code != tt.status {
			t.Errorf("%s: %d %q; want %d", tt.name, rec.Code, rec.Body, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		var p signetauth.Principal
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.ID != sa.ServiceAccount.ID || p.Kind != "service_account" || p.Workspace != s.DefaultWorkspace {
			t.Errorf("%s: principal %+v; want %s in %s", tt.name, p, sa.ServiceAccount.ID, s.DefaultWorkspace)
		}
		if tt.cred == token && (!strings.HasPrefix(p.TokenID, "at_") || p.ClientID != sa.ServiceAccount.ID || p.KeyID != "" || p.ExpiresAt.IsZero()) {
			t.Errorf("%s: principal %+v; want the token's jti, client_id and exp", tt.name, p)
		}
	}

	// Revoked at Signet: introspection says inactive at once; the offline
	// verifier keeps accepting the token until its exp.
	form := url.Values{"token": {token}}
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(sa.ServiceAccount.ID), url.QueryEscape(sa.APIKey.Key))
	rr, err := s.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rr.Body.Close()
	if rr.StatusCode != 200 {
		t.Fatalf("revoke: %d", rr.StatusCode)
	}
	in, err := s.Client(t, s.CheckerKey).Introspect(ctx, token)
	if err != nil || in.Active {
		t.Errorf("introspection of the revoked token = %+v, %v; want inactive", in, err)
	}
	if rec := serve(billingAuth.RequirePermission("metrics:write")(principalHandler), token); rec.Code != 200 {
		t.Errorf("revoked token at the offline verifier: %d; want 200 until exp (the documented bound)", rec.Code)
	}
	// A fresh verifier, which has never seen the token, accepts it too:
	// nothing tells it of the revocation.
	if rec := serve(newAuth(signetauth.Config{Audience: billing}).RequirePermission("metrics:write")(principalHandler), token); rec.Code != 200 {
		t.Errorf("revoked token at a fresh offline verifier: %d; want 200 until exp", rec.Code)
	}
}
