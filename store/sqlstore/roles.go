package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	signet "github.com/signetdev/signet"
)

const roleCols = `id, name, description, base, permissions, built_in, created_at, updated_at`

func roleDest(r *signet.Role) []any {
	return []any{&r.ID, &r.Name, &r.Description, &r.Base, jsonListCol{&r.Permissions}, &r.BuiltIn,
		timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}}
}

func scanRole(s scanner) (*signet.Role, error) {
	var r signet.Role
	if err := s.Scan(roleDest(&r)...); err != nil {
		return nil, err
	}
	return &r, nil
}

func roleID(r *signet.Role) string { return r.ID }

func (t *tx) roleNameTaken(ctx context.Context, op string, r *signet.Role) error {
	taken, err := t.exists(ctx, `SELECT 1 FROM roles WHERE name_key = ? AND id <> ?`, fold(r.Name), r.ID)
	if err != nil {
		return t.fail(op, err)
	}
	if taken {
		return conflict(op, nil, "a role named %q already exists", r.Name)
	}
	return nil
}

func (t *tx) CreateRole(ctx context.Context, r *signet.Role) error {
	const op = "sqlstore.CreateRole"
	if err := t.roleNameTaken(ctx, op, r); err != nil {
		return err
	}
	perms, err := jsonList(r.Permissions, false)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO roles (id, name, name_key, description, base, permissions, built_in, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, fold(r.Name), r.Description, r.Base, perms, r.BuiltIn, micros(r.CreatedAt), micros(r.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "role %q already exists", r.ID)
	}
	return t.fail(op, err)
}

func (t *tx) GetRole(ctx context.Context, id string) (*signet.Role, error) {
	const op = "sqlstore.GetRole"
	r, err := scanRole(t.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "role not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return r, nil
}

func (t *tx) ListRoles(ctx context.Context, p signet.Page) ([]*signet.Role, string, error) {
	return listPage(ctx, t, "sqlstore.ListRoles", `SELECT `+roleCols+` FROM roles`, "id", where{}, p, scanRole, roleID)
}

func (t *tx) UpdateRole(ctx context.Context, r *signet.Role) error {
	const op = "sqlstore.UpdateRole"
	if err := t.roleNameTaken(ctx, op, r); err != nil {
		return err
	}
	perms, err := jsonList(r.Permissions, false)
	if err != nil {
		return signet.Internal(op, err)
	}
	ok, err := t.execOne(ctx, `UPDATE roles SET name = ?, name_key = ?, description = ?, base = ?, permissions = ?, updated_at = ?
		WHERE id = ?`, r.Name, fold(r.Name), r.Description, r.Base, perms, micros(r.UpdatedAt), r.ID)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "a role named %q already exists", r.Name)
	case err != nil:
		return t.fail(op, err)
	case !ok:
		return notFound(op, "role not found")
	}
	return nil
}

func (t *tx) DeleteRole(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteRole"
	found, err := t.exists(ctx, `SELECT 1 FROM roles WHERE id = ?`, id)
	if err != nil {
		return t.fail(op, err)
	}
	if !found {
		return notFound(op, "role not found")
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM grants WHERE role_id = ?`, id).Scan(&n); err != nil {
		return t.fail(op, err)
	}
	if n > 0 {
		return conflict(op, nil, "the role is still granted (%d grants); remove them first", n)
	}
	_, err = t.exec(ctx, `DELETE FROM roles WHERE id = ?`, id)
	if t.d.is(err, errForeignKey) {
		return conflict(op, err, "the role is still granted; remove its grants first")
	}
	return t.fail(op, err)
}
