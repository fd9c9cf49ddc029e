package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testenv"
)

func TestBrowserURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want string
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "http://localhost:8080"},
		{"[::]:8080", "http://localhost:8080"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"192.0.2.7:80", "http://192.0.2.7:80"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browserURL("http://", addr); got != tt.want {
			t.Errorf("browserURL(%s) = %q; want %q", tt.addr, got, tt.want)
		}
	}
}

func TestCheckPublicURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		ok bool
	}{
		{"", true},
		{"https://signet.example.com", true},
		{"http://127.0.0.1:8080/", true},
		{"https://example.com/signet", true},
		{"signet.example.com", false},
		{"signet.example.com:8080", false},
		{"ftp://signet.example.com", false},
		{"https://", false},
		{"https://example.com/?x=1", false},
		{"https://example.com/#top", false},
		{"https://user:secret@example.com", false},
	}
	for _, tt := range tests {
		err := checkPublicURL(tt.in)
		if (err == nil) != tt.ok || (err != nil && exitCode(err) != 2) {
			t.Errorf("checkPublicURL(%q) = %v; want ok=%v (else a usage error)", tt.in, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("checkPublicURL(%q) = %v: repeats the value", tt.in, err)
		}
	}
	// serve refuses one before it opens anything.
	err := run(testenv.Context(t), []string{"serve", "--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "x.db"), "--public-url", "signet.example.com"},
		func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(errString(err), "--public-url") {
		t.Errorf("serve --public-url signet.example.com = %v; want a usage error naming --public-url", err)
	}
}

// TestServeSetupLinkOnUnspecifiedAddress: listening on every interface,
// the setup link names localhost, which a browser on the machine opens.
func TestServeSetupLinkOnUnspecifiedAddress(t *testing.T) {
	t.Parallel()
	s := startServing(t, nil, filepath.Join(t.TempDir(), "signet.db"), true, "--addr", "0.0.0.0:0")
	if !strings.HasPrefix(s.setupURL, "http://localhost:") || !strings.HasPrefix(s.url, "http://localhost:") {
		t.Errorf("on 0.0.0.0: url %q, setup link %q; want http://localhost:PORT", s.url, s.setupURL)
	}
	// The address listened on stays as it is (Go may report 0.0.0.0 as [::]).
	if strings.Contains(s.addr, "localhost") {
		t.Errorf("logged addr = %q; want the address listened on", s.addr)
	}
	// With --public-url, the link is under it.
	p := startServing(t, nil, filepath.Join(t.TempDir(), "signet.db"), true, "--addr", "0.0.0.0:0", "--public-url", "https://signet.example.com/")
	if !strings.HasPrefix(p.setupURL, "https://signet.example.com/setup?token=") {
		t.Errorf("with --public-url: setup link %q; want https://signet.example.com/setup?token=…", p.setupURL)
	}
}

// TestServeShutdownGrace: on a signal /readyz turns 503 at once while the
// server still serves (/healthz 200), for --shutdown-grace; then the
// server drains and run returns. The grace is a real-time window: it
// doubles until this machine polls within it.
func TestServeShutdownGrace(t *testing.T) {
	t.Parallel()
	deadline := testenv.Deadline(t)
	for grace := time.Second; ; grace *= 2 {
		s := startServing(t, http.DefaultClient, filepath.Join(t.TempDir(), "signet.db"), true, "--shutdown-grace", grace.String())
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- s.stop() }()
		saw503 := false
		for !saw503 && time.Since(start) < grace {
			resp, err := http.Get(s.url + "/readyz")
			if err != nil {
				break // already closed: too slow a machine for this grace
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				saw503 = true
				if code := get(t, s.url+"/healthz"); code != http.StatusOK && time.Since(start) < grace {
					t.Errorf("during the grace, /healthz = %d; want 200 (still serving)", code)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := <-done; err != nil {
			t.Fatalf("run after the signal = %v; want nil", err)
		}
		elapsed := time.Since(start)
		if saw503 {
			if elapsed < grace {
				t.Errorf("run returned %v after the signal; want after the grace, %v", elapsed, grace)
			}
			if _, err := http.Get(s.url + "/readyz"); err == nil {
				t.Errorf("after run returned, /readyz still answers")
			}
			// The JSON log writes the grace in seconds.
			var found bool
			for _, line := range strings.Split(s.logs.String(), "\n") {
				var rec map[string]any
				if json.Unmarshal([]byte(line), &rec) == nil && rec["grace"] != nil {
					found = true
					if rec["grace"] != grace.Seconds() {
						t.Errorf("logged grace = %v; want %v (seconds)", rec["grace"], grace.Seconds())
					}
				}
			}
			if !found {
				t.Errorf("no log line with the grace:\n%s", s.logs.String())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw /readyz 503 during a grace, up to %v", grace)
		}
		t.Logf("grace %v too short to observe on this machine; doubling", grace)
	}
}

func get(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestLogDurations: JSON logs write durations as float seconds, text logs
// as Go writes them.
func TestLogDurations(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ format, want string }{
		{"json", `"duration":0.00123`},
		{"text", "duration=1.23ms"},
	} {
		var buf bytes.Buffer
		logger, err := newLogger(&env{stderr: &buf}, "info", tt.format)
		if err != nil {
			t.Fatal(err)
		}
		logger.Info("request", slog.Duration("duration", 1230*time.Microsecond), slog.Group("g", slog.Duration("d", time.Second)))
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("%s log = %q; want it to contain %s", tt.format, buf.String(), tt.want)
		}
		if tt.format == "json" && !strings.Contains(buf.String(), `"g":{"d":1}`) {
			t.Errorf("json log = %q; want a duration in a group in seconds too", buf.String())
		}
	}
}
