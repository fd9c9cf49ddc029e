package testdb

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// shm is the tmpfs that SQLite test databases go to when it has room.
const shm = "/dev/shm"

// shmPrefix starts the name of every directory made there, so that those
// a killed run left behind can be found.
const shmPrefix = "signet-testdb-"

var (
	shmOnce sync.Once
	shmOK   bool
)

// sqliteDir returns an empty directory for tb's SQLite files, removed
// when the test ends: on tmpfs (/dev/shm) where there is one with room,
// else tb.TempDir(). No test that gets its database here is about the
// disk, and Signet syncs the write-ahead log at every commit
// (synchronous=FULL): on a virtual disk that fsync is most of a small
// write's time, on tmpfs it costs nothing. Tests about files (modes,
// durability) make their own paths in tb.TempDir().
func sqliteDir(tb testing.TB) string {
	tb.Helper()
	shmOnce.Do(func() {
		shmOK = shmHasRoom(shm)
		if shmOK {
			removeStaleDirs()
		}
	})
	if !shmOK {
		return tb.TempDir()
	}
	dir, err := os.MkdirTemp(shm, shmPrefix)
	if err != nil {
		return tb.TempDir()
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// removeStaleDirs removes the directories that runs killed before their
// cleanup left in shm more than two hours ago.
func removeStaleDirs() {
	entries, err := os.ReadDir(shm)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), shmPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 2*time.Hour {
			os.RemoveAll(filepath.Join(shm, e.Name()))
		}
	}
}
