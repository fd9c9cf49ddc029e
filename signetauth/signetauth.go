// Package signetauth is HTTP middleware for Go services protected by
// Signet: it authenticates each incoming request's credential — an API key
// through Signet's check API (POST /api/v1/check), an access token offline
// against Signet's published keys — puts the caller in the request's
// context, and refuses callers without a permission.
//
//	auth, err := signetauth.New(signetauth.Config{
//		URL:       "http://signet.internal:8080",
//		Key:       os.Getenv("SIGNET_CHECK_KEY"), // this service's key, holding signet:check
//		Workspace: "ws_…",                        // the workspace this service serves; empty: the default
//		Audience:  "https://billing.internal",    // accept access tokens addressed to this service
//	})
//	mux.Handle("POST /ingest", auth.RequirePermission("metrics:write")(ingest))
//
// The workspace is this service's decision, not its callers': a request's
// X-Workspace-Id (or X-Bigeye-Workspace-Id) may only pick one of
// Config.ClientWorkspaces, and naming any other workspace than
// Config.Workspace is refused with 403 (signet.EdgeWorkspace is the rule).
// Handlers must act in Principal.Workspace, the workspace that was checked.
//
// API keys: answers are cached in memory, so most requests cost no round
// trip to Signet. The staleness bound is explicit: an allowed answer is
// reused for at most Config.TTL (default 5 s) and a denial for at most
// Config.NegativeTTL (default 1 s), so a key revoked in Signet stops
// working here within TTL plus Signet's own bound. Errors reaching Signet
// are never cached; the request gets 503.
//
// Access tokens (JWTs Signet's token endpoint issues, RFC 9068), when
// Config.Audience is set: a bearer credential with the shape of a JWT is
// verified here, without asking Signet — the signature with the key
// Signet publishes under its kid (EdDSA or ES256 only), typ at+jwt, iss,
// aud (must contain Config.Audience), exp and nbf (with Config.Leeway) —
// and the permission is looked up in its workspaces claim for the
// workspace decided as above (the token's default_workspace claim names
// the default one). Signet's keys (its JWKS) are cached; a token naming an
// unknown kid fetches them again at most once per
// Config.JWKSRefreshInterval, and they are refreshed every
// Config.JWKSMaxAge. The revocation bound differs from keys': a token
// revoked in Signet keeps working here until it expires (its exp, minutes
// away), since nothing is asked; Signet's introspection endpoint answers
// inactive at once.
//
// The package depends on the standard library, Signet's client and root
// packages (domain rules, standard library only), and
// github.com/go-jose/go-jose/v4 for JWS and JWK Sets.
package signetauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

// Config configures New.
type Config struct {
	// URL is Signet's base URL, e.g. "http://127.0.0.1:8080". Required.
	URL string
	// Key is this service's own API key; it must hold signet:check
	// (organisation-wide, or in the workspaces it checks). Required,
	// unless Audience is set and the service accepts access tokens only
	// (API keys are then refused).
	Key string
	// HTTPClient is used to reach Signet; nil means a client with a 5 s
	// timeout.
	HTTPClient *http.Client
	// TTL bounds how long an allowed answer is reused: the longest a key
	// revoked in Signet keeps working here (plus Signet's own staleness
	// bound). 0 means DefaultTTL; negative disables caching.
	TTL time.Duration
	// NegativeTTL bounds how long a denial (invalid key, revoked,
	// permission denied…) is reused, so a flood of bad keys does not
	// flood Signet. 0 means DefaultNegativeTTL; negative disables it.
	NegativeTTL time.Duration
	// MaxEntries bounds each cache — API-key answers, and verified access
	// tokens (kept until their exp) — when full it is emptied. 0 means
	// DefaultMaxEntries.
	MaxEntries int
	// Workspace is the workspace id this service checks its callers in;
	// empty means Signet's default workspace.
	Workspace string
	// ClientWorkspaces lists the workspace ids a caller may pick instead
	// of Workspace with its request's X-Workspace-Id (or
	// X-Bigeye-Workspace-Id) header; "*" allows any. Empty: none, and a
	// request naming a workspace other than Workspace is refused with 403
	// rather than checked in Workspace, since the handler might act in the
	// workspace the request names.
	ClientWorkspaces []string
	// ClientIP returns the address of a request's caller, which Signet
	// judges a key's network allowlist by (the check API's client_ip).
	// nil means the request's TCP peer (http.Request.RemoteAddr without
	// its port): no forwarded header is believed. Behind a reverse proxy,
	// set it to read what your trusted proxies append to X-Forwarded-For —
	// never a header a client can set unchecked.
	ClientIP func(r *http.Request) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Access tokens (JWTs Signet issues, verified offline against its
	// published keys). Accepted only when Audience is set.

	// Audience is this service's audience identifier as registered in
	// Signet (e.g. "https://billing.internal"): a token is accepted only
	// when its aud contains it. Empty: tokens are refused.
	Audience string
	// Issuer is the iss tokens must carry: Signet's public base URL.
	// Empty means URL without a trailing slash.
	Issuer string
	// JWKSURL is where Signet publishes its signing keys. Empty means
	// URL + "/.well-known/jwks.json".
	JWKSURL string
	// JWKSRefreshInterval is the least time between two fetches of the
	// keys: a token signed with an unknown kid causes at most one fetch
	// per interval, however many arrive. 0 means
	// DefaultJWKSRefreshInterval.
	JWKSRefreshInterval time.Duration
	// JWKSMaxAge is how long fetched keys are used before they are
	// fetched again (in the background; a failed fetch keeps them). 0
	// means DefaultJWKSMaxAge.
	JWKSMaxAge time.Duration
	// Leeway is the clock skew allowed when checking exp, nbf and iat. 0
	// means DefaultLeeway; negative means none.
	Leeway time.Duration
}

// Defaults of Config.
const (
	DefaultTTL         = 5 * time.Second
	DefaultNegativeTTL = time.Second
	DefaultMaxEntries  = 10000

	DefaultJWKSRefreshInterval = 10 * time.Second
	DefaultJWKSMaxAge          = time.Hour
	DefaultLeeway              = 30 * time.Second
)

// Principal is the caller of a request, as Signet identified it.
type Principal struct {
	ID   string // the user or service account id
	Kind string // "service_account" or "human"
	Name string
	// KeyID is the id of the API key the caller presented.
	KeyID string
	// Workspace is the workspace the permission was checked in.
	Workspace string

	// Set when the caller presented an access token (KeyID is then
	// empty, Kind "service_account" and Name empty: tokens carry ids).
	// Scopes, Permissions and Actor are shared with the verification
	// cache: do not modify them.

	// TokenID is the token's jti ("at_…").
	TokenID string
	// ClientID is the service account that obtained the token.
	ClientID string
	// Scopes is the token's scope claim, split.
	Scopes []string
	// Permissions are the permissions the token carries in Workspace.
	Permissions []string
	// ExpiresAt is the token's exp: a token revoked in Signet keeps
	// working at offline verifiers until then.
	ExpiresAt time.Time
	// Actor is the chain of service accounts acting for ID (RFC 8693
	// act), the current actor first; empty when ID calls for itself.
	Actor []string
	// Credential is the id of the API key ("key_…") or client key
	// ("ck_…") the token was obtained with.
	Credential string
}

type principalKey struct{}

// FromContext returns the principal RequirePermission put in ctx.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

// Auth checks keys against Signet. Safe for concurrent use.
type Auth struct {
	cfg    Config
	edge   signet.EdgeWorkspace
	client *client.Client
	// defaultWS is the id of Signet's default workspace once an answer
	// named it (it never changes), for comparing with a workspace a
	// request names when Config.Workspace is empty.
	defaultWS atomic.Pointer[string]

	mu    sync.Mutex // guards cache
	cache map[cacheKey]cached

	jwks   *jwksCache
	tokMu  sync.Mutex // guards tokens
	tokens map[[32]byte]cachedToken
}

// cacheKey identifies one question. The key is kept as its SHA-256, so
// the cache holds no secrets.
type cacheKey struct {
	key        [32]byte
	permission string
	workspace  string
	clientIP   string // the answer depends on it for keys with an allowlist
}

type cached struct {
	res     client.CheckResult
	expires time.Time
}

// New returns an Auth for cfg. Config.URL is required, and Config.Key
// unless the service accepts only access tokens (Config.Audience set).
func New(cfg Config) (*Auth, error) {
	if cfg.URL == "" || (cfg.Key == "" && cfg.Audience == "") {
		return nil, errors.New("signetauth: Config.URL and Config.Key (or, for access tokens only, Config.Audience) are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.NegativeTTL == 0 {
		cfg.NegativeTTL = DefaultNegativeTTL
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = RemoteIP
	}
	if cfg.Issuer == "" {
		cfg.Issuer = strings.TrimRight(cfg.URL, "/")
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimRight(cfg.URL, "/") + "/.well-known/jwks.json"
	}
	if cfg.JWKSRefreshInterval <= 0 {
		cfg.JWKSRefreshInterval = DefaultJWKSRefreshInterval
	}
	if cfg.JWKSMaxAge <= 0 {
		cfg.JWKSMaxAge = DefaultJWKSMaxAge
	}
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = DefaultLeeway
	case cfg.Leeway < 0:
		cfg.Leeway = 0
	}
	opts := []client.Option{client.WithHTTPClient(cfg.HTTPClient)}
	if cfg.Key != "" {
		opts = append(opts, client.WithAPIKey(cfg.Key))
	}
	c, err := client.New(cfg.URL, opts...)
	if err != nil {
		return nil, err
	}
	edge := signet.EdgeWorkspace{Fixed: cfg.Workspace, ClientMayChoose: append([]string(nil), cfg.ClientWorkspaces...)}
	jwks := &jwksCache{url: cfg.JWKSURL, hc: cfg.HTTPClient, now: cfg.Now,
		interval: cfg.JWKSRefreshInterval, maxAge: cfg.JWKSMaxAge}
	return &Auth{cfg: cfg, edge: edge, client: c, cache: make(map[cacheKey]cached),
		jwks: jwks, tokens: make(map[[32]byte]cachedToken)}, nil
}

// Check asks whether key may do permission in workspace (empty: Config's,
// else Signet's default), from the cache when a fresh answer is there.
// A denial is a result (Allowed false, Reason set), not an error; an error
// means Signet could not answer. The workspace is the calling code's
// decision: do not pass one a request names without deciding on it
// (RequirePermission does, with signet.EdgeWorkspace).
//
// Check passes no caller address, so a key with a network allowlist is
// refused (network_not_allowed); CheckFrom passes one.
func (a *Auth) Check(ctx context.Context, key, permission, workspace string) (client.CheckResult, error) {
	return a.CheckFrom(ctx, key, permission, workspace, "")
}

// CheckFrom is Check for a caller at clientIP, by which Signet judges a
// key's network allowlist.
func (a *Auth) CheckFrom(ctx context.Context, key, permission, workspace, clientIP string) (client.CheckResult, error) {
	if workspace == "" {
		workspace = a.cfg.Workspace
	}
	ck := cacheKey{key: sha256.Sum256([]byte(key)), permission: permission, workspace: workspace, clientIP: clientIP}
	now := a.cfg.Now()
	a.mu.Lock()
	c, ok := a.cache[ck]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.res, nil
	}
	res, err := a.client.CheckFrom(ctx, key, permission, workspace, clientIP)
	if err != nil {
		return client.CheckResult{}, err
	}
	ttl := a.cfg.TTL
	if !res.Allowed {
		ttl = a.cfg.NegativeTTL
	}
	if ttl > 0 {
		a.mu.Lock()
		if len(a.cache) >= a.cfg.MaxEntries {
			clear(a.cache)
		}
		a.cache[ck] = cached{res: *res, expires: now.Add(ttl)}
		a.mu.Unlock()
	}
	return *res, nil
}

// RequirePermission returns middleware that lets a request through only
// when its API key (Authorization: Bearer <key>, Authorization: apikey
// <key> or X-API-Key: <key>) holds permission in the workspace this service
// decided: Config.Workspace, or one of Config.ClientWorkspaces the request
// picks with X-Workspace-Id (or X-Bigeye-Workspace-Id). It answers 401
// without a valid key, 403 when the key lacks the permission or the
// request names a workspace it may not choose or one that does not exist,
// 500 when Config.Workspace does not exist, and 503 when Signet cannot be
// reached. The handler finds the caller, and the workspace it was
// checked in, with FromContext.
//
// An access token (Authorization: Bearer <JWT>, see IsToken) is verified
// offline (VerifyToken) and must carry permission in the decided workspace
// in its workspaces claim. It answers 401 with WWW-Authenticate: Bearer
// error="invalid_token" for a token that does not verify, is expired or is
// not for this service (or when Config.Audience is unset), 403 with
// error="insufficient_scope" when the token lacks the permission there,
// and 503 when Signet's keys cannot be fetched and none known fits.
func (a *Auth) RequirePermission(permission string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := KeyFromRequest(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="signet"`)
				http.Error(w, "an API key is required", http.StatusUnauthorized)
				return
			}
			if IsToken(key) {
				a.serveToken(w, r, next, key, permission)
				return
			}
			if a.cfg.Key == "" {
				bearerError(w, http.StatusUnauthorized, ReasonInvalidToken, "this service accepts only Signet access tokens", "")
				return
			}
			res, err := a.checkRequest(r, key, permission)
			if err != nil {
				switch {
				case signet.ErrorCode(err) == signet.EFORBIDDEN:
					http.Error(w, signet.ErrorMessage(err), http.StatusForbidden)
				case client.ErrorCode(err) == client.CodeNotFound && len(requestedWorkspaces(r)) > 0:
					// The workspace the request picked does not exist.
					http.Error(w, "the workspace the request names does not exist in Signet", http.StatusForbidden)
				case client.ErrorCode(err) == client.CodeNotFound:
					// Config.Workspace does not exist: the operator's to fix.
					http.Error(w, "this service's Signet workspace does not exist in Signet (signetauth.Config.Workspace)", http.StatusInternalServerError)
				default:
					http.Error(w, "authentication is unavailable", http.StatusServiceUnavailable)
				}
				return
			}
			if !res.Allowed {
				switch res.Reason {
				case client.ReasonPermissionDenied:
					http.Error(w, "the API key does not hold "+permission+" in workspace "+res.Workspace, http.StatusForbidden)
					return
				case client.ReasonUnknownPermission:
					http.Error(w, "permission "+permission+" does not exist in Signet", http.StatusForbidden)
					return
				case client.ReasonWorkspaceNotFound:
					http.Error(w, "workspace "+res.Workspace+" does not exist in Signet", http.StatusForbidden)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="signet", error="invalid_token"`)
				http.Error(w, "the API key is not valid ("+res.Reason+")", http.StatusUnauthorized)
				return
			}
			p := &Principal{KeyID: res.KeyID, Workspace: res.Workspace}
			if res.Principal != nil {
				p.ID, p.Kind, p.Name = res.Principal.ID, res.Principal.Kind, res.Principal.Name
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}

// serveToken is RequirePermission for an access token: verified offline,
// its permission checked in the workspace decided as for keys, with the
// token's default_workspace claim standing for the default workspace.
func (a *Auth) serveToken(w http.ResponseWriter, r *http.Request, next http.Handler, raw, permission string) {
	tok, err := a.VerifyToken(r.Context(), raw)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			bearerError(w, http.StatusUnauthorized, ReasonInvalidToken, signet.ErrorMessage(err), "")
		} else {
			http.Error(w, "authentication is unavailable", http.StatusServiceUnavailable)
		}
		return
	}
	edge := a.edge
	if edge.Fixed == "" {
		edge.Fixed = tok.DefaultWorkspace
	}
	ws, err := edge.Decide(requestedWorkspaces(r)...)
	if err != nil {
		http.Error(w, signet.ErrorMessage(err), http.StatusForbidden)
		return
	}
	p, err := tokenPrincipal(tok, permission, ws)
	if err != nil {
		scope := permission
		if ws != "" {
			scope += "@" + ws
		}
		bearerError(w, http.StatusForbidden, ReasonInsufficientScope, signet.ErrorMessage(err), scope)
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

// bearerError answers status with an RFC 6750 challenge: error code, its
// description, and the scope the request needed (if any).
func bearerError(w http.ResponseWriter, status int, code, desc, scope string) {
	h := `Bearer realm="signet", error="` + code + `", error_description="` + quotable(desc) + `"`
	if scope != "" {
		h += `, scope="` + quotable(scope) + `"`
	}
	w.Header().Set("WWW-Authenticate", h)
	http.Error(w, desc, status)
}

// quotable keeps the characters RFC 6750 allows in error_description and
// scope (printable ASCII but '"' and '\\'), replacing the others with '?'.
func quotable(s string) string {
	ok := true
	for i := 0; i < len(s) && ok; i++ {
		ok = s[i] >= 0x20 && s[i] <= 0x7e && s[i] != '"' && s[i] != '\\'
	}
	if ok {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}

// checkRequest decides the workspace of r (signet.EdgeWorkspace) and
// checks key in it. An EFORBIDDEN error means r names a workspace it may
// not choose; any other error, that Signet could not answer.
func (a *Auth) checkRequest(r *http.Request, key, permission string) (client.CheckResult, error) {
	requested := requestedWorkspaces(r)
	edge := a.edge
	if edge.Fixed == "" && len(requested) > 0 {
		// The default workspace: the rule compares ids, so learn its id
		// from Signet's answer for it (once; it never changes).
		def := a.defaultWS.Load()
		if def == nil {
			res, err := a.CheckFrom(r.Context(), key, permission, "", a.cfg.ClientIP(r))
			if err != nil {
				return res, err
			}
			a.defaultWS.Store(&res.Workspace)
			def = &res.Workspace
		}
		edge.Fixed = *def
	}
	ws, err := edge.Decide(requested...)
	if err != nil {
		return client.CheckResult{}, err
	}
	return a.CheckFrom(r.Context(), key, permission, ws, a.cfg.ClientIP(r))
}

// RemoteIP returns the address of r's TCP peer: RemoteAddr without its
// port. It is Config.ClientIP's default.
func RemoteIP(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().WithZone("").String()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return ""
}

// requestedWorkspaces returns the workspaces r names in its headers, every
// line of each.
func requestedWorkspaces(r *http.Request) []string {
	var out []string
	for _, h := range []string{"X-Workspace-Id", "X-Bigeye-Workspace-Id"} {
		for _, v := range r.Header.Values(h) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// KeyFromRequest returns the API key a request presents, in the headers
// Signet accepts.
func KeyFromRequest(r *http.Request) (string, bool) {
	// "X-Api-Key" is X-API-Key as net/http stores it; Get would
	// canonicalise it again, an allocation per request.
	if v := r.Header["X-Api-Key"]; len(v) > 0 {
		if k := strings.TrimSpace(v[0]); k != "" {
			return k, true
		}
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || (!strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "apikey")) {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	return rest, rest != ""
}
