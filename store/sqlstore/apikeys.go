package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	signet "github.com/signetdev/signet"
)

const apiKeyCols = `id, kind, owner_id, name, description, secret_hash, hint, scopes,
	created_by, created_at, expires_at, revoked_at, revoked_by, revoked_reason, last_used_at, last_used_ip, login_device`

func scanAPIKey(s scanner) (*signet.APIKey, error) {
	var k signet.APIKey
	err := s.Scan(&k.ID, &k.Kind, &k.OwnerID, &k.Name, &k.Description, hashCol{&k.SecretHash}, &k.Hint, jsonListCol{&k.Scopes},
		&k.CreatedBy, timeCol{&k.CreatedAt}, nullTimeCol{&k.ExpiresAt}, nullTimeCol{&k.RevokedAt}, &k.RevokedBy, &k.RevokedReason,
		nullTimeCol{&k.LastUsedAt}, &k.LastUsedIP, &k.LoginDevice)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func apiKeyID(k *signet.APIKey) string { return k.ID }

func (t *tx) CreateAPIKey(ctx context.Context, k *signet.APIKey) error {
	const op = "sqlstore.CreateAPIKey"
	scopes, err := jsonList(k.Scopes, true)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO api_keys (id, kind, owner_id, name, name_key, description, secret_hash, hint, scopes,
		created_by, created_at, expires_at, revoked_at, revoked_by, revoked_reason, last_used_at, last_used_ip, login_device)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Kind, k.OwnerID, k.Name, fold(k.Name), k.Description, k.SecretHash[:], k.Hint, scopes,
		k.CreatedBy, micros(k.CreatedAt), nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), k.RevokedBy, k.RevokedReason,
		nullMicros(k.LastUsedAt), k.LastUsedIP, k.LoginDevice)
	switch {
	case t.d.is(err, errUnique):
		// Only the id is unique; the secret is never part of the message.
		return conflict(op, err, "API key %q already exists", k.ID)
	case t.d.is(err, errForeignKey):
		return notFound(op, "user %q not found", k.OwnerID)
	}
	return t.fail(op, err)
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (*signet.APIKey, error) {
	const op = "sqlstore.GetAPIKey"
	k, err := scanAPIKey(t.queryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "API key not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return k, nil
}

func (t *tx) ListAPIKeys(ctx context.Context, f signet.APIKeyFilter) ([]*signet.APIKey, string, error) {
	const op = "sqlstore.ListAPIKeys"
	var w where
	if f.Kind != "" {
		w.add(`kind = ?`, f.Kind)
	}
	if f.OwnerID != "" {
		w.add(`owner_id = ?`, f.OwnerID)
	}
	if f.NameContains != "" {
		w.add(`name_key LIKE ? ESCAPE '\'`, likeContains(f.NameContains))
	}
	if f.Status != "" {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		// The same rules as signet.APIKey.Status.
		switch f.Status {
		case signet.KeyStatusRevoked:
			w.add(`revoked_at IS NOT NULL`)
		case signet.KeyStatusExpired:
			w.add(`revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?`, micros(now))
		case signet.KeyStatusActive:
			w.add(`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, micros(now))
		default:
			return nil, "", invalid(op, "unknown API key status %q", f.Status)
		}
	}
	return listPage(ctx, t, op, `SELECT `+apiKeyCols+` FROM api_keys`, "id", w, f.Page, scanAPIKey, apiKeyID)
}

func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time, by, reason string) (bool, error) {
	const op = "sqlstore.RevokeAPIKey"
	ok, err := t.execOne(ctx, `UPDATE api_keys SET revoked_at = ?, revoked_by = ?, revoked_reason = ?
		WHERE id = ? AND revoked_at IS NULL`, micros(at), by, reason, id)
	if err != nil {
		return false, t.fail(op, err)
	}
	if ok {
		return true, nil
	}
	found, err := t.exists(ctx, `SELECT 1 FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return false, t.fail(op, err)
	}
	if !found {
		return false, notFound(op, "API key not found")
	}
	return false, nil
}

func (t *tx) RevokeUserAPIKeys(ctx context.Context, userID string, at time.Time, by, reason string) ([]string, error) {
	const op = "sqlstore.RevokeUserAPIKeys"
	t.changed = true
	rows, err := t.query(ctx, `UPDATE api_keys SET revoked_at = ?, revoked_by = ?, revoked_reason = ?
		WHERE owner_id = ? AND revoked_at IS NULL RETURNING id`, micros(at), by, reason, userID)
	ids, err := collect(rows, err, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	if err != nil {
		return nil, t.fail(op, err)
	}
	slices.Sort(ids) // RETURNING has no order
	return ids, nil
}

func (t *tx) RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error {
	const op = "sqlstore.RecordKeyUses"
	if len(uses) == 0 {
		return nil
	}
	// Bookkeeping: no cache depends on last-used data, so this does not
	// set t.changed.
	stmt, err := t.tx.PrepareContext(t.ctx(ctx), t.d.rebind(`UPDATE api_keys SET last_used_at = ?, last_used_ip = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`))
	if err != nil {
		return t.fail(op, err)
	}
	defer stmt.Close()
	for _, u := range uses {
		at := micros(u.At)
		if _, err := stmt.ExecContext(t.ctx(ctx), at, u.IP, u.KeyID, at); err != nil {
			return t.fail(op, err)
		}
	}
	return nil
}
