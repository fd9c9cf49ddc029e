package signetauth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/signetauth"
)

const (
	testAudience = "https://billing.internal"
	wsDefault    = "ws_default"
	wsOther      = "ws_other"
)

// issuer stands for Signet's token issuer: it holds an Ed25519 and an
// ES256 signing key, serves the keys it publishes as a JWK Set and counts
// the fetches.
type issuer struct {
	srv   *httptest.Server
	ed    ed25519.PrivateKey
	ec    *ecdsa.PrivateKey
	hits  atomic.Int64
	mu    sync.Mutex
	keys  []jose.JSONWebKey // published
	fails bool              // answer 500
}

const (
	edKid = "sig_ed"
	ecKid = "sig_ec"
)

func newIssuer(t testing.TB) *issuer {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{ed: ed, ec: ec}
	is.publish(edKid, ecKid)
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		is.hits.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		if is.fails {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: is.keys})
	}))
	t.Cleanup(is.srv.Close)
	return is
}

// publish sets the kids the JWK Set holds.
func (is *issuer) publish(kids ...string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = nil
	for _, kid := range kids {
		switch kid {
		case edKid:
			is.keys = append(is.keys, jose.JSONWebKey{Key: is.ed.Public(), KeyID: kid, Algorithm: "EdDSA", Use: "sig"})
		case ecKid:
			is.keys = append(is.keys, jose.JSONWebKey{Key: is.ec.Public(), KeyID: kid, Algorithm: "ES256", Use: "sig"})
		}
	}
}

func (is *issuer) setFailing(f bool) { is.mu.Lock(); is.fails = f; is.mu.Unlock() }

// claims are a valid token's claims at now; tests change them.
func (is *issuer) claims(now time.Time) map[string]any {
	return map[string]any{
		"iss": is.srv.URL, "sub": "sa_caller", "aud": testAudience,
		"exp": now.Add(15 * time.Minute).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"jti": "at_1", "client_id": "sa_caller", "scope": "billing:read billing:write@" + wsOther,
		"workspaces":        map[string][]string{wsDefault: {"billing:read"}, wsOther: {"billing:write"}},
		"default_workspace": wsDefault, "signet_cred": "key_1",
	}
}

// mint signs claims with the key of kid (alg: its algorithm unless
// given) and typ at+jwt unless typ is given.
func (is *issuer) mint(t testing.TB, kid string, claims map[string]any, opts ...func(*mintOpts)) string {
	t.Helper()
	o := mintOpts{kid: kid, typ: "at+jwt"}
	switch kid {
	case ecKid:
		o.key, o.alg = is.ec, jose.ES256
	default:
		o.key, o.alg = is.ed, jose.EdDSA
	}
	for _, f := range opts {
		f(&o)
	}
	so := (&jose.SignerOptions{}).WithHeader("kid", o.kid)
	if o.typ != "" {
		so = so.WithType(jose.ContentType(o.typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: o.alg, Key: o.key}, so)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type mintOpts struct {
	kid, typ string
	alg      jose.SignatureAlgorithm
	key      any
}

func withTyp(typ string) func(*mintOpts) { return func(o *mintOpts) { o.typ = typ } }
func withKey(alg jose.SignatureAlgorithm, key any) func(*mintOpts) {
	return func(o *mintOpts) { o.alg, o.key = alg, key }
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func with(c map[string]any, kv ...any) map[string]any {
	c = maps.Clone(c)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func newTokenAuth(t testing.TB, is *issuer, clk *clock, cfg signetauth.Config) *signetauth.Auth {
	t.Helper()
	cfg.URL, cfg.Audience, cfg.Now = is.srv.URL, testAudience, clk.Now
	if cfg.Key == "" {
		cfg.Key = "sgn_unused"
	}
	auth, err := signetauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// principalHandler writes the principal it finds as JSON.
var principalHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := signetauth.FromContext(r.Context())
	if !ok {
		http.Error(w, "no principal", 500)
		return
	}
	json.NewEncoder(w).Encode(p)
})

func serve(h http.Handler, token string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRequirePermissionToken: access tokens are verified offline — the
// signature with the published key of their kid, typ, iss, aud, exp, nbf —
// and their permission is checked in the workspace the edge rule decides,
// from the token's workspaces claim. The token never appears in an answer.
func TestRequirePermissionToken(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	now := clk.Now()
	c := is.claims(now)
	byDefault := newTokenAuth(t, is, clk, signetauth.Config{})
	narrowing := newTokenAuth(t, is, clk, signetauth.Config{ClientWorkspaces: []string{wsOther}})
	fixedOther := newTokenAuth(t, is, clk, signetauth.Config{Workspace: wsOther})

	pubBytes := []byte(is.ed.Public().(ed25519.PublicKey))
	hdrNone := b64(map[string]string{"alg": "none", "typ": "at+jwt", "kid": edKid})
	valid := is.mint(t, edKid, c)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64(with(c, "workspaces", map[string][]string{wsDefault: {"billing:read", "billing:admin"}})) + "." + parts[2]

	for _, tt := range []struct {
		name   string
		auth   *signetauth.Auth
		perm   string
		token  string
		hdr    []string
		status int
		errHdr string // the WWW-Authenticate error, if any
		ws     string // the workspace the handler sees, when 200
	}{
		{"valid Ed25519", byDefault, "billing:read", valid, nil, 200, "", wsDefault},
		{"valid ES256", byDefault, "billing:read", is.mint(t, ecKid, c), nil, 200, "", wsDefault},
		{"typ application/at+jwt", byDefault, "billing:read", is.mint(t, edKid, c, withTyp("application/AT+JWT")), nil, 200, "", wsDefault},
		{"aud list holding ours", byDefault, "billing:read", is.mint(t, edKid, with(c, "aud", []string{"x", testAudience})), nil, 200, "", wsDefault},
		{"expired within the leeway", byDefault, "billing:read", is.mint(t, edKid, with(c, "exp", now.Add(-10*time.Second).Unix())), nil, 200, "", wsDefault},
		{"expired", byDefault, "billing:read", is.mint(t, edKid, with(c, "exp", now.Add(-time.Minute).Unix())), nil, 401, "invalid_token", ""},
		{"no exp", byDefault, "billing:read", is.mint(t, edKid, with(c, "exp", nil)), nil, 401, "invalid_token", ""},
		{"no iat", byDefault, "billing:read", is.mint(t, edKid, with(c, "iat", nil)), nil, 401, "invalid_token", ""},
		{"nbf in the future", byDefault, "billing:read", is.mint(t, edKid, with(c, "nbf", now.Add(5*time.Minute).Unix())), nil, 401, "invalid_token", ""},
		{"wrong aud", byDefault, "billing:read", is.mint(t, edKid, with(c, "aud", "https://other.internal")), nil, 401, "invalid_token", ""},
		{"wrong iss", byDefault, "billing:read", is.mint(t, edKid, with(c, "iss", "https://evil.example")), nil, 401, "invalid_token", ""},
		{"typ JWT", byDefault, "billing:read", is.mint(t, edKid, c, withTyp("JWT")), nil, 401, "invalid_token", ""},
		{"no typ", byDefault, "billing:read", is.mint(t, edKid, c, withTyp("")), nil, 401, "invalid_token", ""},
		{"alg none", byDefault, "billing:read", hdrNone + "." + b64(c) + ".", nil, 401, "invalid_token", ""},
		{"HS256 keyed with the public key", byDefault, "billing:read", is.mint(t, edKid, c, withKey(jose.HS256, pubBytes)), nil, 401, "invalid_token", ""},
		{"ES256 under the Ed25519 key's kid", byDefault, "billing:read", is.mint(t, edKid, c, withKey(jose.ES256, is.ec)), nil, 401, "invalid_token", ""},
		{"signed by a key Signet never published", byDefault, "billing:read", is.mint(t, edKid, c, withKey(jose.EdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)))), nil, 401, "invalid_token", ""},
		{"claims tampered with", byDefault, "billing:read", tampered, nil, 401, "invalid_token", ""},
		{"malformed", byDefault, "billing:read", "eyJhbGciOiJFZERTQSJ9.eyJ9.AAAA", nil, 401, "invalid_token", ""},
		{"missing permission", byDefault, "billing:admin", valid, nil, 403, "insufficient_scope", ""},
		{"permission in another workspace only", byDefault, "billing:write", valid, nil, 403, "insufficient_scope", ""},
		{"picks a workspace it may not", byDefault, "billing:write", valid, []string{"X-Workspace-Id", wsOther}, 403, "", ""},
		{"names the default workspace", byDefault, "billing:read", valid, []string{"X-Workspace-Id", wsDefault}, 200, "", wsDefault},
		{"picks an allowed workspace", narrowing, "billing:write", valid, []string{"X-Workspace-Id", wsOther}, 200, "", wsOther},
		{"picks an allowed workspace, Bigeye header", narrowing, "billing:write", valid, []string{"X-Bigeye-Workspace-Id", wsOther}, 200, "", wsOther},
		{"picks an allowed workspace, lacks it there", narrowing, "billing:read", valid, []string{"X-Workspace-Id", wsOther}, 403, "insufficient_scope", ""},
		{"picks none: the default", narrowing, "billing:read", valid, nil, 200, "", wsDefault},
		{"fixed to the other workspace", fixedOther, "billing:write", valid, nil, 200, "", wsOther},
		{"fixed to the other workspace, permission in the default only", fixedOther, "billing:read", valid, nil, 403, "insufficient_scope", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(tt.auth.RequirePermission(tt.perm)(principalHandler), tt.token, tt.hdr...)
			if rec.Code != tt.status {
				t.Fatalf("status %d %q; want %d", rec.Code, rec.Body, tt.status)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			if tt.errHdr != "" && (!strings.HasPrefix(challenge, "Bearer ") || !strings.Contains(challenge, `error="`+tt.errHdr+`"`) || !strings.Contains(challenge, "error_description=")) {
				t.Errorf("WWW-Authenticate = %q; want Bearer error=%q with a description", challenge, tt.errHdr)
			}
			// The token, or its signature, never appears in an answer.
			sig := tt.token[strings.LastIndex(tt.token, ".")+1:]
			for _, s := range []string{rec.Body.String(), challenge} {
				if strings.Contains(s, tt.token) || (len(sig) > 8 && strings.Contains(s, sig)) {
					t.Errorf("answer contains the token: %q", s)
				}
			}
			if _, err := tt.auth.VerifyToken(t.Context(), tt.token); err != nil && (strings.Contains(err.Error(), tt.token) || (len(sig) > 8 && strings.Contains(err.Error(), sig))) {
				t.Errorf("VerifyToken error contains the token: %v", err)
			}
			if tt.status != 200 {
				return
			}
			var p signetauth.Principal
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Workspace != tt.ws || p.ID != "sa_caller" || p.Kind != "service_account" || p.KeyID != "" || p.TokenID != "at_1" ||
				p.ClientID != "sa_caller" || p.Credential != "key_1" || len(p.Scopes) != 2 || p.ExpiresAt.IsZero() {
				t.Errorf("principal = %+v; want sa_caller's token in %s", p, tt.ws)
			}
		})
	}
}

// TestCheckToken: the public methods, the workspace rule of CheckToken
// (Config.Workspace, else the token's default_workspace), the actor chain
// of an exchanged token, and what a service without Audience does.
func TestCheckToken(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	c := with(is.claims(clk.Now()), "act", map[string]any{"sub": "sa_gateway", "act": map[string]any{"sub": "sa_edge"}})
	raw := is.mint(t, ecKid, c)
	auth := newTokenAuth(t, is, clk, signetauth.Config{})
	tok, err := auth.VerifyToken(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "sa_caller" || tok.SigningKeyID != ecKid || tok.DefaultWorkspace != wsDefault ||
		len(tok.Actor) != 2 || tok.Actor[0] != "sa_gateway" || tok.Actor[1] != "sa_edge" || !tok.Allows("billing:write", wsOther) || !tok.Allows("billing:read", "") {
		t.Errorf("token = %+v", tok)
	}
	for _, tt := range []struct {
		perm, ws string
		code     string
		wantWS   string
	}{
		{"billing:read", "", "", wsDefault},
		{"billing:read", wsDefault, "", wsDefault},
		{"billing:write", wsOther, "", wsOther},
		{"billing:write", "", signet.EFORBIDDEN, ""},
		{"billing:read", "ws_unknown", signet.EFORBIDDEN, ""},
	} {
		p, err := auth.CheckToken(t.Context(), raw, tt.perm, tt.ws)
		if signet.ErrorCode(err) != tt.code {
			t.Errorf("CheckToken(%s, %q) = %v; want code %q", tt.perm, tt.ws, err, tt.code)
			continue
		}
		if err != nil {
			if signet.ErrorReason(err) != signetauth.ReasonInsufficientScope {
				t.Errorf("CheckToken(%s, %q) reason = %q", tt.perm, tt.ws, signet.ErrorReason(err))
			}
			continue
		}
		if p.Workspace != tt.wantWS || len(p.Actor) != 2 || p.Permissions[0] != tt.perm {
			t.Errorf("CheckToken(%s, %q) = %+v", tt.perm, tt.ws, p)
		}
	}
	fixed := newTokenAuth(t, is, clk, signetauth.Config{Workspace: wsOther})
	if p, err := fixed.CheckToken(t.Context(), raw, "billing:write", ""); err != nil || p.Workspace != wsOther {
		t.Errorf("CheckToken with Config.Workspace = %+v, %v; want %s", p, err, wsOther)
	}

	// Without Audience, tokens are refused, without asking anyone.
	noAud, err := signetauth.New(signetauth.Config{URL: is.srv.URL, Key: "sgn_unused", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	hits := is.hits.Load()
	if rec := serve(noAud.RequirePermission("billing:read")(principalHandler), raw); rec.Code != 401 {
		t.Errorf("no Audience: %d; want 401", rec.Code)
	}
	if _, err := noAud.VerifyToken(t.Context(), raw); signet.ErrorReason(err) != signetauth.ReasonInvalidToken {
		t.Errorf("no Audience: VerifyToken = %v; want invalid_token", err)
	}
	if is.hits.Load() != hits {
		t.Error("no Audience: the JWKS was fetched")
	}
	// Tokens only (no Key): an API key is refused, a token passes.
	tokensOnly, err := signetauth.New(signetauth.Config{URL: is.srv.URL, Audience: testAudience, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(tokensOnly.RequirePermission("billing:read")(principalHandler), "sgn_sa_somekey"); rec.Code != 401 {
		t.Errorf("tokens only, API key: %d; want 401", rec.Code)
	}
	if rec := serve(tokensOnly.RequirePermission("billing:read")(principalHandler), raw); rec.Code != 200 {
		t.Errorf("tokens only, token: %d %q; want 200", rec.Code, rec.Body)
	}
	if _, err := signetauth.New(signetauth.Config{URL: is.srv.URL}); err == nil {
		t.Error("New without Key or Audience: nil error")
	}

	// A cached verification does not outlive the token.
	clk.Advance(15*time.Minute + signetauth.DefaultLeeway + time.Second)
	if _, err := auth.VerifyToken(t.Context(), raw); signet.ErrorReason(err) != signetauth.ReasonInvalidToken {
		t.Errorf("after exp + leeway: %v; want invalid_token", err)
	}
}

// TestTokenJWKSRefresh: a token signed with a kid this service has not
// seen refetches the JWK Set, at most once per JWKSRefreshInterval however
// many such tokens arrive at once; a key withdrawn from the set is refused
// once the set is refetched; a failed fetch keeps the keys there were, and
// with none at all the answer is 503.
func TestTokenJWKSRefresh(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	is.publish(edKid)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	const interval = 10 * time.Second
	auth := newTokenAuth(t, is, clk, signetauth.Config{JWKSRefreshInterval: interval, JWKSMaxAge: time.Hour})
	h := auth.RequirePermission("billing:read")(principalHandler)
	status := func(token string) int { return serve(h, token).Code }
	// Tokens that outlive the hours this test's clock moves on.
	long := func() map[string]any { return with(is.claims(clk.Now()), "exp", clk.Now().Add(48*time.Hour).Unix()) }
	edTok := is.mint(t, edKid, long())
	ecTok := is.mint(t, ecKid, long())

	if got := status(edTok); got != 200 || is.hits.Load() != 1 {
		t.Fatalf("first token: %d, %d fetches; want 200, 1", got, is.hits.Load())
	}
	// The ES256 key is not published yet; once it is, the next fetch
	// finds it, no sooner than the interval after the last.
	if got := status(ecTok); got != 401 {
		t.Errorf("unknown kid: %d; want 401", got)
	}
	is.publish(edKid, ecKid)
	if got := status(ecTok); got != 401 || is.hits.Load() != 1 {
		t.Errorf("unknown kid within the interval: %d, %d fetches; want 401, 1 (no refetch)", got, is.hits.Load())
	}
	clk.Advance(interval)
	if got := status(ecTok); got != 200 || is.hits.Load() != 2 {
		t.Errorf("key added, after the interval: %d, %d fetches; want 200, 2", got, is.hits.Load())
	}

	// A flood of unknown kids: one fetch per interval.
	clk.Advance(interval)
	flood := func(n int) {
		var wg sync.WaitGroup
		for i := range n {
			tok := is.mint(t, "sig_unknown_"+string(rune('a'+i%26)), long(), withKey(jose.EdDSA, is.ed))
			wg.Go(func() {
				if got := status(tok); got != 401 {
					t.Errorf("unknown kid: %d; want 401", got)
				}
			})
		}
		wg.Wait()
	}
	before := is.hits.Load()
	flood(50)
	flood(50)
	if n := is.hits.Load() - before; n != 1 {
		t.Errorf("fetches for 100 tokens with unknown kids = %d; want 1", n)
	}
	clk.Advance(interval)
	flood(20)
	if n := is.hits.Load() - before; n != 2 {
		t.Errorf("fetches after another interval = %d; want 2", n)
	}

	// Signet withdraws the Ed25519 key: after the next refetch, tokens it
	// signed are refused, even ones verified (and cached) before.
	if got := status(edTok); got != 200 {
		t.Fatalf("Ed25519 token before withdrawal: %d", got)
	}
	is.publish(ecKid)
	clk.Advance(time.Hour) // the set's max age: the next request refreshes it in the background
	status(ecTok)
	testenv.Eventually(t, "the withdrawn key's token is refused", func() bool { return status(edTok) == 401 })
	if got := status(ecTok); got != 200 {
		t.Errorf("ES256 token after the Ed25519 key's withdrawal: %d; want 200", got)
	}

	// Signet unreachable: the keys there are keep working (after max age
	// too); a kid not among them cannot be judged: 503.
	is.setFailing(true)
	clk.Advance(time.Hour)
	fetches := is.hits.Load()
	status(ecTok)
	testenv.Eventually(t, "a refresh was tried", func() bool { return is.hits.Load() > fetches })
	if got := status(ecTok); got != 200 {
		t.Errorf("known key, JWKS failing: %d; want 200", got)
	}
	clk.Advance(interval)
	if got := status(is.mint(t, "sig_new", long(), withKey(jose.EdDSA, is.ed))); got != 503 {
		t.Errorf("unknown kid, JWKS failing: %d; want 503", got)
	}

	// Nothing fetched ever: 503.
	down := newIssuer(t)
	down.setFailing(true)
	a2 := newTokenAuth(t, down, clk, signetauth.Config{})
	if rec := serve(a2.RequirePermission("billing:read")(principalHandler), down.mint(t, edKid, down.claims(clk.Now()))); rec.Code != 503 {
		t.Errorf("JWKS unreachable, no keys: %d; want 503", rec.Code)
	}
}

// TestTokenJWKSIgnoresUnusableKeys: keys of other types, algorithms or uses
// in the set are left out, not fatal to the rest.
func TestTokenJWKSIgnoresUnusableKeys(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	rsaLike := `{"kty":"RSA","kid":"sig_rsa","n":"AQAB","e":"AQAB"}`
	oct := `{"kty":"oct","kid":"sig_oct","k":"` + base64.RawURLEncoding.EncodeToString([]byte(is.ed.Public().(ed25519.PublicKey))) + `"}`
	edJWK, _ := json.Marshal(jose.JSONWebKey{Key: is.ed.Public(), KeyID: edKid, Algorithm: "EdDSA", Use: "sig"})
	encJWK, _ := json.Marshal(jose.JSONWebKey{Key: is.ec.Public(), KeyID: ecKid, Algorithm: "ES256", Use: "enc"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"keys":[`+rsaLike+`,`+oct+`,`+string(encJWK)+`,{"kty":"weird"},`+string(edJWK)+`]}`)
	}))
	defer srv.Close()
	auth, err := signetauth.New(signetauth.Config{URL: is.srv.URL, JWKSURL: srv.URL, Audience: testAudience, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.RequirePermission("billing:read")(principalHandler)
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{"Ed25519 key among unusable ones", is.mint(t, edKid, is.claims(clk.Now())), 200},
		{"key published for encryption", is.mint(t, ecKid, is.claims(clk.Now())), 401},
		{"HS256 under an oct key's kid", is.mint(t, "sig_oct", is.claims(clk.Now()), withKey(jose.HS256, []byte(is.ed.Public().(ed25519.PublicKey)))), 401},
	} {
		if rec := serve(h, tt.token); rec.Code != tt.want {
			t.Errorf("%s: %d %q; want %d", tt.name, rec.Code, rec.Body, tt.want)
		}
	}
}

func TestIsToken(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln", true},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", true},
		{"sgn_sa_01abc.def.ghi", false},
		{"sgn_sa_01hzzzzzzzzzzzzzzzzzzzzzzz_secret", false},
		{"a.b", false},
		{"a.b.c.d", false},
		{"a+b.c.d", false},
		{"", false},
	} {
		if got := signetauth.IsToken(tt.s); got != tt.want {
			t.Errorf("IsToken(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}
