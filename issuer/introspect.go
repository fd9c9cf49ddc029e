package issuer

import (
	"context"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
)

// Introspection is an introspection answer (RFC 7662 §2.2). An inactive
// token is {"active": false} and nothing else: the answer never tells why.
type Introspection struct {
	Active           bool                `json:"active"`
	Scope            string              `json:"scope,omitempty"`
	ClientID         string              `json:"client_id,omitempty"`
	TokenType        string              `json:"token_type,omitempty"`
	Expiry           int64               `json:"exp,omitempty"`
	IssuedAt         int64               `json:"iat,omitempty"`
	NotBefore        int64               `json:"nbf,omitempty"`
	Subject          string              `json:"sub,omitempty"`
	Audience         string              `json:"aud,omitempty"`
	Issuer           string              `json:"iss,omitempty"`
	ID               string              `json:"jti,omitempty"`
	Act              *Actor              `json:"act,omitempty"`
	Workspaces       map[string][]string `json:"workspaces,omitempty"`
	DefaultWorkspace string              `json:"default_workspace,omitempty"`
}

// AuthenticateCaller authenticates the caller of introspection: a
// service's API key, sent as a bearer token or as the client secret of
// HTTP Basic or the form (client_id then names its account). The key must
// hold signet:check. Returns invalid_client, or an answer saying what the
// key lacks (EFORBIDDEN as invalid_client too: RFC 7662 has no other).
func (i *Issuer) AuthenticateCaller(ctx context.Context, bearer string, req TokenRequest) (*authn.Verified, *Error) {
	key := bearer
	if key == "" {
		if req.ClientSecret == "" {
			return nil, &Error{Code: "invalid_client", Description: "authenticate with an API key holding signet:check: as a bearer token, or as client_secret with client_id", Basic: req.Basic}
		}
		key = req.ClientSecret
	}
	v, err := i.cfg.Verifier.VerifyKeyFrom(ctx, key, req.IP, req.IP)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			return nil, &Error{Code: "invalid_client", Description: "the caller's API key is not valid (" + signet.ErrorReason(err) + ")", Basic: req.Basic}
		}
		return nil, unavailable(err)
	}
	if bearer == "" && req.ClientID != "" && v.Actor.UserID != req.ClientID {
		return nil, &Error{Code: "invalid_client", Description: "the client secret is not an API key of client " + req.ClientID, Basic: req.Basic}
	}
	if !callerMayIntrospect(v) {
		return nil, &Error{Code: "invalid_client", Description: "the caller's key does not hold " + authn.PermCheck + ": only services that verify tokens may introspect them", Basic: req.Basic}
	}
	return v, nil
}

// Introspect answers whether token is active now and what it carries. A
// token that is expired, revoked, signed by a key no longer published,
// for an audience no longer registered, or whose credential was revoked or
// whose account was disabled, is inactive at once. Only a storage failure
// is an error.
func (i *Issuer) Introspect(ctx context.Context, token string) (*Introspection, error) {
	s, err := i.load(ctx)
	if err != nil {
		return nil, err
	}
	v, err := i.verify(ctx, s, token)
	if err != nil {
		if _, ok := err.(errInactive); ok {
			return &Introspection{Active: false}, nil
		}
		return nil, err
	}
	c := v.claims
	return &Introspection{Active: true, Scope: c.Scope, ClientID: c.ClientID, TokenType: "Bearer", Expiry: c.Expiry,
		IssuedAt: c.IssuedAt, NotBefore: c.NotBefore, Subject: c.Subject, Audience: c.Audience, Issuer: c.Issuer,
		ID: c.ID, Act: c.Act, Workspaces: c.Workspace, DefaultWorkspace: c.DefaultWorkspace}, nil
}

// Revoke revokes an access token at the request of the client it was
// issued to (RFC 7009): introspection answers inactive for it at once;
// offline verifiers accept it until it expires. A token that is not an
// active Signet access token needs no revocation, and is not an error
// (RFC 7009 §2.2); one issued to another client is unauthorized_client.
func (i *Issuer) Revoke(ctx context.Context, req TokenRequest, token string) *Error {
	cl, oerr := i.authenticate(ctx, &req)
	if oerr != nil {
		return oerr
	}
	s, err := i.load(ctx)
	if err != nil {
		return unavailable(err)
	}
	v, err := i.verify(ctx, s, token)
	if err != nil {
		if _, ok := err.(errInactive); ok {
			return nil
		}
		return unavailable(err)
	}
	if v.claims.ClientID != cl.id {
		return oauthErr("unauthorized_client", "the token was issued to another client: only the client it was issued to may revoke it")
	}
	err = i.cfg.Backend.RevokeAccessToken(ctx, cl.actor, signet.RevokedToken{JTI: v.claims.ID, ClientID: cl.id,
		ExpiresAt: time.Unix(v.claims.Expiry, 0)})
	if err != nil {
		return unavailable(err)
	}
	return nil
}
