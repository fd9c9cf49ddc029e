// Package testdb gives tests a fresh, real store on every backend Signet
// supports: SQLite always, and PostgreSQL when SIGNET_TEST_POSTGRES holds a
// connection URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
// Without it, the PostgreSQL runs are skipped with a message naming the
// variable.
//
// A test runs once per backend by wrapping its body in ForEach; inside,
// Open (and Database, for tests that start "signet serve") give the
// subtest's backend, to the test itself and to every helper it calls:
//
//	func TestX(t *testing.T) { testdb.ForEach(t, testX) }
//	func testX(t *testing.T) { e := newEnv(t) /* calls testdb.Open(t) */ … }
//
// Open called outside ForEach fails the test, so that no test silently runs
// on SQLite alone. Benchmarks outside ForEach get SQLite.
//
// On SQLite each database is a file in a directory of its own, on tmpfs
// (/dev/shm) where there is one with room, and Open's starts as a copy of
// one migrated once per test binary (see OpenOptions and sqliteDir).
//
// On PostgreSQL each call creates a database of its own
// (signet_t_<unix time>_<random>) through the URL's server and drops it
// when the test ends; databases left behind by a killed run are dropped by
// a later run once they are two hours old.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// EnvPostgres is the variable holding the PostgreSQL URL tests use.
const EnvPostgres = "SIGNET_TEST_POSTGRES"

// Backend names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

var (
	mu       sync.Mutex
	backends = map[string]string{} // test name -> backend, set by ForEach
)

// ForEach runs fn as one subtest per backend, named "sqlite" and
// "postgres". The PostgreSQL subtest is skipped when SIGNET_TEST_POSTGRES
// is not set.
func ForEach(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	for _, b := range []string{SQLite, Postgres} {
		t.Run(b, func(t *testing.T) {
			if b == Postgres {
				RequirePostgres(t)
			}
			name := t.Name()
			mu.Lock()
			backends[name] = b
			mu.Unlock()
			t.Cleanup(func() {
				mu.Lock()
				delete(backends, name)
				mu.Unlock()
			})
			fn(t)
		})
	}
}

// RequirePostgres skips tb unless SIGNET_TEST_POSTGRES is set, and returns
// the URL.
func RequirePostgres(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s to a PostgreSQL URL to run them (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	return u
}

// Backend returns the backend of tb: the one of the enclosing ForEach
// subtest.
func Backend(tb testing.TB) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	for name := tb.Name(); ; {
		if b, ok := backends[name]; ok {
			return b
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	if _, ok := tb.(*testing.B); ok {
		return SQLite
	}
	tb.Fatalf("testdb: %s opens a store outside testdb.ForEach; wrap the test in testdb.ForEach so that it runs on every backend", tb.Name())
	return ""
}

// Open returns a fresh, migrated store of tb's backend, closed when the
// test ends.
func Open(tb testing.TB) store.Store {
	tb.Helper()
	return OpenOptions(tb, sqlstore.Options{})
}

// OpenOptions is Open with store options. On SQLite the database starts
// as a copy of one migrated once per test binary: migrating costs more
// than most tests (a third of the service package's run under -race).
// The migrations themselves are tested where a database starts empty:
// Database, sqlstore's own tests, and every "signet serve" of cmd/signet.
func OpenOptions(tb testing.TB, opts sqlstore.Options) *sqlstore.Store {
	tb.Helper()
	database := Database(tb)
	if Backend(tb) == SQLite {
		if err := os.WriteFile(database, migratedSQLite(tb), 0o600); err != nil {
			tb.Fatalf("testdb: copying the migrated database: %v", err)
		}
	}
	return OpenDatabase(tb, database, opts)
}

var (
	migratedOnce sync.Once
	migrated     []byte
	migratedErr  error
)

// migratedSQLite returns the bytes of a freshly migrated SQLite database,
// made on first use.
func migratedSQLite(tb testing.TB) []byte {
	tb.Helper()
	migratedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "signet-testdb-")
		if err != nil {
			migratedErr = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "signet.db")
		st, err := sqlstore.OpenSQLite(context.Background(), path)
		if err != nil {
			migratedErr = err
			return
		}
		// Closing the last connection checkpoints the write-ahead log
		// into the file, so the file alone is the database.
		if migratedErr = st.Close(); migratedErr != nil {
			return
		}
		migrated, migratedErr = os.ReadFile(path)
	})
	if migratedErr != nil {
		tb.Fatalf("testdb: migrating a SQLite database: %v", migratedErr)
	}
	return migrated
}

// OpenDatabase opens database (a value from Database) once more, closed
// when the test ends: a second replica, or a look after a server stopped.
func OpenDatabase(tb testing.TB, database string, opts sqlstore.Options) *sqlstore.Store {
	tb.Helper()
	st, err := sqlstore.Open(context.Background(), database, opts)
	if err != nil {
		tb.Fatalf("opening a test store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// Database returns a --database value naming a fresh, empty database of
// tb's backend: a file in a directory of its own (see sqliteDir), or a new
// PostgreSQL database dropped when the test ends.
func Database(tb testing.TB) string {
	tb.Helper()
	if Backend(tb) == SQLite {
		return filepath.Join(sqliteDir(tb), "signet.db")
	}
	return NewPostgresDatabase(tb)
}

// NewPostgresDatabase creates an empty PostgreSQL database on the server
// of SIGNET_TEST_POSTGRES (skipping tb when it is not set), drops it when
// the test ends, and returns its URL.
func NewPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	base := RequirePostgres(tb)
	admin, err := adminDB(tb, base)
	if err != nil {
		tb.Fatalf("testdb: connecting to %s: %v", EnvPostgres, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("signet_t_%d_%s", time.Now().Unix(), hex.EncodeToString(rnd[:]))
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testdb: CREATE DATABASE %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// FORCE ends connections a test left open (a stopped replica's pool).
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("testdb: DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("testdb: %s is not a URL: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// adminDB returns a pool on the SIGNET_TEST_POSTGRES database, used to
// create and drop test databases. On first use (by tb) it drops databases
// that killed runs left behind.
func adminDB(tb testing.TB, base string) (*sql.DB, error) {
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", base)
		if adminErr != nil {
			return
		}
		admin.SetMaxOpenConns(4)
		ctx, cancel := context.WithDeadline(context.Background(), testenv.Deadline(tb))
		defer cancel()
		if adminErr = admin.PingContext(ctx); adminErr != nil {
			return
		}
		dropStale(ctx, admin)
	})
	return admin, adminErr
}

// dropStale drops test databases more than two hours old.
func dropStale(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'signet\_t\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		parts := strings.Split(name, "_")
		if len(parts) < 4 {
			continue
		}
		created, err := strconv.ParseInt(parts[2], 10, 64)
		if err == nil && time.Since(time.Unix(created, 0)) > 2*time.Hour {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

// OpenRawPostgres returns a database/sql pool on a PostgreSQL database made
// by NewPostgresDatabase, for tests that seed or inspect it with SQL.
func OpenRawPostgres(tb testing.TB, database string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", database)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
