package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	signet "github.com/signetdev/signet"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// MemoryPath opens a private in-memory SQLite database, for tests. It lives
// on a single connection, so Read and Write queue behind each other, a Read
// inside a Write's fn would deadlock, and Read is not enforced read-only.
const MemoryPath = ":memory:"

var sqliteDialect = func() *dialect {
	sub, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		panic(err) // the embedded path is fixed at compile time
	}
	return &dialect{
		name:       "sqlite",
		goose:      goose.DialectSQLite3,
		migrations: sub,
		rebind:     rebindNone,
		classify:   classifySQLite,
		// A read-only transaction makes the driver issue a plain (deferred)
		// BEGIN: it takes a WAL snapshot at its first read and never blocks
		// the writer.
		readTx:      &sql.TxOptions{ReadOnly: true},
		bumpChanges: bumpChangesSQL,
	}
}()

// classifySQLite classifies by SQLite's extended result codes, which the
// driver enables on every connection.
func classifySQLite(err error) errClass {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return errOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return errUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return errCheck
	}
	switch e.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return errRetry
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOTADB:
		return errUnavailable
	}
	return errOther
}

// sqliteDSN returns the data source name of a file database. Settings go in
// _pragma parameters so that every pooled connection gets them, not only
// the first. busy_timeout comes first so that switching to WAL waits for a
// lock rather than failing.
func sqliteDSN(path string, opts Options, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.busyTimeout().Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if path == MemoryPath {
		// An in-memory database has no WAL and no file to sync.
		q.Set("_txlock", "immediate")
		return path + "?" + q.Encode()
	}
	q.Add("_pragma", "journal_mode(WAL)")
	// In WAL mode NORMAL loses no committed data on a crash of the process,
	// only possibly the last transactions on a power loss, and saves an
	// fsync per commit.
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// never fails half-way upgrading a read lock to a write lock.
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// OpenSQLite opens (creating if needed) the SQLite database at path,
// configures it and applies pending migrations. path is a file name, or
// MemoryPath. opts is optional; with several, the last one counts.
func OpenSQLite(ctx context.Context, path string, options ...Options) (*Store, error) {
	opts := lastOptions(options)
	d := sqliteDialect
	write, err := openSQLiteDB(ctx, path, opts, false)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, d, write, opts.Logger); err != nil {
		write.Close()
		return nil, err
	}
	s := &Store{d: d, write: write, read: write, logger: opts.Logger, pollInterval: opts.changePollInterval()}
	if path == MemoryPath {
		return s, nil
	}
	s.read, err = openSQLiteDB(ctx, path, opts, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	return s, nil
}

// MigrateSQLite applies pending migrations to the SQLite database at path,
// creating the file if needed, and returns the versions it applied; none
// when the schema is already current. It is `signet migrate`.
func MigrateSQLite(ctx context.Context, path string, options ...Options) ([]int64, error) {
	opts := lastOptions(options)
	db, err := openSQLiteDB(ctx, path, opts, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrate(ctx, sqliteDialect, db, opts.Logger)
}

func openSQLiteDB(ctx context.Context, path string, opts Options, readOnly bool) (*sql.DB, error) {
	const op = "sqlstore.OpenSQLite"
	if path == "" || strings.ContainsRune(path, '?') {
		// The driver would take what follows "?" for its own parameters.
		return nil, invalid(op, "invalid SQLite database path %q", path)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, opts, readOnly))
	if err != nil {
		return nil, signet.Internal(op, err)
	}
	if readOnly {
		n := opts.readConns()
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	} else {
		// One writer connection: SQLite allows one writer at a time anyway,
		// and queueing in database/sql is fairer than busy-waiting.
		// For ":memory:" it is also what keeps the database alive.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	// Open the first connection now, so a bad path or a file that is not a
	// database fails here rather than on the first request.
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &signet.Error{Code: signet.EUNAVAILABLE, Message: "cannot open the database", Op: op, Err: fmt.Errorf("%s: %w", path, err)}
	}
	return db, nil
}
