// Package testdb gives tests a fresh, real store. Every test that needs
// storage opens it here, so that the same tests can run on every backend
// Signet supports: SQLite always, and other backends where configured.
package testdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// Open returns a fresh SQLite store in tb.TempDir(), closed when the test
// ends.
func Open(tb testing.TB) store.Store {
	tb.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "signet.db"))
	if err != nil {
		tb.Fatalf("opening a test store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}
