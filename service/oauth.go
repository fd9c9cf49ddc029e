package service

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// Short-lived tokens, the storage side: audiences and client keys managed
// by administrators, Signet's signing keys and their rotation, revoked
// tokens and used client assertions. The protocol (the token endpoint,
// JWTs, introspection) is package issuer's; it calls these methods.

// Audit actions of short-lived tokens.
const (
	ActionAudienceCreate    = "oauth_audience.create"
	ActionAudienceUpdate    = "oauth_audience.update"
	ActionAudienceDelete    = "oauth_audience.delete"
	ActionClientKeyCreate   = "oauth_client_key.create"
	ActionClientKeyDelete   = "oauth_client_key.delete"
	ActionSigningKeyRotate  = "oauth_signing_key.rotate"
	ActionTokenIssue        = "oauth_token.issue"
	ActionTokenRefused      = "oauth_token.refused"
	ActionTokenRevoke       = "oauth_token.revoke"
	maxAudienceIdentifier   = 255
	maxClientKeyPEM         = 16 << 10
	minClientKeyRSABits     = 2048
	defaultSigningKeyRotate = 30 * 24 * time.Hour
)

// TokenOptions configure Signet's token signing keys.
type TokenOptions struct {
	// Algorithm is what new signing keys use: signet.AlgEdDSA (default)
	// or signet.AlgES256.
	Algorithm string
	// RotateEvery is the age at which the signing key is replaced; 0
	// means 30 days.
	RotateEvery time.Duration
	// Overlap is how long a replaced key stays published and accepted
	// beyond the longest token lifetime; 0 means one hour.
	Overlap time.Duration
}

func (o TokenOptions) withDefaults() TokenOptions {
	if o.Algorithm == "" {
		o.Algorithm = signet.AlgEdDSA
	}
	if o.RotateEvery <= 0 {
		o.RotateEvery = defaultSigningKeyRotate
	}
	if o.Overlap <= 0 {
		o.Overlap = time.Hour
	}
	return o
}

// AudienceInput describes a new audience.
type AudienceInput struct {
	Identifier       string
	Description      string
	ServiceAccountID string
	TokenLifetime    time.Duration
}

// AudienceUpdate is a partial update; nil fields are left alone.
type AudienceUpdate struct {
	Identifier       *string
	Description      *string
	ServiceAccountID *string
	TokenLifetime    *time.Duration
}

// validateAudienceIdentifier checks an aud value: an absolute URI, or a
// name of letters, digits and . _ - : / (no spaces, which would be
// ambiguous in scope-like lists).
func validateAudienceIdentifier(s string) (string, error) {
	const field = "identifier"
	if s == "" {
		return "", signet.FieldErrorf(field, signet.EINVALID, "identifier is required: the value tokens carry in aud, such as https://billing.internal or billing")
	}
	if len(s) > maxAudienceIdentifier {
		return "", signet.FieldErrorf(field, signet.EINVALID, "identifier is longer than %d characters", maxAudienceIdentifier)
	}
	for _, r := range s {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", signet.FieldErrorf(field, signet.EINVALID, "identifier %q must be printable ASCII without spaces, such as https://billing.internal or billing", s)
		}
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Fragment != "" {
			return "", signet.FieldErrorf(field, signet.EINVALID, "identifier %q is not an absolute URI without user info or fragment, such as https://billing.internal", s)
		}
	}
	return s, nil
}

func validateTokenLifetime(d time.Duration) error {
	if d < 0 || d > signet.MaxTokenLifetime {
		return signet.FieldErrorf("token_lifetime", signet.EINVALID, "token_lifetime must be between 0 (the key policy's token lifetime) and %s", signet.FormatDuration(signet.MaxTokenLifetime))
	}
	return nil
}

// audienceAccount checks that the account an audience runs as is a live
// service account ("" is none).
func (o *op) audienceAccount(accountID string) error {
	if accountID == "" {
		return nil
	}
	u, err := o.tx.GetUser(o.ctx, accountID)
	if err != nil || u.Status == signet.StatusDeleted || !u.IsServiceAccount() {
		return signet.FieldErrorf("service_account_id", signet.EINVALID, "service_account_id %q is not a service account", accountID)
	}
	return nil
}

// CreateAudience registers a resource tokens may be issued for. Needs
// settings:write organisation-wide. Returns EINVALID, ECONFLICT,
// EFORBIDDEN.
func (s *Service) CreateAudience(ctx context.Context, a *signet.Actor, in AudienceInput) (*signet.Audience, error) {
	var out *signet.Audience
	err := s.mutate(ctx, a, ActionAudienceCreate, func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		ident, err := validateAudienceIdentifier(in.Identifier)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		if err := validateTokenLifetime(in.TokenLifetime); err != nil {
			return err
		}
		if err := o.audienceAccount(in.ServiceAccountID); err != nil {
			return err
		}
		au := &signet.Audience{ID: id.New(id.Audience), Identifier: ident, Description: desc,
			ServiceAccountID: in.ServiceAccountID, TokenLifetime: in.TokenLifetime,
			CreatedAt: o.now, CreatedBy: o.actorID(), UpdatedAt: o.now}
		if err := o.tx.CreateAudience(ctx, au); err != nil {
			return withField("identifier", conflict(err, "an audience with identifier %q already exists", ident))
		}
		o.target("oauth_audience", au.ID, au.Identifier)
		o.detail("service_account_id", au.ServiceAccountID)
		o.detail("token_lifetime", signet.FormatDuration(au.TokenLifetime))
		out = au
		return nil
	})
	return out, err
}

// GetAudience returns an audience. Needs settings:read organisation-wide.
// Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetAudience(ctx context.Context, a *signet.Actor, audienceID string) (*signet.Audience, error) {
	var out *signet.Audience
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		au, err := o.tx.GetAudience(ctx, audienceID)
		if err != nil {
			return notFound(err, "audience %q not found", audienceID)
		}
		out = au
		return nil
	})
	return out, err
}

// ListAudiences lists audiences by id. Needs settings:read
// organisation-wide. Returns EINVALID, EFORBIDDEN.
func (s *Service) ListAudiences(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.Audience, string, error) {
	var out []*signet.Audience
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		var err error
		out, next, err = o.tx.ListAudiences(ctx, p)
		return err
	})
	return out, next, err
}

// UpdateAudience changes an audience. Tokens already issued keep the
// identifier they were issued with. Needs settings:write
// organisation-wide. Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) UpdateAudience(ctx context.Context, a *signet.Actor, audienceID string, up AudienceUpdate) (*signet.Audience, error) {
	var out *signet.Audience
	err := s.mutate(ctx, a, ActionAudienceUpdate, func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		au, err := o.tx.GetAudience(ctx, audienceID)
		if err != nil {
			return notFound(err, "audience %q not found", audienceID)
		}
		o.target("oauth_audience", au.ID, au.Identifier)
		if up.Identifier != nil && *up.Identifier != au.Identifier {
			ident, err := validateAudienceIdentifier(*up.Identifier)
			if err != nil {
				return err
			}
			o.change("identifier", au.Identifier, ident)
			au.Identifier = ident
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			au.Description = desc
		}
		if up.ServiceAccountID != nil && *up.ServiceAccountID != au.ServiceAccountID {
			if err := o.audienceAccount(*up.ServiceAccountID); err != nil {
				return err
			}
			o.change("service_account_id", au.ServiceAccountID, *up.ServiceAccountID)
			au.ServiceAccountID = *up.ServiceAccountID
		}
		if up.TokenLifetime != nil && *up.TokenLifetime != au.TokenLifetime {
			if err := validateTokenLifetime(*up.TokenLifetime); err != nil {
				return err
			}
			o.change("token_lifetime", signet.FormatDuration(au.TokenLifetime), signet.FormatDuration(*up.TokenLifetime))
			au.TokenLifetime = *up.TokenLifetime
		}
		au.UpdatedAt = o.now
		if err := o.tx.UpdateAudience(ctx, au); err != nil {
			return withField("identifier", conflict(err, "an audience with identifier %q already exists", au.Identifier))
		}
		out = au
		return nil
	})
	return out, err
}

// DeleteAudience deletes an audience: no token is issued for it any
// more, and introspection answers inactive for those issued. Needs
// settings:write organisation-wide. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) DeleteAudience(ctx context.Context, a *signet.Actor, audienceID string) error {
	return s.mutate(ctx, a, ActionAudienceDelete, func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		au, err := o.tx.GetAudience(ctx, audienceID)
		if err != nil {
			return notFound(err, "audience %q not found", audienceID)
		}
		o.target("oauth_audience", au.ID, au.Identifier)
		return o.tx.DeleteAudience(ctx, au.ID)
	})
}

// ClientKeyInput describes a public key to register on a service account.
type ClientKeyInput struct {
	Name string
	// PublicKey is PEM ("PUBLIC KEY", SubjectPublicKeyInfo) or a JWK
	// (JSON) of an Ed25519, P-256 or RSA (2048 bits or more) public key.
	PublicKey string
}

// ParseClientPublicKey reads a public key given as PEM or as a JWK and
// returns it, the algorithm its assertions must use, its PEM and its RFC
// 7638 SHA-256 thumbprint. Returns EINVALID naming public_key.
func ParseClientPublicKey(s string) (pub crypto.PublicKey, alg, pemText, thumbprint string, err error) {
	const field = "public_key"
	bad := func(format string, args ...any) (crypto.PublicKey, string, string, string, error) {
		return nil, "", "", "", signet.FieldErrorf(field, signet.EINVALID, format, args...)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return bad("public_key is required: a PEM public key (-----BEGIN PUBLIC KEY-----) or a JWK of an Ed25519, P-256 or RSA key")
	case len(s) > maxClientKeyPEM:
		return bad("public_key is longer than %d bytes", maxClientKeyPEM)
	case strings.HasPrefix(s, "{"):
		pub, err = parseJWKPublicKey([]byte(s))
		if err != nil {
			return bad("public_key is not a usable JWK: %v", err)
		}
	default:
		block, rest := pem.Decode([]byte(s))
		if block == nil || strings.TrimSpace(string(rest)) != "" {
			return bad("public_key is neither PEM (-----BEGIN PUBLIC KEY-----) nor a JWK")
		}
		if block.Type != "PUBLIC KEY" {
			return bad("public_key is a PEM %q block: give the public key (-----BEGIN PUBLIC KEY-----), never a private key", block.Type)
		}
		if pub, err = x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			return bad("public_key is not a valid public key: %v", err)
		}
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		alg = signet.AlgEdDSA
	case *ecdsa.PublicKey:
		if k.Curve.Params().Name != "P-256" {
			return bad("public_key is an ECDSA key on %s: only P-256 (ES256) is accepted", k.Curve.Params().Name)
		}
		alg = signet.AlgES256
	case *rsa.PublicKey:
		if k.N.BitLen() < minClientKeyRSABits {
			return bad("public_key is a %d-bit RSA key: at least %d bits are required", k.N.BitLen(), minClientKeyRSABits)
		}
		// An even modulus or an exponent below 3 or even is no RSA key
		// anyone generates: refuse it rather than store a key that no
		// signature verifies with (or, e = 1, that anyone forges).
		if k.N.Bit(0) == 0 || k.E < 3 || k.E%2 == 0 {
			return bad("public_key is not a valid RSA public key: its modulus must be odd and its exponent odd and at least 3 (usually 65537)")
		}
		alg = signet.AlgRS256
	default:
		return bad("public_key is a %T: only Ed25519, P-256 and RSA keys are accepted", pub)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return bad("public_key cannot be encoded: %v", err)
	}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	thumbprint, err = JWKThumbprint(pub)
	if err != nil {
		return bad("%v", err)
	}
	return pub, alg, pemText, thumbprint, nil
}

// JWKThumbprint is the RFC 7638 SHA-256 thumbprint of a public key,
// base64url without padding.
func JWKThumbprint(pub crypto.PublicKey) (string, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	var canon string
	switch k := pub.(type) {
	case ed25519.PublicKey:
		canon = `{"crv":"Ed25519","kty":"OKP","x":"` + b64(k) + `"}`
	case *ecdsa.PublicKey:
		ecdh, err := k.ECDH()
		if err != nil {
			return "", err
		}
		raw := ecdh.Bytes() // 0x04 || X || Y
		n := (len(raw) - 1) / 2
		canon = `{"crv":"P-256","kty":"EC","x":"` + b64(raw[1:1+n]) + `","y":"` + b64(raw[1+n:]) + `"}`
	case *rsa.PublicKey:
		e := big2bytes(int64(k.E))
		canon = `{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(k.N.Bytes()) + `"}`
	default:
		return "", signet.Errorf(signet.EINVALID, "unsupported key type %T", pub)
	}
	sum := sha256.Sum256([]byte(canon))
	return b64(sum[:]), nil
}

func big2bytes(v int64) []byte {
	var out []byte
	for v > 0 {
		out = append([]byte{byte(v & 0xff)}, out...)
		v >>= 8
	}
	return out
}

// parseJWKPublicKey reads a public JWK (OKP Ed25519, EC P-256, RSA). A JWK
// holding a private member ("d") is refused: it must never be uploaded.
func parseJWKPublicKey(b []byte) (crypto.PublicKey, error) {
	var j struct {
		Kty, Crv, X, Y, N, E, D string
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	if j.D != "" {
		return nil, signet.Errorf(signet.EINVALID, "it holds a private key (\"d\"); give the public key only")
	}
	dec := base64.RawURLEncoding.DecodeString
	switch {
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		x, err := dec(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, signet.Errorf(signet.EINVALID, "x is not a base64url Ed25519 public key")
		}
		return ed25519.PublicKey(x), nil
	case j.Kty == "EC" && j.Crv == "P-256":
		x, err1 := dec(j.X)
		y, err2 := dec(j.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return nil, signet.Errorf(signet.EINVALID, "x and y are not base64url P-256 coordinates")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, signet.Errorf(signet.EINVALID, "x and y are not a point on P-256")
		}
		return pub, nil
	case j.Kty == "RSA":
		n, err1 := dec(j.N)
		e, err2 := dec(j.E)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, signet.Errorf(signet.EINVALID, "n and e are not a base64url RSA public key")
		}
		ev := 0
		for _, b := range e {
			ev = ev<<8 | int(b)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: ev}, nil
	default:
		return nil, signet.Errorf(signet.EINVALID, "kty %q / crv %q is not Ed25519 (OKP), P-256 (EC) or RSA", j.Kty, j.Crv)
	}
}

// CreateClientKey registers a public key on a service account for
// private_key_jwt. Needs service_accounts:write organisation-wide.
// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) CreateClientKey(ctx context.Context, a *signet.Actor, accountID string, in ClientKeyInput) (*signet.ClientKey, error) {
	var out *signet.ClientKey
	err := s.mutate(ctx, a, ActionClientKeyCreate, func(o *op) error {
		u, err := o.clientKeyAccount(accountID, "write")
		if err != nil {
			return err
		}
		name, err := validateText("name", strings.TrimSpace(in.Name), signet.MaxNameLen)
		if err != nil {
			return err
		}
		if name == "" {
			return signet.FieldErrorf("name", signet.EINVALID, "name is required: say where the private key lives, such as ci-signer")
		}
		_, alg, pemText, thumb, err := ParseClientPublicKey(in.PublicKey)
		if err != nil {
			return err
		}
		k := &signet.ClientKey{ID: id.New(id.ClientKey), UserID: u.ID, Name: name, Algorithm: alg, PublicKey: pemText,
			Thumbprint: thumb, CreatedAt: o.now, CreatedBy: o.actorID()}
		if err := o.tx.CreateClientKey(ctx, k); err != nil {
			return withField("public_key", conflict(err, "this public key is already registered on %s", u.Name))
		}
		o.target("oauth_client_key", k.ID, k.Name)
		o.detail("service_account_id", u.ID)
		o.detail("service_account_name", u.Name)
		o.detail("algorithm", alg)
		o.detail("thumbprint", thumb)
		out = k
		return nil
	})
	return out, err
}

// clientKeyAccount returns the live service account accountID when the
// actor may read ("read") or change ("write") its client keys: the
// account itself may read its own.
func (o *op) clientKeyAccount(accountID, action string) (*signet.User, error) {
	u, err := o.liveUser(accountID)
	if err != nil {
		return nil, err
	}
	if !u.IsServiceAccount() {
		return nil, signet.Errorf(signet.EINVALID, "client keys belong to service accounts; %q is a person", accountID)
	}
	if action == "read" && o.self(u.ID) {
		return u, nil
	}
	if err := o.authorise("service_accounts:"+action, ""); err != nil {
		return nil, err
	}
	return u, nil
}

// ListClientKeys returns a service account's client keys. Needs
// service_accounts:read organisation-wide, or to be the account.
// Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) ListClientKeys(ctx context.Context, a *signet.Actor, accountID string) ([]*signet.ClientKey, error) {
	var out []*signet.ClientKey
	err := s.view(ctx, a, func(o *op) error {
		u, err := o.clientKeyAccount(accountID, "read")
		if err != nil {
			return err
		}
		out, err = o.tx.ListClientKeys(ctx, u.ID)
		return err
	})
	return out, err
}

// DeleteClientKey removes a client key: assertions signed with it are
// refused, and introspection answers inactive for the tokens it minted.
// Needs service_accounts:write organisation-wide. Returns ENOTFOUND,
// EFORBIDDEN.
func (s *Service) DeleteClientKey(ctx context.Context, a *signet.Actor, accountID, keyID string) error {
	return s.mutate(ctx, a, ActionClientKeyDelete, func(o *op) error {
		u, err := o.clientKeyAccount(accountID, "write")
		if err != nil {
			return err
		}
		k, err := o.tx.GetClientKey(ctx, keyID)
		if err != nil || k.UserID != u.ID {
			return signet.Errorf(signet.ENOTFOUND, "client key %q not found on %s", keyID, u.Name)
		}
		o.target("oauth_client_key", k.ID, k.Name)
		o.detail("service_account_id", u.ID)
		o.detail("thumbprint", k.Thumbprint)
		return o.tx.DeleteClientKey(ctx, k.ID)
	})
}

// TokenIssuerState is what the issuer needs from storage, read in one
// transaction: it caches it until the next change.
type TokenIssuerState struct {
	// SigningKeys are the published keys, oldest first; the last one not
	// retired signs. Their private keys are opened (Signer).
	SigningKeys []LoadedSigningKey
	Audiences   map[string]*signet.Audience // by identifier
	Revoked     map[string]time.Time        // jti -> expiry
	// TokenLifetime is the key policy's.
	TokenLifetime time.Duration
	// DefaultWorkspace is the default workspace's id; Workspaces maps
	// workspace ids and lowercase names to ids.
	DefaultWorkspace string
	Workspaces       map[string]string
	Catalogue        *signet.Catalogue
}

// LoadedSigningKey is a signing key with its private key opened.
type LoadedSigningKey struct {
	Key    *signet.SigningKey
	Public crypto.PublicKey
	Signer crypto.Signer
}

// LoadTokenIssuerState reads the issuer's state. Returns EUNAVAILABLE
// when a signing key cannot be opened (no or another secret key).
func (s *Service) LoadTokenIssuerState(ctx context.Context) (*TokenIssuerState, error) {
	if s.webhooks.Box == nil {
		return nil, errNoSecretKey("token signing keys")
	}
	now := s.now()
	var out *TokenIssuerState
	err := s.store.Read(ctx, func(tx store.Tx) error {
		st := &TokenIssuerState{Audiences: map[string]*signet.Audience{}, Revoked: map[string]time.Time{}, Workspaces: map[string]string{}}
		keys, err := tx.ListSigningKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !k.Published(now) {
				continue
			}
			lk, err := s.openSigningKey(k)
			if err != nil {
				return err
			}
			st.SigningKeys = append(st.SigningKeys, lk)
		}
		auds, err := allPages(func(p signet.Page) ([]*signet.Audience, string, error) { return tx.ListAudiences(ctx, p) })
		if err != nil {
			return err
		}
		for _, a := range auds {
			st.Audiences[a.Identifier] = a
		}
		revoked, err := tx.ListRevokedTokens(ctx, now)
		if err != nil {
			return err
		}
		for _, r := range revoked {
			st.Revoked[r.JTI] = r.ExpiresAt
		}
		policy, err := loadKeyPolicy(ctx, tx)
		if err != nil {
			return err
		}
		st.TokenLifetime = policy.AccessTokenLifetime()
		wss, err := allPages(func(p signet.Page) ([]*signet.Workspace, string, error) { return tx.ListWorkspaces(ctx, p) })
		if err != nil {
			return err
		}
		for _, w := range wss {
			st.Workspaces[w.ID] = w.ID
			if _, taken := st.Workspaces[strings.ToLower(w.Name)]; !taken {
				st.Workspaces[strings.ToLower(w.Name)] = w.ID
			}
			if w.IsDefault {
				st.DefaultWorkspace = w.ID
			}
		}
		if st.Catalogue, err = loadCatalogue(ctx, tx); err != nil {
			return err
		}
		out = st
		return nil
	})
	return out, err
}

// signingKeyContext binds a sealed private key to its key id.
func signingKeyContext(kid string) string { return "oauth-signing-key:" + kid }

func (s *Service) openSigningKey(k *signet.SigningKey) (LoadedSigningKey, error) {
	if s.webhooks.Box == nil {
		return LoadedSigningKey{}, errNoSecretKey("token signing keys")
	}
	der, err := s.webhooks.Box.Open(k.PrivateKey, signingKeyContext(k.ID))
	if err != nil {
		return LoadedSigningKey{}, signet.Errorf(signet.EUNAVAILABLE, "token signing key %s cannot be opened with this server's --secret-key-file (%v): start every replica with the same key file", k.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return LoadedSigningKey{}, signet.Internal("service.openSigningKey", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return LoadedSigningKey{}, signet.Internal("service.openSigningKey", nil)
	}
	return LoadedSigningKey{Key: k, Public: signer.Public(), Signer: signer}, nil
}

func errNoSecretKey(what string) error {
	return signet.Errorf(signet.EUNAVAILABLE, "%s are stored encrypted, and this server has no key for them: start every replica with the same --secret-key-file", what)
}

// RotateSigningKeys keeps Signet's token signing keys current: it creates
// the first key, replaces the signing key once it is opts.RotateEvery old
// (or at once when force is set: a key that may have leaked), and deletes
// retired keys whose overlap has ended. A retired key stays published
// until the longest token it may have signed has expired plus the
// overlap. It runs at every start and periodically on every replica;
// writers are serialised, so replicas never rotate twice. Returns whether
// it rotated. Force needs settings:write organisation-wide.
func (s *Service) RotateSigningKeys(ctx context.Context, a *signet.Actor, opts TokenOptions, force bool) (bool, error) {
	opts = opts.withDefaults()
	if !slices.Contains(signet.SigningAlgorithms, opts.Algorithm) {
		return false, signet.Errorf(signet.EINVALID, "token signing algorithm %q: use EdDSA or ES256", opts.Algorithm)
	}
	if s.webhooks.Box == nil {
		return false, errNoSecretKey("token signing keys")
	}
	rotated := false
	err := s.mutate(ctx, a, ActionSigningKeyRotate, func(o *op) error {
		rotated = false
		if force {
			if err := o.authorise("settings:write", ""); err != nil {
				return err
			}
		}
		keys, err := o.tx.ListSigningKeys(ctx)
		if err != nil {
			return err
		}
		var current *signet.SigningKey
		deleted := 0
		for _, k := range keys {
			if !k.Published(o.now) {
				if err := o.tx.DeleteSigningKey(ctx, k.ID); err != nil {
					return err
				}
				deleted++
				continue
			}
			if k.RetiredAt == nil {
				current = k
			}
		}
		if current != nil && !force && o.now.Sub(current.CreatedAt) < opts.RotateEvery {
			if deleted == 0 {
				o.noEvent = true
			} else {
				o.target("oauth_signing_key", current.ID, "")
				o.detail("deleted_expired", deleted)
			}
			return nil
		}
		policy, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		// A retired key must verify every token it signed: the token
		// lifetime (an audience only shortens it), or longer while tokens
		// issued under an earlier, longer lifetime may live; and the
		// overlap for clocks and caches.
		keep := policy.AccessTokenLifetime()
		if u := policy.LongerTokensUntil; u != nil && u.After(o.now) {
			keep = max(keep, u.Sub(o.now))
		}
		keep = min(keep, signet.MaxTokenLifetime) + opts.Overlap
		if current != nil {
			now, until := o.now, o.now.Add(keep)
			current.RetiredAt, current.ExpiresAt = &now, &until
			if err := o.tx.UpdateSigningKey(ctx, current); err != nil {
				return err
			}
			o.detail("retired", current.ID)
			o.detail("retired_published_until", until.UTC().Format(time.RFC3339))
		}
		k, err := s.newSigningKey(opts.Algorithm, o.now)
		if err != nil {
			return err
		}
		if err := o.tx.CreateSigningKey(ctx, k); err != nil {
			return err
		}
		o.target("oauth_signing_key", k.ID, "")
		o.detail("algorithm", k.Algorithm)
		o.detail("forced", force)
		if deleted > 0 {
			o.detail("deleted_expired", deleted)
		}
		rotated = true
		return nil
	})
	return rotated, err
}

// SigningKeys returns the published signing keys (public parts only),
// oldest first. Needs settings:read organisation-wide.
func (s *Service) SigningKeys(ctx context.Context, a *signet.Actor) ([]*signet.SigningKey, error) {
	var out []*signet.SigningKey
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		keys, err := o.tx.ListSigningKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.Published(o.now) {
				c := *k
				c.PrivateKey = ""
				out = append(out, &c)
			}
		}
		return nil
	})
	return out, err
}

// ClientAssertionState is what authenticating a client assertion needs:
// the account, the key the assertion names, and the account's access.
type ClientAssertionState struct {
	Account *signet.User
	Key     *signet.ClientKey
	Access  signet.Access
}

// LoadClientAssertionState reads the client key keyID of account
// clientID with the account's current access. Returns ENOTFOUND when the
// account or the key (on that account) does not exist.
func (s *Service) LoadClientAssertionState(ctx context.Context, clientID, keyID string) (*ClientAssertionState, error) {
	var out *ClientAssertionState
	err := s.store.Read(ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(ctx, clientID)
		if err != nil {
			return err
		}
		k, err := tx.GetClientKey(ctx, keyID)
		if err != nil {
			return err
		}
		if k.UserID != u.ID {
			return signet.Errorf(signet.ENOTFOUND, "client key %q not found", keyID)
		}
		cat, err := loadCatalogue(ctx, tx)
		if err != nil {
			return err
		}
		acc, err := accessOf(ctx, tx, cat, u)
		if err != nil {
			return err
		}
		u.PasswordHash = ""
		out = &ClientAssertionState{Account: u, Key: k, Access: acc}
		return nil
	})
	return out, err
}

// ClientKeyActive reports whether client key keyID exists and its
// account is active: tokens it minted are active only while it is.
func (s *Service) ClientKeyActive(ctx context.Context, keyID string) (bool, error) {
	active := false
	err := s.store.Read(ctx, func(tx store.Tx) error {
		k, err := tx.GetClientKey(ctx, keyID)
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		u, err := tx.GetUser(ctx, k.UserID)
		if err != nil {
			return err
		}
		active = u.Status == signet.StatusActive
		return nil
	})
	return active, err
}

// UseClientAssertion records a client assertion's jti and reports whether
// it is its first use: an assertion is accepted once (RFC 7523 §3).
func (s *Service) UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) (bool, error) {
	first := false
	err := s.store.Write(ctx, func(tx store.Tx) error {
		var err error
		first, err = tx.UseClientAssertion(ctx, clientID, jti, expiresAt, s.now())
		return err
	})
	return first, err
}

// RevokeAccessToken records that access token t was revoked by its
// client (RFC 7009), audited as oauth_token.revoke by actor a. Repeating
// it is not an error and records nothing.
func (s *Service) RevokeAccessToken(ctx context.Context, a *signet.Actor, t signet.RevokedToken) error {
	return s.mutate(ctx, a, ActionTokenRevoke, func(o *op) error {
		t.RevokedAt = o.now
		first, err := o.tx.RevokeToken(ctx, &t, o.now)
		if err != nil {
			return err
		}
		if !first {
			o.noEvent = true
			return nil
		}
		o.target("oauth_token", t.JTI, "")
		o.detail("client_id", t.ClientID)
		o.detail("expires_at", t.ExpiresAt.UTC().Format(time.RFC3339))
		return nil
	})
}

// TokenEvent is an aggregated run of token issuances or refusals (see
// issuer.Aggregator). It never holds a secret or a token.
type TokenEvent struct {
	// Refused is set for refusals (outcome denied), with Error (the OAuth
	// error code) and Reason (why, for people).
	Refused bool
	Error   string
	Reason  string
	// ClientID is the client as it authenticated or claimed to be;
	// Credential the API key or client key id it used.
	ClientID   string
	Credential string
	GrantType  string
	Audience   string
	Scope      string
	IP         string
	UserAgent  string
	RequestID  string
	Count      int64
	First      time.Time
	Last       time.Time
}

// RecordTokenEvents appends one oauth_token.issue event (outcome success)
// or oauth_token.refused event (outcome denied) per aggregated run, in one
// transaction.
func (s *Service) RecordTokenEvents(ctx context.Context, evs []TokenEvent) error {
	if len(evs) == 0 {
		return nil
	}
	now := s.now()
	return s.store.Write(ctx, func(tx store.Tx) error {
		out := make([]*signet.AuditEvent, 0, len(evs))
		for _, t := range evs {
			e := &signet.AuditEvent{
				ID: id.New(id.AuditEvent), Time: now, Action: ActionTokenIssue, Outcome: signet.OutcomeSuccess,
				ActorKind: "anonymous", IP: t.IP, UserAgent: t.UserAgent, RequestID: t.RequestID,
				TargetType: "oauth_audience", TargetName: t.Audience,
				Details: map[string]any{
					"grant_type": t.GrantType,
					"count":      t.Count,
					"first_at":   t.First.UTC().Format(time.RFC3339Nano),
					"last_at":    t.Last.UTC().Format(time.RFC3339Nano),
				},
			}
			if t.Scope != "" {
				e.Details["scope"] = t.Scope
			}
			if t.Credential != "" {
				e.Details["credential"] = t.Credential
			}
			if strings.HasPrefix(t.Credential, id.APIKey) {
				e.KeyID = t.Credential
			}
			if t.Refused {
				e.Action, e.Outcome = ActionTokenRefused, signet.OutcomeDenied
				e.Details["error"] = t.Error
				e.Details["reason"] = t.Reason
			}
			if t.ClientID != "" {
				e.Details["client_id"] = t.ClientID
				u, err := tx.GetUser(ctx, t.ClientID)
				switch {
				case err == nil:
					e.ActorID, e.ActorKind, e.ActorName = u.ID, u.Kind, u.Name
				case signet.ErrorCode(err) != signet.ENOTFOUND:
					return err
				}
			}
			out = append(out, e)
		}
		return tx.AppendAuditEvents(ctx, out)
	})
}

// newSigningKey generates a signing key of algorithm alg, its private key
// sealed under the server's secret key.
func (s *Service) newSigningKey(alg string, now time.Time) (*signet.SigningKey, error) {
	var signer crypto.Signer
	var err error
	switch alg {
	case signet.AlgEdDSA:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	case signet.AlgES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil || signer == nil {
		return nil, signet.Internal("service.newSigningKey", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return nil, signet.Internal("service.newSigningKey", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return nil, signet.Internal("service.newSigningKey", err)
	}
	k := &signet.SigningKey{ID: id.New(id.SigningKey), Algorithm: alg, CreatedAt: now,
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}
	k.PrivateKey = s.webhooks.Box.Seal(der, signingKeyContext(k.ID))
	return k, nil
}
