package signet

import (
	"slices"
	"strings"
	"time"
)

// Short-lived tokens: a service account trades one of its API keys (or a
// JWT assertion signed with a key registered on it) for an access token,
// a JWT signed by Signet, bound to one registered audience and carrying at
// most what the account holds and the presented credential's scopes allow.
// The services behind Signet verify it offline against Signet's published
// keys (JWKS), so a token's revocation reaches them only at its expiry;
// introspection answers at once.

// Audience is a resource — a service behind Signet — registered to
// receive access tokens. Tokens name it by Identifier in their aud claim.
type Audience struct {
	ID string
	// Identifier is the value of the aud claim: an absolute URI such as
	// "https://billing.internal" or a plain name such as "billing".
	Identifier  string
	Description string
	// ServiceAccountID is the account the resource runs as, if any: it may
	// exchange tokens addressed to this audience for narrower tokens to
	// another one (RFC 8693), acting on behalf of their subject.
	ServiceAccountID string
	// TokenLifetime bounds the tokens issued for this audience below the
	// organisation's token lifetime; 0: the organisation's.
	TokenLifetime time.Duration
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
}

// ClientKey is a public key registered on a service account: the account
// authenticates to the token endpoint with a JWT assertion it signed with
// the private half (private_key_jwt, RFC 7523), naming the key by its id
// in the assertion's kid header.
type ClientKey struct {
	ID        string
	UserID    string
	Name      string
	Algorithm string // a ClientKeyAlgorithms value
	// PublicKey is the key as PEM (SubjectPublicKeyInfo, "PUBLIC KEY").
	PublicKey string
	// Thumbprint is the key's RFC 7638 SHA-256 JWK thumbprint, base64url.
	Thumbprint string
	CreatedAt  time.Time
	CreatedBy  string
}

// Signing algorithms Signet uses and accepts.
const (
	AlgEdDSA = "EdDSA" // Ed25519
	AlgES256 = "ES256" // ECDSA P-256 with SHA-256
	AlgRS256 = "RS256" // RSA PKCS #1 v1.5 with SHA-256 (client keys only)
)

// ClientKeyAlgorithms are the algorithms of keys a service account may
// register for private_key_jwt.
var ClientKeyAlgorithms = []string{AlgEdDSA, AlgES256, AlgRS256}

// SigningAlgorithms are the algorithms Signet signs its tokens with.
var SigningAlgorithms = []string{AlgEdDSA, AlgES256}

// SigningKey is one of Signet's own token signing keys. The newest
// unretired key signs; a retired one stays published (and accepted) until
// ExpiresAt, so that the tokens it signed stay verifiable until they
// expire, then it is deleted.
type SigningKey struct {
	ID        string // the kid
	Algorithm string
	// PublicKey is PEM (SubjectPublicKeyInfo); PrivateKey is the PKCS #8
	// private key sealed with the server's secret key, never in the clear.
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
	// RetiredAt is when a successor took over signing; nil while it signs.
	RetiredAt *time.Time
	// ExpiresAt is when it leaves the JWKS; nil while it signs.
	ExpiresAt *time.Time
}

// Published reports whether the key is in the JWKS at now.
func (k *SigningKey) Published(now time.Time) bool {
	return k.ExpiresAt == nil || now.Before(*k.ExpiresAt)
}

// Token defaults and bounds.
const (
	// DefaultTokenLifetime is how long an access token lives when the key
	// policy sets no token lifetime.
	DefaultTokenLifetime = 15 * time.Minute
	// MaxTokenLifetime bounds the token lifetime a policy may set: a token
	// cannot be revoked at offline verifiers before it expires.
	MaxTokenLifetime = 24 * time.Hour
)

// AccessTokenLifetime is how long the access tokens issued under policy p
// live (an audience may shorten it).
func (p KeyPolicy) AccessTokenLifetime() time.Duration {
	if p.TokenLifetime > 0 {
		return p.TokenLifetime
	}
	return DefaultTokenLifetime
}

// TokenPermission is one permission a token carries, in a workspace.
type TokenPermission struct {
	Permission string
	// Workspace is a workspace id, or a name while the request is not
	// resolved yet; "" is the default workspace.
	Workspace string
}

// String is the scope token of p: "perm" or "perm@workspace".
func (p TokenPermission) String() string {
	if p.Workspace == "" {
		return p.Permission
	}
	return p.Permission + "@" + p.Workspace
}

// MaxScopeItems bounds how many permissions one token request may name.
const MaxScopeItems = 100

// ParseTokenScope reads an OAuth scope (RFC 6749 §3.3: space-separated
// tokens) in Signet's grammar: each token is a permission ("billing:read",
// in the default workspace) or a permission in a workspace named by id or
// name ("billing:read@ws_01…", "billing:read@Marketing"). Duplicates are
// dropped. It checks only the shape; whether a permission or workspace
// exists is the issuer's question. Returns EINVALID.
func ParseTokenScope(scope string) ([]TokenPermission, error) {
	var out []TokenPermission
	for _, tok := range strings.Fields(scope) {
		perm, ws, _ := strings.Cut(tok, "@")
		d, a, ok := strings.Cut(perm, ":")
		if !ok || d == "" || a == "" || strings.Contains(a, ":") {
			return nil, Errorf(EINVALID, "scope %q is not a permission: name permissions such as billing:read, or billing:read@<workspace> for one workspace", tok)
		}
		if strings.Contains(tok, "@") && ws == "" {
			return nil, Errorf(EINVALID, "scope %q names no workspace after @: give a workspace id or name, or leave out @ for the default workspace", tok)
		}
		p := TokenPermission{Permission: perm, Workspace: ws}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
		if len(out) > MaxScopeItems {
			return nil, Errorf(EINVALID, "scope names more than %d permissions", MaxScopeItems)
		}
	}
	return out, nil
}

// FormatTokenScope is the scope claim of perms: their scope tokens,
// space-separated, in order.
func FormatTokenScope(perms []TokenPermission) string {
	var b strings.Builder
	for i, p := range perms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// RevokedToken is an access token revoked before its expiry (RFC 7009):
// introspection answers inactive for it; offline verifiers learn of it
// only through its expiry.
type RevokedToken struct {
	JTI       string
	ClientID  string
	ExpiresAt time.Time
	RevokedAt time.Time
}
