package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	signet "github.com/signetdev/signet"
)

const sessionCols = `id, user_id, token_hash, created_at, expires_at, last_seen_at, ip, user_agent, revoked_at`

func scanSession(s scanner) (*signet.Session, error) {
	var ss signet.Session
	err := s.Scan(&ss.ID, &ss.UserID, hashCol{&ss.TokenHash}, timeCol{&ss.CreatedAt}, timeCol{&ss.ExpiresAt},
		timeCol{&ss.LastSeenAt}, &ss.IP, &ss.UserAgent, nullTimeCol{&ss.RevokedAt})
	if err != nil {
		return nil, err
	}
	return &ss, nil
}

func (t *tx) CreateSession(ctx context.Context, s *signet.Session) error {
	const op = "sqlstore.CreateSession"
	_, err := t.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.TokenHash[:], micros(s.CreatedAt), micros(s.ExpiresAt), micros(s.LastSeenAt),
		s.IP, s.UserAgent, nullMicros(s.RevokedAt))
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "the session already exists")
	case t.d.is(err, errForeignKey):
		return notFound(op, "user %q not found", s.UserID)
	}
	return t.fail(op, err)
}

func (t *tx) GetSessionByTokenHash(ctx context.Context, hash [32]byte) (*signet.Session, error) {
	const op = "sqlstore.GetSessionByTokenHash"
	s, err := scanSession(t.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = ?`, hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "session not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return s, nil
}

func (t *tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "sqlstore.TouchSession"
	res, err := t.execBookkeeping(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(at), id)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	ok := n > 0
	if err != nil {
		return t.fail(op, err)
	}
	if !ok {
		return notFound(op, "session not found")
	}
	return nil
}

func (t *tx) RevokeSession(ctx context.Context, id string, at time.Time) error {
	const op = "sqlstore.RevokeSession"
	ok, err := t.execOne(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), id)
	if err != nil {
		return t.fail(op, err)
	}
	if ok {
		return nil
	}
	found, err := t.exists(ctx, `SELECT 1 FROM sessions WHERE id = ?`, id)
	if err != nil {
		return t.fail(op, err)
	}
	if !found {
		return notFound(op, "session not found")
	}
	return nil
}

func (t *tx) RevokeUserSessions(ctx context.Context, userID string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, micros(at), userID)
	return t.fail("sqlstore.RevokeUserSessions", err)
}

func (t *tx) ListUserSessions(ctx context.Context, userID string, now time.Time) ([]*signet.Session, error) {
	rows, err := t.query(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY id`, userID, micros(now))
	out, err := collect(rows, err, scanSession)
	if err != nil {
		return nil, t.fail("sqlstore.ListUserSessions", err)
	}
	return out, nil
}
