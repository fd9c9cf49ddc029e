package issuer

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/id"
)

// TokenRequest is a token endpoint request, as the form carried it.
type TokenRequest struct {
	GrantType string
	Scope     string
	// Audience holds the audience and resource parameters given (RFC 8693
	// audience, RFC 8707 resource): exactly one is required.
	Audience []string
	// Client authentication: ClientID and ClientSecret from HTTP Basic
	// (Basic set) or the form; or a client assertion.
	ClientID            string
	ClientSecret        string
	Basic               bool
	ClientAssertionType string
	ClientAssertion     string
	// Token exchange.
	SubjectToken       string
	SubjectTokenType   string
	RequestedTokenType string
	ActorToken         string
	// IP is the caller's address (a key's network allowlist judges it).
	IP        string
	UserAgent string
	RequestID string
}

// TokenResponse is a successful token endpoint answer (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken     string `json:"access_token"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	Scope           string `json:"scope,omitempty"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// Claims are the claims of Signet's access tokens (RFC 9068 §2.2, with
// Signet's own: the permissions per workspace and the credential that
// minted the token).
type Claims struct {
	Issuer    string              `json:"iss"`
	Subject   string              `json:"sub"`
	Audience  string              `json:"aud"`
	Expiry    int64               `json:"exp"`
	NotBefore int64               `json:"nbf"`
	IssuedAt  int64               `json:"iat"`
	ID        string              `json:"jti"`
	ClientID  string              `json:"client_id"`
	Scope     string              `json:"scope"`
	Act       *Actor              `json:"act,omitempty"`
	Workspace map[string][]string `json:"workspaces"`
	// DefaultWorkspace is the default workspace's id, for a verifier that
	// checks "the default workspace" offline.
	DefaultWorkspace string `json:"default_workspace"`
	// Credential is the API key (key_…) or client key (ck_…) whose holder
	// obtained the token, first in an exchange chain: revoking it makes
	// introspection answer inactive.
	Credential string `json:"signet_cred"`
}

// Actor is the act claim of an exchanged token (RFC 8693 §4.1): who acts
// on behalf of the subject, and whom they acted for before.
type Actor struct {
	Subject string `json:"sub"`
	Act     *Actor `json:"act,omitempty"`
}

// client is an authenticated client.
type client struct {
	id         string
	credential string // key_… or ck_…
	actor      *signet.Actor
	access     *signet.Access
	// notAfter bounds the tokens' expiry (the API key's); zero: none.
	notAfter time.Time
}

// Token answers a token endpoint request.
func (i *Issuer) Token(ctx context.Context, req TokenRequest) (*TokenResponse, *Error) {
	resp, cl, aud, oerr := i.token(ctx, &req)
	if ev := i.cfg.Events; ev != nil {
		r := record{grantType: req.GrantType, audience: aud, ip: req.IP, userAgent: req.UserAgent, requestID: req.RequestID}
		if cl != nil {
			r.clientID, r.credential = cl.id, cl.credential
		} else {
			r.clientID = req.ClientID
		}
		switch {
		case oerr == nil:
			r.scope = resp.Scope
			ev.record(r)
		case !oerr.Unavailable:
			r.refused, r.error, r.reason = true, oerr.Code, oerr.Description
			ev.record(r)
		}
	}
	return resp, oerr
}

func (i *Issuer) token(ctx context.Context, req *TokenRequest) (*TokenResponse, *client, string, *Error) {
	switch req.GrantType {
	case GrantClientCredentials, GrantTokenExchange:
	case "":
		return nil, nil, "", oauthErr("invalid_request", "grant_type is required: client_credentials, or %s", GrantTokenExchange)
	default:
		return nil, nil, "", oauthErr("unsupported_grant_type", "grant_type %q is not supported: use client_credentials, or %s", req.GrantType, GrantTokenExchange)
	}
	s, err := i.load(ctx)
	if err != nil {
		return nil, nil, "", unavailable(err)
	}
	if s.signer == nil {
		return nil, nil, "", &Error{Code: "temporarily_unavailable", Description: "Signet has no token signing key yet; try again shortly", Unavailable: true}
	}
	if len(req.Audience) != 1 {
		return nil, nil, "", oauthErr("invalid_target", "name exactly one audience (the audience or resource parameter): the identifier of a registered audience, such as https://billing.internal")
	}
	audIdent := req.Audience[0]
	aud := s.st.Audiences[audIdent]
	if aud == nil {
		return nil, nil, audIdent, oauthErr("invalid_target", "audience %q is not registered in Signet: an administrator registers it under Settings → Audiences", audIdent)
	}
	cl, oerr := i.authenticate(ctx, req)
	if oerr != nil {
		return nil, nil, audIdent, oerr
	}
	lifetime := s.st.TokenLifetime
	if aud.TokenLifetime > 0 {
		lifetime = min(lifetime, aud.TokenLifetime)
	}
	now := i.now()
	c := Claims{Issuer: i.cfg.Issuer, Audience: aud.Identifier, IssuedAt: now.Unix(), NotBefore: now.Unix(),
		ID: id.New(id.AccessToken), ClientID: cl.id, DefaultWorkspace: s.st.DefaultWorkspace}
	exp := now.Add(lifetime)
	if !cl.notAfter.IsZero() && cl.notAfter.Before(exp) {
		exp = cl.notAfter
	}
	var issuedType string
	if req.GrantType == GrantClientCredentials {
		perms, oerr := s.grantScope(req.Scope, cl.access, nil)
		if oerr != nil {
			return nil, cl, audIdent, oerr
		}
		c.Subject, c.Credential = cl.id, cl.credential
		c.setScope(perms)
	} else {
		subject, oerr := i.exchangeSubject(ctx, s, req, cl)
		if oerr != nil {
			return nil, cl, audIdent, oerr
		}
		scope := req.Scope
		if strings.TrimSpace(scope) == "" {
			scope = subject.claims.Scope
		}
		perms, oerr := s.grantScope(scope, subject.access, subject.claims.Workspace)
		if oerr != nil {
			return nil, cl, audIdent, oerr
		}
		c.Subject, c.Credential = subject.claims.Subject, subject.claims.Credential
		c.Act = &Actor{Subject: cl.id, Act: subject.claims.Act}
		c.setScope(perms)
		if t := time.Unix(subject.claims.Expiry, 0); t.Before(exp) {
			exp = t
		}
		issuedType = TokenTypeAccessToken
	}
	c.Expiry = exp.Unix()
	if c.Expiry <= now.Unix() {
		return nil, cl, audIdent, oauthErr("invalid_grant", "the credential expires now: no token can be issued with it")
	}
	tok, err := s.sign(&c)
	if err != nil {
		return nil, cl, audIdent, unavailable(err)
	}
	return &TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: c.Expiry - now.Unix(), Scope: c.Scope, IssuedTokenType: issuedType}, cl, audIdent, nil
}

// setScope fills in scope and workspaces from the granted permissions.
func (c *Claims) setScope(perms []signet.TokenPermission) {
	c.Workspace = map[string][]string{}
	for _, p := range perms {
		c.Workspace[p.Workspace] = append(c.Workspace[p.Workspace], p.Permission)
	}
	for ws := range c.Workspace {
		slices.Sort(c.Workspace[ws])
	}
	// The scope claim names the default workspace's permissions bare, as
	// a client usually asked for them.
	shown := make([]signet.TokenPermission, len(perms))
	for k, p := range perms {
		shown[k] = p
		if p.Workspace == c.DefaultWorkspace {
			shown[k].Workspace = ""
		}
	}
	c.Scope = signet.FormatTokenScope(shown)
}

// grantScope resolves a requested scope against what the client holds
// (access) and, in an exchange, against the subject token's permissions
// (within; nil: no such bound). Every permission asked for must be held:
// a token never carries more, and silently carrying less would surprise.
func (s *state) grantScope(scope string, access *signet.Access, within map[string][]string) ([]signet.TokenPermission, *Error) {
	asked, err := signet.ParseTokenScope(scope)
	if err != nil {
		return nil, oauthErr("invalid_scope", "%s", signet.ErrorMessage(err))
	}
	if len(asked) == 0 {
		return nil, oauthErr("invalid_scope", "scope is required: name the permissions the token needs, such as billing:read, or billing:read@<workspace> for another workspace than the default")
	}
	out := make([]signet.TokenPermission, 0, len(asked))
	for _, p := range asked {
		ws := s.st.DefaultWorkspace
		if p.Workspace != "" {
			var ok bool
			if ws, ok = s.st.Workspaces[p.Workspace]; !ok {
				if ws, ok = s.st.Workspaces[strings.ToLower(p.Workspace)]; !ok {
					return nil, oauthErr("invalid_scope", "scope %q names workspace %q, which does not exist", p.String(), p.Workspace)
				}
			}
		}
		if !s.st.Catalogue.Has(p.Permission) {
			return nil, oauthErr("invalid_scope", "scope %q: permission %q does not exist", p.String(), p.Permission)
		}
		if within != nil && !slices.Contains(within[ws], p.Permission) {
			return nil, oauthErr("invalid_scope", "scope %q is not in the subject token: an exchange can only narrow a token", p.String())
		}
		if access == nil || !access.Can(p.Permission, ws) {
			return nil, oauthErr("invalid_scope", "scope %q: the client does not hold %s in that workspace (with this credential's scopes)", p.String(), p.Permission)
		}
		g := signet.TokenPermission{Permission: p.Permission, Workspace: ws}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// sign serialises and signs claims with the current signing key.
func (s *state) sign(c *Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", signet.Internal("issuer.sign", err)
	}
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", signet.Internal("issuer.sign", err)
	}
	return jws.CompactSerialize()
}

// authenticate authenticates the client of a token, revocation or
// introspection request. Every failure is invalid_client, with a message
// that does not tell which part was wrong beyond what the client sent.
func (i *Issuer) authenticate(ctx context.Context, req *TokenRequest) (*client, *Error) {
	fail := func(format string, args ...any) *Error {
		e := oauthErr("invalid_client", format, args...)
		e.Basic = req.Basic
		return e
	}
	if req.ClientAssertion != "" || req.ClientAssertionType != "" {
		if req.ClientSecret != "" {
			return nil, fail("authenticate with one method: a client secret or a client assertion, not both")
		}
		return i.authenticateAssertion(ctx, req)
	}
	if req.ClientID == "" || req.ClientSecret == "" {
		return nil, fail("client authentication required: client_id (the service account's id) and client_secret (one of its API keys), by HTTP Basic or in the form; or a client assertion (private_key_jwt)")
	}
	v, err := i.cfg.Verifier.VerifyKeyFrom(ctx, req.ClientSecret, req.IP, req.IP)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			return nil, fail("the client secret is not a valid API key of client %q (%s)", req.ClientID, signet.ErrorReason(err))
		}
		return nil, unavailable(err)
	}
	if v.Actor.UserID != req.ClientID {
		return nil, fail("the client secret is not an API key of client %q", req.ClientID)
	}
	if v.Actor.Kind != signet.KindServiceAccount {
		return nil, fail("client_id must be a service account's id; personal keys do not obtain tokens")
	}
	return &client{id: v.Actor.UserID, credential: v.Actor.KeyID, actor: v.Actor, access: v.Access, notAfter: v.KeyExpiresAt}, nil
}

// assertionMaxLife bounds how far in the future a client assertion may
// expire: its jti is remembered until then.
const assertionMaxLife = time.Hour

// authenticateAssertion verifies a private_key_jwt client assertion (RFC
// 7523 §3): signed by a key registered on the client, iss and sub the
// client, aud this server, unexpired, and never seen before.
func (i *Issuer) authenticateAssertion(ctx context.Context, req *TokenRequest) (*client, *Error) {
	fail := func(format string, args ...any) *Error { return oauthErr("invalid_client", format, args...) }
	if req.ClientAssertionType != AssertionTypeJWTBearer {
		return nil, fail("client_assertion_type must be %s", AssertionTypeJWTBearer)
	}
	tok, err := jwt.ParseSigned(req.ClientAssertion, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.RS256})
	if err != nil {
		return nil, fail("client_assertion is not a signed JWT (EdDSA, ES256 or RS256): %v", err)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, fail("client_assertion must name the registered key it is signed with in its kid header")
	}
	h := tok.Headers[0]
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, fail("client_assertion's claims cannot be read: %v", err)
	}
	clientID := claims.Issuer
	if clientID == "" || claims.Subject != clientID || (req.ClientID != "" && req.ClientID != clientID) {
		return nil, fail("client_assertion's iss and sub must both be the client's id (and match client_id when it is sent)")
	}
	st, err := i.cfg.Backend.LoadClientAssertionState(ctx, clientID, h.KeyID)
	if err != nil {
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			return nil, fail("client %q has no registered public key %q", clientID, h.KeyID)
		}
		return nil, unavailable(err)
	}
	if h.Algorithm != string(joseAlg(st.Key.Algorithm)) {
		return nil, fail("client_assertion is signed with %s, but key %s is an %s key", h.Algorithm, st.Key.ID, st.Key.Algorithm)
	}
	block, _ := pem.Decode([]byte(st.Key.PublicKey))
	if block == nil {
		return nil, unavailable(signet.Internal("issuer.authenticateAssertion", nil))
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, unavailable(signet.Internal("issuer.authenticateAssertion", err))
	}
	if err := tok.Claims(pub, &claims); err != nil {
		return nil, fail("client_assertion's signature does not verify with key %s", st.Key.ID)
	}
	now := i.now()
	if err := claims.ValidateWithLeeway(jwt.Expected{Time: now}, time.Minute); err != nil {
		return nil, fail("client_assertion is not valid now: %v", err)
	}
	if !claims.Audience.Contains(i.TokenEndpoint()) && !claims.Audience.Contains(i.cfg.Issuer) {
		return nil, fail("client_assertion's aud must be the token endpoint, %s", i.TokenEndpoint())
	}
	if claims.Expiry == nil || claims.ID == "" {
		return nil, fail("client_assertion must carry exp and jti")
	}
	exp := claims.Expiry.Time()
	if exp.Sub(now) > assertionMaxLife {
		return nil, fail("client_assertion expires more than %s from now; make it short-lived", signet.FormatDuration(assertionMaxLife))
	}
	if !st.Account.IsServiceAccount() || st.Account.Status != signet.StatusActive {
		return nil, fail("client %q is not an active service account", clientID)
	}
	first, err := i.cfg.Backend.UseClientAssertion(ctx, clientID, claims.ID, exp.Add(time.Minute))
	if err != nil {
		return nil, unavailable(err)
	}
	if !first {
		return nil, fail("client_assertion %q was already used: sign a new one, with a new jti, for every request", claims.ID)
	}
	actor := &signet.Actor{UserID: st.Account.ID, Kind: st.Account.Kind, Name: st.Account.Name}
	access := st.Access
	return &client{id: clientID, credential: st.Key.ID, actor: actor, access: &access}, nil
}

// verified is an access token that verified, with the current access of
// its credential.
type verified struct {
	claims Claims
	access *signet.Access
}

// errInactive is a token that is not (or no longer) active.
type errInactive struct{ why string }

func (e errInactive) Error() string { return e.why }

// verify checks an access token as introspection answers it: signed by a
// published key, issued here, within its lifetime, not revoked, for a
// registered audience, and minted with a credential that is still
// active. It returns errInactive, or a storage failure.
func (i *Issuer) verify(ctx context.Context, s *state, raw string) (*verified, error) {
	if raw == "" || strings.HasPrefix(raw, "sgn_") {
		return nil, errInactive{"not an access token"}
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		return nil, errInactive{"not a signed JWT"}
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, JWTType) {
		return nil, errInactive{"not an access token (typ)"}
	}
	k, ok := s.keys[h.KeyID]
	if !ok || string(k.alg) != h.Algorithm || (!k.expiresAt.IsZero() && !i.now().Before(k.expiresAt)) {
		return nil, errInactive{"not signed by a published key"}
	}
	var c Claims
	if err := tok.Claims(k.pub, &c); err != nil {
		return nil, errInactive{"bad signature"}
	}
	now := i.now().Unix()
	switch {
	case c.Issuer != i.cfg.Issuer:
		return nil, errInactive{"issued elsewhere"}
	case now >= c.Expiry:
		return nil, errInactive{"expired"}
	case now < c.NotBefore-60:
		return nil, errInactive{"not yet valid"}
	}
	if _, revoked := s.st.Revoked[c.ID]; revoked {
		return nil, errInactive{"revoked"}
	}
	if s.st.Audiences[c.Audience] == nil {
		return nil, errInactive{"audience no longer registered"}
	}
	ce, err := i.credential(ctx, s.gen, c.Credential, c.Subject)
	if err != nil {
		return nil, err
	}
	if !ce.active {
		return nil, errInactive{"credential revoked or account disabled"}
	}
	return &verified{claims: c, access: &ce.access}, nil
}

// credential returns whether the credential that minted a token (of
// subject sub) is active now, and the access it grants, cached until the
// next change.
func (i *Issuer) credential(ctx context.Context, gen uint64, cred, sub string) (*credEntry, error) {
	if v, ok := i.creds.Load(cred); ok {
		if e := v.(*credEntry); e.gen == gen {
			if e.active && !e.until.IsZero() && !i.now().Before(e.until) {
				return &credEntry{gen: gen}, nil
			}
			return e, nil
		}
	}
	e := &credEntry{gen: gen}
	switch {
	case strings.HasPrefix(cred, id.APIKey):
		ks, err := i.cfg.Backend.LoadKeyState(ctx, cred)
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
		case err != nil:
			return nil, err
		default:
			k := ks.Key
			now := i.now()
			refused := len(ks.Violations) > 0 && ks.EnforceFrom != nil && !now.Before(*ks.EnforceFrom)
			e.active = k.RevokedAt == nil && k.DisabledAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt)) &&
				ks.Owner.Status == signet.StatusActive && ks.Owner.ID == sub && !refused
			e.access = ks.Access
			if k.ExpiresAt != nil {
				// An expiry is not a change that invalidates the cache.
				e.until = *k.ExpiresAt
			}
		}
	case strings.HasPrefix(cred, id.ClientKey):
		st, err := i.cfg.Backend.LoadClientAssertionState(ctx, sub, cred)
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
		case err != nil:
			return nil, err
		default:
			e.active = st.Account.Status == signet.StatusActive
			e.access = st.Access
		}
	}
	i.creds.Store(cred, e)
	return e, nil
}

// exchangeSubject verifies the subject token of a token exchange and that
// client cl may exchange it: cl is the service account its audience runs
// as (Audience.ServiceAccountID).
func (i *Issuer) exchangeSubject(ctx context.Context, s *state, req *TokenRequest, cl *client) (*verified, *Error) {
	switch req.SubjectTokenType {
	case TokenTypeAccessToken, TokenTypeJWT:
	case "":
		return nil, oauthErr("invalid_request", "subject_token_type is required: %s", TokenTypeAccessToken)
	default:
		return nil, oauthErr("invalid_request", "subject_token_type %q is not supported: use %s", req.SubjectTokenType, TokenTypeAccessToken)
	}
	if req.ActorToken != "" {
		return nil, oauthErr("invalid_request", "actor_token is not supported: the authenticated client is the actor")
	}
	if req.RequestedTokenType != "" && req.RequestedTokenType != TokenTypeAccessToken && req.RequestedTokenType != TokenTypeJWT {
		return nil, oauthErr("invalid_request", "requested_token_type %q is not supported: Signet issues %s", req.RequestedTokenType, TokenTypeAccessToken)
	}
	if req.SubjectToken == "" {
		return nil, oauthErr("invalid_request", "subject_token is required: the access token to exchange")
	}
	v, err := i.verify(ctx, s, req.SubjectToken)
	if err != nil {
		if inactive, ok := err.(errInactive); ok {
			return nil, oauthErr("invalid_request", "subject_token is not an active Signet access token (%s)", inactive.why)
		}
		return nil, unavailable(err)
	}
	from := s.st.Audiences[v.claims.Audience]
	if from.ServiceAccountID == "" || from.ServiceAccountID != cl.id {
		return nil, oauthErr("unauthorized_client", "client %q may not exchange tokens addressed to %q: only the service account that audience runs as may", cl.id, v.claims.Audience)
	}
	return v, nil
}

// callerMayIntrospect is the rule for introspection: a service's key
// holding signet:check (the permission of the check API, which answers
// the same question for API keys) in some workspace or organisation-wide.
func callerMayIntrospect(v *authn.Verified) bool {
	if v == nil || v.Access == nil {
		return false
	}
	if v.Access.Org.Has(authn.PermCheck) {
		return true
	}
	for _, ps := range v.Access.Workspaces {
		if ps.Has(authn.PermCheck) {
			return true
		}
	}
	return false
}
