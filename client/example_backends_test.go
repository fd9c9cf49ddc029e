package client_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

// TestExampleOnEveryBackend runs Example against a server on each storage
// backend and checks that it prints what its Output comment says.
func TestExampleOnEveryBackend(t *testing.T) { testdb.ForEach(t, testExampleOnEveryBackend) }

func testExampleOnEveryBackend(t *testing.T) {
	saved := exampleStore
	defer func() { exampleStore = saved }()
	exampleStore = func(context.Context) (store.Store, func()) { return testdb.Open(t), func() {} }

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	func() {
		defer func() { os.Stdout = stdout }()
		Example()
	}()
	w.Close()
	got := <-done
	const want = "key kind: sgn_sa_\ncalling as: etl-pipeline\nafter revocation: unauthenticated\n"
	if got != want {
		t.Errorf("Example printed %q; want %q", got, want)
	}
}
