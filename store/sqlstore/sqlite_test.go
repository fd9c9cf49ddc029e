package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/confusable"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
	"github.com/signetdev/signet/store/storetest"
)

func openSQLite(tb testing.TB, path string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.OpenSQLite(tb.Context(), path, sqlstore.Options{})
	if err != nil {
		tb.Fatalf("OpenSQLite(%q) = %v; want nil", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close = %v; want nil", err)
		}
	})
	return s
}

func TestSQLiteConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "signet.db"))
	})
}

func TestSQLiteMemoryConformance(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the file-backed run covers the same code")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, sqlstore.MemoryPath)
	})
}

// pragma reads a PRAGMA's value through the store's Read path, so it checks
// what the pooled read connections got from the DSN.
func pragma(t *testing.T, s *sqlstore.Store, name string) string {
	t.Helper()
	var v string
	err := s.Read(t.Context(), func(tx store.Tx) error {
		var err error
		v, err = sqlstore.QueryPragma(t.Context(), tx, name)
		return err
	})
	if err != nil {
		t.Fatalf("PRAGMA %s = %v; want nil", name, err)
	}
	return v
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	s := openSQLite(t, filepath.Join(t.TempDir(), "signet.db"))
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "2"}, // FULL: a commit survives a power loss
		{"query_only", "1"},  // on read connections
	}
	for _, tc := range tests {
		if got := pragma(t, s, tc.pragma); got != tc.want {
			t.Errorf("PRAGMA %s = %q; want %q", tc.pragma, got, tc.want)
		}
	}
	// Writers get the same settings, except query_only.
	err := s.Write(t.Context(), func(tx store.Tx) error {
		for _, tc := range []struct{ pragma, want string }{{"foreign_keys", "1"}, {"query_only", "0"}, {"journal_mode", "wal"}, {"synchronous", "2"}} {
			got, err := sqlstore.QueryPragma(t.Context(), tx, tc.pragma)
			if err != nil {
				return err
			}
			if got != tc.want {
				t.Errorf("PRAGMA %s (writer) = %q; want %q", tc.pragma, got, tc.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write = %v; want nil", err)
	}
}

func TestSQLiteReadIsReadOnly(t *testing.T) {
	t.Parallel()
	s := openSQLite(t, filepath.Join(t.TempDir(), "signet.db"))
	err := s.Read(t.Context(), func(tx store.Tx) error {
		return tx.PutSetting(t.Context(), "k", "v")
	})
	if err == nil {
		t.Fatalf("PutSetting in Read = nil; want an error")
	}
}

func TestSQLiteReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "signet.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path, sqlstore.Options{})
	if err != nil {
		t.Fatalf("OpenSQLite = %v; want nil", err)
	}
	v1, err := s.SchemaVersion(t.Context())
	if err != nil || v1 < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want >= 1, nil", v1, err)
	}
	err = s.Write(t.Context(), func(tx store.Tx) error { return tx.PutSetting(t.Context(), "installation_id", "abc") })
	if err != nil {
		t.Fatalf("PutSetting = %v; want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}

	s = openSQLite(t, path)
	v2, err := s.SchemaVersion(t.Context())
	if err != nil || v2 != v1 {
		t.Errorf("SchemaVersion after reopening = %d, %v; want %d, nil", v2, err, v1)
	}
	var got string
	err = s.Read(t.Context(), func(tx store.Tx) error {
		var err error
		got, err = tx.GetSetting(t.Context(), "installation_id")
		return err
	})
	if err != nil || got != "abc" {
		t.Errorf("GetSetting after reopening = %q, %v; want %q, nil", got, err, "abc")
	}
	applied, err := s.Migrate(t.Context())
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate on a current schema = %v, %v; want none, nil", applied, err)
	}
}

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "signet.db")
	files, err := filepath.Glob("migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no SQLite migrations found: %v", err)
	}
	want := migrationVersions(t, files)
	applied, err := sqlstore.MigrateSQLite(t.Context(), path, sqlstore.Options{})
	if err != nil || !slices.Equal(applied, want) {
		t.Fatalf("MigrateSQLite(new file) = %v, %v; want %v, nil", applied, err, want)
	}
	applied, err = sqlstore.MigrateSQLite(t.Context(), path, sqlstore.Options{})
	if err != nil || len(applied) != 0 {
		t.Fatalf("MigrateSQLite(again) = %v, %v; want none, nil", applied, err)
	}
	// A migrated file opens without migrating again.
	openSQLite(t, path)
}

func TestOpenSQLiteErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"query in path", filepath.Join(dir, "x.db?mode=ro"), signet.EINVALID},
		{"empty path", "", signet.EINVALID},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "x.db"), signet.EUNAVAILABLE},
		{"a directory", dir, signet.EUNAVAILABLE},
	}
	for _, tc := range tests {
		s, err := sqlstore.OpenSQLite(t.Context(), tc.path, sqlstore.Options{})
		if err == nil {
			s.Close()
		}
		if got := signet.ErrorCode(err); got != tc.want {
			t.Errorf("OpenSQLite(%s) = %v (code %q); want code %q", tc.name, err, got, tc.want)
		}
	}
}

func TestSQLiteClosed(t *testing.T) {
	t.Parallel()
	s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "signet.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("OpenSQLite = %v; want nil", err)
	}
	s.Close()
	err = s.Write(context.Background(), func(store.Tx) error { return nil })
	if got := signet.ErrorCode(err); got != signet.EUNAVAILABLE && !errors.Is(err, context.Canceled) {
		t.Errorf("Write on a closed store = %v (code %q); want code %q", err, got, signet.EUNAVAILABLE)
	}
	if got := signet.ErrorCode(s.Ping(t.Context())); got != signet.EUNAVAILABLE {
		t.Errorf("Ping on a closed store: code %q; want %q", got, signet.EUNAVAILABLE)
	}
}

// lockDatabase takes SQLite's write lock on path from another connection,
// as another process (an offline admin command) would, and returns a
// function that releases it.
func lockDatabase(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open = %v", err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatalf("db.Conn = %v", err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE = %v", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// TestSQLiteWriteRetriesWhileLocked is not parallel: its lock is released
// 60ms after the first attempt, within the retries' few hundred ms, which
// a starved scheduler could miss.
func TestSQLiteWriteRetriesWhileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path, sqlstore.Options{BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("OpenSQLite = %v; want nil", err)
	}
	defer s.Close()
	put := func() error {
		return s.Write(t.Context(), func(tx store.Tx) error { return tx.PutSetting(t.Context(), "k", "v") })
	}

	// Held for longer than every attempt together: Write gives up.
	release := lockDatabase(t, path)
	err = put()
	if got := signet.ErrorCode(err); got != signet.EUNAVAILABLE {
		t.Errorf("Write while locked = %v (code %q); want code %q", err, got, signet.EUNAVAILABLE)
	}
	release()

	// Released after the first attempt has failed: a retry succeeds.
	release = lockDatabase(t, path)
	time.AfterFunc(60*time.Millisecond, release)
	if err := put(); err != nil {
		t.Errorf("Write while briefly locked = %v; want nil", err)
	}
}

// BenchmarkSQLiteCommit measures the smallest write transaction (one
// setting written, and the change counter bumped) on a file database, with
// synchronous=NORMAL (what Signet used to run) and FULL (what it runs: the
// WAL is synced at every commit). It reports the median and 99th
// percentile of single commits as p50-ms and p99-ms.
func BenchmarkSQLiteCommit(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "signet.db")
			s, err := sqlstore.OpenSQLite(b.Context(), path, sqlstore.WithSynchronous(sqlstore.Options{}, mode))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			var lat []time.Duration
			i := 0
			for b.Loop() {
				i++
				start := time.Now()
				err := s.Write(b.Context(), func(tx store.Tx) error {
					return tx.PutSetting(b.Context(), "bench", strconv.Itoa(i))
				})
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
		})
	}
}

// TestSkeletonsBackfilledOnOpen: users stored before migration 5 (no
// skeleton) get theirs when the store opens, so that look-alikes of them
// are found.
func TestSkeletonsBackfilledOnOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "signet.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	u := &signet.User{ID: "sa_01jbackfill0000000000000000", Kind: signet.KindServiceAccount, Name: "sa_admin",
		Status: signet.StatusActive, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.Write(t.Context(), func(tx store.Tx) error { return tx.CreateUser(t.Context(), u) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// As a database written before the column existed holds it.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE users SET name_skeleton = ''`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var found []*signet.User
	err = s.Read(t.Context(), func(tx store.Tx) error {
		var err error
		found, err = tx.FindUsersBySkeleton(t.Context(), signet.KindServiceAccount, []string{confusable.Skeleton("sa_\u0430dmin")})
		return err
	})
	if err != nil || len(found) != 1 || found[0].ID != u.ID {
		t.Fatalf("FindUsersBySkeleton after reopening = %v, %v; want the user stored without a skeleton", found, err)
	}
}

// migrationVersions returns the versions of migration files (the number
// their names start with), sorted.
func migrationVersions(tb testing.TB, files []string) []int64 {
	tb.Helper()
	var out []int64
	for _, f := range files {
		base := filepath.Base(f)
		v, err := strconv.ParseInt(base[:strings.IndexByte(base, '_')], 10, 64)
		if err != nil {
			tb.Fatalf("migration file %s: no version: %v", f, err)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
