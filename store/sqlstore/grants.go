package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	signet "github.com/signetdev/signet"
)

const grantCols = `id, subject_type, subject_id, role_id, workspace_id, created_at, created_by`

// prefixCols qualifies every column of a column list with a table alias.
func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func grantDest(g *signet.Grant, ws *sql.NullString) []any {
	return []any{&g.ID, &g.SubjectType, &g.SubjectID, &g.RoleID, ws, timeCol{&g.CreatedAt}, &g.CreatedBy}
}

func scanGrant(s scanner) (*signet.Grant, error) {
	var g signet.Grant
	var ws sql.NullString
	if err := s.Scan(grantDest(&g, &ws)...); err != nil {
		return nil, err
	}
	g.WorkspaceID = ws.String
	return &g, nil
}

func grantID(g *signet.Grant) string { return g.ID }

func (t *tx) CreateGrant(ctx context.Context, g *signet.Grant) error {
	const op = "sqlstore.CreateGrant"
	// The subject has no foreign key (it is a user or a group), and the
	// checks below also give a message naming what is missing.
	var subjectQuery string
	switch g.SubjectType {
	case signet.SubjectUser:
		subjectQuery = `SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL`
	case signet.SubjectGroup:
		subjectQuery = `SELECT 1 FROM groups WHERE id = ?`
	default:
		return invalid(op, "unknown grant subject type %q", g.SubjectType)
	}
	checks := []struct {
		what, query, id string
	}{
		{g.SubjectType, subjectQuery, g.SubjectID},
		{"role", `SELECT 1 FROM roles WHERE id = ?`, g.RoleID},
		{"workspace", `SELECT 1 FROM workspaces WHERE id = ?`, g.WorkspaceID},
	}
	for _, c := range checks {
		if c.what == "workspace" && c.id == "" {
			continue // organisation-wide
		}
		found, err := t.exists(ctx, c.query, c.id)
		if err != nil {
			return t.fail(op, err)
		}
		if !found {
			return notFound(op, "%s %q not found", c.what, c.id)
		}
	}
	_, err := t.exec(ctx, `INSERT INTO grants (id, subject_type, subject_id, role_id, workspace_id, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.SubjectType, g.SubjectID, g.RoleID, nullString(g.WorkspaceID), micros(g.CreatedAt), g.CreatedBy)
	switch {
	case t.d.is(err, errUnique):
		where := "in this workspace"
		if g.WorkspaceID == "" {
			where = "organisation-wide"
		}
		return conflict(op, err, "the %s already holds this role %s", g.SubjectType, where)
	case t.d.is(err, errForeignKey):
		return notFound(op, "role or workspace not found")
	}
	return t.fail(op, err)
}

func (t *tx) GetGrant(ctx context.Context, id string) (*signet.Grant, error) {
	const op = "sqlstore.GetGrant"
	g, err := scanGrant(t.queryRow(ctx, `SELECT `+grantCols+` FROM grants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "grant not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return g, nil
}

func (t *tx) DeleteGrant(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteGrant"
	ok, err := t.execOne(ctx, `DELETE FROM grants WHERE id = ?`, id)
	if err != nil {
		return t.fail(op, err)
	}
	if !ok {
		return notFound(op, "grant not found")
	}
	return nil
}

func (t *tx) ListGrants(ctx context.Context, f signet.GrantFilter) ([]*signet.Grant, string, error) {
	var w where
	if f.SubjectType != "" {
		w.add(`subject_type = ?`, f.SubjectType)
	}
	if f.SubjectID != "" {
		w.add(`subject_id = ?`, f.SubjectID)
	}
	if f.RoleID != "" {
		w.add(`role_id = ?`, f.RoleID)
	}
	if f.WorkspaceID != "" {
		w.add(`workspace_id = ?`, f.WorkspaceID)
	}
	return listPage(ctx, t, "sqlstore.ListGrants", `SELECT `+grantCols+` FROM grants`, "id", w, f.Page, scanGrant, grantID)
}

func (t *tx) GrantsReaching(ctx context.Context, userID string) ([]signet.GrantedRole, error) {
	rows, err := t.query(ctx, `SELECT `+prefixCols("g.", grantCols)+`, `+prefixCols("r.", roleCols)+`
		FROM grants g JOIN roles r ON r.id = g.role_id
		WHERE (g.subject_type = ? AND g.subject_id = ?)
		   OR (g.subject_type = ? AND g.subject_id IN (SELECT group_id FROM group_members WHERE user_id = ?))
		ORDER BY g.id`,
		signet.SubjectUser, userID, signet.SubjectGroup, userID)
	out, err := collect(rows, err, func(s scanner) (signet.GrantedRole, error) {
		var gr signet.GrantedRole
		var ws sql.NullString
		dest := append(grantDest(&gr.Grant, &ws), roleDest(&gr.Role)...)
		if err := s.Scan(dest...); err != nil {
			return gr, err
		}
		gr.Grant.WorkspaceID = ws.String
		return gr, nil
	})
	if err != nil {
		return nil, t.fail("sqlstore.GrantsReaching", err)
	}
	return out, nil
}

func (t *tx) DeleteUserGrants(ctx context.Context, userID string) error {
	_, err := t.exec(ctx, `DELETE FROM grants WHERE subject_type = ? AND subject_id = ?`, signet.SubjectUser, userID)
	return t.fail("sqlstore.DeleteUserGrants", err)
}
