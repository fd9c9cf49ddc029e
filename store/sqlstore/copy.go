package sqlstore

import (
	"context"
	"database/sql"

	"fmt"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// copyTables lists every table with data, parents before children.
var copyTables = []string{
	"users", "api_keys", "workspaces", "roles", "groups", "group_members", "grants",
	"audit_events", "audit_checkpoint", "api_key_activity", "sessions", "settings", "permission_domains",
	"webhook_endpoints", "webhook_deliveries", "webhook_attempts", "key_warnings",
	"oauth_audiences", "oauth_client_keys", "oauth_signing_keys", "oauth_revoked_tokens", "oauth_used_assertions",
	"oidc_providers", "user_identities",
}

// notCopied lists the tables CopyData leaves behind, and why. Every table
// of the schema is in one list or the other (a test checks), so that a new
// table is not forgotten by migrate-data.
var notCopied = map[string]string{
	"goose_db_version":    "each database's own schema version",
	"change_counter":      "each database's own change feed",
	"idempotency_records": "answers kept for 24 hours to retried requests, which go to one database",
	"sso_login_states":    "sign-ins in progress, which last 10 minutes",
}

// boolCols are the columns stored as 0/1 on SQLite and BOOLEAN on
// PostgreSQL.
var boolCols = map[string]bool{"is_default": true, "built_in": true, "protected": true, "enabled": true, "jit_create": true}

// TableCount is the number of rows of one table in both databases after a
// copy.
type TableCount struct {
	Table          string
	Source, Target int64
}

// CopyReport is what CopyData did and verified.
type CopyReport struct {
	Tables []TableCount
	// AuditEvents is the length of the audit chain verified on the target,
	// and AuditHead the hash of its last event.
	AuditEvents int
	AuditHead   string
}

// CopyData copies every row of every table of src into dst, in one
// transaction on dst, then verifies that the row counts match and that the
// audit chain on dst is intact (every hash recomputed). Both stores must
// be at the same schema version. dst must be empty — which a database
// where "signet serve" ran once is not: it has the built-in roles — unless
// replace is set, in which case dst's rows are deleted first, in the same
// transaction. Run it with no server using either database.
func CopyData(ctx context.Context, src, dst *Store, replace bool) (*CopyReport, error) {
	const op = "sqlstore.CopyData"
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	dv, err := dst.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, invalid(op, "the source is at schema version %d and the target at %d; run a newer signet on both (signet migrate)", sv, dv)
	}
	srcTx, err := src.read.BeginTx(ctx, src.d.readTx)
	if err != nil {
		return nil, mapErr(src.d, op, err)
	}
	defer srcTx.Rollback()
	dstTx, err := dst.write.BeginTx(ctx, dst.d.writeTx)
	if err != nil {
		return nil, mapErr(dst.d, op, err)
	}
	defer dstTx.Rollback()
	if dst.d.beginWrite != "" {
		if _, err := dstTx.ExecContext(ctx, dst.d.beginWrite); err != nil {
			return nil, mapErr(dst.d, op, err)
		}
	}
	var nonEmpty []string
	for _, table := range copyTables {
		n, err := countRows(ctx, dstTx, table)
		if err != nil {
			return nil, mapErr(dst.d, op, err)
		}
		if n > 0 {
			nonEmpty = append(nonEmpty, fmt.Sprintf("%s (%d)", table, n))
		}
	}
	if len(nonEmpty) > 0 && !replace {
		return nil, conflict(op, nil, "the target database is not empty: %s; copy into an empty database, or replace its data explicitly", strings.Join(nonEmpty, ", "))
	}
	if len(nonEmpty) > 0 {
		for i := len(copyTables) - 1; i >= 0; i-- {
			if _, err := dstTx.ExecContext(ctx, "DELETE FROM "+copyTables[i]); err != nil {
				return nil, mapErr(dst.d, op, err)
			}
		}
	}
	report := &CopyReport{}
	for _, table := range copyTables {
		n, err := copyTable(ctx, srcTx, dstTx, dst.d, table)
		if err != nil {
			return nil, mapErr(dst.d, op, fmt.Errorf("copying %s: %w", table, err))
		}
		m, err := countRows(ctx, dstTx, table)
		if err != nil {
			return nil, mapErr(dst.d, op, err)
		}
		report.Tables = append(report.Tables, TableCount{Table: table, Source: n, Target: m})
		if n != m {
			return nil, signet.Internal(op, fmt.Errorf("%s: copied %d rows but the target holds %d", table, n, m))
		}
	}
	// Replicas already running on the target (there should be none) drop
	// their caches.
	if _, err := dstTx.ExecContext(ctx, dst.d.bumpChanges); err != nil {
		return nil, mapErr(dst.d, op, err)
	}
	if err := dstTx.Commit(); err != nil {
		return nil, mapErr(dst.d, op, err)
	}
	report.AuditEvents, report.AuditHead, err = VerifyAuditChain(ctx, dst)
	if err != nil {
		return report, err
	}
	return report, nil
}

func countRows(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

// copyBatch is how many rows one INSERT carries; audit_events has 20
// columns, far below PostgreSQL's 65535 parameters.
const copyBatch = 500

// copyTable copies one table and returns the number of rows read.
func copyTable(ctx context.Context, src, dst *sql.Tx, d *dialect, table string) (int64, error) {
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	rowMarks := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var n int64
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		k := len(batch) / len(cols)
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(rowMarks+", ", k), ", ")
		_, err := dst.ExecContext(ctx, d.rebind(q), batch...)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, c := range cols {
			if v, ok := vals[i].(int64); ok && boolCols[c] {
				vals[i] = v != 0
			}
		}
		batch = append(batch, vals...)
		n++
		if n%copyBatch == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// VerifyAuditChain reads the whole audit trail of s, oldest first, and
// checks that it is one unbroken chain: seq 1, 2, …, each event's
// prev_hash the previous event's hash, and each hash recomputed from the
// event's fields (signet.AuditEvent.ChainHash). It returns the number of
// events and the last hash (the genesis hash when there are none).
func VerifyAuditChain(ctx context.Context, s store.Store) (int, string, error) {
	const op = "sqlstore.VerifyAuditChain"
	var all []*signet.AuditEvent
	err := s.Read(ctx, func(tx store.Tx) error {
		f := signet.AuditFilter{Page: signet.Page{Limit: signet.MaxPageSize}}
		for {
			evs, next, err := tx.ListAuditEvents(ctx, f)
			if err != nil {
				return err
			}
			all = append(all, evs...)
			if next == "" {
				return nil
			}
			f.Cursor = next
		}
	})
	if err != nil {
		return 0, "", err
	}
	prev := signet.AuditGenesisHash
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		want := int64(len(all) - i)
		switch {
		case e.Seq != want:
			return 0, "", signet.Internal(op, fmt.Errorf("audit event %s has seq %d; want %d", e.ID, e.Seq, want))
		case e.PrevHash != prev:
			return 0, "", signet.Internal(op, fmt.Errorf("audit event %d does not link to the previous one", e.Seq))
		case e.ChainHash(e.PrevHash) != e.Hash:
			return 0, "", signet.Internal(op, fmt.Errorf("audit event %d does not match its hash", e.Seq))
		}
		prev = e.Hash
	}
	return len(all), prev, nil
}
