package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	signet "github.com/signetdev/signet"
)

const groupCols = `id, name, description, protected, external_id, created_at, updated_at`

func scanGroup(s scanner) (*signet.Group, error) {
	var g signet.Group
	err := s.Scan(&g.ID, &g.Name, &g.Description, &g.Protected, &g.ExternalID, timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

func groupID(g *signet.Group) string { return g.ID }

func (t *tx) groupNameTaken(ctx context.Context, op string, g *signet.Group) error {
	taken, err := t.exists(ctx, `SELECT 1 FROM groups WHERE name_key = ? AND id <> ?`, fold(g.Name), g.ID)
	if err != nil {
		return t.fail(op, err)
	}
	if taken {
		return conflict(op, nil, "a group named %q already exists", g.Name)
	}
	return nil
}

func (t *tx) CreateGroup(ctx context.Context, g *signet.Group) error {
	const op = "sqlstore.CreateGroup"
	if err := t.groupNameTaken(ctx, op, g); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO groups (id, name, name_key, description, protected, external_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.Name, fold(g.Name), g.Description, g.Protected, g.ExternalID, micros(g.CreatedAt), micros(g.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "group %q already exists", g.ID)
	}
	return t.fail(op, err)
}

func (t *tx) GetGroup(ctx context.Context, id string) (*signet.Group, error) {
	const op = "sqlstore.GetGroup"
	g, err := scanGroup(t.queryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "group not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return g, nil
}

func (t *tx) ListGroups(ctx context.Context, p signet.Page) ([]*signet.Group, string, error) {
	return listPage(ctx, t, "sqlstore.ListGroups", `SELECT `+groupCols+` FROM groups`, "id", where{}, p, scanGroup, groupID)
}

func (t *tx) UpdateGroup(ctx context.Context, g *signet.Group) error {
	const op = "sqlstore.UpdateGroup"
	if err := t.groupNameTaken(ctx, op, g); err != nil {
		return err
	}
	ok, err := t.execOne(ctx, `UPDATE groups SET name = ?, name_key = ?, description = ?, external_id = ?, updated_at = ? WHERE id = ?`,
		g.Name, fold(g.Name), g.Description, g.ExternalID, micros(g.UpdatedAt), g.ID)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "a group named %q already exists", g.Name)
	case err != nil:
		return t.fail(op, err)
	case !ok:
		return notFound(op, "group not found")
	}
	return nil
}

func (t *tx) DeleteGroup(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteGroup"
	// Grants name their subject without a foreign key (it may be a user or
	// a group), so they go explicitly; memberships would cascade, but are
	// deleted explicitly for the same reason as in DeleteWorkspace.
	if _, err := t.exec(ctx, `DELETE FROM grants WHERE subject_type = ? AND subject_id = ?`, signet.SubjectGroup, id); err != nil {
		return t.fail(op, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM group_members WHERE group_id = ?`, id); err != nil {
		return t.fail(op, err)
	}
	ok, err := t.execOne(ctx, `DELETE FROM groups WHERE id = ?`, id)
	if err != nil {
		return t.fail(op, err)
	}
	if !ok {
		return notFound(op, "group not found")
	}
	return nil
}

// liveUserExists reports whether a non-deleted user has the id. Deleted
// users stay in storage but can no longer be given anything.
func (t *tx) liveUserExists(ctx context.Context, id string) (bool, error) {
	return t.exists(ctx, `SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL`, id)
}

func (t *tx) AddGroupMember(ctx context.Context, m signet.GroupMember) error {
	const op = "sqlstore.AddGroupMember"
	found, err := t.exists(ctx, `SELECT 1 FROM groups WHERE id = ?`, m.GroupID)
	if err != nil {
		return t.fail(op, err)
	}
	if !found {
		return notFound(op, "group %q not found", m.GroupID)
	}
	if found, err = t.liveUserExists(ctx, m.UserID); err != nil {
		return t.fail(op, err)
	}
	if !found {
		return notFound(op, "user %q not found", m.UserID)
	}
	_, err = t.exec(ctx, `INSERT INTO group_members (group_id, user_id, added_at, added_by) VALUES (?, ?, ?, ?)`,
		m.GroupID, m.UserID, micros(m.AddedAt), m.AddedBy)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "user %q is already a member of the group", m.UserID)
	case t.d.is(err, errForeignKey):
		return notFound(op, "group or user not found")
	}
	return t.fail(op, err)
}

func (t *tx) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	const op = "sqlstore.RemoveGroupMember"
	ok, err := t.execOne(ctx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	if err != nil {
		return t.fail(op, err)
	}
	if !ok {
		return notFound(op, "user %q is not a member of the group", userID)
	}
	return nil
}

func (t *tx) ListGroupMembers(ctx context.Context, groupID string) ([]*signet.User, error) {
	rows, err := t.query(ctx, `SELECT `+userSelect("u.")+` FROM users u
		JOIN group_members m ON m.user_id = u.id
		WHERE m.group_id = ? AND u.deleted_at IS NULL ORDER BY u.id`, groupID)
	users, err := collect(rows, err, scanUser)
	if err != nil {
		return nil, t.fail("sqlstore.ListGroupMembers", err)
	}
	return users, nil
}

func (t *tx) ListUserGroups(ctx context.Context, userID string) ([]*signet.Group, error) {
	rows, err := t.query(ctx, `SELECT `+prefixCols("g.", groupCols)+` FROM groups g
		JOIN group_members m ON m.group_id = g.id
		WHERE m.user_id = ? ORDER BY g.id`, userID)
	groups, err := collect(rows, err, scanGroup)
	if err != nil {
		return nil, t.fail("sqlstore.ListUserGroups", err)
	}
	return groups, nil
}

func (t *tx) RemoveUserFromAllGroups(ctx context.Context, userID string) error {
	_, err := t.exec(ctx, `DELETE FROM group_members WHERE user_id = ?`, userID)
	return t.fail("sqlstore.RemoveUserFromAllGroups", err)
}
