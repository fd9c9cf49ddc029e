package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	signet "github.com/signetdev/signet"
)

const apiKeyCols = `id, kind, owner_id, name, description, secret_hash, hint, scopes,
	created_by, created_at, expires_at, revoked_at, revoked_by, revoked_reason, last_used_at, last_used_ip, login_device,
	allowed_networks, labels, lifetime_us, rotated_from, rotated_to, rotated_at, disabled_at, disabled_by, disabled_reason`

func scanAPIKey(s scanner) (*signet.APIKey, error) {
	var k signet.APIKey
	var lifetime int64
	err := s.Scan(&k.ID, &k.Kind, &k.OwnerID, &k.Name, &k.Description, hashCol{&k.SecretHash}, &k.Hint, jsonListCol{&k.Scopes},
		&k.CreatedBy, timeCol{&k.CreatedAt}, nullTimeCol{&k.ExpiresAt}, nullTimeCol{&k.RevokedAt}, &k.RevokedBy, &k.RevokedReason,
		nullTimeCol{&k.LastUsedAt}, &k.LastUsedIP, &k.LoginDevice,
		networksCol{&k.AllowedNetworks}, labelsCol{&k.Labels}, &lifetime, &k.RotatedFrom, &k.RotatedTo, nullTimeCol{&k.RotatedAt},
		nullTimeCol{&k.DisabledAt}, &k.DisabledBy, &k.DisabledReason)
	if err != nil {
		return nil, err
	}
	k.Lifetime = time.Duration(lifetime) * time.Microsecond
	return &k, nil
}

func apiKeyID(k *signet.APIKey) string { return k.ID }

func (t *tx) CreateAPIKey(ctx context.Context, k *signet.APIKey) error {
	const op = "sqlstore.CreateAPIKey"
	scopes, err := jsonList(k.Scopes, true)
	if err != nil {
		return signet.Internal(op, err)
	}
	networks, labels, err := keyAttributes(k)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO api_keys (id, kind, owner_id, name, name_key, description, secret_hash, hint, scopes,
		created_by, created_at, expires_at, revoked_at, revoked_by, revoked_reason, last_used_at, last_used_ip, login_device,
		allowed_networks, labels, lifetime_us, rotated_from, rotated_to, rotated_at, disabled_at, disabled_by, disabled_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Kind, k.OwnerID, k.Name, fold(k.Name), k.Description, k.SecretHash[:], k.Hint, scopes,
		k.CreatedBy, micros(k.CreatedAt), nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), k.RevokedBy, k.RevokedReason,
		nullMicros(k.LastUsedAt), k.LastUsedIP, k.LoginDevice,
		networks, labels, k.Lifetime.Microseconds(), k.RotatedFrom, k.RotatedTo, nullMicros(k.RotatedAt),
		nullMicros(k.DisabledAt), k.DisabledBy, k.DisabledReason)
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
		case signet.KeyStatusDisabled:
			w.add(`revoked_at IS NULL AND disabled_at IS NOT NULL`)
		case signet.KeyStatusExpired:
			w.add(`revoked_at IS NULL AND disabled_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?`, micros(now))
		case signet.KeyStatusActive:
			w.add(`revoked_at IS NULL AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, micros(now))
		default:
			return nil, "", invalid(op, "unknown API key status %q", f.Status)
		}
	}
	if f.ExpiresBefore != nil {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		w.add(`revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?`, micros(now), micros(*f.ExpiresBefore))
	}
	if f.UnusedSince != nil {
		w.add(`(last_used_at < ? OR (last_used_at IS NULL AND created_at < ?))`, micros(*f.UnusedSince), micros(*f.UnusedSince))
	}
	for _, name := range slices.Sorted(maps.Keys(f.Labels)) {
		w.add(t.d.jsonText("labels")+` = ?`, name, f.Labels[name])
	}
	return listPage(ctx, t, op, `SELECT `+apiKeyCols+` FROM api_keys`, "id", w, f.Page, scanAPIKey, apiKeyID)
}

func (t *tx) UpdateAPIKey(ctx context.Context, k *signet.APIKey) error {
	const op = "sqlstore.UpdateAPIKey"
	networks, labels, err := keyAttributes(k)
	if err != nil {
		return signet.Internal(op, err)
	}
	res, err := t.exec(ctx, `UPDATE api_keys SET name = ?, name_key = ?, description = ?, expires_at = ?,
		allowed_networks = ?, labels = ?, lifetime_us = ?, rotated_from = ?, rotated_to = ?, rotated_at = ?,
		disabled_at = ?, disabled_by = ?, disabled_reason = ? WHERE id = ?`,
		k.Name, fold(k.Name), k.Description, nullMicros(k.ExpiresAt),
		networks, labels, k.Lifetime.Microseconds(), k.RotatedFrom, k.RotatedTo, nullMicros(k.RotatedAt),
		nullMicros(k.DisabledAt), k.DisabledBy, k.DisabledReason, k.ID)
	return t.oneRow(op, res, err, "API key not found")
}

func (t *tx) RecordKeyWarning(ctx context.Context, keyID string, threshold time.Duration, at time.Time) (bool, error) {
	const op = "sqlstore.RecordKeyWarning"
	res, err := t.execBookkeeping(ctx, `INSERT INTO key_warnings (key_id, threshold_us, sent_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id, threshold_us) DO NOTHING`, keyID, threshold.Microseconds(), micros(at))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return false, t.fail(op, err)
	}
	return n > 0, nil
}

// keyAttributes encodes a key's allowlist and labels for their columns.
func keyAttributes(k *signet.APIKey) (networks, labels any, err error) {
	var cidrs []string
	for _, p := range k.AllowedNetworks {
		cidrs = append(cidrs, p.String())
	}
	if networks, err = jsonList(cidrs, true); err != nil {
		return nil, nil, err
	}
	labels, err = jsonLabels(k.Labels)
	return networks, labels, err
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
