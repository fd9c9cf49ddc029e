package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	signet "github.com/signetdev/signet"
)

// Single sign-on tables are written outside the change counter
// (execBookkeeping): no verification cache reads them. Session lookups
// read users and sessions, whose changes are counted as before.

const oidcProviderCols = `id, name, issuer, client_id, client_secret, scopes, allowed_domains, jit_create, groups_claim,
	group_mappings, enabled, created_at, created_by, updated_at`

// groupMappingsCol scans the JSON list of group mappings.
type groupMappingsCol struct{ p *[]signet.GroupMapping }

type groupMappingJSON struct {
	Value   string `json:"value"`
	GroupID string `json:"group_id"`
}

func (c groupMappingsCol) Scan(src any) error {
	b, err := jsonColumn(src, "group mappings")
	if err != nil || b == nil {
		*c.p = nil
		return err
	}
	var list []groupMappingJSON
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	var out []signet.GroupMapping
	for _, m := range list {
		out = append(out, signet.GroupMapping{Value: m.Value, GroupID: m.GroupID})
	}
	*c.p = out
	return nil
}

func groupMappingsJSON(ms []signet.GroupMapping) (string, error) {
	list := make([]groupMappingJSON, 0, len(ms))
	for _, m := range ms {
		list = append(list, groupMappingJSON{Value: m.Value, GroupID: m.GroupID})
	}
	b, err := json.Marshal(list)
	return string(b), err
}

func scanOIDCProvider(s scanner) (*signet.OIDCProvider, error) {
	var p signet.OIDCProvider
	err := s.Scan(&p.ID, &p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, jsonListCol{&p.Scopes}, jsonListCol{&p.AllowedDomains},
		&p.JITCreate, &p.GroupsClaim, groupMappingsCol{&p.GroupMappings}, &p.Enabled, timeCol{&p.CreatedAt}, &p.CreatedBy, timeCol{&p.UpdatedAt})
	return &p, err
}

// oidcProviderArgs are the JSON-encoded list columns of p.
func oidcProviderArgs(p *signet.OIDCProvider) (scopes, domains any, mappings string, err error) {
	if scopes, err = jsonList(p.Scopes, false); err != nil {
		return
	}
	if domains, err = jsonList(p.AllowedDomains, false); err != nil {
		return
	}
	mappings, err = groupMappingsJSON(p.GroupMappings)
	return
}

func (t *tx) CreateOIDCProvider(ctx context.Context, p *signet.OIDCProvider) error {
	const op = "sqlstore.CreateOIDCProvider"
	scopes, domains, mappings, err := oidcProviderArgs(p)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.execBookkeeping(ctx, `INSERT INTO oidc_providers (`+oidcProviderCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.Issuer, p.ClientID, p.ClientSecret, scopes, domains, p.JITCreate, p.GroupsClaim, mappings, p.Enabled,
		micros(p.CreatedAt), p.CreatedBy, micros(p.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "an identity provider with id %q exists", p.ID)
	}
	return t.fail(op, err)
}

func (t *tx) GetOIDCProvider(ctx context.Context, id string) (*signet.OIDCProvider, error) {
	const op = "sqlstore.GetOIDCProvider"
	p, err := scanOIDCProvider(t.queryRow(ctx, `SELECT `+oidcProviderCols+` FROM oidc_providers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "identity provider %q not found", id)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return p, nil
}

func (t *tx) ListOIDCProviders(ctx context.Context) ([]*signet.OIDCProvider, error) {
	const op = "sqlstore.ListOIDCProviders"
	rows, err := t.query(ctx, `SELECT `+oidcProviderCols+` FROM oidc_providers ORDER BY id`)
	out, err := collect(rows, err, scanOIDCProvider)
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

func (t *tx) UpdateOIDCProvider(ctx context.Context, p *signet.OIDCProvider) error {
	const op = "sqlstore.UpdateOIDCProvider"
	scopes, domains, mappings, err := oidcProviderArgs(p)
	if err != nil {
		return signet.Internal(op, err)
	}
	res, err := t.execBookkeeping(ctx, `UPDATE oidc_providers SET name = ?, issuer = ?, client_id = ?, client_secret = ?, scopes = ?,
		allowed_domains = ?, jit_create = ?, groups_claim = ?, group_mappings = ?, enabled = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Issuer, p.ClientID, p.ClientSecret, scopes, domains, p.JITCreate, p.GroupsClaim, mappings, p.Enabled,
		micros(p.UpdatedAt), p.ID)
	return t.oneRow(op, res, err, "identity provider %q not found", p.ID)
}

func (t *tx) DeleteOIDCProvider(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteOIDCProvider"
	if _, err := t.execBookkeeping(ctx, `DELETE FROM user_identities WHERE provider_id = ?`, id); err != nil {
		return t.fail(op, err)
	}
	res, err := t.execBookkeeping(ctx, `DELETE FROM oidc_providers WHERE id = ?`, id)
	return t.oneRow(op, res, err, "identity provider %q not found", id)
}

const userIdentityCols = `provider_id, subject, user_id, created_at, last_login_at`

func scanUserIdentity(s scanner) (*signet.UserIdentity, error) {
	var i signet.UserIdentity
	err := s.Scan(&i.ProviderID, &i.Subject, &i.UserID, timeCol{&i.CreatedAt}, timeCol{&i.LastLoginAt})
	return &i, err
}

func (t *tx) GetUserIdentity(ctx context.Context, providerID, subject string) (*signet.UserIdentity, error) {
	const op = "sqlstore.GetUserIdentity"
	i, err := scanUserIdentity(t.queryRow(ctx, `SELECT `+userIdentityCols+` FROM user_identities WHERE provider_id = ? AND subject = ?`,
		providerID, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "identity not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return i, nil
}

func (t *tx) CreateUserIdentity(ctx context.Context, i *signet.UserIdentity) error {
	const op = "sqlstore.CreateUserIdentity"
	_, err := t.execBookkeeping(ctx, `INSERT INTO user_identities (`+userIdentityCols+`) VALUES (?, ?, ?, ?, ?)`,
		i.ProviderID, i.Subject, i.UserID, micros(i.CreatedAt), micros(i.LastLoginAt))
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "the identity is linked already")
	case t.d.is(err, errForeignKey):
		return notFound(op, "identity provider %q or user %q not found", i.ProviderID, i.UserID)
	}
	return t.fail(op, err)
}

func (t *tx) TouchUserIdentity(ctx context.Context, providerID, subject string, at time.Time) error {
	const op = "sqlstore.TouchUserIdentity"
	res, err := t.execBookkeeping(ctx, `UPDATE user_identities SET last_login_at = ? WHERE provider_id = ? AND subject = ?`,
		micros(at), providerID, subject)
	return t.oneRow(op, res, err, "identity not found")
}

func (t *tx) ListUserIdentities(ctx context.Context, userID string) ([]*signet.UserIdentity, error) {
	const op = "sqlstore.ListUserIdentities"
	rows, err := t.query(ctx, `SELECT `+userIdentityCols+` FROM user_identities WHERE user_id = ? ORDER BY provider_id, subject`, userID)
	out, err := collect(rows, err, scanUserIdentity)
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

const ssoLoginStateCols = `state_hash, browser_hash, provider_id, nonce, verifier, next, created_at, expires_at`

func (t *tx) CreateSSOLoginState(ctx context.Context, st *signet.SSOLoginState, now time.Time) error {
	const op = "sqlstore.CreateSSOLoginState"
	if _, err := t.execBookkeeping(ctx, `DELETE FROM sso_login_states WHERE expires_at <= ?`, micros(now)); err != nil {
		return t.fail(op, err)
	}
	_, err := t.execBookkeeping(ctx, `INSERT INTO sso_login_states (`+ssoLoginStateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		st.StateHash[:], st.BrowserHash[:], st.ProviderID, st.Nonce, st.Verifier, st.Next, micros(st.CreatedAt), micros(st.ExpiresAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "the sign-in state exists")
	}
	return t.fail(op, err)
}

func (t *tx) TakeSSOLoginState(ctx context.Context, stateHash [32]byte) (*signet.SSOLoginState, error) {
	const op = "sqlstore.TakeSSOLoginState"
	var st signet.SSOLoginState
	err := t.queryRow(ctx, `DELETE FROM sso_login_states WHERE state_hash = ? RETURNING `+ssoLoginStateCols, stateHash[:]).
		Scan(hashCol{&st.StateHash}, hashCol{&st.BrowserHash}, &st.ProviderID, &st.Nonce, &st.Verifier, &st.Next,
			timeCol{&st.CreatedAt}, timeCol{&st.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "sign-in state not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return &st, nil
}
