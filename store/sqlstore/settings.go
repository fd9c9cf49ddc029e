package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	signet "github.com/signetdev/signet"
)

func (t *tx) GetSetting(ctx context.Context, key string) (string, error) {
	const op = "sqlstore.GetSetting"
	var v string
	err := t.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound(op, "setting %q not found", key)
	}
	if err != nil {
		return "", t.fail(op, err)
	}
	return v, nil
}

func (t *tx) PutSetting(ctx context.Context, key, value string) error {
	_, err := t.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return t.fail("sqlstore.PutSetting", err)
}

func (t *tx) DeleteSetting(ctx context.Context, key string) error {
	_, err := t.exec(ctx, `DELETE FROM settings WHERE key = ?`, key)
	return t.fail("sqlstore.DeleteSetting", err)
}

func (t *tx) CreatePermissionDomain(ctx context.Context, d *signet.PermissionDomain) error {
	const op = "sqlstore.CreatePermissionDomain"
	_, err := t.exec(ctx, `INSERT INTO permission_domains (name, description, created_at) VALUES (?, ?, ?)`,
		d.Name, d.Description, micros(d.CreatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "permission domain %q already exists", d.Name)
	}
	return t.fail(op, err)
}

func (t *tx) ListPermissionDomains(ctx context.Context) ([]*signet.PermissionDomain, error) {
	rows, err := t.query(ctx, `SELECT name, description, created_at FROM permission_domains ORDER BY name`)
	out, err := collect(rows, err, func(s scanner) (*signet.PermissionDomain, error) {
		var d signet.PermissionDomain
		if err := s.Scan(&d.Name, &d.Description, timeCol{&d.CreatedAt}); err != nil {
			return nil, err
		}
		return &d, nil
	})
	if err != nil {
		return nil, t.fail("sqlstore.ListPermissionDomains", err)
	}
	return out, nil
}
