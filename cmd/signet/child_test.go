package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testenv"
)

// envChildArgs holds, JSON-encoded, the arguments of run() when this test
// binary is started as a child server (see TestMain and startChild).
const envChildArgs = "SIGNET_TEST_CHILD_ARGS"

// runChild is the child's main: run() with args and no environment (as the
// in-process servers of startServing), its logs on stderr. It also ends,
// at once, when its standard input closes: the parent test holds the other
// end, so a test binary that dies (a panic, a timeout) takes its children
// with it.
func runChild(encoded string) int {
	var args []string
	if err := json.Unmarshal([]byte(encoded), &args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", envChildArgs, err)
		return 2
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signet:", err)
		return exitCode(err)
	}
	return 0
}

// childServer is a "signet serve" running as a process of its own, so
// that a test can kill it as a crash would: no shutdown, no lease
// released, connections cut.
type childServer struct {
	url      string
	setupURL string
	logs     *syncBuffer // its standard output and error
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	killOnce sync.Once
}

// startChild starts "signet serve" on database in a child process (this
// test binary, see TestMain) and waits until /readyz answers; with
// wantSetup, also for the first-admin setup link. The child is killed when
// the test ends, if the test has not killed it.
func startChild(t *testing.T, database string, wantSetup bool, extraArgs ...string) *childServer {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", database, "--log-format", "json", "--shutdown-grace", "0"}, extraArgs...)
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	c := &childServer{logs: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(exe)
	c.cmd.Env = append(os.Environ(), envChildArgs+"="+string(enc))
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.kill(t)
		stdin.Close()
		if strings.Contains(c.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("the child server (pid %d) reported a data race:\n%s", c.cmd.Process.Pid, c.logs.String())
		}
	})

	deadline := testenv.Deadline(t)
	for c.url == "" || (wantSetup && c.setupURL == "") {
		if time.Now().After(deadline) {
			t.Fatalf("child server did not log its address and setup link; logs:\n%s", c.logs.String())
		}
		select {
		case <-c.exited:
			t.Fatalf("child server exited early (%v); logs:\n%s", c.cmd.ProcessState, c.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		c.url, _, c.setupURL = scanServerLogs(c.logs.String())
	}
	for {
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child server's /readyz not OK in time: %v; logs:\n%s", err, c.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the child with SIGKILL, as a crash or the OOM killer would,
// and waits until it has exited.
func (c *childServer) kill(t *testing.T) {
	t.Helper()
	c.killOnce.Do(func() { c.cmd.Process.Kill() })
	select {
	case <-c.exited:
	case <-time.After(time.Until(testenv.Deadline(t))):
		t.Fatalf("the killed child server (pid %d) did not exit", c.cmd.Process.Pid)
	}
}

// newSecretKeyFile writes a fresh --secret-key-file (64 hex characters)
// and returns its path.
func newSecretKeyFile(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	path := filepath.Join(t.TempDir(), "signet.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setupAdmin completes the first-admin setup of the server at base with
// the token of setupURL, signs in, and returns the administrator's key.
func setupAdmin(t *testing.T, base, setupURL string) string {
	t.Helper()
	su, err := url.Parse(setupURL)
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "admin@example.com", "correct horse battery staple"
	anon, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Setup(t.Context(), client.SetupRequest{Token: su.Query().Get("token"), Name: "Admin", Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	k, err := anon.Login(t.Context(), client.LoginRequest{Email: email, Password: password, DeviceID: "webhook-e2e-test", KeyName: "webhook e2e test"})
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}
