package issuer_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/issuer"
	"github.com/signetdev/signet/service"
)

const billing = "https://billing.internal"

// world is a Signet with a billing audience and a pipeline account that
// holds Edit in the default workspace (metrics:read, metrics:write).
type world struct {
	*signettest.Server
	ctx      context.Context
	pipeline *client.CreateServiceAccountResponse
	aud      *signet.Audience
}

func newWorld(t *testing.T) *world { return newBenchWorld(t) }

func newBenchWorld(t testing.TB) *world {
	t.Helper()
	s := signettest.Start(t, signettest.Options{})
	w := &world{Server: s, ctx: context.Background()}
	w.pipeline = s.ServiceAccount(t, "pipeline", signet.RoleEditID, s.DefaultWorkspace)
	var err error
	w.aud, err = s.Service.CreateAudience(w.ctx, signet.SystemActor, service.AudienceInput{Identifier: billing})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) credentials(scope ...string) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: w.pipeline.ServiceAccount.ID, ClientSecret: w.pipeline.APIKey.Key,
		TokenURL: w.URL + "/oauth2/token", Scopes: scope,
		EndpointParams: url.Values{"audience": {billing}},
	}
}

func (w *world) ctxWithClient() context.Context {
	return context.WithValue(w.ctx, oauth2.HTTPClient, w.HTTP.Client())
}

// post sends a form to an OAuth endpoint and decodes the JSON answer.
func post(t *testing.T, w *world, path string, form url.Values, auth func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", w.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != nil {
		auth(req)
	}
	resp, err := w.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s answered %d %q: %v", path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode, out
}

func basic(id, secret string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

func bearer(key string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
}

// TestInteropClientCredentials obtains a token with golang.org/x/oauth2's
// client credentials flow (client_secret_basic and client_secret_post) and
// verifies it with coreos/go-oidc against Signet's JWKS.
func TestInteropClientCredentials(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			cc := w.credentials("metrics:read", "metrics:write")
			cc.AuthStyle = style
			tok, err := cc.Token(w.ctxWithClient())
			if err != nil {
				t.Fatalf("style %d: Token: %v", style, err)
			}
			if tok.TokenType != "Bearer" || tok.Expiry.IsZero() || time.Until(tok.Expiry) > 16*time.Minute {
				t.Fatalf("token type %q expiry %v; want Bearer within 15 minutes", tok.TokenType, tok.Expiry)
			}
			keys := oidc.NewRemoteKeySet(w.ctxWithClient(), w.URL+"/.well-known/jwks.json")
			v := oidc.NewVerifier(w.URL, keys, &oidc.Config{ClientID: billing, SupportedSigningAlgs: []string{oidc.EdDSA}})
			idt, err := v.Verify(w.ctx, tok.AccessToken)
			if err != nil {
				t.Fatalf("go-oidc Verify: %v", err)
			}
			var c issuer.Claims
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if c.Subject != w.pipeline.ServiceAccount.ID || c.ClientID != c.Subject || c.Scope != "metrics:read metrics:write" ||
				c.Credential != w.pipeline.APIKey.ID || c.DefaultWorkspace != w.DefaultWorkspace || c.ID == "" {
				t.Fatalf("claims = %+v", c)
			}
			if got := c.Workspace[w.DefaultWorkspace]; len(got) != 2 {
				t.Fatalf("workspaces = %v; want both permissions in the default workspace", c.Workspace)
			}
			// RFC 9068 §2.1: typ at+jwt.
			parsed, err := jwt.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.EdDSA})
			if err != nil {
				t.Fatal(err)
			}
			if typ := parsed.Headers[0].ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
				t.Fatalf("typ = %v; want at+jwt", typ)
			}
		}
	})
}

// TestTokenRefusals covers the refusals of the token endpoint, each with
// RFC 6749 §5.2's error code.
func TestTokenRefusals(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		sa := w.pipeline.ServiceAccount.ID
		key := w.pipeline.APIKey.Key
		form := func(kv ...string) url.Values {
			v := url.Values{"grant_type": {"client_credentials"}, "audience": {billing}, "scope": {"metrics:read"}}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		tests := []struct {
			name   string
			form   url.Values
			auth   func(*http.Request)
			status int
			code   string
		}{
			{"wrong secret", form(), basic(sa, key[:len(key)-2]+"xx"), 401, "invalid_client"},
			{"no credentials", form(), nil, 401, "invalid_client"},
			{"another account's key", form(), basic(w.ViewerID, key), 401, "invalid_client"},
			{"revoked key", form("client_id", "", "client_secret", ""), basic(sa, w.RevokedKey), 401, "invalid_client"},
			{"disabled account", form(), basic(sa, w.DisabledKey), 401, "invalid_client"},
			{"scope the account lacks", form("scope", "signet:check"), basic(sa, key), 400, "invalid_scope"},
			{"scope in another workspace", form("scope", "metrics:read@"+w.OtherWorkspace), basic(sa, key), 400, "invalid_scope"},
			{"unknown permission", form("scope", "nothing:read"), basic(sa, key), 400, "invalid_scope"},
			{"no scope", form("scope", ""), basic(sa, key), 400, "invalid_scope"},
			{"unregistered audience", form("audience", "https://elsewhere"), basic(sa, key), 400, "invalid_target"},
			{"no audience", form("audience", ""), basic(sa, key), 400, "invalid_target"},
			{"unsupported grant", form("grant_type", "password"), basic(sa, key), 400, "unsupported_grant_type"},
			{"unknown parameter", form("colour", "blue"), basic(sa, key), 400, "invalid_request"},
		}
		for _, tt := range tests {
			status, body := post(t, w, "/oauth2/token", tt.form, tt.auth)
			if status != tt.status || body["error"] != tt.code {
				t.Errorf("%s: %d %v; want %d %s", tt.name, status, body, tt.status, tt.code)
			}
			if d, _ := body["error_description"].(string); d == "" || strings.Contains(d, key) {
				t.Errorf("%s: error_description %q: want a message without the secret", tt.name, d)
			}
		}
		// A scoped key carries only its scopes: its account's other
		// permissions are not the token's.
		scoped, err := w.Admin.CreateServiceAccountKey(w.ctx, sa, client.CreateAPIKeyRequest{Name: "ro", Scopes: []string{"metrics:read"}})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := post(t, w, "/oauth2/token", form("scope", "metrics:write"), basic(sa, scoped.Key)); status != 400 || body["error"] != "invalid_scope" {
			t.Errorf("scoped key asking beyond its scopes: %d %v", status, body)
		}
		if status, body := post(t, w, "/oauth2/token", form(), basic(sa, scoped.Key)); status != 200 || body["scope"] != "metrics:read" {
			t.Errorf("scoped key within its scopes: %d %v", status, body)
		}
	})
}

// token obtains a token for the pipeline with scope.
func (w *world) token(t testing.TB, scope ...string) string {
	t.Helper()
	tok, err := w.credentials(scope...).Token(w.ctxWithClient())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func (w *world) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	status, body := post(t, w, "/oauth2/introspect", url.Values{"token": {token}}, bearer(w.CheckerKey))
	if status != 200 {
		t.Fatalf("introspect: %d %v", status, body)
	}
	return body
}

// TestIntrospectionAndRevocation: introspection answers active for a
// fresh token and inactive at once after the key that minted it is
// revoked, its account disabled, or the token itself revoked.
func TestIntrospectionAndRevocation(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "metrics:read")
		in := w.introspect(t, tok)
		if in["active"] != true || in["sub"] != w.pipeline.ServiceAccount.ID || in["aud"] != billing || in["scope"] != "metrics:read" {
			t.Fatalf("introspection = %v", in)
		}
		// Only a caller holding signet:check may introspect.
		if status, body := post(t, w, "/oauth2/introspect", url.Values{"token": {tok}}, bearer(w.ViewerKey)); status != 401 || body["error"] != "invalid_client" {
			t.Fatalf("viewer introspecting: %d %v", status, body)
		}
		if got := w.introspect(t, "not.a.token"); len(got) != 1 || got["active"] != false {
			t.Fatalf("garbage = %v; want only active:false", got)
		}

		// Revocation by the client (RFC 7009).
		other := w.token(t, "metrics:read")
		if status, body := post(t, w, "/oauth2/revoke", url.Values{"token": {other}}, basic(w.pipeline.ServiceAccount.ID, w.pipeline.APIKey.Key)); status != 200 {
			t.Fatalf("revoke: %d %v", status, body)
		}
		if got := w.introspect(t, other); got["active"] != false {
			t.Fatalf("revoked token = %v", got)
		}
		if got := w.introspect(t, tok); got["active"] != true {
			t.Fatalf("the other token went inactive too: %v", got)
		}

		// Disabling the account.
		if _, err := w.Admin.DisableServiceAccount(w.ctx, w.pipeline.ServiceAccount.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.introspect(t, tok); got["active"] != false {
			t.Fatalf("token of a disabled account = %v", got)
		}
		if _, err := w.Admin.EnableServiceAccount(w.ctx, w.pipeline.ServiceAccount.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.introspect(t, tok); got["active"] != true {
			t.Fatalf("token after enabling the account again = %v", got)
		}
		// Revoking the key that minted it.
		if _, err := w.Admin.RevokeAPIKey(w.ctx, w.pipeline.APIKey.ID, "leaked"); err != nil {
			t.Fatal(err)
		}
		if got := w.introspect(t, tok); got["active"] != false {
			t.Fatalf("token of a revoked key = %v", got)
		}
	})
}

// TestExpiredAndForgedTokens: an expired token, one signed with alg none,
// one signed by a key Signet never published, and one signed by a retired
// key after its overlap are all inactive.
func TestExpiredAndForgedTokens(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "metrics:read")
		parts := strings.Split(tok, ".")
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."
		if got := w.introspect(t, none); got["active"] != false {
			t.Fatalf("alg none = %v", got)
		}
		// Signed by a stranger's key under the published kid.
		hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var h struct{ Kid string }
		json.Unmarshal(hdr, &h)
		_, stranger, _ := ed25519.GenerateKey(rand.Reader)
		forged := sign(t, stranger, jose.EdDSA, h.Kid, parts[1])
		if got := w.introspect(t, forged); got["active"] != false {
			t.Fatalf("forged = %v", got)
		}
		// HS256 with the public key as the secret (key confusion).
		jwks := w.jwks(t)
		pub := jwks.Keys[0].Key.(ed25519.PublicKey)
		hs, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(pub)}, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", h.Kid))
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		obj, _ := hs.Sign(payload)
		hsTok, _ := obj.CompactSerialize()
		if got := w.introspect(t, hsTok); got["active"] != false {
			t.Fatalf("HS256 = %v", got)
		}

		// A rotation keeps the old key published: tokens it signed stay
		// active; the JWKS holds both.
		if _, err := w.Service.RotateSigningKeys(w.ctx, signet.SystemActor, service.TokenOptions{}, true); err != nil {
			t.Fatal(err)
		}
		if n := len(w.jwks(t).Keys); n != 2 {
			t.Fatalf("JWKS after rotation holds %d keys; want 2", n)
		}
		if got := w.introspect(t, tok); got["active"] != true {
			t.Fatalf("token of the retired key during its overlap = %v", got)
		}
		newTok := w.token(t, "metrics:read")
		if kidOf(newTok) == h.Kid {
			t.Fatal("a token after rotation is signed by the retired key")
		}
	})
}

func (w *world) jwks(t testing.TB) jose.JSONWebKeySet {
	t.Helper()
	resp, err := w.HTTP.Client().Get(w.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

func kidOf(tok string) string {
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	var h struct{ Kid string }
	json.Unmarshal(hdr, &h)
	return h.Kid
}

func sign(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, kid, payloadB64 string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(payloadB64)
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := obj.CompactSerialize()
	return out
}

// TestPrivateKeyJWT authenticates with a client assertion signed by a key
// registered on the account (RFC 7523), once: a replay is refused.
func TestPrivateKeyJWT(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.MarshalPKIXPublicKey(priv.Public())
		ck, err := w.Service.CreateClientKey(w.ctx, signet.SystemActor, w.pipeline.ServiceAccount.ID, service.ClientKeyInput{
			Name: "ci", PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
		if err != nil {
			t.Fatal(err)
		}
		sa := w.pipeline.ServiceAccount.ID
		assertion := func(aud, jti string, exp time.Duration) string {
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: ck.ID}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			out, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: sa, Subject: sa, Audience: jwt.Audience{aud}, ID: jti,
				IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(exp))}).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		form := func(a string) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "audience": {billing}, "scope": {"metrics:read"},
				"client_assertion_type": {issuer.AssertionTypeJWTBearer}, "client_assertion": {a}}
		}
		good := assertion(w.URL+"/oauth2/token", "jti-1", time.Minute)
		status, body := post(t, w, "/oauth2/token", form(good), nil)
		if status != 200 {
			t.Fatalf("private_key_jwt: %d %v", status, body)
		}
		if got := w.introspect(t, body["access_token"].(string)); got["active"] != true {
			t.Fatalf("introspection = %v", got)
		}
		for _, tt := range []struct {
			name, assertion string
		}{
			{"replayed", good},
			{"wrong audience", assertion("https://elsewhere/token", "jti-2", time.Minute)},
			{"expired", assertion(w.URL+"/oauth2/token", "jti-3", -2*time.Minute)},
			{"too long-lived", assertion(w.URL+"/oauth2/token", "jti-4", 2*time.Hour)},
		} {
			if status, body := post(t, w, "/oauth2/token", form(tt.assertion), nil); status != 401 || body["error"] != "invalid_client" {
				t.Errorf("%s: %d %v; want 401 invalid_client", tt.name, status, body)
			}
		}
		// Deleting the key refuses its assertions and ends its tokens.
		tok := body["access_token"].(string)
		if err := w.Service.DeleteClientKey(w.ctx, signet.SystemActor, sa, ck.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.introspect(t, tok); got["active"] != false {
			t.Fatalf("token of a deleted client key = %v", got)
		}
	})
}

// TestTokenExchange: the billing service exchanges a token addressed to it
// for a narrower one to the ledger, recorded in act; widening is refused,
// and so is an exchange by a client billing does not run as.
func TestTokenExchange(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		svcAcct := w.ServiceAccount(t, "billing-svc", signet.RoleViewID, w.DefaultWorkspace)
		if _, err := w.Service.UpdateAudience(w.ctx, signet.SystemActor, w.aud.ID, service.AudienceUpdate{ServiceAccountID: &svcAcct.ServiceAccount.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Service.CreateAudience(w.ctx, signet.SystemActor, service.AudienceInput{Identifier: "ledger"}); err != nil {
			t.Fatal(err)
		}
		subject := w.token(t, "metrics:read", "metrics:write")
		form := func(scope string) url.Values {
			v := url.Values{"grant_type": {issuer.GrantTokenExchange}, "audience": {"ledger"},
				"subject_token": {subject}, "subject_token_type": {issuer.TokenTypeAccessToken}}
			if scope != "" {
				v.Set("scope", scope)
			}
			return v
		}
		exAuth := basic(svcAcct.ServiceAccount.ID, svcAcct.APIKey.Key)
		status, body := post(t, w, "/oauth2/token", form("metrics:read"), exAuth)
		if status != 200 || body["issued_token_type"] != issuer.TokenTypeAccessToken || body["scope"] != "metrics:read" {
			t.Fatalf("exchange: %d %v", status, body)
		}
		in := w.introspect(t, body["access_token"].(string))
		act, _ := in["act"].(map[string]any)
		if in["active"] != true || in["aud"] != "ledger" || in["sub"] != w.pipeline.ServiceAccount.ID || act["sub"] != svcAcct.ServiceAccount.ID {
			t.Fatalf("exchanged token = %v", in)
		}
		if status, body := post(t, w, "/oauth2/token", form("metrics:read@"+w.OtherWorkspace), exAuth); status != 400 || body["error"] != "invalid_scope" {
			t.Errorf("widening exchange: %d %v", status, body)
		}
		if status, body := post(t, w, "/oauth2/token", form(""), basic(w.pipeline.ServiceAccount.ID, w.pipeline.APIKey.Key)); status != 400 || body["error"] != "unauthorized_client" {
			t.Errorf("exchange by another client: %d %v", status, body)
		}
		// Revoking the original key ends the exchanged token too.
		if _, err := w.Admin.RevokeAPIKey(w.ctx, w.pipeline.APIKey.ID, "leaked"); err != nil {
			t.Fatal(err)
		}
		if got := w.introspect(t, body["access_token"].(string)); got["active"] != false {
			t.Fatalf("exchanged token after its origin's key was revoked = %v", got)
		}
	})
}

// TestMetadata: the RFC 8414 document names the endpoints.
func TestMetadata(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		resp, err := w.HTTP.Client().Get(w.URL + "/.well-known/oauth-authorization-server")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m issuer.Metadata
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.Issuer != w.URL || m.TokenEndpoint != w.URL+"/oauth2/token" || m.JWKSURI != w.URL+"/.well-known/jwks.json" {
			t.Fatalf("metadata = %+v", m)
		}
	})
}

// TestExpiryAndRetiredKey: a token is inactive once expired, go-oidc
// refuses it and a token for another audience, and a retired key stays
// published while tokens it signed may live, even after the token
// lifetime was shortened. (A token of a key past its overlap:
// TestRetiredKeyAfterOverlap.)
func TestExpiryAndRetiredKey(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		setLifetime := func(d time.Duration) {
			if _, err := w.Service.SetKeyPolicy(w.ctx, signet.SystemActor, signet.KeyPolicy{TokenLifetime: d}); err != nil {
				t.Fatal(err)
			}
		}
		setLifetime(time.Second)
		short := w.token(t, "metrics:read")
		testenv.Eventually(t, "the one-second token expires", func() bool { return w.introspect(t, short)["active"] == false })
		keys := oidc.NewRemoteKeySet(w.ctxWithClient(), w.URL+"/.well-known/jwks.json")
		v := oidc.NewVerifier(w.URL, keys, &oidc.Config{ClientID: billing, SupportedSigningAlgs: []string{oidc.EdDSA}})
		if _, err := v.Verify(w.ctx, short); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("go-oidc verified an expired token: %v", err)
		}

		setLifetime(time.Hour)
		long := w.token(t, "metrics:read")
		// Another audience's verifier refuses it.
		other := oidc.NewVerifier(w.URL, keys, &oidc.Config{ClientID: "https://other.internal", SupportedSigningAlgs: []string{oidc.EdDSA}})
		if _, err := other.Verify(w.ctx, long); err == nil {
			t.Fatal("go-oidc accepted a token for another audience")
		}
		// The policy shortens tokens to a second, then the key is rotated
		// with a minimal overlap: the old key stays published as long as
		// the tokens issued under the hour-long lifetime may live.
		setLifetime(time.Second)
		if _, err := w.Service.RotateSigningKeys(w.ctx, signet.SystemActor, service.TokenOptions{Overlap: time.Nanosecond}, true); err != nil {
			t.Fatal(err)
		}
		old := kidOf(long)
		if got := w.introspect(t, long); got["active"] != true {
			t.Fatalf("a token issued under the longer lifetime went inactive with its key's retirement: %v", got)
		}
		published := false
		for _, k := range w.jwks(t).Keys {
			published = published || k.KeyID == old
		}
		if !published {
			t.Fatalf("the JWKS dropped retired key %s while its tokens live", old)
		}
		if _, err := v.Verify(w.ctx, long); err != nil {
			t.Fatalf("go-oidc refused a token of a retired key within its overlap: %v", err)
		}
	})
}

// TestTokenAudit: issuances and refusals are audited, aggregated: three
// tokens are one oauth_token.issue event with count 3, and two refusals
// one oauth_token.refused event, neither holding a secret or a token.
func TestTokenAudit(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T) {
		w := newWorld(t)
		var toks []string
		for range 3 {
			toks = append(toks, w.token(t, "metrics:read"))
		}
		bad := url.Values{"grant_type": {"client_credentials"}, "audience": {billing}, "scope": {"signet:check"}}
		for range 2 {
			post(t, w, "/oauth2/token", bad, basic(w.pipeline.ServiceAccount.ID, w.pipeline.APIKey.Key))
		}
		if err := w.TokenEvents.Flush(w.ctx, true); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			action, outcome string
			count           string
		}{
			{service.ActionTokenIssue, signet.OutcomeSuccess, "3"},
			{service.ActionTokenRefused, signet.OutcomeDenied, "2"},
		} {
			evs, _, err := w.Service.ListAuditEvents(w.ctx, signet.SystemActor, signet.AuditFilter{Action: tt.action})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Outcome != tt.outcome || fmt.Sprint(evs[0].Details["count"]) != tt.count ||
				evs[0].ActorID != w.pipeline.ServiceAccount.ID || evs[0].TargetName != billing {
				t.Fatalf("%s events = %+v; want one, count %v, by the pipeline, for billing", tt.action, *evs[0], tt.count)
			}
			b, _ := json.Marshal(evs[0])
			for _, secret := range append(toks, w.pipeline.APIKey.Key) {
				if strings.Contains(string(b), secret) {
					t.Fatalf("%s event holds a secret or a token: %s", tt.action, b)
				}
			}
		}
	})
}
