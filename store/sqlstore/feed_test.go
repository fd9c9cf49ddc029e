package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// watcher counts what a change feed reports.
type watcher struct {
	invalidations atomic.Int64
	confirms      atomic.Int64
}

func (w *watcher) Invalidate()       { w.invalidations.Add(1) }
func (w *watcher) Confirm(time.Time) { w.confirms.Add(1) }

// TestWatchChanges opens one database twice, as two processes would, and
// checks that a change committed through one reaches the other's feed,
// while last-used bookkeeping does not count as a change.
func TestWatchChanges(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWatchChanges) }

func testWatchChanges(t *testing.T) {
	database := testdb.Database(t)
	opts := sqlstore.Options{ChangePollInterval: 50 * time.Millisecond}
	watched := testdb.OpenDatabase(t, database, opts)
	other := testdb.OpenDatabase(t, database, opts)

	w := &watcher{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { watched.WatchChanges(ctx, w) })
	defer func() { cancel(); wg.Wait() }()

	testenv.Eventually(t, "the first poll", func() bool { return w.confirms.Load() > 0 })

	// The first poll reported "changed" once (it had no version yet); the
	// creation of a user is the second.
	sa := &signet.User{ID: "usr_01", Kind: signet.KindServiceAccount, Name: "etl", Status: signet.StatusActive}
	err := other.Write(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, sa) })
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the user's creation to be reported", func() bool { return w.invalidations.Load() >= 2 })
	// Bookkeeping only: no change.
	before, confirms := w.invalidations.Load(), w.confirms.Load()
	err = other.Write(ctx, func(tx store.Tx) error {
		return tx.RecordKeyUses(ctx, []signet.KeyUse{{KeyID: "key_x", At: time.Now(), IP: "192.0.2.1"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "three more polls", func() bool { return w.confirms.Load() >= confirms+3 })
	if got := w.invalidations.Load(); got != before {
		t.Errorf("invalidations after a last-used flush = %d; want %d (bookkeeping is not a change)", got, before)
	}

	// A change through the other store.
	err = other.Write(ctx, func(tx store.Tx) error { return tx.PutSetting(ctx, "k", "v") })
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the change to be reported", func() bool { return w.invalidations.Load() > before })
}

// TestPostgresConcurrentMigrate opens a new database from several
// goroutines at once, as replicas starting together do: one migrates, the
// others wait for its lock, and all open.
func TestPostgresConcurrentMigrate(t *testing.T) {
	t.Parallel()
	testdb.RequirePostgres(t)
	u := testdb.NewPostgresDatabase(t)
	// The newest migration is the highest version among the embedded
	// files (versions may have gaps while branches are merged).
	files, err := filepath.Glob("migrations/postgres/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no PostgreSQL migrations found: %v", err)
	}
	versions := migrationVersions(t, files)
	newest := versions[len(versions)-1]
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := sqlstore.OpenPostgres(t.Context(), u, sqlstore.Options{})
			if err != nil {
				errs <- err
				return
			}
			if v, err := s.SchemaVersion(t.Context()); err != nil || v != newest {
				errs <- fmt.Errorf("SchemaVersion = %d, %v; want %d (the newest migration)", v, err, newest)
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent OpenPostgres = %v; want nil", err)
	}
}
