// Package issuer is Signet's OAuth 2.0 authorization server for
// non-human clients: it trades a service account's credential for a
// short-lived access token, a JWT (RFC 9068) signed with one of Signet's
// keys, which the services behind Signet verify offline against the keys
// it publishes (JWKS). It implements the token endpoint's client
// credentials grant (RFC 6749 §4.4) with client_secret_basic,
// client_secret_post (the secret is one of the account's API keys) and
// private_key_jwt (RFC 7523), token exchange (RFC 8693), introspection
// (RFC 7662), revocation (RFC 7009), the JWKS and the server's metadata
// (RFC 8414).
//
// The rules a token obeys live here: it carries at most what its account
// holds and its credential's scopes allow, for one registered audience,
// for at most the policy's lifetime and never beyond its credential's
// expiry. Storage is the service layer's (service/oauth.go); the HTTP
// handlers (httpapi/oauth.go) only translate.
package issuer

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/service"
)

// Backend is what the issuer needs from the service layer;
// *service.Service implements it.
type Backend interface {
	LoadTokenIssuerState(ctx context.Context) (*service.TokenIssuerState, error)
	LoadClientAssertionState(ctx context.Context, clientID, keyID string) (*service.ClientAssertionState, error)
	ClientKeyActive(ctx context.Context, keyID string) (bool, error)
	UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) (bool, error)
	RevokeAccessToken(ctx context.Context, a *signet.Actor, t signet.RevokedToken) error
	LoadKeyState(ctx context.Context, keyID string) (*service.KeyState, error)
}

// OAuth 2.0 identifiers.
const (
	GrantClientCredentials = "client_credentials"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	AssertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
	// JWTType is the typ header of Signet's access tokens (RFC 9068 §2.1).
	JWTType = "at+jwt"
)

// Config configures an Issuer.
type Config struct {
	// Issuer is the iss of every token: Signet's public base URL, the same
	// on every replica. The endpoints are under it.
	Issuer   string
	Backend  Backend
	Verifier *authn.Verifier
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Events receives issuances and refusals to audit (aggregated); nil
	// records nothing.
	Events *Aggregator
}

// Issuer issues, verifies, introspects and revokes access tokens. Safe
// for concurrent use.
type Issuer struct {
	cfg Config
	now func() time.Time
	// gen counts invalidations; state is reused while it was loaded at
	// the current generation and within the freshness window.
	gen       atomic.Uint64
	freshness atomic.Int64 // nanoseconds; 0: only invalidations count
	mu        sync.Mutex   // serialises loads
	state     atomic.Pointer[state]
	// creds caches whether the credential that minted a token is still
	// active, per generation (see credentialActive).
	creds sync.Map // credential id -> *credEntry
}

// state is the issuer's view of storage at one generation. Immutable.
type state struct {
	gen      uint64
	loadedAt time.Time
	st       *service.TokenIssuerState
	// signer signs new tokens (nil: no signing key yet); keys verifies
	// them by kid.
	signer    jose.Signer
	signerKID string
	keys      map[string]verifyKey
	jwks      []byte
	// until is when the first published key leaves the JWKS: the state
	// is reloaded then, without a change to invalidate it.
	until time.Time
}

type verifyKey struct {
	alg jose.SignatureAlgorithm
	pub crypto.PublicKey
	// expiresAt is when the key leaves the JWKS (zero: while it signs);
	// from then on the tokens it signed are refused.
	expiresAt time.Time
}

type credEntry struct {
	gen    uint64
	active bool
	// until is when an active credential expires (zero: never): an
	// expiry is not a change that invalidates the cache.
	until  time.Time
	access signet.Access
}

// New returns an Issuer.
func New(cfg Config) *Issuer {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	i := &Issuer{cfg: cfg, now: cfg.Now}
	if i.now == nil {
		i.now = time.Now
	}
	return i
}

// IssuerURL is the iss of the tokens.
func (i *Issuer) IssuerURL() string { return i.cfg.Issuer }

// TokenEndpoint is the URL client assertions must name in aud (the issuer
// URL is accepted too).
func (i *Issuer) TokenEndpoint() string { return i.cfg.Issuer + "/oauth2/token" }

// Invalidate drops what the issuer cached: something changed in storage.
// The service calls it after every change; the change feed after those
// of other processes.
func (i *Issuer) Invalidate() { i.gen.Add(1) }

// Confirm is the change feed's report that nothing was missed up to at;
// the issuer relies on Invalidate and its freshness window instead.
func (i *Issuer) Confirm(time.Time) {}

// SetFreshness bounds how long loaded state is reused even without an
// invalidation: the worst case when a change notification from another
// replica is lost.
func (i *Issuer) SetFreshness(window time.Duration) { i.freshness.Store(int64(window)) }

// load returns the current state, reading storage when it is stale.
func (i *Issuer) load(ctx context.Context) (*state, error) {
	gen := i.gen.Load()
	now := i.now()
	fresh := func(s *state) bool {
		if s == nil || s.gen != gen {
			return false
		}
		if !s.until.IsZero() && !now.Before(s.until) {
			return false
		}
		w := time.Duration(i.freshness.Load())
		return w <= 0 || now.Sub(s.loadedAt) < w
	}
	if s := i.state.Load(); fresh(s) {
		return s, nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if s := i.state.Load(); fresh(s) {
		return s, nil
	}
	st, err := i.cfg.Backend.LoadTokenIssuerState(ctx)
	if err != nil {
		return nil, err
	}
	s, err := newState(gen, now, st)
	if err != nil {
		return nil, err
	}
	i.state.Store(s)
	return s, nil
}

func joseAlg(alg string) jose.SignatureAlgorithm {
	switch alg {
	case signet.AlgEdDSA:
		return jose.EdDSA
	case signet.AlgES256:
		return jose.ES256
	case signet.AlgRS256:
		return jose.RS256
	}
	return ""
}

func newState(gen uint64, now time.Time, st *service.TokenIssuerState) (*state, error) {
	s := &state{gen: gen, loadedAt: now, st: st, keys: make(map[string]verifyKey, len(st.SigningKeys))}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range st.SigningKeys {
		alg := joseAlg(k.Key.Algorithm)
		vk := verifyKey{alg: alg, pub: k.Public}
		if k.Key.ExpiresAt != nil {
			vk.expiresAt = *k.Key.ExpiresAt
			if s.until.IsZero() || vk.expiresAt.Before(s.until) {
				s.until = vk.expiresAt
			}
		}
		s.keys[k.Key.ID] = vk
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.Key.ID, Algorithm: string(alg), Use: "sig"})
		if k.Key.RetiredAt == nil {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: k.Signer, KeyID: k.Key.ID}},
				(&jose.SignerOptions{}).WithType(JWTType))
			if err != nil {
				return nil, signet.Internal("issuer.newState", err)
			}
			s.signer, s.signerKID = signer, k.Key.ID
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, signet.Internal("issuer.newState", err)
	}
	s.jwks = b
	return s, nil
}

// JWKS returns the published keys as a JSON Web Key Set (RFC 7517).
func (i *Issuer) JWKS(ctx context.Context) ([]byte, error) {
	s, err := i.load(ctx)
	if err != nil {
		return nil, err
	}
	return s.jwks, nil
}

// Metadata is the authorization server metadata (RFC 8414).
type Metadata struct {
	Issuer                                     string   `json:"issuer"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	AccessTokenSigningAlgValuesSupported       []string `json:"access_token_signing_alg_values_supported"`
	ServiceDocumentation                       string   `json:"service_documentation,omitempty"`
}

// Metadata returns the server's metadata.
func (i *Issuer) Metadata() Metadata {
	base := i.cfg.Issuer
	auth := []string{"client_secret_basic", "client_secret_post", "private_key_jwt"}
	return Metadata{
		Issuer:                            base,
		TokenEndpoint:                     base + "/oauth2/token",
		JWKSURI:                           base + "/.well-known/jwks.json",
		IntrospectionEndpoint:             base + "/oauth2/introspect",
		RevocationEndpoint:                base + "/oauth2/revoke",
		GrantTypesSupported:               []string{GrantClientCredentials, GrantTokenExchange},
		ResponseTypesSupported:            []string{},
		TokenEndpointAuthMethodsSupported: auth,
		TokenEndpointAuthSigningAlgValuesSupported: slices.Clone(signet.ClientKeyAlgorithms),
		IntrospectionEndpointAuthMethodsSupported:  []string{"client_secret_basic", "client_secret_post", "bearer"},
		RevocationEndpointAuthMethodsSupported:     auth,
		AccessTokenSigningAlgValuesSupported:       slices.Clone(signet.SigningAlgorithms),
	}
}

// Error is an OAuth 2.0 error answer (RFC 6749 §5.2).
type Error struct {
	// Code is the error code: invalid_request, invalid_client,
	// invalid_grant, unauthorized_client, unsupported_grant_type,
	// invalid_scope, invalid_target (RFC 8707).
	Code        string
	Description string
	// Basic marks an invalid_client answer to a client that used HTTP
	// Basic: it is a 401 with WWW-Authenticate.
	Basic bool
	// Unavailable marks a failure of Signet (storage, no signing key):
	// 503, not the client's fault.
	Unavailable bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Status is the HTTP status of the error.
func (e *Error) Status() int {
	switch {
	case e.Unavailable:
		return 503
	case e.Code == "invalid_client":
		return 401
	}
	return 400
}

func oauthErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// unavailable turns a failure of storage into an answer that says so
// without detail.
func unavailable(err error) *Error {
	msg := "Signet cannot issue tokens right now; try again"
	if signet.ErrorCode(err) == signet.EUNAVAILABLE {
		msg = signet.ErrorMessage(err)
	}
	return &Error{Code: "temporarily_unavailable", Description: msg, Unavailable: true}
}
