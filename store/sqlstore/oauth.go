package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	signet "github.com/signetdev/signet"
)

// OAuth 2.0 tables. Audiences, client keys, signing keys and revoked
// tokens are read by caches (the issuer's), so they are written with exec
// and count as changes; used client assertions are bookkeeping.

const audienceCols = `id, identifier, description, service_account_id, token_lifetime_us, created_at, created_by, updated_at`

func scanAudience(s scanner) (*signet.Audience, error) {
	var a signet.Audience
	var lifetime int64
	err := s.Scan(&a.ID, &a.Identifier, &a.Description, &a.ServiceAccountID, &lifetime,
		timeCol{&a.CreatedAt}, &a.CreatedBy, timeCol{&a.UpdatedAt})
	a.TokenLifetime = time.Duration(lifetime) * time.Microsecond
	return &a, err
}

func (t *tx) CreateAudience(ctx context.Context, a *signet.Audience) error {
	const op = "sqlstore.CreateAudience"
	_, err := t.exec(ctx, `INSERT INTO oauth_audiences (`+audienceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Identifier, a.Description, a.ServiceAccountID, a.TokenLifetime.Microseconds(),
		micros(a.CreatedAt), a.CreatedBy, micros(a.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "an audience with identifier %q already exists", a.Identifier)
	}
	return t.fail(op, err)
}

func (t *tx) getAudience(ctx context.Context, op, col, v string) (*signet.Audience, error) {
	a, err := scanAudience(t.queryRow(ctx, `SELECT `+audienceCols+` FROM oauth_audiences WHERE `+col+` = ?`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "audience %q not found", v)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return a, nil
}

func (t *tx) GetAudience(ctx context.Context, id string) (*signet.Audience, error) {
	return t.getAudience(ctx, "sqlstore.GetAudience", "id", id)
}

func (t *tx) GetAudienceByIdentifier(ctx context.Context, identifier string) (*signet.Audience, error) {
	return t.getAudience(ctx, "sqlstore.GetAudienceByIdentifier", "identifier", identifier)
}

func (t *tx) ListAudiences(ctx context.Context, p signet.Page) ([]*signet.Audience, string, error) {
	return listPage(ctx, t, "sqlstore.ListAudiences", `SELECT `+audienceCols+` FROM oauth_audiences`, "id",
		where{}, p, scanAudience, func(a *signet.Audience) string { return a.ID })
}

func (t *tx) UpdateAudience(ctx context.Context, a *signet.Audience) error {
	const op = "sqlstore.UpdateAudience"
	res, err := t.exec(ctx, `UPDATE oauth_audiences SET identifier = ?, description = ?, service_account_id = ?,
		token_lifetime_us = ?, updated_at = ? WHERE id = ?`,
		a.Identifier, a.Description, a.ServiceAccountID, a.TokenLifetime.Microseconds(), micros(a.UpdatedAt), a.ID)
	if t.d.is(err, errUnique) {
		return conflict(op, err, "an audience with identifier %q already exists", a.Identifier)
	}
	return t.oneRow(op, res, err, "audience %q not found", a.ID)
}

func (t *tx) DeleteAudience(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteAudience"
	res, err := t.exec(ctx, `DELETE FROM oauth_audiences WHERE id = ?`, id)
	return t.oneRow(op, res, err, "audience %q not found", id)
}

const clientKeyCols = `id, user_id, name, algorithm, public_key, thumbprint, created_at, created_by`

func scanClientKey(s scanner) (*signet.ClientKey, error) {
	var k signet.ClientKey
	err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.Algorithm, &k.PublicKey, &k.Thumbprint, timeCol{&k.CreatedAt}, &k.CreatedBy)
	return &k, err
}

func (t *tx) CreateClientKey(ctx context.Context, k *signet.ClientKey) error {
	const op = "sqlstore.CreateClientKey"
	_, err := t.exec(ctx, `INSERT INTO oauth_client_keys (`+clientKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.Algorithm, k.PublicKey, k.Thumbprint, micros(k.CreatedAt), k.CreatedBy)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "this public key is already registered on the account")
	case t.d.is(err, errForeignKey):
		return notFound(op, "user %q not found", k.UserID)
	}
	return t.fail(op, err)
}

func (t *tx) GetClientKey(ctx context.Context, id string) (*signet.ClientKey, error) {
	const op = "sqlstore.GetClientKey"
	k, err := scanClientKey(t.queryRow(ctx, `SELECT `+clientKeyCols+` FROM oauth_client_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "client key %q not found", id)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return k, nil
}

func (t *tx) ListClientKeys(ctx context.Context, userID string) ([]*signet.ClientKey, error) {
	rows, err := t.query(ctx, `SELECT `+clientKeyCols+` FROM oauth_client_keys WHERE user_id = ? ORDER BY id`, userID)
	out, err := collect(rows, err, scanClientKey)
	if err != nil {
		return nil, t.fail("sqlstore.ListClientKeys", err)
	}
	return out, nil
}

func (t *tx) DeleteClientKey(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteClientKey"
	res, err := t.exec(ctx, `DELETE FROM oauth_client_keys WHERE id = ?`, id)
	return t.oneRow(op, res, err, "client key %q not found", id)
}

func (t *tx) DeleteUserClientKeys(ctx context.Context, userID string) error {
	_, err := t.exec(ctx, `DELETE FROM oauth_client_keys WHERE user_id = ?`, userID)
	return t.fail("sqlstore.DeleteUserClientKeys", err)
}

const signingKeyCols = `id, algorithm, public_key, private_key, created_at, retired_at, expires_at`

func (t *tx) CreateSigningKey(ctx context.Context, k *signet.SigningKey) error {
	const op = "sqlstore.CreateSigningKey"
	_, err := t.exec(ctx, `INSERT INTO oauth_signing_keys (`+signingKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PublicKey, k.PrivateKey, micros(k.CreatedAt), nullMicros(k.RetiredAt), nullMicros(k.ExpiresAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "a signing key with id %q exists", k.ID)
	}
	return t.fail(op, err)
}

func (t *tx) ListSigningKeys(ctx context.Context) ([]*signet.SigningKey, error) {
	rows, err := t.query(ctx, `SELECT `+signingKeyCols+` FROM oauth_signing_keys ORDER BY created_at, id`)
	out, err := collect(rows, err, func(s scanner) (*signet.SigningKey, error) {
		var k signet.SigningKey
		err := s.Scan(&k.ID, &k.Algorithm, &k.PublicKey, &k.PrivateKey, timeCol{&k.CreatedAt},
			nullTimeCol{&k.RetiredAt}, nullTimeCol{&k.ExpiresAt})
		return &k, err
	})
	if err != nil {
		return nil, t.fail("sqlstore.ListSigningKeys", err)
	}
	return out, nil
}

func (t *tx) UpdateSigningKey(ctx context.Context, k *signet.SigningKey) error {
	const op = "sqlstore.UpdateSigningKey"
	res, err := t.exec(ctx, `UPDATE oauth_signing_keys SET retired_at = ?, expires_at = ? WHERE id = ?`,
		nullMicros(k.RetiredAt), nullMicros(k.ExpiresAt), k.ID)
	return t.oneRow(op, res, err, "signing key %q not found", k.ID)
}

func (t *tx) DeleteSigningKey(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteSigningKey"
	res, err := t.exec(ctx, `DELETE FROM oauth_signing_keys WHERE id = ?`, id)
	return t.oneRow(op, res, err, "signing key %q not found", id)
}

func (t *tx) RevokeToken(ctx context.Context, r *signet.RevokedToken, now time.Time) (bool, error) {
	const op = "sqlstore.RevokeToken"
	if _, err := t.exec(ctx, `DELETE FROM oauth_revoked_tokens WHERE expires_at <= ?`, micros(now)); err != nil {
		return false, t.fail(op, err)
	}
	res, err := t.exec(ctx, `INSERT INTO oauth_revoked_tokens (jti, client_id, expires_at, revoked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (jti) DO NOTHING`, r.JTI, r.ClientID, micros(r.ExpiresAt), micros(r.RevokedAt))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return false, t.fail(op, err)
	}
	return n > 0, nil
}

func (t *tx) ListRevokedTokens(ctx context.Context, now time.Time) ([]*signet.RevokedToken, error) {
	rows, err := t.query(ctx, `SELECT jti, client_id, expires_at, revoked_at FROM oauth_revoked_tokens
		WHERE expires_at > ? ORDER BY jti`, micros(now))
	out, err := collect(rows, err, func(s scanner) (*signet.RevokedToken, error) {
		var r signet.RevokedToken
		err := s.Scan(&r.JTI, &r.ClientID, timeCol{&r.ExpiresAt}, timeCol{&r.RevokedAt})
		return &r, err
	})
	if err != nil {
		return nil, t.fail("sqlstore.ListRevokedTokens", err)
	}
	return out, nil
}

func (t *tx) UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt, now time.Time) (bool, error) {
	const op = "sqlstore.UseClientAssertion"
	if _, err := t.execBookkeeping(ctx, `DELETE FROM oauth_used_assertions WHERE expires_at <= ?`, micros(now)); err != nil {
		return false, t.fail(op, err)
	}
	res, err := t.execBookkeeping(ctx, `INSERT INTO oauth_used_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (client_id, jti) DO NOTHING`, clientID, jti, micros(expiresAt))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return false, t.fail(op, err)
	}
	return n > 0, nil
}
