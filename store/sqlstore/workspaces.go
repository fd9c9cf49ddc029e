package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	signet "github.com/signetdev/signet"
)

const workspaceCols = `id, name, description, is_default, created_at, updated_at`

func scanWorkspace(s scanner) (*signet.Workspace, error) {
	var w signet.Workspace
	err := s.Scan(&w.ID, &w.Name, &w.Description, &w.IsDefault, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &w, nil
}

func workspaceID(w *signet.Workspace) string { return w.ID }

func (t *tx) workspaceNameTaken(ctx context.Context, op string, w *signet.Workspace) error {
	taken, err := t.exists(ctx, `SELECT 1 FROM workspaces WHERE name_key = ? AND id <> ?`, fold(w.Name), w.ID)
	if err != nil {
		return t.fail(op, err)
	}
	if taken {
		return conflict(op, nil, "a workspace named %q already exists", w.Name)
	}
	return nil
}

func (t *tx) CreateWorkspace(ctx context.Context, w *signet.Workspace) error {
	const op = "sqlstore.CreateWorkspace"
	if err := t.workspaceNameTaken(ctx, op, w); err != nil {
		return err
	}
	if w.IsDefault {
		taken, err := t.exists(ctx, `SELECT 1 FROM workspaces WHERE is_default = ?`, true)
		if err != nil {
			return t.fail(op, err)
		}
		if taken {
			return conflict(op, nil, "a default workspace already exists")
		}
	}
	_, err := t.exec(ctx, `INSERT INTO workspaces (id, name, name_key, description, is_default, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.Name, fold(w.Name), w.Description, w.IsDefault, micros(w.CreatedAt), micros(w.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "workspace %q already exists", w.ID)
	}
	return t.fail(op, err)
}

func (t *tx) getWorkspace(ctx context.Context, op, where string, args ...any) (*signet.Workspace, error) {
	w, err := scanWorkspace(t.queryRow(ctx, `SELECT `+workspaceCols+` FROM workspaces WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "workspace not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return w, nil
}

func (t *tx) GetWorkspace(ctx context.Context, id string) (*signet.Workspace, error) {
	return t.getWorkspace(ctx, "sqlstore.GetWorkspace", `id = ?`, id)
}

func (t *tx) GetDefaultWorkspace(ctx context.Context) (*signet.Workspace, error) {
	return t.getWorkspace(ctx, "sqlstore.GetDefaultWorkspace", `is_default = ?`, true)
}

func (t *tx) ListWorkspaces(ctx context.Context, p signet.Page) ([]*signet.Workspace, string, error) {
	return listPage(ctx, t, "sqlstore.ListWorkspaces", `SELECT `+workspaceCols+` FROM workspaces`, "id", where{}, p,
		scanWorkspace, workspaceID)
}

func (t *tx) UpdateWorkspace(ctx context.Context, w *signet.Workspace) error {
	const op = "sqlstore.UpdateWorkspace"
	if err := t.workspaceNameTaken(ctx, op, w); err != nil {
		return err
	}
	ok, err := t.execOne(ctx, `UPDATE workspaces SET name = ?, name_key = ?, description = ?, updated_at = ? WHERE id = ?`,
		w.Name, fold(w.Name), w.Description, micros(w.UpdatedAt), w.ID)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "a workspace named %q already exists", w.Name)
	case err != nil:
		return t.fail(op, err)
	case !ok:
		return notFound(op, "workspace not found")
	}
	return nil
}

func (t *tx) DeleteWorkspace(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteWorkspace"
	// The foreign key cascades too; deleting explicitly keeps the rule
	// visible and independent of the foreign_keys setting.
	if _, err := t.exec(ctx, `DELETE FROM grants WHERE workspace_id = ?`, id); err != nil {
		return t.fail(op, err)
	}
	ok, err := t.execOne(ctx, `DELETE FROM workspaces WHERE id = ?`, id)
	if err != nil {
		return t.fail(op, err)
	}
	if !ok {
		return notFound(op, "workspace not found")
	}
	return nil
}
