package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
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
		// Label names are checked by the service ([a-z0-9._/-]), so the
		// quoted path cannot be escaped from.
		jsonText: func(col string) string { return "json_extract(" + col + ", '$.\"' || ? || '\"')" },
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
	// FULL syncs the WAL at every commit, so a transaction that committed
	// survives a power loss or an OS crash, not only a crash of the
	// process. NORMAL would save that fsync, but lose the last commits on
	// a power loss: a revocation the caller was told had happened would
	// come back, and the audit chain would lose its tail. See
	// BENCHMARKS.md for what the fsync costs.
	q.Add("_pragma", "synchronous("+opts.sqliteSynchronous()+")")
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
	if strings.HasPrefix(path, "file:") {
		// The driver would open it as a URI, naming another file than the
		// one prepareSQLiteFile looked at.
		return nil, invalid(op, "SQLite URIs (file:…) are not supported; name the file as a path (./file:… for a file named so)")
	}
	if !readOnly && path != MemoryPath {
		if err := prepareSQLiteFile(path, opts.Logger); err != nil {
			return nil, &signet.Error{Code: signet.EUNAVAILABLE, Message: "cannot open the database", Op: op, Err: err}
		}
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

// sqliteFileMode is the mode of the database file and, since SQLite's unix
// VFS gives its -wal, -shm and -journal files the mode of the database
// file, of those too. The database holds the hashes of passwords, keys
// and sessions and the whole audit trail: no one but the server's own
// user has a reason to read it.
const sqliteFileMode = 0o600

// prepareSQLiteFile creates the database file at path with sqliteFileMode
// when there is none (left to itself, SQLite creates it 0644 less the
// umask; an empty file is a valid empty database), and tightens an
// existing database file, with its -wal and -shm files, that its group or
// others may access, warning that it did.
//
// Tightening, rather than refusing to start or leaving the mode alone:
// refusing would stop every installation made before this rule on
// upgrade, over a mode its operator never chose (SQLite did), and leaving
// it would keep the hashes readable by every local user. The warning tells
// an operator who did share the file on purpose (say, a backup job under
// another user) what changed and why; such a job should run as Signet's
// user, or copy a backup Signet's user made. The owner's own bits are kept.
func prepareSQLiteFile(path string, logger *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if logger == nil {
		logger = slog.Default()
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			// No -wal or -shm while no connection is open (nor for a
			// directory, which SQLite will refuse).
			continue
		}
		mode := fi.Mode().Perm()
		if mode&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, mode&^0o077); err != nil {
			logger.Warn("the database file is accessible to other users, and its mode could not be changed; make it 0600",
				"file", p, "mode", fmt.Sprintf("%#o", mode), "err", err)
			continue
		}
		logger.Warn("the database file was accessible to other users; changed its mode",
			"file", p, "old_mode", fmt.Sprintf("%#o", mode), "mode", fmt.Sprintf("%#o", mode&^0o077))
	}
	return nil
}
