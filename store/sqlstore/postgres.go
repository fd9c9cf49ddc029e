package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io"
	"io/fs"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // database/sql driver for pgx: one SQL implementation for both backends
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	signet "github.com/signetdev/signet"
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// writeLockID is the key of the transaction-scoped advisory lock every
// Write transaction takes first ("Signet" and 1 in ASCII hex).
const writeLockID = 0x5369676e65740001

// migrationLockID is the session advisory lock goose holds while it
// migrates ("Signet" and 2).
const migrationLockID = 0x5369676e65740002

// Writes on PostgreSQL. Every Write transaction takes one advisory lock
// before anything else, so writers on every replica run one at a time,
// exactly as on SQLite. That keeps the rules the service checks inside a
// transaction (the Admins group never loses its last active member; names
// are free before they are taken) and the audit chain (each event links to
// the previous one) true across replicas without any retry loop.
//
// Write transactions are READ COMMITTED, not SERIALIZABLE, on purpose: in
// REPEATABLE READ or SERIALIZABLE the snapshot is taken by the first
// statement — the one that waits for the lock — so a writer would read
// data as it was before the previous lock holder committed and then fail
// or, worse, act on it. In READ COMMITTED each statement after the lock
// sees everything committed before it, and no other writer can commit in
// between. Serialization failures and deadlocks (40001, 40P01) are still
// classified as retryable, and Write retries them a bounded number of
// times, should anything else lock the same rows.
//
// Read transactions are REPEATABLE READ, READ ONLY: one consistent
// snapshot, never blocked by writers.
var postgresDialect = func() *dialect {
	sub, err := fs.Sub(postgresMigrations, "migrations/postgres")
	if err != nil {
		panic(err) // the embedded path is fixed at compile time
	}
	lockSQL := "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(writeLockID, 10) + ")"
	return &dialect{
		name:       "postgres",
		goose:      goose.DialectPostgres,
		migrations: sub,
		rebind:     rebindDollar,
		classify:   classifyPostgres,
		// Already held since beginWrite; taking it again is free and keeps
		// the chain linear should a write path ever skip beginWrite.
		lockAuditChain: lockSQL,
		beginWrite:     lockSQL,
		readTx:         &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		writeTx:        &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		bumpChanges:    bumpChangesSQL,
		notifyChange:   "SELECT pg_notify('" + changesChannel + "', $1)",
		skipLocked:     " FOR UPDATE SKIP LOCKED",
		jsonText:       func(col string) string { return "(" + col + "::jsonb ->> ?)" },
		migrationLocker: func() (lock.SessionLocker, error) {
			// Retry every second for up to ten minutes: a replica starting
			// while another migrates waits for it.
			return lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 600))
		},
	}
}()

// classifyPostgres classifies by SQLSTATE, and connection failures by type.
func classifyPostgres(err error) errClass {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return errUnique
		case "23503": // foreign_key_violation
			return errForeignKey
		case "23514", "23502": // check_violation, not_null_violation
			return errCheck
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return errRetry
		case "57014": // query_canceled: statement_timeout; retrying would only wait again
			return errUnavailable
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return errUnavailable
		}
		switch pe.Code[:2] {
		case "22": // data exception: e.g. a NUL byte or invalid UTF-8 in text
			return errCheck
		case "08", "53": // connection exception, insufficient resources
			return errUnavailable
		}
		return errOther
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, pgconn.ErrConnClosed): // a pooled connection the server or network dropped

		return errUnavailable
	}
	return errOther
}

// Open opens the database named by a --database value (see ParseDatabase):
// a postgres:// or postgresql:// URL, or a SQLite file path, optionally
// prefixed "sqlite:".
func Open(ctx context.Context, database string, options ...Options) (*Store, error) {
	backend, target, err := ParseDatabase(database)
	if err != nil {
		return nil, err
	}
	if backend == BackendPostgres {
		return OpenPostgres(ctx, target, options...)
	}
	return OpenSQLite(ctx, target, options...)
}

// Migrate applies pending migrations to the database named by a --database
// value (see ParseDatabase) and returns the versions it applied.
func Migrate(ctx context.Context, database string, options ...Options) ([]int64, error) {
	backend, target, err := ParseDatabase(database)
	if err != nil {
		return nil, err
	}
	if backend == BackendPostgres {
		return MigratePostgres(ctx, target, options...)
	}
	return MigrateSQLite(ctx, target, options...)
}

// pgConfig parses a PostgreSQL URL and applies opts to it.
func pgConfig(op, url string, opts Options) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx redacts the password from its message.
		return nil, &signet.Error{Code: signet.EINVALID, Message: "invalid PostgreSQL URL", Op: op, Err: err}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.statementTimeout()
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "signet"
	}
	cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.statementTimeout().Milliseconds(), 10)
	return cfg, nil
}

// openPgDB opens a database/sql pool of at most n connections on cfg and
// checks that the database answers.
func openPgDB(ctx context.Context, op string, cfg *pgx.ConnConfig, n int, timeout time.Duration) (*sql.DB, error) {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Connections are recycled now and then, so that a replica follows a
	// failover or a pooler's rebalancing.
	db.SetConnMaxLifetime(30 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, &signet.Error{Code: signet.EUNAVAILABLE, Message: "cannot connect to the database", Op: op, Err: err}
	}
	return db, nil
}

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL, libpq parameters included) and applies pending migrations, waiting
// for another replica that migrates at the same time. opts is optional;
// with several, the last one counts. The store holds at most
// opts.MaxConns connections: a quarter (at least one) for writes, which
// run one at a time anyway, the rest for reads.
func OpenPostgres(ctx context.Context, url string, options ...Options) (*Store, error) {
	const op = "sqlstore.OpenPostgres"
	opts := lastOptions(options)
	cfg, err := pgConfig(op, url, opts)
	if err != nil {
		return nil, err
	}
	if _, err := MigratePostgres(ctx, url, opts); err != nil {
		return nil, err
	}
	n := opts.maxConns()
	writeConns := max(1, n/4)
	write, err := openPgDB(ctx, op, cfg, writeConns, opts.statementTimeout())
	if err != nil {
		return nil, err
	}
	read, err := openPgDB(ctx, op, cfg, max(1, n-writeConns), opts.statementTimeout())
	if err != nil {
		write.Close()
		return nil, err
	}
	listenCfg := cfg.Copy()
	listenCfg.RuntimeParams["application_name"] = cfg.RuntimeParams["application_name"] + "-listen"
	return &Store{
		d: postgresDialect, write: write, read: read, logger: opts.Logger,
		txTimeout:    opts.statementTimeout(),
		pollInterval: opts.changePollInterval(),
		listen: func(ctx context.Context) (listener, error) {
			c, err := pgx.ConnectConfig(ctx, listenCfg)
			if err != nil {
				return nil, err
			}
			return pgListener{c}, nil
		},
	}, nil
}

// MigratePostgres applies pending migrations to the PostgreSQL database at
// url and returns the versions it applied. Concurrent callers (replicas
// starting together) take turns on an advisory lock; the later ones find
// nothing to do. Migrations run without a statement timeout.
func MigratePostgres(ctx context.Context, url string, options ...Options) ([]int64, error) {
	const op = "sqlstore.MigratePostgres"
	opts := lastOptions(options)
	cfg, err := pgConfig(op, url, opts)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["statement_timeout"] = "0"
	db, err := openPgDB(ctx, op, cfg, 2, opts.statementTimeout())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrate(ctx, postgresDialect, db, opts.Logger)
}

// pgListener is the dedicated connection the change feed LISTENs on.
type pgListener struct{ c *pgx.Conn }

func (l pgListener) start(ctx context.Context) (int, error) {
	_, err := l.c.Exec(ctx, "LISTEN "+changesChannel)
	return int(l.c.PgConn().PID()), err
}

func (l pgListener) wait(ctx context.Context) (string, error) {
	n, err := l.c.WaitForNotification(ctx)
	if err != nil {
		return "", err
	}
	return n.Payload, nil
}

func (l pgListener) ping(ctx context.Context) error { return l.c.Ping(ctx) }

func (l pgListener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.c.Close(ctx)
}
