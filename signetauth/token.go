package signetauth

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	signet "github.com/signetdev/signet"
)

// Reasons of the errors VerifyToken and CheckToken return, as RFC 6750
// names them (the error attribute of WWW-Authenticate).
const (
	// ReasonInvalidToken: the token is malformed, not signed by a key
	// Signet publishes, expired, not yet valid, or not for this service
	// (iss, aud). EUNAUTHENTICATED; RequirePermission answers 401.
	ReasonInvalidToken = "invalid_token"
	// ReasonInsufficientScope: the token is valid but does not carry the
	// permission in the workspace. EFORBIDDEN; RequirePermission answers
	// 403.
	ReasonInsufficientScope = "insufficient_scope"
)

// maxTokenBytes bounds the tokens parsed at all.
const maxTokenBytes = 16 << 10

// maxActorDepth bounds the act chain of an exchanged token.
const maxActorDepth = 16

// tokenAlgorithms are the only algorithms a token may be signed with:
// never "none", never a MAC (HS*) whose key would be the public key.
var tokenAlgorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256}

// Token is an access token Signet issued, as VerifyToken verified it. It is
// shared with the verification cache: do not modify it.
type Token struct {
	ID       string   // jti, "at_…"
	Issuer   string   // iss: Signet's URL
	Subject  string   // sub: the service account the token was issued to
	Audience []string // aud
	// ClientID is the service account that asked for the token.
	ClientID string
	// Scopes is the scope claim, split: "billing:read",
	// "billing:write@ws_…".
	Scopes []string
	// Workspaces maps each workspace id to the permissions the token
	// carries there: the authoritative answer to "may it do X in W?".
	Workspaces map[string][]string
	// DefaultWorkspace is the id of Signet's default workspace.
	DefaultWorkspace string
	// Credential is the id of the credential the token was obtained with:
	// an API key ("key_…") or a client key ("ck_…").
	Credential string
	// Actor is the chain of service accounts acting for Subject in an
	// exchanged token (RFC 8693 act), the current actor first; empty when
	// the subject calls for itself.
	Actor []string
	// SigningKeyID is the kid of the key that signed the token.
	SigningKeyID string
	IssuedAt     time.Time
	NotBefore    time.Time // zero when the token has no nbf
	ExpiresAt    time.Time
}

// Permissions returns the permissions t carries in workspace; "" is the
// default workspace.
func (t *Token) Permissions(workspace string) []string {
	if workspace == "" {
		workspace = t.DefaultWorkspace
	}
	return t.Workspaces[workspace]
}

// Allows reports whether t carries permission in workspace; "" is the
// default workspace.
func (t *Token) Allows(permission, workspace string) bool {
	return slices.Contains(t.Permissions(workspace), permission)
}

// tokenClaims is the payload of Signet's access tokens.
type tokenClaims struct {
	jwt.Claims
	ClientID         string              `json:"client_id"`
	Scope            string              `json:"scope"`
	Workspaces       map[string][]string `json:"workspaces"`
	DefaultWorkspace string              `json:"default_workspace"`
	Credential       string              `json:"signet_cred"`
	Act              *actClaim           `json:"act"`
}

type actClaim struct {
	Sub string    `json:"sub"`
	Act *actClaim `json:"act"`
}

type cachedToken struct {
	tok *Token
	// until is when the cached verification stops counting: the token's
	// exp plus the leeway.
	until time.Time
}

// IsToken reports whether credential has the shape of a JWT (three
// base64url parts) rather than of a Signet API key.
func IsToken(credential string) bool {
	if strings.HasPrefix(credential, "sgn_") {
		return false
	}
	dots := 0
	for i := 0; i < len(credential); i++ {
		switch c := credential[i]; {
		case c == '.':
			dots++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}

func invalidToken(msg string) *signet.Error {
	return &signet.Error{Code: signet.EUNAUTHENTICATED, Reason: ReasonInvalidToken, Message: msg}
}

// VerifyToken verifies an access token offline: its signature with the key
// Signet publishes under its kid (EdDSA or ES256, matching the key), its
// typ (at+jwt), iss (Config.Issuer), aud (must contain Config.Audience),
// exp and nbf (with Config.Leeway) and iat. It decides no permission:
// CheckToken does.
//
// It returns an EUNAUTHENTICATED error with Reason ReasonInvalidToken for
// a token this service must refuse, and an EUNAVAILABLE one when Signet's
// keys could not be fetched. Error messages never contain the token.
//
// A verified token is remembered (by its SHA-256) until it expires, so
// verifying it again costs a hash and a map lookup, no signature check.
// A revoked token therefore keeps verifying here until its exp: offline
// verification cannot learn of revocations; Signet's introspection
// endpoint can.
func (a *Auth) VerifyToken(ctx context.Context, raw string) (*Token, error) {
	if a.cfg.Audience == "" {
		return nil, invalidToken("this service does not accept access tokens (signetauth.Config.Audience is not set)")
	}
	if len(raw) > maxTokenBytes {
		return nil, invalidToken("the token is too large")
	}
	now := a.cfg.Now()
	sum := hashToken(raw)
	a.tokMu.Lock()
	c, ok := a.tokens[sum]
	a.tokMu.Unlock()
	if ok && now.Before(c.until) && a.jwks.has(c.tok.SigningKeyID) {
		return c.tok, nil
	}
	tok, err := a.verifyToken(ctx, raw, now)
	if err != nil {
		return nil, err
	}
	a.tokMu.Lock()
	if len(a.tokens) >= a.cfg.MaxEntries {
		clear(a.tokens)
	}
	a.tokens[sum] = cachedToken{tok: tok, until: tok.ExpiresAt.Add(a.cfg.Leeway)}
	a.tokMu.Unlock()
	return tok, nil
}

// hashToken is the SHA-256 of raw, without allocating for a token of
// ordinary size (the cache keeps hashes, never tokens).
func hashToken(raw string) [32]byte {
	var buf [2048]byte
	if len(raw) <= len(buf) {
		n := copy(buf[:], raw)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(raw))
}

func (a *Auth) verifyToken(ctx context.Context, raw string, now time.Time) (*Token, error) {
	if !IsToken(raw) {
		return nil, invalidToken("the credential is not a JWT")
	}
	jws, err := jwt.ParseSigned(raw, tokenAlgorithms)
	if err != nil {
		return nil, invalidToken("the token is not a JWT signed with EdDSA or ES256")
	}
	h := jws.Headers[0]
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		return nil, invalidToken("the token is not an access token (typ at+jwt)")
	}
	if h.KeyID == "" {
		return nil, invalidToken("the token names no signing key (kid)")
	}
	key, err := a.jwks.key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if h.Algorithm != key.alg {
		return nil, invalidToken("the token's algorithm is not its signing key's")
	}
	var c tokenClaims
	if err := jws.Claims(key.key, &c); err != nil {
		return nil, invalidToken("the token's signature does not verify")
	}
	switch {
	case c.Issuer != a.cfg.Issuer:
		return nil, invalidToken("the token was not issued by this service's Signet (iss)")
	case !c.Audience.Contains(a.cfg.Audience):
		return nil, invalidToken("the token is not for this service (aud)")
	case c.Expiry == nil:
		return nil, invalidToken("the token has no expiry (exp)")
	case c.IssuedAt == nil:
		return nil, invalidToken("the token has no issue time (iat)")
	case c.Subject == "":
		return nil, invalidToken("the token has no subject (sub)")
	}
	switch c.ValidateWithLeeway(jwt.Expected{Time: now}, a.cfg.Leeway) {
	case nil:
	case jwt.ErrExpired:
		return nil, invalidToken("the token has expired")
	case jwt.ErrNotValidYet:
		return nil, invalidToken("the token is not valid yet (nbf)")
	default:
		return nil, invalidToken("the token's issue time is in the future (iat)")
	}
	tok := &Token{
		ID: c.ID, Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		ClientID: c.ClientID, Scopes: strings.Fields(c.Scope), Workspaces: c.Workspaces,
		DefaultWorkspace: c.DefaultWorkspace, Credential: c.Credential, SigningKeyID: h.KeyID,
		IssuedAt: c.IssuedAt.Time(), ExpiresAt: c.Expiry.Time(),
	}
	if c.NotBefore != nil {
		tok.NotBefore = c.NotBefore.Time()
	}
	for act := c.Act; act != nil; act = act.Act {
		if len(tok.Actor) == maxActorDepth || act.Sub == "" {
			return nil, invalidToken("the token's actor chain (act) is malformed")
		}
		tok.Actor = append(tok.Actor, act.Sub)
	}
	return tok, nil
}

// CheckToken verifies an access token (VerifyToken) and checks that it
// carries permission in workspace: "" is Config.Workspace, or when that is
// empty Signet's default workspace (the token's default_workspace claim).
// The workspace is the calling code's decision, as for Check. It returns
// the caller; an EFORBIDDEN error with Reason ReasonInsufficientScope when
// the token lacks the permission there.
func (a *Auth) CheckToken(ctx context.Context, raw, permission, workspace string) (*Principal, error) {
	tok, err := a.VerifyToken(ctx, raw)
	if err != nil {
		return nil, err
	}
	if workspace == "" {
		workspace = a.cfg.Workspace
	}
	return tokenPrincipal(tok, permission, workspace)
}

// tokenPrincipal checks that tok carries permission in workspace ("":
// the default) and returns its principal.
func tokenPrincipal(tok *Token, permission, workspace string) (*Principal, error) {
	if workspace == "" {
		workspace = tok.DefaultWorkspace
	}
	perms := tok.Workspaces[workspace]
	if !slices.Contains(perms, permission) {
		return nil, &signet.Error{Code: signet.EFORBIDDEN, Reason: ReasonInsufficientScope,
			Message: "the token does not carry " + permission + " in workspace " + workspace}
	}
	return &Principal{
		ID: tok.Subject, Kind: "service_account", Workspace: workspace,
		TokenID: tok.ID, ClientID: tok.ClientID, Scopes: tok.Scopes, Permissions: perms,
		ExpiresAt: tok.ExpiresAt, Actor: tok.Actor, Credential: tok.Credential,
	}, nil
}
