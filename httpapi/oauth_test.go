package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// ed25519PEM is a new Ed25519 public key as PEM.
func ed25519PEM(tb testing.TB) string {
	tb.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAudiences walks the audience API: create (201, Location), list,
// get, patch, delete, and its refusals (422 naming the field, 409, 404).
func TestAudiences(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAudiences) }

func testAudiences(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	sa := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "billing"}))(t).ServiceAccount

	r := e.do("POST", "/api/v1/oauth/audiences", `{"identifier":"https://billing.internal","description":"Billing","service_account_id":"`+sa.ID+`","token_lifetime":"PT5M"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/v1/oauth/audiences = %d %s; want 201", r.status, r.body)
	}
	var au client.Audience
	if err := json.Unmarshal(r.body, &au); err != nil {
		t.Fatal(err)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/oauth/audiences/"+au.ID {
		t.Errorf("Location = %q; want /api/v1/oauth/audiences/%s", loc, au.ID)
	}
	if !strings.HasPrefix(au.ID, "aud_") || au.Identifier != "https://billing.internal" || au.Description != "Billing" ||
		au.ServiceAccountID != sa.ID || au.TokenLifetime != "5m" || au.CreatedBy != e.adminID || au.CreatedAt.IsZero() {
		t.Errorf("created audience = %+v", au)
	}

	plain := must(c.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "reports"}))(t)
	if plain.TokenLifetime != "0" || plain.ServiceAccountID != "" {
		t.Errorf("CreateAudience(defaults) = %+v; want token_lifetime 0, no account", plain)
	}
	page := must(c.ListAudiences(ctx, client.ListOptions{Limit: 1}))(t)
	if len(page.Data) != 1 || page.NextCursor == "" {
		t.Errorf("ListAudiences(limit 1) = %+v; want one and a cursor", page)
	}
	if got := must(c.GetAudience(ctx, au.ID))(t); *got != au {
		t.Errorf("GetAudience = %+v; want %+v", got, au)
	}

	up := must(c.UpdateAudience(ctx, au.ID, client.AudienceUpdate{TokenLifetime: client.String("0"), ServiceAccountID: client.String("")}))(t)
	if up.TokenLifetime != "0" || up.ServiceAccountID != "" || up.Identifier != au.Identifier || up.Description != "Billing" {
		t.Errorf("UpdateAudience = %+v; want the lifetime and account cleared, the rest unchanged", up)
	}

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code, field, msg         string
	}{
		{"no identifier", "POST", "/api/v1/oauth/audiences", `{}`, 422, "invalid", "identifier", "identifier is required"},
		{"spaces", "POST", "/api/v1/oauth/audiences", `{"identifier":"billing api"}`, 422, "invalid", "identifier", "without spaces"},
		{"lifetime junk", "POST", "/api/v1/oauth/audiences", `{"identifier":"x","token_lifetime":"soon"}`, 422, "invalid", "token_lifetime", "not a valid duration"},
		{"lifetime too long", "POST", "/api/v1/oauth/audiences", `{"identifier":"x","token_lifetime":"25h"}`, 422, "invalid", "token_lifetime", "between 0"},
		{"not an account", "POST", "/api/v1/oauth/audiences", `{"identifier":"x","service_account_id":"` + e.adminID + `"}`, 422, "invalid", "service_account_id", "not a service account"},
		{"duplicate", "POST", "/api/v1/oauth/audiences", `{"identifier":"reports"}`, 409, "conflict", "identifier", "already exists"},
		{"patch duplicate", "PATCH", "/api/v1/oauth/audiences/" + au.ID, `{"identifier":"reports"}`, 409, "conflict", "identifier", "already exists"},
		{"patch lifetime", "PATCH", "/api/v1/oauth/audiences/" + au.ID, `{"token_lifetime":"-1m"}`, 422, "invalid", "token_lifetime", "sign"},
		{"get missing", "GET", "/api/v1/oauth/audiences/aud_missing", "", 404, "not_found", "", "not found"},
		{"patch missing", "PATCH", "/api/v1/oauth/audiences/aud_missing", `{"description":"x"}`, 404, "not_found", "", "not found"},
		{"delete missing", "DELETE", "/api/v1/oauth/audiences/aud_missing", "", 404, "not_found", "", "not found"},
	} {
		r := e.do(tt.method, tt.path, tt.body)
		if r.status != tt.status {
			t.Errorf("%s: %s %s = %d %s; want %d", tt.name, tt.method, tt.path, r.status, r.body, tt.status)
			continue
		}
		if eb := r.errBody(t); eb.Code != tt.code || !strings.Contains(eb.Message, tt.field) || !strings.Contains(eb.Message, tt.msg) {
			t.Errorf("%s: error = %+v; want %s on %q saying %q", tt.name, eb, tt.code, tt.field, tt.msg)
		}
	}

	if err := c.DeleteAudience(ctx, au.ID); err != nil {
		t.Fatalf("DeleteAudience = %v", err)
	}
	_, err := c.GetAudience(ctx, au.ID)
	wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound, "not found")
}

// TestClientKeys walks the client-key API of a service account.
func TestClientKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testClientKeys) }

func testClientKeys(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	sa := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "ci", APIKey: &client.CreateAPIKeyRequest{Name: "k"}}))(t)
	base := "/api/v1/service-accounts/" + sa.ServiceAccount.ID + "/client-keys"
	pemKey := ed25519PEM(t)

	r := e.do("POST", base, `{"name":"ci-signer","public_key":`+jsonString(pemKey)+`}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST %s = %d %s; want 201", base, r.status, r.body)
	}
	var k client.ClientKey
	if err := json.Unmarshal(r.body, &k); err != nil {
		t.Fatal(err)
	}
	if loc := r.header.Get("Location"); loc != base+"/"+k.ID {
		t.Errorf("Location = %q; want %s/%s", loc, base, k.ID)
	}
	if !strings.HasPrefix(k.ID, "ck_") || k.ServiceAccountID != sa.ServiceAccount.ID || k.Name != "ci-signer" || k.Algorithm != signet.AlgEdDSA ||
		k.PublicKey != pemKey || len(k.Thumbprint) != 43 || k.CreatedBy != e.adminID {
		t.Errorf("created client key = %+v", k)
	}

	// A JWK of a P-256 key, through the SDK.
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := ec.PublicKey.Bytes()
	jwk := `{"kty":"EC","crv":"P-256","x":"` + b64url(raw[1:33]) + `","y":"` + b64url(raw[33:]) + `"}`
	k2 := must(c.CreateClientKey(ctx, sa.ServiceAccount.ID, client.CreateClientKeyRequest{Name: "p256", PublicKey: jwk}))(t)
	if k2.Algorithm != signet.AlgES256 || !strings.HasPrefix(k2.PublicKey, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("CreateClientKey(JWK) = %+v; want ES256, stored as PEM", k2)
	}
	if got := must(c.ListClientKeys(ctx, sa.ServiceAccount.ID))(t); len(got) != 2 || got[0] != k && got[1] != k {
		t.Errorf("ListClientKeys = %+v; want both", got)
	}
	// The account reads its own keys with its API key.
	self := e.client(client.WithAPIKey(sa.APIKey.Key))
	if got := must(self.ListClientKeys(ctx, sa.ServiceAccount.ID))(t); len(got) != 2 {
		t.Errorf("ListClientKeys by the account itself = %d keys; want 2", len(got))
	}

	privDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code, field, msg         string
	}{
		{"no name", "POST", base, `{"name":"","public_key":` + jsonString(ed25519PEM(t)) + `}`, 422, "invalid", "name", "name is required"},
		{"no key", "POST", base, `{"name":"x","public_key":""}`, 422, "invalid", "public_key", "public_key is required"},
		{"private key", "POST", base, `{"name":"x","public_key":` + jsonString(privPEM) + `}`, 422, "invalid", "public_key", "never a private key"},
		{"duplicate", "POST", base, `{"name":"again","public_key":` + jsonString(pemKey) + `}`, 409, "conflict", "", "already registered"},
		{"a person", "POST", "/api/v1/service-accounts/" + e.adminID + "/client-keys", `{"name":"x","public_key":` + jsonString(pemKey) + `}`, 422, "invalid", "", "client keys belong to service accounts"},
		{"unknown account", "POST", "/api/v1/service-accounts/sa_missing/client-keys", `{"name":"x","public_key":` + jsonString(pemKey) + `}`, 404, "not_found", "", "not found"},
		{"list unknown account", "GET", "/api/v1/service-accounts/sa_missing/client-keys", "", 404, "not_found", "", "not found"},
		{"delete unknown key", "DELETE", base + "/ck_missing", "", 404, "not_found", "", "not found"},
	} {
		r := e.do(tt.method, tt.path, tt.body)
		if r.status != tt.status {
			t.Errorf("%s: %s %s = %d %s; want %d", tt.name, tt.method, tt.path, r.status, r.body, tt.status)
			continue
		}
		if eb := r.errBody(t); eb.Code != tt.code || !strings.Contains(eb.Message, tt.field) || !strings.Contains(eb.Message, tt.msg) {
			t.Errorf("%s: error = %+v; want %s on %q saying %q", tt.name, eb, tt.code, tt.field, tt.msg)
		}
	}

	if r := e.do("DELETE", base+"/"+k.ID, ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE %s/%s = %d %s; want 204", base, k.ID, r.status, r.body)
	}
	if err := c.DeleteClientKey(ctx, sa.ServiceAccount.ID, k2.ID); err != nil {
		t.Fatalf("DeleteClientKey = %v", err)
	}
	if err := c.DeleteClientKey(ctx, sa.ServiceAccount.ID, k2.ID); err == nil {
		t.Error("DeleteClientKey(again) = nil; want 404")
	}
	if got := must(c.ListClientKeys(ctx, sa.ServiceAccount.ID))(t); len(got) != 0 {
		t.Errorf("ListClientKeys after deletes = %+v; want none", got)
	}
	if r := e.do("GET", base, ""); !strings.Contains(string(r.body), `"data":[]`) {
		t.Errorf("GET %s with no keys = %s; want an empty data array", base, r.body)
	}
}

// TestSigningKeys: the published keys never show a private key; a manual
// rotation answers the new list.
func TestSigningKeys(t *testing.T) { t.Parallel(); testdb.ForEach(t, testSigningKeys) }

func testSigningKeys(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	if got := must(c.ListSigningKeys(ctx))(t); len(got) != 0 {
		t.Errorf("ListSigningKeys before any rotation = %+v; want none", got)
	}
	r := e.do("POST", "/api/v1/oauth/signing-keys/rotate", "")
	if r.status != http.StatusOK {
		t.Fatalf("POST /api/v1/oauth/signing-keys/rotate = %d %s; want 200", r.status, r.body)
	}
	var first client.SigningKeyList
	if err := json.Unmarshal(r.body, &first); err != nil {
		t.Fatal(err)
	}
	if len(first.Data) != 1 || first.Data[0].Algorithm != signet.AlgEdDSA || first.Data[0].RetiredAt != nil {
		t.Fatalf("keys after the first rotation = %+v; want one signing key", first.Data)
	}
	keys := must(c.RotateSigningKeys(ctx))(t)
	if len(keys) != 2 || keys[0].ID != first.Data[0].ID || keys[0].RetiredAt == nil || keys[0].ExpiresAt == nil || keys[1].RetiredAt != nil {
		t.Errorf("keys after a second rotation = %+v; want the first retired, then a new one", keys)
	}
	for _, path := range []string{"/api/v1/oauth/signing-keys", "/api/v1/oauth/signing-keys/rotate"} {
		method := "GET"
		if strings.HasSuffix(path, "rotate") {
			method = "POST"
		}
		r := e.do(method, path, "")
		if r.status != http.StatusOK || strings.Contains(string(r.body), "private") || strings.Contains(string(r.body), "PRIVATE") {
			t.Errorf("%s %s = %d %s; want 200 without a private key", method, path, r.status, r.body)
		}
	}
}

// TestOAuthAccess: audiences and signing keys need settings:read and
// settings:write, client keys service_accounts:read and :write,
// organisation-wide; a workspace viewer gets 403.
func TestOAuthAccess(t *testing.T) { t.Parallel(); testdb.ForEach(t, testOAuthAccess) }

func testOAuthAccess(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	au := must(e.admin.CreateAudience(ctx, client.CreateAudienceRequest{Identifier: "billing"}))(t)
	target := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "target"}))(t).ServiceAccount
	ck := must(e.admin.CreateClientKey(ctx, target.ID, client.CreateClientKeyRequest{Name: "k", PublicKey: ed25519PEM(t)}))(t)
	ws := must(e.admin.ListWorkspaces(ctx, client.ListOptions{}))(t).Data[0].ID
	viewer := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "viewer", Grants: []client.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: ws}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k"},
	}))(t).APIKey.Key
	auth := "Authorization: Bearer " + viewer
	keys := "/api/v1/service-accounts/" + target.ID + "/client-keys"
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/api/v1/oauth/audiences", ""},
		{"POST", "/api/v1/oauth/audiences", `{"identifier":"x"}`},
		{"GET", "/api/v1/oauth/audiences/" + au.ID, ""},
		{"PATCH", "/api/v1/oauth/audiences/" + au.ID, `{"description":"x"}`},
		{"DELETE", "/api/v1/oauth/audiences/" + au.ID, ""},
		{"GET", "/api/v1/oauth/signing-keys", ""},
		{"POST", "/api/v1/oauth/signing-keys/rotate", ""},
		{"GET", keys, ""},
		{"POST", keys, `{"name":"x","public_key":` + jsonString(ed25519PEM(t)) + `}`},
		{"DELETE", keys + "/" + ck.ID, ""},
	} {
		r := e.do(tt.method, tt.path, tt.body, auth)
		if r.status != http.StatusForbidden {
			t.Errorf("%s %s as a viewer = %d %s; want 403", tt.method, tt.path, r.status, r.body)
			continue
		}
		if eb := r.errBody(t); eb.Code != client.CodeForbidden {
			t.Errorf("%s %s as a viewer = %+v; want forbidden", tt.method, tt.path, eb)
		}
	}
	if got := must(e.admin.ListClientKeys(ctx, target.ID))(t); len(got) != 1 {
		t.Errorf("client keys after a viewer's refused delete = %d; want 1", len(got))
	}
}

// TestKeyPolicyTokenLifetime: the key policy carries token_lifetime.
func TestKeyPolicyTokenLifetime(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyPolicyTokenLifetime)
}

func testKeyPolicyTokenLifetime(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	if p := must(c.GetKeyPolicy(ctx))(t); p.TokenLifetime != "0" {
		t.Errorf("token_lifetime before any policy = %q; want 0", p.TokenLifetime)
	}
	p := must(c.SetKeyPolicy(ctx, client.KeyPolicySettings{TokenLifetime: "PT30M"}))(t)
	if p.TokenLifetime != "30m" {
		t.Errorf("SetKeyPolicy(token_lifetime PT30M) = %q; want 30m", p.TokenLifetime)
	}
	if got := must(c.GetKeyPolicy(ctx))(t); got.TokenLifetime != "30m" {
		t.Errorf("GetKeyPolicy token_lifetime = %q; want 30m", got.TokenLifetime)
	}
	for body, msg := range map[string]string{
		`{"token_lifetime":"25h"}`:  "at most 1d",
		`{"token_lifetime":"soon"}`: "not a valid duration",
	} {
		r := e.do("PUT", "/api/v1/key-policy", body)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("PUT /api/v1/key-policy %s = %d %s; want 422", body, r.status, r.body)
			continue
		}
		if eb := r.errBody(t); !strings.Contains(eb.Message, "token_lifetime") || !strings.Contains(eb.Message, msg) {
			t.Errorf("PUT /api/v1/key-policy %s = %+v; want an error on token_lifetime saying %q", body, eb, msg)
		}
	}
}
