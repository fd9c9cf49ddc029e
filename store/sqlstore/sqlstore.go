// Package sqlstore implements store.Store on database/sql. The queries are
// written once; the few differences between backends (placeholders, error
// codes, migrations, locking) live in a dialect. SQLite, through the pure-Go
// driver modernc.org/sqlite, is the embedded default; PostgreSQL, through
// pgx's database/sql driver, is the second dialect on the same code, for
// several replicas sharing one database (postgres.go).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

var (
	_ store.Store = (*Store)(nil)
	_ store.Tx    = (*tx)(nil)
)

var errClosed = errors.New("sqlstore: store is closed")

// maxWriteAttempts bounds how often Write runs fn when the transaction
// loses a race (SQLITE_BUSY, or a serialization failure on PostgreSQL).
const maxWriteAttempts = 5

// Store is a store.Store on a SQL database. It is safe for concurrent use.
type Store struct {
	d *dialect
	// write runs Write transactions; for SQLite it holds one connection, so
	// writers queue in Go instead of fighting over the database lock.
	write *sql.DB
	// read runs Read transactions. It is write itself when the database
	// cannot be shared between connections (SQLite ":memory:").
	read   *sql.DB
	logger *slog.Logger // nil: migrations are not logged
	// closed makes calls after Close fail as EUNAVAILABLE; database/sql's
	// own error for a closed pool cannot be told apart by code.
	closed atomic.Bool
	// txTimeout, when not zero, bounds every transaction on the client:
	// past it, the transaction is abandoned and fails as EUNAVAILABLE, so a
	// database that stopped answering costs a request seconds, not forever.
	txTimeout time.Duration
	// pollInterval is how often WatchChanges polls the change counter.
	pollInterval time.Duration
	// listen, when set, opens the dedicated connection WatchChanges
	// LISTENs on (PostgreSQL).
	listen func(ctx context.Context) (listener, error)
}

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long SQLite waits for a lock held by another
	// process (an offline admin command, a backup) before giving up.
	// Default 5s.
	BusyTimeout time.Duration
	// ReadConns is the most connections Read uses at once. Default 4.
	ReadConns int
	// Logger, if set, is told of every migration applied, and of the change
	// feed's connection trouble.
	Logger *slog.Logger

	// MaxConns is the most connections a PostgreSQL store opens, both pools
	// together (the change listener takes one more). Default 10.
	MaxConns int
	// StatementTimeout bounds each statement on a PostgreSQL server
	// (statement_timeout, which includes waiting for the write lock), and
	// each transaction on the client: a database that does not answer
	// within it makes the call fail with EUNAVAILABLE instead of hanging.
	// It is also the connect timeout unless the URL sets connect_timeout.
	// Default 5s.
	StatementTimeout time.Duration
	// ChangePollInterval is how often WatchChanges reads the change
	// counter, the safety net under PostgreSQL notifications (and the only
	// mechanism on SQLite). Default 500ms.
	ChangePollInterval time.Duration

	// synchronous is SQLite's synchronous setting; "" is FULL. Only the
	// benchmark that measures what FULL costs sets it.
	synchronous string
}

func lastOptions(opts []Options) Options {
	if len(opts) == 0 {
		return Options{}
	}
	return opts[len(opts)-1]
}

func (o Options) busyTimeout() time.Duration {
	if o.BusyTimeout <= 0 {
		return 5 * time.Second
	}
	return o.BusyTimeout
}

func (o Options) maxConns() int {
	if o.MaxConns <= 0 {
		return 10
	}
	return o.MaxConns
}

func (o Options) statementTimeout() time.Duration {
	if o.StatementTimeout <= 0 {
		return 5 * time.Second
	}
	return o.StatementTimeout
}

func (o Options) changePollInterval() time.Duration {
	if o.ChangePollInterval <= 0 {
		return 500 * time.Millisecond
	}
	return o.ChangePollInterval
}

func (o Options) sqliteSynchronous() string {
	if o.synchronous == "" {
		return "FULL"
	}
	return o.synchronous
}

func (o Options) readConns() int {
	if o.ReadConns <= 0 {
		return 4
	}
	return o.ReadConns
}

// Read runs fn in a read-only transaction with a consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, "sqlstore.Read", s.read, s.d.readTx, false, fn)
}

// Write runs fn in a read-write transaction and commits if fn returns nil.
// A transaction that loses a race is retried, up to maxWriteAttempts runs in
// all, with a short jittered backoff.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	const op = "sqlstore.Write"
	backoff := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.run(ctx, op, s.write, s.d.writeTx, true, fn)
		if err == nil || !s.d.is(err, errRetry) || attempt == maxWriteAttempts {
			return err
		}
		t := time.NewTimer(backoff/2 + rand.N(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff *= 2
	}
}

// run is one transaction: begin, fn, commit (or roll back on any error or
// panic). fn's own error is returned as it is, so the service layer's
// errors reach its caller unchanged.
func (s *Store) run(ctx context.Context, op string, db *sql.DB, opts *sql.TxOptions, write bool, fn func(store.Tx) error) error {
	if s.closed.Load() {
		return unavailable(op, errClosed)
	}
	t := &tx{d: s.d, outer: ctx, bound: ctx}
	if s.txTimeout > 0 {
		var cancel context.CancelFunc
		t.bound, cancel = context.WithTimeout(ctx, s.txTimeout)
		defer cancel()
		defer t.release()
	}
	err := s.runTx(t, op, db, opts, write, fn)
	if err != nil && ctx.Err() == nil && t.bound.Err() != nil {
		// Our deadline, not the caller's: the database did not answer.
		return unavailable(op, err)
	}
	return err
}

func (s *Store) runTx(t *tx, op string, db *sql.DB, opts *sql.TxOptions, write bool, fn func(store.Tx) error) error {
	sqlTx, err := db.BeginTx(t.bound, opts)
	if err != nil {
		return mapErr(s.d, op, err)
	}
	t.tx = sqlTx
	defer sqlTx.Rollback() // after Commit it does nothing
	if write && s.d.beginWrite != "" {
		if _, err := sqlTx.ExecContext(t.bound, s.d.beginWrite); err != nil {
			return mapErr(s.d, op, err)
		}
	}
	if err := fn(t); err != nil {
		return err
	}
	if !write {
		return nil
	}
	if t.changed {
		var version int64
		if err := sqlTx.QueryRowContext(t.bound, s.d.bumpChanges).Scan(&version); err != nil {
			return mapErr(s.d, op, err)
		}
		if s.d.notifyChange != "" {
			if _, err := sqlTx.ExecContext(t.bound, s.d.notifyChange, strconv.FormatInt(version, 10)); err != nil {
				return mapErr(s.d, op, err)
			}
		}
	}
	return mapErr(s.d, op, sqlTx.Commit())
}

// Ping checks the database is reachable. It uses the read pool, so a long
// write does not make the service look down.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return unavailable("sqlstore.Ping", errClosed)
	}
	if s.txTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.txTimeout)
		defer cancel()
	}
	if err := s.read.PingContext(ctx); err != nil {
		return unavailable("sqlstore.Ping", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closed.Store(true)
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// Migrate applies pending migrations and returns the versions it applied;
// none when the schema is current. The constructors already migrate, so
// this is for `signet migrate` reporting on an open store.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	return migrate(ctx, s.d, s.write, s.logger)
}

// SchemaVersion returns the version of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := newProvider(s.d, s.write)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, mapErr(s.d, "sqlstore.SchemaVersion", err)
	}
	return v, nil
}

func newProvider(d *dialect, db *sql.DB) (*goose.Provider, error) {
	// Signet registers no Go migrations; ignoring goose's global registry
	// keeps another package's registrations out of Signet's schema.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if d.migrationLocker != nil {
		// Several replicas starting at once: one migrates, the others wait
		// for it and then find nothing to do.
		l, err := d.migrationLocker()
		if err != nil {
			return nil, signet.Internal("sqlstore.migrate", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(d.goose, db, d.migrations, opts...)
	if err != nil {
		return nil, signet.Internal("sqlstore.migrate", err)
	}
	return p, nil
}

func migrate(ctx context.Context, d *dialect, db *sql.DB, logger *slog.Logger) ([]int64, error) {
	const op = "sqlstore.migrate"
	p, err := newProvider(d, db)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var applied []int64
	for _, r := range results {
		if r.Error != nil || r.Source == nil {
			continue
		}
		applied = append(applied, r.Source.Version)
		if logger != nil {
			logger.InfoContext(ctx, "applied database migration",
				"dialect", d.name, "version", r.Source.Version, "duration", r.Duration)
		}
	}
	if err != nil {
		return applied, mapErr(d, op, err)
	}
	if err := backfillSkeletons(ctx, d, db); err != nil {
		return applied, err
	}
	return applied, nil
}
