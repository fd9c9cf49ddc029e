package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a running "signet serve" started through run().
type testServer struct {
	url      string
	addr     string // the address it listens on
	setupURL string
	database string // the --database value
	logs     *syncBuffer
	stop     func() error // cancels and waits for run to return
}

// startServer runs "signet serve" on a random port with a fresh database of
// the test's backend (see testdb.ForEach) and waits until /readyz answers.
func startServer(t testing.TB, extraArgs ...string) *testServer {
	t.Helper()
	return startReplica(t, testdb.Database(t), true, extraArgs...)
}

// startReplica runs "signet serve" on database, which may already be in
// use by other servers, and waits until /readyz answers; with wantSetup,
// also for the first-admin setup link (an empty database).
func startReplica(t testing.TB, database string, wantSetup bool, extraArgs ...string) *testServer {
	t.Helper()
	return startServing(t, http.DefaultClient, database, wantSetup, extraArgs...)
}

// startServing is startReplica polling /readyz through hc (one that trusts
// the server's certificate, for HTTPS). With hc nil it does not poll, for
// a server whose logged URL is not where it listens (--public-url): the
// listener is open once the address is logged.
func startServing(t testing.TB, hc *http.Client, database string, wantSetup bool, extraArgs ...string) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	// No grace before draining: a test's server stops at once (a test
	// of the grace sets its own, later flags win).
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", database, "--log-format", "json", "--shutdown-grace", "0"}, extraArgs...)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, func(string) string { return "" }, strings.NewReader(""), io.Discard, logs)
	}()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(time.Until(testenv.Deadline(t))):
				runErr = fmt.Errorf("run did not return after cancel, by the test's deadline")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })

	s := &testServer{database: database, logs: logs, stop: stop}
	deadline := testenv.Deadline(t)
	for s.url == "" || (wantSetup && s.setupURL == "") {
		if time.Now().After(deadline) {
			t.Fatalf("server did not log its address and setup link; logs:\n%s", logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v; logs:\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		s.url, s.addr, s.setupURL = scanServerLogs(logs.String())
	}
	for hc != nil {
		resp, err := hc.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not OK in time: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// scanServerLogs reads a "signet serve" JSON log for where it listens and
// its first-admin setup link ("" for what it has not logged yet).
func scanServerLogs(logs string) (listenURL, addr, setupURL string) {
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if u, ok := rec["url"].(string); ok && rec["msg"] == "signet listening" {
			listenURL, addr = u, fmt.Sprint(rec["addr"])
		}
		if u, ok := rec["setup_url"].(string); ok {
			setupURL = u
		}
	}
	return listenURL, addr, setupURL
}

// call makes one JSON request and decodes the JSON response into out (if
// non-nil), returning the status code.
func call(t testing.TB, method, u string, auth func(*http.Request), body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, u, raw, err)
		}
	}
	return resp.StatusCode
}

func basicAuth(user, pw string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pw) }
}

// passwordLogin signs in with email and password through POST
// /api/v1/login, as `signet login` does, and returns an auth for the key
// it mints.
func passwordLogin(t *testing.T, base, email, pw string) func(*http.Request) {
	t.Helper()
	var k struct {
		Key string `json:"key"`
	}
	if code := call(t, "POST", base+"/api/v1/login", nil,
		map[string]string{"email": email, "password": pw, "device_id": "e2e-test-device"}, &k); code != http.StatusCreated {
		t.Fatalf("POST /api/v1/login = %d; want 201", code)
	}
	return apikeyAuth(k.Key)
}

func apikeyAuth(key string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "apikey "+key) }
}

// TestEndToEnd walks the product page's service-account flow against the
// real binary's run(): first-admin setup, a service account with a key,
// using the key, revoking it, and the next call refused; then a graceful
// shutdown that flushes the key's last-used data.
func TestEndToEnd(t *testing.T) { t.Parallel(); testdb.ForEach(t, testEndToEnd) }

func testEndToEnd(t *testing.T) {
	s := startServer(t, "--last-used-flush", "1h")

	su, err := url.Parse(s.setupURL)
	if err != nil {
		t.Fatal(err)
	}
	token := su.Query().Get("token")
	if token == "" {
		t.Fatalf("setup URL %q has no token", s.setupURL)
	}
	const email, password = "admin@example.com", "correct horse battery staple"
	if code := call(t, "POST", s.url+"/api/v1/setup", nil,
		map[string]string{"token": token, "name": "Admin", "email": email, "password": password}, nil); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("POST /api/v1/setup = %d; want 201", code)
	}
	if code := call(t, "POST", s.url+"/api/v1/setup", nil,
		map[string]string{"token": token, "name": "Again", "email": "x@example.com", "password": password}, nil); code != http.StatusUnauthorized {
		t.Fatalf("second POST /api/v1/setup with the used token = %d; want 401", code)
	}
	// HTTP Basic is off unless the operator turns it on; the admin signs
	// in for an expiring key instead.
	var refused struct {
		Error struct {
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if code := call(t, "GET", s.url+"/api/v1/me", basicAuth(email, password), nil, &refused); code != http.StatusUnauthorized || refused.Error.Reason != "basic_auth_disabled" {
		t.Fatalf("GET /api/v1/me with HTTP Basic = %d, reason %q; want 401 basic_auth_disabled", code, refused.Error.Reason)
	}
	admin := passwordLogin(t, s.url, email, password)

	var created struct {
		ServiceAccount struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"service_account"`
		APIKey struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"api_key"`
	}
	code := call(t, "POST", s.url+"/api/v1/service-accounts", admin, map[string]any{
		"name":    "nightly-etl",
		"grants":  []map[string]string{{"role_id": signet.RoleViewID}},
		"api_key": map[string]string{"name": "airflow", "description": "Airflow prod"},
	}, &created)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/v1/service-accounts = %d; want 201", code)
	}
	key := created.APIKey.Key
	if !strings.HasPrefix(key, "sgn_sa_") {
		t.Fatalf("created key = %q; want an sgn_sa_ key", key)
	}

	var me struct {
		User struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"user"`
	}
	if code := call(t, "GET", s.url+"/api/v1/me", apikeyAuth(key), nil, &me); code != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the new key = %d; want 200", code)
	}
	if me.User.ID != created.ServiceAccount.ID || me.User.Kind != signet.KindServiceAccount {
		t.Errorf("GET /api/v1/me = %+v; want the service account %s", me.User, created.ServiceAccount.ID)
	}
	if code := call(t, "GET", s.url+"/api/v1/personal-api-keys/verify", apikeyAuth(key), nil, nil); code != http.StatusNoContent {
		t.Errorf("GET /api/v1/personal-api-keys/verify = %d; want 204", code)
	}

	// The key never appears again: not in the list, not in the logs.
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if code := call(t, "GET", s.url+"/api/v1/api-keys", admin, nil, &list); code != http.StatusOK || len(list.Data) != 1 {
		t.Fatalf("GET /api/v1/api-keys = %d, %d keys; want 200, 1", code, len(list.Data))
	}
	raw, _ := json.Marshal(list)
	secret := key[len(key)-42:]
	if strings.Contains(string(raw), secret[:20]) {
		t.Errorf("key list contains the secret: %s", raw)
	}

	if code := call(t, "POST", s.url+"/api/v1/api-keys/"+created.APIKey.ID+"/revoke", admin,
		map[string]string{"reason": "rotated"}, nil); code != http.StatusOK {
		t.Fatalf("revoke = %d; want 200", code)
	}
	var errBody struct {
		Error struct {
			Code   string `json:"code"`
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if code := call(t, "GET", s.url+"/api/v1/me", apikeyAuth(key), nil, &errBody); code != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/me with the revoked key = %d; want 401", code)
	}
	if errBody.Error.Reason != "revoked" {
		t.Errorf("revoked key error reason = %q; want revoked", errBody.Error.Reason)
	}
	if code := call(t, "GET", s.url+"/api/v1/personal-api-keys/verify", apikeyAuth(key), nil, nil); code != http.StatusUnauthorized {
		t.Errorf("verify with the revoked key = %d; want 401", code)
	}

	if err := s.stop(); err != nil {
		t.Fatalf("run after cancel = %v; want nil", err)
	}
	if logs := s.logs.String(); strings.Contains(logs, secret[:20]) || strings.Contains(logs, password) || keyPattern.MatchString(logs) {
		t.Errorf("logs contain a secret:\n%s", logs)
	}

	// The flush interval was an hour, so only the shutdown flush can have
	// written the key's last use.
	st := testdb.OpenDatabase(t, s.database, sqlstore.Options{})
	var k *signet.APIKey
	if err := st.Read(context.Background(), func(tx storeTx) error {
		var err error
		k, err = tx.GetAPIKey(context.Background(), created.APIKey.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if k.LastUsedAt == nil || k.LastUsedIP != "127.0.0.1" {
		t.Errorf("after shutdown, key last used = %v from %q; want a time from 127.0.0.1", k.LastUsedAt, k.LastUsedIP)
	}
}

var keyPattern = regexp.MustCompile(`sgn_(sa|pk)_[0-9a-z]{26}_[0-9A-Za-z]{42}`)

type storeTx = store.Tx
