package sqlstore_test

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
	"github.com/signetdev/signet/store/storetest"
)

// openPostgres returns a store on a fresh PostgreSQL database.
func openPostgres(tb testing.TB, opts sqlstore.Options) (*sqlstore.Store, string) {
	tb.Helper()
	u := testdb.NewPostgresDatabase(tb)
	return testdb.OpenDatabase(tb, u, opts), u
}

func TestPostgresConformance(t *testing.T) {
	t.Parallel()
	testdb.RequirePostgres(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openPostgres(t, sqlstore.Options{})
		return s
	})
}

// TestMigrationsPaired checks that every migration exists for both
// dialects, with the same version: a schema change made for one backend
// only would pass SQLite's tests and break PostgreSQL replicas.
func TestMigrationsPaired(t *testing.T) {
	t.Parallel()
	versions := func(dir string) []string {
		names, err := fs.Glob(sqlstore.Migrations, "migrations/"+dir+"/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range names {
			base := n[len("migrations/"+dir+"/"):]
			out = append(out, base[:5]) // the version prefix, 00001
		}
		return out
	}
	sq, pg := versions("sqlite"), versions("postgres")
	if len(sq) == 0 || !slices.Equal(sq, pg) {
		t.Errorf("migration versions: sqlite %v, postgres %v; want the same, non-empty", sq, pg)
	}
}
