//go:build unix

package sqlstore_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// withUmask runs the test under umask 022, the usual default, whatever the
// environment's: under 077 the modes below would hold by accident. The
// umask is the process's: a test that uses it must not be parallel.
func withUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat(%s) = %v", path, err)
	}
	return fi.Mode().Perm()
}

func putSetting(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	err := s.Write(t.Context(), func(tx store.Tx) error { return tx.PutSetting(t.Context(), "k", "v") })
	if err != nil {
		t.Fatalf("PutSetting = %v", err)
	}
}

// TestSQLiteFileModes checks that a new database is created 0600, and that
// SQLite gives its -wal and -shm files the database file's mode.
func TestSQLiteFileModes(t *testing.T) {
	withUmask(t)
	path := filepath.Join(t.TempDir(), "signet.db")
	s := openSQLite(t, path)
	putSetting(t, s) // the WAL and shared memory exist while connections are open
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if got := fileMode(t, p); got != 0o600 {
			t.Errorf("mode of %s = %#o; want 0600", filepath.Base(p), got)
		}
	}

	// migrate on a new file too.
	path = filepath.Join(t.TempDir(), "migrated.db")
	if _, err := sqlstore.MigrateSQLite(t.Context(), path); err != nil {
		t.Fatalf("MigrateSQLite = %v", err)
	}
	if got := fileMode(t, path); got != 0o600 {
		t.Errorf("mode of a database made by MigrateSQLite = %#o; want 0600", got)
	}
}

// TestSQLiteTightensExistingFile checks that opening a database that group
// or others may read makes it, its -wal and its -shm private, and says so;
// and that a private one is left alone, silently.
func TestSQLiteTightensExistingFile(t *testing.T) {
	withUmask(t)
	path := filepath.Join(t.TempDir(), "signet.db")
	first := openSQLite(t, path) // holds -wal and -shm open
	putSetting(t, first)
	files := []string{path, path + "-wal", path + "-shm"}
	modes := []os.FileMode{0o644, 0o664, 0o640}
	for i, p := range files {
		if err := os.Chmod(p, modes[i]); err != nil {
			t.Fatal(err)
		}
	}

	var logs bytes.Buffer
	s, err := sqlstore.OpenSQLite(t.Context(), path, sqlstore.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("OpenSQLite = %v", err)
	}
	defer s.Close()
	for _, p := range files {
		if got := fileMode(t, p); got != 0o600 {
			t.Errorf("mode of %s after opening = %#o; want 0600", filepath.Base(p), got)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 3 || !strings.Contains(logs.String(), "old_mode=0644") {
		t.Errorf("logs = %q; want three warnings naming the old modes", logs.String())
	}
	putSetting(t, s)

	logs.Reset()
	s2, err := sqlstore.OpenSQLite(t.Context(), path, sqlstore.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("OpenSQLite again = %v", err)
	}
	s2.Close()
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("opening a private database logged %q; want no warning", logs.String())
	}

	// The owner's own bits are kept: a read-only file stays read-only.
	ro := filepath.Join(t.TempDir(), "ro.db")
	if err := os.WriteFile(ro, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlstore.OpenSQLite(t.Context(), ro); err == nil {
		s.Close()
	}
	if got := fileMode(t, ro); got != 0o400 {
		t.Errorf("mode of a 0444 file after opening = %#o; want 0400", got)
	}
}
