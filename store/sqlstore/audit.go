package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

const auditCols = `id, seq, time, actor_id, actor_kind, actor_name, key_id, session_id, action,
	target_type, target_id, target_name, workspace_id, outcome, ip, user_agent, request_id, details, prev_hash, hash`

// detailsCol scans the JSON details column. Numbers decode as json.Number,
// so they re-encode to the same text and the hash recomputed from a stored
// event matches the one stored.
type detailsCol struct{ p *map[string]any }

func (c detailsCol) Scan(src any) error {
	b, err := jsonColumn(src, "audit details")
	if err != nil || b == nil {
		*c.p = nil
		return err
	}
	m, err := decodeDetails(b)
	if err != nil {
		return err
	}
	*c.p = m
	return nil
}

func decodeDetails(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("sqlstore: decoding audit details: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func scanAuditEvent(s scanner) (*signet.AuditEvent, error) {
	var e signet.AuditEvent
	err := s.Scan(&e.ID, &e.Seq, timeCol{&e.Time}, &e.ActorID, &e.ActorKind, &e.ActorName, &e.KeyID, &e.SessionID, &e.Action,
		&e.TargetType, &e.TargetID, &e.TargetName, &e.WorkspaceID, &e.Outcome, &e.IP, &e.UserAgent, &e.RequestID,
		detailsCol{&e.Details}, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func (t *tx) AppendAuditEvent(ctx context.Context, e *signet.AuditEvent) error {
	return t.appendAuditEvents(ctx, "sqlstore.AppendAuditEvent", []*signet.AuditEvent{e})
}

func (t *tx) AppendAuditEvents(ctx context.Context, events []*signet.AuditEvent) error {
	return t.appendAuditEvents(ctx, "sqlstore.AppendAuditEvents", events)
}

// appendAuditEvents chains and inserts events in order, reading the tail of
// the chain once and reusing one prepared statement.
func (t *tx) appendAuditEvents(ctx context.Context, op string, events []*signet.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	details := make([]any, len(events))
	for i, e := range events {
		// The hash covers exactly what is stored, so that it can be
		// recomputed from the database: time at the stored precision, and
		// details as they read back from their JSON (struct values become
		// maps, numbers json.Number), which may encode differently from
		// what the caller gave.
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return invalid(op, "audit details cannot be encoded as JSON")
			}
			if e.Details, err = decodeDetails(b); err != nil {
				return signet.Internal(op, err)
			}
			details[i] = string(b)
		} else {
			e.Details = nil
		}
		if e.ID == "" {
			e.ID = id.New(id.AuditEvent)
		}
	}
	if t.d.lockAuditChain != "" {
		if _, err := t.execBookkeeping(ctx, t.d.lockAuditChain); err != nil {
			return t.fail(op, err)
		}
	}
	seq, prev, err := t.auditHead(ctx)
	if err != nil {
		return t.fail(op, err)
	}
	const insert = `INSERT INTO audit_events (` + auditCols + `, actor_name_key, target_name_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// An event alone (a refused attempt) changes nothing a cache holds; the
	// change it records, if any, has marked the transaction itself.
	exec := func(args ...any) (sql.Result, error) { return t.execBookkeeping(ctx, insert, args...) }
	if len(events) > 1 {
		stmt, err := t.tx.PrepareContext(t.ctx(ctx), t.d.rebind(insert))
		if err != nil {
			return t.fail(op, err)
		}
		defer stmt.Close()
		exec = func(args ...any) (sql.Result, error) { return stmt.ExecContext(t.ctx(ctx), args...) }
	}
	for i, e := range events {
		seq++
		e.Seq = seq
		e.PrevHash = prev
		e.Hash = e.ChainHash(prev)
		prev = e.Hash
		_, err = exec(e.ID, e.Seq, micros(e.Time), e.ActorID, e.ActorKind, e.ActorName, e.KeyID, e.SessionID, e.Action,
			e.TargetType, e.TargetID, e.TargetName, e.WorkspaceID, e.Outcome, e.IP, e.UserAgent, e.RequestID,
			details[i], e.PrevHash, e.Hash, fold(e.ActorName), fold(e.TargetName))
		if t.d.is(err, errUnique) {
			return conflict(op, err, "audit event %q already exists", e.ID)
		}
		if err != nil {
			return t.fail(op, err)
		}
	}
	return t.enqueueWebhookDeliveries(ctx, op, events)
}

// auditHead returns the seq and hash the next event links to: the newest
// event's, else the checkpoint's (everything was pruned), else 0 and the
// genesis hash.
func (t *tx) auditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := t.queryRow(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if err == nil {
		return seq, hash, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", err
	}
	err = t.queryRow(ctx, `SELECT seq, hash FROM audit_checkpoint WHERE id = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, signet.AuditGenesisHash, nil
	}
	return seq, hash, err
}

func (t *tx) AuditHead(ctx context.Context) (int64, string, error) {
	seq, hash, err := t.auditHead(ctx)
	if err != nil {
		return 0, "", t.fail("sqlstore.AuditHead", err)
	}
	return seq, hash, nil
}

// auditWhere is the condition of an audit filter, without its page.
func auditWhere(f signet.AuditFilter) where {
	var w where
	for _, c := range []struct{ col, v string }{
		{"actor_id", f.ActorID},
		{"key_id", f.KeyID},
		{"action", f.Action},
		{"target_type", f.TargetType},
		{"target_id", f.TargetID},
		{"workspace_id", f.WorkspaceID},
		{"outcome", f.Outcome},
	} {
		if c.v != "" {
			w.add(c.col+` = ?`, c.v)
		}
	}
	if f.Since != nil {
		w.add(`time >= ?`, micros(*f.Since))
	}
	if f.Until != nil {
		w.add(`time < ?`, micros(*f.Until))
	}
	if f.Query != "" {
		pat := likeContains(f.Query)
		w.add(`(actor_name_key LIKE ? ESCAPE '\' OR target_name_key LIKE ? ESCAPE '\')`, pat, pat)
	}
	return w
}

func (t *tx) ListAuditEvents(ctx context.Context, f signet.AuditFilter) ([]*signet.AuditEvent, string, error) {
	const op = "sqlstore.ListAuditEvents"
	w := auditWhere(f)
	// Newest first, so the cursor is the last seq of the page and the next
	// page holds smaller ones.
	if f.Cursor != "" {
		after, err := decodeCursor(op, f.Cursor)
		if err != nil {
			return nil, "", err
		}
		seq, err := strconv.ParseInt(after, 10, 64)
		if err != nil || seq < 1 {
			return nil, "", decodeCursorError(op)
		}
		w.add(`seq < ?`, seq)
	}
	limit := pageLimit(f.Page)
	rows, err := t.query(ctx, `SELECT `+auditCols+` FROM audit_events`+w.String()+` ORDER BY seq DESC LIMIT ?`,
		append(w.args, limit+1)...)
	events, err := collect(rows, err, scanAuditEvent)
	if err != nil {
		return nil, "", t.fail(op, err)
	}
	var next string
	if len(events) > limit {
		events = events[:limit]
		next = encodeCursor(itoa(events[limit-1].Seq))
	}
	return events, next, nil
}

func (t *tx) ScanAuditEvents(ctx context.Context, afterSeq int64, f signet.AuditFilter, limit int) ([]*signet.AuditEvent, error) {
	const op = "sqlstore.ScanAuditEvents"
	w := auditWhere(f)
	w.add(`seq > ?`, afterSeq)
	if limit <= 0 {
		limit = signet.DefaultPageSize
	}
	rows, err := t.query(ctx, `SELECT `+auditCols+` FROM audit_events`+w.String()+` ORDER BY seq LIMIT ?`,
		append(w.args, limit)...)
	events, err := collect(rows, err, scanAuditEvent)
	if err != nil {
		return nil, t.fail(op, err)
	}
	return events, nil
}

func (t *tx) GetAuditEvent(ctx context.Context, id string) (*signet.AuditEvent, error) {
	const op = "sqlstore.GetAuditEvent"
	e, err := scanAuditEvent(t.queryRow(ctx, `SELECT `+auditCols+` FROM audit_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "audit event not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return e, nil
}

func (t *tx) GetAuditCheckpoint(ctx context.Context) (*signet.AuditCheckpoint, error) {
	const op = "sqlstore.GetAuditCheckpoint"
	var cp signet.AuditCheckpoint
	err := t.queryRow(ctx, `SELECT seq, hash, pruned_at FROM audit_checkpoint WHERE id = 1`).
		Scan(&cp.Seq, &cp.Hash, timeCol{&cp.PrunedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "the audit trail has never been pruned")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return &cp, nil
}

func (t *tx) PruneAuditEvents(ctx context.Context, before, at time.Time) (*signet.AuditCheckpoint, int64, error) {
	const op = "sqlstore.PruneAuditEvents"
	// Pruning and activity counts are bookkeeping: no cache holds them, so
	// they do not count as changes for the change feed.
	if t.d.lockAuditChain != "" {
		if _, err := t.execBookkeeping(ctx, t.d.lockAuditChain); err != nil {
			return nil, 0, t.fail(op, err)
		}
	}
	// The cut is just before the oldest event that must stay, so that
	// what remains is a suffix of the chain even though times are not
	// strictly ordered by seq.
	var keep sql.NullInt64
	if err := t.queryRow(ctx, `SELECT MIN(seq) FROM audit_events WHERE time >= ?`, micros(before)).Scan(&keep); err != nil {
		return nil, 0, t.fail(op, err)
	}
	var last int64
	if keep.Valid {
		last = keep.Int64 - 1
	} else if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&last); err != nil {
		return nil, 0, t.fail(op, err)
	}
	cp := &signet.AuditCheckpoint{Seq: last, PrunedAt: at.UTC().Truncate(time.Microsecond)}
	err := t.queryRow(ctx, `SELECT hash FROM audit_events WHERE seq = ?`, last).Scan(&cp.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil // nothing old enough (or already pruned)
	}
	if err != nil {
		return nil, 0, t.fail(op, err)
	}
	res, err := t.execBookkeeping(ctx, `DELETE FROM audit_events WHERE seq <= ?`, last)
	if err != nil {
		return nil, 0, t.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, 0, t.fail(op, err)
	}
	_, err = t.execBookkeeping(ctx, `INSERT INTO audit_checkpoint (id, seq, hash, pruned_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at`,
		cp.Seq, cp.Hash, micros(cp.PrunedAt))
	if err != nil {
		return nil, 0, t.fail(op, err)
	}
	return cp, n, nil
}

func (t *tx) RecordKeyActivity(ctx context.Context, activity []signet.KeyActivity) error {
	const op = "sqlstore.RecordKeyActivity"
	if len(activity) == 0 {
		return nil
	}
	stmt, err := t.tx.PrepareContext(t.ctx(ctx), t.d.rebind(`INSERT INTO api_key_activity (key_id, hour, successes, failures)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (key_id, hour) DO UPDATE SET successes = api_key_activity.successes + excluded.successes,
			failures = api_key_activity.failures + excluded.failures`))
	if err != nil {
		return t.fail(op, err)
	}
	defer stmt.Close()
	for _, a := range activity {
		hour := a.Hour.UTC().Truncate(time.Hour)
		if _, err := stmt.ExecContext(t.ctx(ctx), a.KeyID, micros(hour), a.Successes, a.Failures); err != nil {
			return t.fail(op, err)
		}
	}
	return nil
}

func (t *tx) ListKeyActivity(ctx context.Context, keyID string, since time.Time) ([]signet.KeyActivity, error) {
	const op = "sqlstore.ListKeyActivity"
	rows, err := t.query(ctx, `SELECT key_id, hour, successes, failures FROM api_key_activity
		WHERE key_id = ? AND hour >= ? ORDER BY hour`, keyID, micros(since.UTC().Truncate(time.Hour)))
	out, err := collect(rows, err, func(s scanner) (signet.KeyActivity, error) {
		var a signet.KeyActivity
		err := s.Scan(&a.KeyID, timeCol{&a.Hour}, &a.Successes, &a.Failures)
		return a, err
	})
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

func (t *tx) ListKeysActivity(ctx context.Context, keyIDs []string, since time.Time) ([]signet.KeyActivity, error) {
	const op = "sqlstore.ListKeysActivity"
	if len(keyIDs) == 0 {
		return nil, nil
	}
	marks := make([]string, len(keyIDs))
	args := make([]any, 0, len(keyIDs)+1)
	for i, id := range keyIDs {
		marks[i] = "?"
		args = append(args, id)
	}
	args = append(args, micros(since.UTC().Truncate(time.Hour)))
	rows, err := t.query(ctx, `SELECT key_id, hour, successes, failures FROM api_key_activity
		WHERE key_id IN (`+strings.Join(marks, ", ")+`) AND hour >= ? ORDER BY key_id, hour`, args...)
	out, err := collect(rows, err, func(s scanner) (signet.KeyActivity, error) {
		var a signet.KeyActivity
		err := s.Scan(&a.KeyID, timeCol{&a.Hour}, &a.Successes, &a.Failures)
		return a, err
	})
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}
