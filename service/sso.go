package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// OpenID Connect sign-in (authorization code flow with PKCE, state and
// nonce). BeginSSO records a single-use state bound to the browser (by
// the hash of a cookie the web layer sets) and returns the provider's
// authorization URL; CompleteSSO takes the state back, exchanges the code
// with the PKCE verifier, verifies the ID token with the provider's JWKS
// (go-oidc checks signature, issuer, audience and expiry; the nonce is
// checked here), checks the email domain and email_verified, finds or
// creates the user, applies the group mappings and creates a session by
// the rules of password sign-in, in one transaction audited as
// "session.login" (details.via "sso").

// SSOOptions configure single sign-on.
type SSOOptions struct {
	// HTTPClient makes the calls to identity providers (discovery, JWKS,
	// token); nil means a client with a 15-second timeout.
	HTTPClient *http.Client
}

// ssoStateTTL is how long a browser has to come back from the provider.
const ssoStateTTL = 10 * time.Minute

// ssoDiscoveryTTL is how long a provider's discovery document is kept.
const ssoDiscoveryTTL = time.Hour

// ssoClients caches each provider's discovery (and with it its key set,
// which go-oidc refreshes when it meets an unknown key id).
type ssoClients struct {
	mu sync.Mutex // guards m
	m  map[string]*ssoClient
}

type ssoClient struct {
	issuer   string
	provider *oidc.Provider
	fetched  time.Time
}

func (s *Service) ssoHTTPClient() *http.Client {
	if s.sso.HTTPClient != nil {
		return s.sso.HTTPClient
	}
	return defaultSSOHTTPClient
}

var defaultSSOHTTPClient = &http.Client{Timeout: 15 * time.Second}

// ssoContext carries the HTTP client to go-oidc and x/oauth2.
func (s *Service) ssoContext(ctx context.Context) context.Context {
	c := s.ssoHTTPClient()
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, c), c)
}

// forgetSSOClient drops a provider's cached discovery (after a change).
func (s *Service) forgetSSOClient(providerID string) {
	s.ssoCache.mu.Lock()
	delete(s.ssoCache.m, providerID)
	s.ssoCache.mu.Unlock()
}

// oidcProvider returns the discovered provider of p, cached.
func (s *Service) oidcProvider(ctx context.Context, p *signet.OIDCProvider) (*oidc.Provider, error) {
	now := time.Now()
	s.ssoCache.mu.Lock()
	c := s.ssoCache.m[p.ID]
	s.ssoCache.mu.Unlock()
	if c != nil && c.issuer == p.Issuer && now.Sub(c.fetched) < ssoDiscoveryTTL {
		return c.provider, nil
	}
	// The key set go-oidc builds keeps the HTTP client of this context
	// (not its deadline), for later key fetches.
	dctx, cancel := context.WithTimeout(s.ssoContext(context.WithoutCancel(ctx)), 15*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(dctx, p.Issuer)
	if err != nil {
		s.logger.WarnContext(ctx, "identity provider discovery failed", "provider_id", p.ID, "issuer", p.Issuer, "err", err)
		return nil, signet.Errorf(signet.EUNAVAILABLE, "the identity provider %q cannot be reached; try again later", p.Name)
	}
	s.ssoCache.mu.Lock()
	if s.ssoCache.m == nil {
		s.ssoCache.m = map[string]*ssoClient{}
	}
	s.ssoCache.m[p.ID] = &ssoClient{issuer: p.Issuer, provider: op, fetched: now}
	s.ssoCache.mu.Unlock()
	return op, nil
}

func (s *Service) oauth2Config(p *signet.OIDCProvider, op *oidc.Provider, redirectURL string) (*oauth2.Config, error) {
	var secret string
	if s.webhooks.Box == nil {
		return nil, signet.Errorf(signet.EUNAVAILABLE, "single sign-on needs the server's secret key (--secret-key-file)")
	}
	b, err := s.webhooks.Box.Open(p.ClientSecret, oidcSecretContext(p.ID))
	if err != nil {
		return nil, signet.Internal("service.oauth2Config", err)
	}
	secret = string(b)
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: secret, Endpoint: op.Endpoint(), RedirectURL: redirectURL,
		Scopes: append([]string{oidc.ScopeOpenID}, p.Scopes...)}, nil
}

// LoginProvider is what the login page shows of a provider.
type LoginProvider struct {
	ID   string
	Name string
}

// LoginProviders returns the enabled identity providers, for the login
// page (no authentication: names and ids only).
func (s *Service) LoginProviders(ctx context.Context) ([]LoginProvider, error) {
	var out []LoginProvider
	err := s.store.Read(ctx, func(tx store.Tx) error {
		all, err := tx.ListOIDCProviders(ctx)
		for _, p := range all {
			if p.Enabled {
				out = append(out, LoginProvider{ID: p.ID, Name: p.Name})
			}
		}
		return err
	})
	return out, err
}

// SSOStart is a sign-in begun: send the browser to AuthURL, holding
// BrowserToken in a cookie until it comes back.
type SSOStart struct {
	AuthURL      string
	BrowserToken string
	ExpiresAt    time.Time
}

// BeginSSO starts a sign-in with provider providerID. redirectURL is
// Signet's callback as registered at the provider; next is where to go
// after sign-in (the web layer checks it). Returns ENOTFOUND for an
// unknown or disabled provider, EUNAVAILABLE when the provider cannot be
// reached.
func (s *Service) BeginSSO(ctx context.Context, providerID, redirectURL, next string) (*SSOStart, error) {
	p, err := s.enabledProvider(ctx, providerID)
	if err != nil {
		return nil, err
	}
	op, err := s.oidcProvider(ctx, p)
	if err != nil {
		return nil, err
	}
	cfg, err := s.oauth2Config(p, op, redirectURL)
	if err != nil {
		return nil, err
	}
	state, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	nonce, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	browser, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	now := s.now()
	st := &signet.SSOLoginState{StateHash: sha256.Sum256([]byte(state)), BrowserHash: sha256.Sum256([]byte(browser)),
		ProviderID: p.ID, Next: truncate(next, 2048), CreatedAt: now, ExpiresAt: now.Add(ssoStateTTL)}
	ctxName := ssoStateContext(st.StateHash)
	st.Nonce = s.webhooks.Box.Seal([]byte(nonce), ctxName)
	st.Verifier = s.webhooks.Box.Seal([]byte(verifier), ctxName)
	if err := s.store.Write(ctx, func(tx store.Tx) error { return tx.CreateSSOLoginState(ctx, st, now) }); err != nil {
		return nil, err
	}
	u := cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return &SSOStart{AuthURL: u, BrowserToken: browser, ExpiresAt: st.ExpiresAt}, nil
}

func ssoStateContext(h [32]byte) string { return "sso-state:" + hex.EncodeToString(h[:]) }

func (s *Service) enabledProvider(ctx context.Context, providerID string) (*signet.OIDCProvider, error) {
	var p *signet.OIDCProvider
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetOIDCProvider(ctx, providerID)
		return err
	})
	if signet.ErrorCode(err) == signet.ENOTFOUND || (err == nil && !p.Enabled) {
		return nil, signet.Errorf(signet.ENOTFOUND, "there is no such identity provider to sign in with")
	}
	return p, err
}

// SSOCallback is what the browser brings back from the provider.
type SSOCallback struct {
	// BrowserToken is the cookie set by BeginSSO's answer.
	BrowserToken string
	State        string
	Code         string
	// Error and ErrorDescription are the provider's refusal, if any.
	Error            string
	ErrorDescription string
	// RedirectURL is the one given to BeginSSO.
	RedirectURL string
}

// SSOSession is a sign-in completed: a session, and where to go next.
type SSOSession struct {
	*NewSession
	Next string
	// Groups are the groups joined and left by the mapping.
	Added, Removed []string
}

// ssoFail is a refused single sign-on: a message for the person, a
// reason for the audit trail.
func ssoFail(reason, msg string) *signet.Error {
	return &signet.Error{Code: signet.EUNAUTHENTICATED, Message: msg, Reason: reason}
}

var errSSOState = ssoFail("state_invalid", "the sign-in expired or did not start in this browser; start again from the login page")

// ssoClaims are the ID token claims Signet reads.
type ssoClaims struct {
	Subject           string `json:"sub"`
	Email             string `json:"email"`
	EmailVerified     *bool  `json:"-"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Groups            []string
}

// CompleteSSO finishes a sign-in (see the top of this file). Every
// refusal is audited as "session.login_failed" with details.via "sso",
// the provider and a reason: state_invalid, provider_error,
// code_exchange_failed, id_token_invalid, nonce_mismatch,
// email_missing, email_unverified, email_domain_not_allowed,
// unknown_user, user_disabled. Returns EUNAUTHENTICATED, ENOTFOUND,
// EUNAVAILABLE.
func (s *Service) CompleteSSO(ctx context.Context, in SSOCallback) (*SSOSession, error) {
	var p *signet.OIDCProvider
	login := ""
	fail := func(err *signet.Error) (*SSOSession, error) {
		s.recordSSOFailure(ctx, p, login, err.Reason)
		return nil, err
	}
	if in.State == "" || in.BrowserToken == "" {
		return fail(errSSOState)
	}
	var st *signet.SSOLoginState
	err := s.store.Write(ctx, func(tx store.Tx) error {
		var err error
		st, err = tx.TakeSSOLoginState(ctx, sha256.Sum256([]byte(in.State)))
		return err
	})
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return fail(errSSOState)
	} else if err != nil {
		return nil, err
	}
	bh := sha256.Sum256([]byte(in.BrowserToken))
	if subtle.ConstantTimeCompare(bh[:], st.BrowserHash[:]) != 1 || !s.now().Before(st.ExpiresAt) {
		return fail(errSSOState)
	}
	if p, err = s.enabledProvider(ctx, st.ProviderID); err != nil {
		return nil, err
	}
	if in.Error != "" {
		s.logger.InfoContext(ctx, "identity provider refused a sign-in", "provider_id", p.ID, "error", truncate(in.Error, 100),
			"description", truncate(in.ErrorDescription, 300))
		return fail(ssoFail("provider_error", "the identity provider did not sign you in ("+truncate(sanitise(in.Error), 100)+")"))
	}
	nonce, err1 := s.webhooks.Box.Open(st.Nonce, ssoStateContext(st.StateHash))
	verifier, err2 := s.webhooks.Box.Open(st.Verifier, ssoStateContext(st.StateHash))
	if err := errors.Join(err1, err2); err != nil {
		return nil, signet.Internal("service.CompleteSSO", err)
	}
	op, err := s.oidcProvider(ctx, p)
	if err != nil {
		return nil, err
	}
	cfg, err := s.oauth2Config(p, op, in.RedirectURL)
	if err != nil {
		return nil, err
	}
	octx := s.ssoContext(ctx)
	tok, err := cfg.Exchange(octx, in.Code, oauth2.VerifierOption(string(verifier)))
	if err != nil {
		s.logger.InfoContext(ctx, "sign-in code exchange failed", "provider_id", p.ID, "err", err)
		return fail(ssoFail("code_exchange_failed", "the identity provider did not accept the sign-in; start again from the login page"))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := op.VerifierContext(octx, &oidc.Config{ClientID: p.ClientID, Now: s.now}).Verify(octx, raw)
	if err != nil {
		s.logger.InfoContext(ctx, "ID token refused", "provider_id", p.ID, "err", err)
		return fail(ssoFail("id_token_invalid", "the identity provider's answer could not be verified; start again from the login page"))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), nonce) != 1 {
		return fail(ssoFail("nonce_mismatch", "the identity provider's answer does not belong to this sign-in; start again from the login page"))
	}
	c, err := s.ssoClaimsOf(octx, p, op, idt, tok)
	if err != nil {
		return nil, err
	}
	login = c.Email
	switch {
	case c.Email == "":
		return fail(ssoFail("email_missing", "the identity provider sent no email address; ask your administrator to release the email claim to Signet"))
	case c.EmailVerified == nil || !*c.EmailVerified:
		// Signet trusts the address to name the person (it links
		// accounts by it): the provider must vouch for it.
		return fail(ssoFail("email_unverified", "your email address is not verified at the identity provider"))
	case !signet.EmailDomainAllowed(c.Email, p.AllowedDomains):
		return fail(ssoFail("email_domain_not_allowed", "accounts of this email domain may not sign in to Signet"))
	}
	out, err := s.ssoSignIn(ctx, p, c)
	var se *signet.Error
	if errors.As(err, &se) && se.Code == signet.EUNAUTHENTICATED {
		return fail(se)
	}
	if err != nil {
		return nil, err
	}
	out.Next = st.Next
	return out, nil
}

// sanitise keeps printable ASCII of a provider's error code.
func sanitise(v string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, v)
}

// ssoClaimsOf reads the claims Signet needs from the ID token, and from
// the userinfo endpoint when the ID token lacks the email or the groups
// claim (providers differ in what they put where).
func (s *Service) ssoClaimsOf(ctx context.Context, p *signet.OIDCProvider, op *oidc.Provider, idt *oidc.IDToken, tok *oauth2.Token) (*ssoClaims, error) {
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return nil, signet.Internal("service.ssoClaimsOf", err)
	}
	if _, ok := all["email"]; !ok || (p.GroupsClaim != "" && all[p.GroupsClaim] == nil) {
		ui, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err == nil && ui.Subject == idt.Subject {
			var more map[string]json.RawMessage
			if ui.Claims(&more) == nil {
				for k, v := range more {
					if _, ok := all[k]; !ok {
						all[k] = v
					}
				}
			}
		}
	}
	c := &ssoClaims{Subject: idt.Subject}
	str := func(k string) string {
		var v string
		json.Unmarshal(all[k], &v)
		return strings.TrimSpace(v)
	}
	c.Email, c.Name, c.PreferredUsername = str("email"), str("name"), str("preferred_username")
	if raw, ok := all["email_verified"]; ok {
		var b bool
		var sv string
		if json.Unmarshal(raw, &b) == nil {
			c.EmailVerified = &b
		} else if json.Unmarshal(raw, &sv) == nil {
			b = strings.EqualFold(sv, "true")
			c.EmailVerified = &b
		}
	}
	if p.GroupsClaim != "" {
		c.Groups = claimStrings(all[p.GroupsClaim])
	}
	return c, nil
}

// claimStrings reads a claim that is a list of strings, or one string.
func claimStrings(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var list []any
	if json.Unmarshal(raw, &list) != nil {
		var one string
		if json.Unmarshal(raw, &one) == nil && one != "" {
			return []string{one}
		}
		return nil
	}
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ssoResolve finds who signs in: the user linked to the subject, else the
// human with the (verified) email, else a new user when the provider
// creates users just in time. create reports that last case; userID is
// then the id the new user gets.
func ssoResolve(ctx context.Context, tx store.Tx, p *signet.OIDCProvider, c *ssoClaims) (userID string, linked, create bool, err error) {
	link, err := tx.GetUserIdentity(ctx, p.ID, c.Subject)
	if err == nil {
		return link.UserID, true, false, nil
	}
	if signet.ErrorCode(err) != signet.ENOTFOUND {
		return "", false, false, err
	}
	u, err := tx.GetUserByEmail(ctx, c.Email)
	if err == nil {
		// Linking by email trusts the provider's word that the address
		// is the person's: it must say so.
		if c.EmailVerified == nil || !*c.EmailVerified {
			return "", false, false, ssoFail("email_unverified", "your email address is not verified at the identity provider")
		}
		return u.ID, false, false, nil
	}
	if signet.ErrorCode(err) != signet.ENOTFOUND {
		return "", false, false, err
	}
	if !p.JITCreate {
		return "", false, false, ssoFail("unknown_user", "there is no Signet account for "+c.Email+"; ask an administrator to create one")
	}
	return "", false, true, nil
}

// ssoSignIn resolves the user, applies the group mapping and creates the
// session in one transaction.
func (s *Service) ssoSignIn(ctx context.Context, p *signet.OIDCProvider, c *ssoClaims) (*SSOSession, error) {
	var userID string
	var create bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		userID, _, create, err = ssoResolve(ctx, tx, p, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	name := c.Name
	if name == "" {
		name = c.PreferredUsername
	}
	if name == "" {
		name = c.Email[:strings.IndexByte(c.Email, '@')]
	}
	if create {
		userID = id.New(id.User)
	}
	token, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	actor := &signet.Actor{UserID: userID, Kind: signet.KindHuman, Name: name, SessionID: id.New(id.Session)}
	ri := signet.RequestInfoFrom(ctx)
	out := &SSOSession{}
	err = s.mutate(ctx, actor, "session.login", func(o *op) error {
		// Resolved again inside the transaction: a link or user made
		// meanwhile is used, not duplicated.
		again, linked, createNow, err := ssoResolve(ctx, o.tx, p, c)
		if err != nil {
			return err
		}
		if createNow != create || (!create && again != userID) {
			return signet.Errorf(signet.ECONFLICT, "your account changed while signing in; try again")
		}
		if create {
			u, err := o.ssoCreateUser(p, userID, name, c.Email)
			if err != nil {
				return err
			}
			o.user = u
		}
		u := o.user
		if u == nil || u.Kind != signet.KindHuman || u.Status != signet.StatusActive {
			return ssoFail("user_disabled", "your Signet account is disabled; ask an administrator")
		}
		if !linked {
			if err := o.tx.CreateUserIdentity(ctx, &signet.UserIdentity{ProviderID: p.ID, Subject: c.Subject, UserID: u.ID,
				CreatedAt: o.now, LastLoginAt: o.now}); err != nil {
				return err
			}
			o.detail("identity_linked", true)
		} else if err := o.tx.TouchUserIdentity(ctx, p.ID, c.Subject, o.now); err != nil {
			return err
		}
		// The main event is the sign-in; group changes follow it.
		o.target("user", u.ID, u.Name)
		o.detail("via", "sso")
		o.detail("provider_id", p.ID)
		o.detail("provider_name", p.Name)
		o.detail("session_id", actor.SessionID)
		if out.Added, out.Removed, err = o.applyGroupMappings(p, u, c.Groups); err != nil {
			return err
		}
		if len(out.Added) > 0 || len(out.Removed) > 0 {
			o.detail("groups_added", toAny(out.Added))
			o.detail("groups_removed", toAny(out.Removed))
		}
		ses := &signet.Session{ID: actor.SessionID, UserID: u.ID, TokenHash: SessionTokenHash(token), CreatedAt: o.now,
			ExpiresAt: o.now.Add(s.sessionTTL), LastSeenAt: o.now, IP: ri.IP, UserAgent: truncate(ri.UserAgent, 500)}
		if err := o.tx.CreateSession(ctx, ses); err != nil {
			return err
		}
		now := o.now
		u.LastActiveAt = &now
		if err := o.tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		o.detail("expires_at", ses.ExpiresAt.UTC().Format(time.RFC3339))
		cu := *u
		cu.PasswordHash = ""
		out.NewSession = &NewSession{Session: ses, User: &cu, Token: token}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func toAny(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// ssoCreateUser creates a user just in time, without a password: the
// provider's configuration, made by an administrator, is the authority.
// Audited as "user.create" (details.via "sso").
func (o *op) ssoCreateUser(p *signet.OIDCProvider, userID, name, email string) (*signet.User, error) {
	n, err := checkName("user", name)
	if err != nil {
		// A name the rules refuse (too long, confusable): the local
		// part of the email instead.
		if n, err = checkName("user", email[:strings.IndexByte(email, '@')]); err != nil {
			return nil, ssoFail("name_invalid", "the name the identity provider sent cannot be used in Signet; ask an administrator to create your account")
		}
	}
	e, err := checkEmail(email)
	if err != nil {
		return nil, ssoFail("email_invalid", "the email address the identity provider sent cannot be used in Signet")
	}
	u := &signet.User{ID: userID, Kind: signet.KindHuman, Name: n, Email: e, Status: signet.StatusActive,
		CreatedAt: o.now, CreatedBy: userID, UpdatedAt: o.now}
	if err := o.tx.CreateUser(o.ctx, u); err != nil {
		return nil, conflict(err, "a user with email %q already exists", e)
	}
	o.alsoRecord("user.create", func() {
		o.target("user", u.ID, u.Name)
		o.detail("email", u.Email)
		o.detail("via", "sso")
		o.detail("provider_id", p.ID)
	})
	return u, nil
}

// applyGroupMappings makes u's memberships of the mapped groups match its
// claim values: it joins each mapped group one of values maps to, and
// leaves each other mapped group (memberships of groups no mapping names
// are left alone). The Admins group never loses its last active member.
// Each change is audited as "group.member_add" or "group.member_remove"
// (details.via "sso"). It returns the names of the groups joined and
// left.
func (o *op) applyGroupMappings(p *signet.OIDCProvider, u *signet.User, values []string) (added, removed []string, err error) {
	if p.GroupsClaim == "" || len(p.GroupMappings) == 0 {
		return nil, nil, nil
	}
	mapped := map[string]bool{}
	want := map[string]bool{}
	for _, m := range p.GroupMappings {
		mapped[m.GroupID] = true
		if slices.Contains(values, m.Value) {
			want[m.GroupID] = true
		}
	}
	current, err := o.tx.ListUserGroups(o.ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, g := range current {
		have[g.ID] = true
	}
	record := func(action string, g *signet.Group) {
		o.alsoRecord(action, func() {
			o.target("group", g.ID, g.Name)
			o.detail("user_id", u.ID)
			o.detail("user_name", u.Name)
			o.detail("via", "sso")
			o.detail("provider_id", p.ID)
		})
	}
	ids := make([]string, 0, len(mapped))
	for gid := range mapped {
		ids = append(ids, gid)
	}
	slices.Sort(ids)
	for _, gid := range ids {
		switch {
		case want[gid] && !have[gid]:
			g, err := o.tx.GetGroup(o.ctx, gid)
			if signet.ErrorCode(err) == signet.ENOTFOUND {
				continue // deleted since it was mapped
			} else if err != nil {
				return nil, nil, err
			}
			if err := o.tx.AddGroupMember(o.ctx, signet.GroupMember{GroupID: g.ID, UserID: u.ID, AddedAt: o.now, AddedBy: u.ID}); err != nil {
				return nil, nil, err
			}
			record("group.member_add", g)
			added = append(added, g.Name)
		case !want[gid] && have[gid]:
			g, err := o.tx.GetGroup(o.ctx, gid)
			if err != nil {
				return nil, nil, err
			}
			if g.ID == signet.AdminsGroupID {
				if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
					o.detail("admins_kept", "the last active member of Admins stays a member")
					continue
				}
			}
			if err := o.tx.RemoveGroupMember(o.ctx, g.ID, u.ID); err != nil {
				return nil, nil, err
			}
			record("group.member_remove", g)
			removed = append(removed, g.Name)
		}
	}
	return added, removed, nil
}

// recordSSOFailure appends a "session.login_failed" event for a refused
// single sign-on: the email (when the provider sent one), the provider
// and the reason; never a token or code.
func (s *Service) recordSSOFailure(ctx context.Context, p *signet.OIDCProvider, login, reason string) {
	e := s.newEvent(ctx, nil, "session.login_failed", s.now())
	e.ActorKind = "anonymous"
	e.Outcome = signet.OutcomeDenied
	e.TargetType = "user"
	e.TargetName = truncate(login, signet.MaxEmailLen)
	e.Details = map[string]any{"reason": reason, "via": "sso"}
	if p != nil {
		e.Details["provider_id"] = p.ID
		e.Details["provider_name"] = p.Name
	}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		ev := *e
		return tx.AppendAuditEvent(ctx, &ev)
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "recording a failed sign-in failed", "err", err)
	}
}
