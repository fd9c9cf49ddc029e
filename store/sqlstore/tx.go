package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
)

// tx is a store.Tx on one database/sql transaction. It is used by one
// goroutine at a time, like the function given to Read or Write.
type tx struct {
	tx *sql.Tx
	d  *dialect
	// outer is the context given to Read or Write; bound is outer with the
	// store's transaction deadline (outer itself when there is none).
	outer, bound context.Context
	// changed is set by every statement that changes data other than
	// bookkeeping (last-used times, session touches, audit appends), so
	// that committing bumps the change counter and notifies replicas.
	changed bool
	// merged caches the last context merged with bound; see ctx.
	mergedFrom, merged context.Context
	stops              []func()
}

// ctx returns the context a statement runs under: the caller's, bounded by
// the transaction's deadline. The service passes the context it gave to
// Write down to every call, so this is nearly always bound itself; any
// other context is merged with it.
func (t *tx) ctx(ctx context.Context) context.Context {
	switch ctx {
	case t.outer, t.bound:
		return t.bound
	case t.mergedFrom:
		return t.merged
	}
	if t.bound == t.outer {
		return ctx // no deadline of ours to add
	}
	m, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(t.bound, cancel)
	t.stops = append(t.stops, func() { stop(); cancel() })
	t.mergedFrom, t.merged = ctx, m
	return m
}

// release frees the contexts merged by ctx, once the transaction is over.
func (t *tx) release() {
	for _, stop := range t.stops {
		stop()
	}
}

// exec runs a statement that changes data.
func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	t.changed = true
	return t.tx.ExecContext(t.ctx(ctx), t.d.rebind(q), args...)
}

// execBookkeeping runs a statement whose change no cache cares about, so it
// does not count as a change for the change feed.
func (t *tx) execBookkeeping(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx(ctx), t.d.rebind(q), args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx(ctx), t.d.rebind(q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx(ctx), t.d.rebind(q), args...)
}

// fail maps an unexpected error of op; see mapErr.
func (t *tx) fail(op string, err error) error { return mapErr(t.d, op, err) }

// execOne runs a statement that should touch one row and reports whether
// it did.
func (t *tx) execOne(ctx context.Context, q string, args ...any) (bool, error) {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// exists reports whether q returns a row.
func (t *tx) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	err := t.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row of rows.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]T, 0)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// where builds a conjunction of conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Pagination. Lists are ordered by id (ids are ULIDs behind a type prefix,
// so this is roughly creation order and never changes); the cursor is the
// last id of the page, base64url-encoded so that callers treat it as
// opaque. One row more than the limit is fetched to learn whether a next
// page exists.

func pageLimit(p signet.Page) int {
	switch {
	case p.Limit <= 0:
		return signet.DefaultPageSize
	case p.Limit > signet.MaxPageSize:
		return signet.MaxPageSize
	}
	return p.Limit
}

func encodeCursor(last string) string { return signet.EncodeCursor(last) }

func decodeCursor(op, cursor string) (string, error) {
	after, err := signet.DecodeCursor(cursor)
	if err != nil {
		return "", decodeCursorError(op)
	}
	return after, nil
}

// decodeCursorError is signet.InvalidCursor, saying where.
func decodeCursorError(op string) error {
	e := signet.InvalidCursor()
	e.Op = op
	return e
}

// listPage runs "SELECT … FROM …" (sel) with w, one page of p by idCol.
func listPage[T any](ctx context.Context, t *tx, op, sel, idCol string, w where, p signet.Page,
	scan func(scanner) (T, error), idOf func(T) string) ([]T, string, error) {
	after, err := decodeCursor(op, p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		w.add(idCol+" > ?", after)
	}
	limit := pageLimit(p)
	q := sel + w.String() + " ORDER BY " + idCol + " LIMIT ?"
	rows, err := t.query(ctx, q, append(w.args, limit+1)...)
	out, err := collect(rows, err, scan)
	if err != nil {
		return nil, "", t.fail(op, err)
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(idOf(out[limit-1]))
	}
	return out, next, nil
}

// likeContains returns a LIKE pattern, for use with ESCAPE '\', matching
// values that contain s lowercased. It is matched against the *_key
// columns, which hold lowercased values, so the match is case-insensitive
// on every backend (PostgreSQL's LIKE is case-sensitive).
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(fold(s)) + "%"
}

// fold is the case-insensitive form of names and emails in *_key columns.
func fold(s string) string { return strings.ToLower(s) }

// Times are stored as unix microseconds, UTC; see the first migration.

func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// timeCol scans a unix-microsecond column into a time.Time.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	us, ok := src.(int64)
	if !ok {
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	*c.p = fromMicros(us)
	return nil
}

// nullTimeCol scans a nullable unix-microsecond column into a *time.Time.
type nullTimeCol struct{ p **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.p = &t
	return nil
}

// hashCol scans a 32-byte BLOB/BYTEA column.
type hashCol struct{ p *[32]byte }

func (c hashCol) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok || len(b) != len(c.p) {
		return fmt.Errorf("sqlstore: cannot scan %T of length %d into a 32-byte hash", src, len(b))
	}
	copy(c.p[:], b)
	return nil
}

// jsonListCol scans a nullable JSON array of strings; an empty array reads
// back as nil.
type jsonListCol struct{ p *[]string }

func (c jsonListCol) Scan(src any) error {
	b, err := jsonColumn(src, "a list")
	if err != nil || b == nil {
		*c.p = nil
		return err
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("sqlstore: decoding list: %w", err)
	}
	if len(list) == 0 {
		list = nil
	}
	*c.p = list
	return nil
}

// jsonList encodes a list for a JSON column: "[]" when empty, or NULL when
// nullEmpty.
func jsonList(list []string, nullEmpty bool) (any, error) {
	if len(list) == 0 {
		if nullEmpty {
			return nil, nil
		}
		return "[]", nil
	}
	b, err := json.Marshal(list)
	return string(b), err
}

// nullString maps "" to NULL, for optional references.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// labelsCol scans a nullable JSON object of strings; an empty one reads
// back as nil.
type labelsCol struct{ p *map[string]string }

func (c labelsCol) Scan(src any) error {
	b, err := jsonColumn(src, "labels")
	if err != nil || b == nil {
		*c.p = nil
		return err
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("sqlstore: decoding labels: %w", err)
	}
	if len(m) == 0 {
		m = nil
	}
	*c.p = m
	return nil
}

// jsonLabels encodes labels for a JSON column; NULL when there are none.
func jsonLabels(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m) // keys sorted
	return string(b), err
}

// networksCol scans a nullable JSON array of CIDRs.
type networksCol struct{ p *[]netip.Prefix }

func (c networksCol) Scan(src any) error {
	var list []string
	if err := (jsonListCol{&list}).Scan(src); err != nil {
		return err
	}
	if list == nil {
		*c.p = nil
		return nil
	}
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("sqlstore: decoding a network allowlist: %w", err)
		}
		out[i] = p
	}
	*c.p = out
	return nil
}

// jsonColumn returns the text of a nullable JSON column as bytes: nil for
// NULL, an error for a value of another type (what names the target).
func jsonColumn(src any, what string) ([]byte, error) {
	switch v := src.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	}
	return nil, fmt.Errorf("sqlstore: cannot scan %T into %s", src, what)
}
