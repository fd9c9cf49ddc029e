package testdb_test

import (
	"os"
	"path/filepath"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

// TestOpenGivesEachCallItsOwnDatabase: stores from Open are migrated and
// share nothing, although on SQLite they start as copies of one database.
func TestOpenGivesEachCallItsOwnDatabase(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T) {
		ctx := t.Context()
		a, b := testdb.Open(t), testdb.Open(t)
		if err := a.Write(ctx, func(tx store.Tx) error { return tx.PutSetting(ctx, "k", "a") }); err != nil {
			t.Fatalf("PutSetting on the first store = %v; want nil (a migrated database)", err)
		}
		err := b.Read(ctx, func(tx store.Tx) error { _, err := tx.GetSetting(ctx, "k"); return err })
		if signet.ErrorCode(err) != signet.ENOTFOUND {
			t.Errorf("GetSetting on the second store = %v; want %s: the stores share a database", err, signet.ENOTFOUND)
		}
	})
}

// TestDatabaseIsEmpty: Database names a database nothing has created yet,
// in a directory of its own that goes when the test ends.
func TestDatabaseIsEmpty(t *testing.T) {
	t.Parallel()
	var dir string
	testdb.ForEach(t, func(t *testing.T) {
		if testdb.Backend(t) != testdb.SQLite {
			t.Skip("the SQLite file only")
		}
		path := testdb.Database(t)
		dir = filepath.Dir(path)
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("Database's directory holds %v, %v; want it empty", entries, err)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after the test, Stat(%s) = %v; want it removed", dir, err)
	}
}
