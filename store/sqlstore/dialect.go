package sqlstore

import (
	"database/sql"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// errClass is what a driver error means to the store, independent of the
// driver that produced it.
type errClass int

const (
	errOther       errClass = iota
	errUnique               // unique or primary-key violation
	errForeignKey           // foreign-key violation
	errCheck                // CHECK or NOT NULL violation: a value the schema rejects
	errRetry                // the transaction lost a race (busy, serialization failure); retrying may succeed
	errUnavailable          // the database cannot be reached or opened
)

// dialect holds everything that differs between the SQL backends. The
// queries themselves are written once, with "?" placeholders, in the
// subset of SQL that SQLite and PostgreSQL share (including ON CONFLICT,
// RETURNING, partial and expression indexes).
type dialect struct {
	name string
	// goose is the dialect goose uses for its version table.
	goose goose.Dialect
	// migrations holds the dialect's numbered .sql migrations at its root.
	migrations fs.FS
	// rebind rewrites "?" placeholders into the dialect's own.
	rebind func(query string) string
	// classify maps a driver error to its class by the driver's error code,
	// never by message text.
	classify func(err error) errClass
	// lockAuditChain, when not empty, is executed before the tail of the
	// audit chain is read, to serialise appenders. SQLite needs none: its
	// writers are serialised by the single write connection and BEGIN
	// IMMEDIATE. PostgreSQL will take a transaction-scoped advisory lock.
	lockAuditChain string
	// readTx and writeTx are the options of Read and Write transactions.
	readTx, writeTx *sql.TxOptions
	// beginWrite, when not empty, is executed first in every Write
	// transaction. PostgreSQL takes a transaction-scoped advisory lock there,
	// so that writers on every replica run one at a time, as SQLite's single
	// writer does; see postgres.go for why this beats SERIALIZABLE here.
	beginWrite string
	// bumpChanges increments the change counter and returns the new
	// version; run executes it before committing a transaction that changed
	// data. notifyChange, when not empty, is then executed with the version
	// as its argument (PostgreSQL: NOTIFY, delivered only on commit).
	bumpChanges, notifyChange string
	// skipLocked ends a SELECT that claims rows: on PostgreSQL, FOR UPDATE
	// SKIP LOCKED, so that replicas claiming webhook deliveries at once pass
	// over each other's rows instead of waiting for them. SQLite's single
	// writer needs nothing.
	skipLocked string
	// jsonText returns the SQL expression of the text of one member of a
	// JSON object column, named by a placeholder argument.
	jsonText func(col string) string
	// migrationLocker, when set, returns the lock goose holds while it
	// migrates, so that concurrent migrators take turns.
	migrationLocker func() (lock.SessionLocker, error)
}

// The change counter, shared by both dialects' migrations 00002.
const (
	bumpChangesSQL = `UPDATE change_counter SET version = version + 1 WHERE id = 1 RETURNING version`
	readChangesSQL = `SELECT version FROM change_counter WHERE id = 1`
	changesChannel = "signet_changes"
)

// rebindNone keeps "?" placeholders, as SQLite takes them.
func rebindNone(q string) string { return q }

// rebindDollar rewrites "?" placeholders to "$1", "$2", … for PostgreSQL.
// Signet's queries put no "?" inside string literals or identifiers, so a
// plain scan is enough.
func rebindDollar(q string) string {
	n := strings.Count(q, "?")
	if n == 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + n*2)
	i := 0
	for _, r := range q {
		if r == '?' {
			i++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
