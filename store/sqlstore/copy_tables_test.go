package sqlstore_test

import (
	"slices"
	"testing"

	"github.com/signetdev/signet/store/sqlstore"
)

// TestCopyCoversEveryTable: every table of the schema is either copied
// by migrate-data or listed, with a reason, as left behind.
func TestCopyCoversEveryTable(t *testing.T) {
	s, err := sqlstore.OpenSQLite(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tables, err := sqlstore.Tables(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		_, skipped := sqlstore.NotCopied[name]
		if copied := slices.Contains(sqlstore.CopyTables, name); copied == skipped {
			t.Errorf("table %s: copied %v, listed as not copied %v; want exactly one (store/sqlstore/copy.go)", name, copied, skipped)
		}
	}
	for _, name := range sqlstore.CopyTables {
		if !slices.Contains(tables, name) {
			t.Errorf("copyTables names %s, which the schema does not have", name)
		}
	}
}
