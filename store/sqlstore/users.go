package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/confusable"
)

const userCols = `id, kind, name, email, description, password_hash, status,
	created_at, created_by, updated_at, deleted_at, last_active_at, labels, owner_type, owner_id, external_id`

// userSelect is the select list of a user from the table (or alias) t,
// e.g. "users." or "u.": userCols, then the last use of any of the user's
// keys, which the write-behind flush records (signet.KeyUse). A user's
// LastActiveAt is the later of its own (sign-ins, web sessions) and that:
// derived when read, so that no request writes anything for it.
func userSelect(t string) string {
	return prefixCols(t, userCols) + `, (SELECT MAX(k.last_used_at) FROM api_keys k WHERE k.owner_id = ` + t + `id)`
}

func scanUser(s scanner) (*signet.User, error) {
	var u signet.User
	var keyUsed *time.Time
	err := s.Scan(&u.ID, &u.Kind, &u.Name, &u.Email, &u.Description, &u.PasswordHash, &u.Status,
		timeCol{&u.CreatedAt}, &u.CreatedBy, timeCol{&u.UpdatedAt}, nullTimeCol{&u.DeletedAt}, nullTimeCol{&u.LastActiveAt},
		labelsCol{&u.Labels}, &u.OwnerType, &u.OwnerID, &u.ExternalID, nullTimeCol{&keyUsed})
	if err != nil {
		return nil, err
	}
	if keyUsed != nil && (u.LastActiveAt == nil || keyUsed.After(*u.LastActiveAt)) {
		u.LastActiveAt = keyUsed
	}
	return &u, nil
}

func userID(u *signet.User) string { return u.ID }

// emailKey is the indexed form of an email; NULL when there is none, so
// that users without one never collide.
func emailKey(email string) any { return nullString(fold(email)) }

// checkUser rejects a user whose status and deletion time disagree: the
// uniqueness rules go by the deletion time alone, so they must agree.
func checkUser(op string, u *signet.User) error {
	if (u.Status == signet.StatusDeleted) != (u.DeletedAt != nil) {
		return invalid(op, "a user is deleted exactly when it has a deletion time")
	}
	return nil
}

// userConflicts returns ECONFLICT, naming the field, if u would share its
// email or service-account name with another non-deleted user. Checking
// first gives a precise message, which a constraint violation cannot (and on
// PostgreSQL would abort the transaction); the unique indexes stay the
// guarantee.
func (t *tx) userConflicts(ctx context.Context, op string, u *signet.User) error {
	if u.DeletedAt != nil {
		return nil
	}
	if u.Email != "" {
		taken, err := t.exists(ctx, `SELECT 1 FROM users
			WHERE email_key = ? AND deleted_at IS NULL AND id <> ?`, fold(u.Email), u.ID)
		if err != nil {
			return t.fail(op, err)
		}
		if taken {
			return conflict(op, nil, "a user with email %q already exists", u.Email)
		}
	}
	if u.Kind == signet.KindServiceAccount {
		taken, err := t.exists(ctx, `SELECT 1 FROM users
			WHERE name_key = ? AND kind = ? AND deleted_at IS NULL AND id <> ?`,
			fold(u.Name), signet.KindServiceAccount, u.ID)
		if err != nil {
			return t.fail(op, err)
		}
		if taken {
			return conflict(op, nil, "a service account named %q already exists", u.Name)
		}
	}
	return nil
}

func (t *tx) CreateUser(ctx context.Context, u *signet.User) error {
	const op = "sqlstore.CreateUser"
	if err := checkUser(op, u); err != nil {
		return err
	}
	if err := t.userConflicts(ctx, op, u); err != nil {
		return err
	}
	labels, err := jsonLabels(u.Labels)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO users (id, kind, name, name_key, name_skeleton, email, email_key,
		description, password_hash, status, created_at, created_by, updated_at, deleted_at, last_active_at, labels, owner_type, owner_id, external_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Kind, u.Name, fold(u.Name), confusable.Skeleton(u.Name), u.Email, emailKey(u.Email),
		u.Description, u.PasswordHash, u.Status, micros(u.CreatedAt), u.CreatedBy, micros(u.UpdatedAt),
		nullMicros(u.DeletedAt), nullMicros(u.LastActiveAt), labels, u.OwnerType, u.OwnerID, u.ExternalID)
	if t.d.is(err, errUnique) {
		return conflict(op, err, "user %q already exists", u.ID)
	}
	return t.fail(op, err)
}

func (t *tx) getUser(ctx context.Context, op, where string, args ...any) (*signet.User, error) {
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userSelect("users.")+` FROM users WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "user not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return u, nil
}

func (t *tx) GetUser(ctx context.Context, id string) (*signet.User, error) {
	return t.getUser(ctx, "sqlstore.GetUser", `id = ?`, id)
}

func (t *tx) GetUserByEmail(ctx context.Context, email string) (*signet.User, error) {
	const op = "sqlstore.GetUserByEmail"
	if email == "" {
		return nil, notFound(op, "user not found")
	}
	return t.getUser(ctx, op, `email_key = ? AND kind = ? AND deleted_at IS NULL`, fold(email), signet.KindHuman)
}

func (t *tx) GetServiceAccountByName(ctx context.Context, name string) (*signet.User, error) {
	return t.getUser(ctx, "sqlstore.GetServiceAccountByName",
		`name_key = ? AND kind = ? AND deleted_at IS NULL`, fold(name), signet.KindServiceAccount)
}

func (t *tx) ListUsers(ctx context.Context, f signet.UserFilter) ([]*signet.User, string, error) {
	var w where
	w.add(`deleted_at IS NULL`)
	if f.Kind != "" {
		w.add(`kind = ?`, f.Kind)
	}
	if f.Status != "" {
		w.add(`status = ?`, f.Status)
	}
	if f.NameContains != "" {
		pat := likeContains(f.NameContains)
		w.add(`(name_key LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\')`, pat, pat)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Labels)) {
		w.add(t.d.jsonText("users.labels")+` = ?`, name, f.Labels[name])
	}
	if f.OwnerType != "" || f.OwnerID != "" {
		w.add(`owner_type = ? AND owner_id = ?`, f.OwnerType, f.OwnerID)
	}
	if f.ExternalID != "" {
		w.add(`external_id = ?`, f.ExternalID)
	}
	return listPage(ctx, t, "sqlstore.ListUsers", `SELECT `+userSelect("users.")+` FROM users`, "users.id", w, f.Page, scanUser, userID)
}

func (t *tx) UpdateUser(ctx context.Context, u *signet.User) error {
	const op = "sqlstore.UpdateUser"
	if err := checkUser(op, u); err != nil {
		return err
	}
	if err := t.userConflicts(ctx, op, u); err != nil {
		return err
	}
	labels, err := jsonLabels(u.Labels)
	if err != nil {
		return signet.Internal(op, err)
	}
	ok, err := t.execOne(ctx, `UPDATE users SET name = ?, name_key = ?, name_skeleton = ?, email = ?, email_key = ?,
		description = ?, password_hash = ?, status = ?, updated_at = ?, deleted_at = ?, last_active_at = ?,
		labels = ?, owner_type = ?, owner_id = ?, external_id = ?
		WHERE id = ?`,
		u.Name, fold(u.Name), confusable.Skeleton(u.Name), u.Email, emailKey(u.Email),
		u.Description, u.PasswordHash, u.Status, micros(u.UpdatedAt), nullMicros(u.DeletedAt), nullMicros(u.LastActiveAt),
		labels, u.OwnerType, u.OwnerID, u.ExternalID, u.ID)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "another user has this email or service-account name")
	case err != nil:
		return t.fail(op, err)
	case !ok:
		return notFound(op, "user not found")
	}
	return nil
}

// maxLookAlikes bounds the users FindUsersBySkeleton returns.
const maxLookAlikes = 1000

func (t *tx) FindUsersBySkeleton(ctx context.Context, kind string, skeletons []string) ([]*signet.User, error) {
	const op = "sqlstore.FindUsersBySkeleton"
	if len(skeletons) == 0 {
		return nil, nil
	}
	var w where
	w.add(`deleted_at IS NULL`)
	if kind != "" {
		w.add(`kind = ?`, kind)
	}
	marks := make([]string, len(skeletons))
	args := make([]any, len(skeletons))
	for i, k := range skeletons {
		marks[i], args[i] = "?", k
	}
	w.add(`name_skeleton IN (`+strings.Join(marks, ", ")+`)`, args...)
	rows, err := t.query(ctx, `SELECT `+userSelect("users.")+` FROM users`+w.String()+` ORDER BY users.id LIMIT `+strconv.Itoa(maxLookAlikes), w.args...)
	if err != nil {
		return nil, t.fail(op, err)
	}
	defer rows.Close()
	var out []*signet.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, t.fail(op, err)
		}
		out = append(out, u)
	}
	return out, t.fail(op, rows.Err())
}

// backfillSkeletons fills name_skeleton for the users stored before it
// existed (migration 5): SQL cannot compute a skeleton, so the store does
// it once, when it opens, in batches of one transaction each.
func backfillSkeletons(ctx context.Context, d *dialect, db *sql.DB) error {
	const op = "sqlstore.backfillSkeletons"
	for {
		rows, err := db.QueryContext(ctx, d.rebind(`SELECT id, name FROM users WHERE name_skeleton = '' AND name <> '' LIMIT 500`))
		if err != nil {
			return mapErr(d, op, err)
		}
		type pending struct{ id, name string }
		var batch []pending
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.name); err != nil {
				rows.Close()
				return mapErr(d, op, err)
			}
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(d, op, err)
		}
		if len(batch) == 0 {
			return nil
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return mapErr(d, op, err)
		}
		for _, p := range batch {
			// Only if the row is still as read: a replica that renamed the
			// user meanwhile has stored the new name's skeleton.
			if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE users SET name_skeleton = ? WHERE id = ? AND name = ? AND name_skeleton = ''`),
				confusable.Skeleton(p.name), p.id, p.name); err != nil {
				tx.Rollback()
				return mapErr(d, op, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return mapErr(d, op, err)
		}
	}
}

func (t *tx) CountUsers(ctx context.Context, kind string) (int, error) {
	var w where
	w.add(`deleted_at IS NULL`)
	if kind != "" {
		w.add(`kind = ?`, kind)
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users`+w.String(), w.args...).Scan(&n); err != nil {
		return 0, t.fail("sqlstore.CountUsers", err)
	}
	return n, nil
}
