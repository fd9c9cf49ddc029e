//go:build unix

package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	signet "github.com/signetdev/signet"
)

type emptyChain struct{}

func (emptyChain) AuditHead(context.Context) (int64, string, error) { return 0, "", nil }
func (emptyChain) AuditEventsAfter(_ context.Context, after int64, _ func(*signet.AuditEvent) error) (int64, error) {
	return after, nil
}

// TestAuditSinkFileMode checks that a new audit sink file is private under
// the usual umask (022), and that an existing one keeps the mode its
// operator gave it. Not parallel: the umask is the process's.
func TestAuditSinkFileMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.jsonl")
	if err := os.WriteFile(shared, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(dir, "new.jsonl"): 0o600, shared: 0o640} {
		s, err := openAuditSink(t.Context(), "file:"+path, nil, emptyChain{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("openAuditSink(%s) = %v", path, err)
		}
		s.close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %#o; want %#o", filepath.Base(path), got, want)
		}
	}
}
