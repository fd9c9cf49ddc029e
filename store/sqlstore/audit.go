package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
	var b []byte
	switch v := src.(type) {
	case nil:
		*c.p = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into audit details", src)
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
	const op = "sqlstore.AppendAuditEvent"
	// The hash covers exactly what is stored, so that it can be recomputed
	// from the database: time at the stored precision, and details as they
	// read back from their JSON (struct values become maps, numbers
	// json.Number), which may encode differently from what the caller gave.
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	var details any
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return invalid(op, "audit details cannot be encoded as JSON")
		}
		if e.Details, err = decodeDetails(b); err != nil {
			return signet.Internal(op, err)
		}
		details = string(b)
	} else {
		e.Details = nil
	}
	if e.ID == "" {
		e.ID = id.New(id.AuditEvent)
	}
	if t.d.lockAuditChain != "" {
		if _, err := t.execBookkeeping(ctx, t.d.lockAuditChain); err != nil {
			return t.fail(op, err)
		}
	}
	var seq int64
	prev := signet.AuditGenesisHash
	err := t.queryRow(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t.fail(op, err)
	}
	e.Seq = seq + 1
	e.PrevHash = prev
	e.Hash = e.ChainHash(prev)
	// An event alone (a refused attempt) changes nothing a cache holds;
	// the change it records, if any, has set t.changed itself.
	_, err = t.execBookkeeping(ctx, `INSERT INTO audit_events (`+auditCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Seq, micros(e.Time), e.ActorID, e.ActorKind, e.ActorName, e.KeyID, e.SessionID, e.Action,
		e.TargetType, e.TargetID, e.TargetName, e.WorkspaceID, e.Outcome, e.IP, e.UserAgent, e.RequestID,
		details, e.PrevHash, e.Hash)
	if t.d.is(err, errUnique) {
		return conflict(op, err, "audit event %q already exists", e.ID)
	}
	return t.fail(op, err)
}

func (t *tx) ListAuditEvents(ctx context.Context, f signet.AuditFilter) ([]*signet.AuditEvent, string, error) {
	const op = "sqlstore.ListAuditEvents"
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
	// Newest first, so the cursor is the last seq of the page and the next
	// page holds smaller ones.
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		seq, perr := strconv.ParseInt(string(b), 10, 64)
		if err != nil || perr != nil || seq < 1 {
			return nil, "", invalid(op, "invalid cursor")
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
		next = base64.RawURLEncoding.EncodeToString([]byte(itoa(events[limit-1].Seq)))
	}
	return events, next, nil
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
