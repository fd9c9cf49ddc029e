package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// cliWorld is a running server with a first administrator, and a private
// configuration directory for the CLI's credentials file.
type cliWorld struct {
	srv       *testServer
	email     string
	password  string
	configDir string // XDG_CONFIG_HOME
	home      string
	env       map[string]string // extra environment, e.g. SIGNET_API_KEY
}

// newCLIWorld starts "signet serve" through run() (see e2e_test.go),
// completes the first-admin setup and returns a CLI environment that is
// not logged in yet.
// newCLIWorldWithSecretKey is newCLIWorld with a server holding a secret
// key (--secret-key-file), which sealing secrets at rest needs.
func newCLIWorldWithSecretKey(t *testing.T, serveArgs ...string) *cliWorld {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	keyFile := filepath.Join(t.TempDir(), "signet.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newCLIWorld(t, append([]string{"--secret-key-file", keyFile}, serveArgs...)...)
}

func newCLIWorld(t *testing.T, serveArgs ...string) *cliWorld {
	t.Helper()
	s := startServer(t, serveArgs...)
	su, err := url.Parse(s.setupURL)
	if err != nil {
		t.Fatal(err)
	}
	w := &cliWorld{
		srv:       s,
		email:     "admin@example.com",
		password:  "correct horse battery staple",
		configDir: filepath.Join(t.TempDir(), "config"),
		home:      t.TempDir(),
		env:       map[string]string{},
	}
	body := map[string]string{"token": su.Query().Get("token"), "name": "Admin", "email": w.email, "password": w.password}
	if code := call(t, "POST", s.url+"/api/v1/setup", nil, body, nil); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("POST /api/v1/setup = %d; want 201", code)
	}
	return w
}

func (w *cliWorld) getenv(k string) string {
	switch k {
	case "XDG_CONFIG_HOME":
		return w.configDir
	case "HOME":
		return w.home
	}
	return w.env[k]
}

// result is what one CLI invocation did.
type result struct {
	stdout, stderr string
	err            error
}

// code is the exit status main would use.
func (r result) code() int {
	if r.err == nil {
		return 0
	}
	return exitCode(r.err)
}

// errLine is the line main prints on stderr for r.err.
func (r result) errLine() string {
	if r.err == nil || errors.Is(r.err, errSilent) {
		return ""
	}
	return "signet: " + r.err.Error()
}

// run runs the CLI with stdin and args.
func (w *cliWorld) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	// No budget of its own: a loaded machine running the race detector
	// once took 47 s for a login. The test's deadline bounds a hung one.
	err := run(testenv.Context(t), args, w.getenv, strings.NewReader(stdin), &out, &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), err: err}
}

// ok runs the CLI and fails the test unless it succeeds.
func (w *cliWorld) ok(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := w.run(t, stdin, args...)
	if r.err != nil {
		t.Fatalf("signet %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r
}

// okJSON runs the CLI with --json and decodes stdout into out.
func (w *cliWorld) okJSON(t *testing.T, out any, args ...string) {
	t.Helper()
	r := w.ok(t, "", append(args, "--json")...)
	if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
		t.Fatalf("signet %s --json: decoding %q: %v", strings.Join(args, " "), r.stdout, err)
	}
}

// okList runs a list command with --json, checks that stdout is one page
// of the API ({"data":[…],"next_cursor":"…"}, the cursor left out on the
// last page), decodes its items into out and returns its next_cursor.
func (w *cliWorld) okList(t *testing.T, out any, args ...string) string {
	t.Helper()
	r := w.ok(t, "", append(args, "--json")...)
	var page map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || page["data"] == nil || len(page) > 2 {
		t.Fatalf("signet %s --json = %q (%v); want a page: data and next_cursor", strings.Join(args, " "), r.stdout, err)
	}
	if err := json.Unmarshal(page["data"], out); err != nil {
		t.Fatalf("signet %s --json: decoding data: %v", strings.Join(args, " "), err)
	}
	var next string
	if c, ok := page["next_cursor"]; ok {
		if err := json.Unmarshal(c, &next); err != nil || next == "" {
			t.Fatalf("signet %s --json: next_cursor %s; want a cursor, or none on the last page", strings.Join(args, " "), c)
		}
	}
	return next
}

// login logs the CLI in as the administrator with email and password.
func (w *cliWorld) login(t *testing.T) {
	t.Helper()
	w.ok(t, w.password+"\n", "login", "--url", w.srv.url, "--email", w.email, "--password-stdin")
}

func TestCLILoginWithPassword(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLILoginWithPassword)
}

func testCLILoginWithPassword(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	r := w.ok(t, w.password+"\n", "login", "--url", w.srv.url, "--email", w.email, "--password-stdin")
	if !strings.Contains(r.stdout, "Logged in to "+w.srv.url+" as Admin") {
		t.Errorf("login stdout = %q; want it to say who is logged in", r.stdout)
	}
	path := filepath.Join(w.configDir, "signet", "credentials.json")
	creds := readCredentialsFile(t, path)
	if creds.URL != w.srv.url || !strings.HasPrefix(creds.APIKey, "sgn_pk_") {
		t.Errorf("credentials = {url %q, key prefix %.7q}; want {%q, sgn_pk_}", creds.URL, creds.APIKey, w.srv.url)
	}
	if strings.Contains(r.stdout+r.stderr, creds.APIKey) {
		t.Errorf("login printed the stored key")
	}

	// The key is a personal key named after this host, and it works.
	host, _ := os.Hostname()
	var keys []client.APIKey
	w.okList(t, &keys, "keys", "list", "--personal")
	if len(keys) != 1 || keys[0].Name != "signet CLI on "+host {
		t.Errorf("personal keys after login = %+v; want one named %q", keys, "signet CLI on "+host)
	}
	var me client.Me
	w.okJSON(t, &me, "me")
	if me.User.Email != w.email || me.KeyID != keys[0].ID {
		t.Errorf("me = %s with key %s; want %s with key %s", me.User.Email, me.KeyID, w.email, keys[0].ID)
	}

	// The key expires (30 days unless --expires-in says otherwise), and a
	// second login on this device replaces it: the first is revoked.
	if keys[0].ExpiresAt == nil || keys[0].ExpiresAt.Sub(keys[0].CreatedAt) != 30*24*time.Hour {
		t.Errorf("login key expires at %v (created %v); want 30 days after creation", keys[0].ExpiresAt, keys[0].CreatedAt)
	}
	w.ok(t, w.password+"\n", "login", "--url", w.srv.url, "--email", w.email, "--password-stdin", "--expires-in", "12h")
	var after []client.APIKey
	w.okList(t, &after, "keys", "list", "--personal")
	var active []client.APIKey
	for _, k := range after {
		switch {
		case k.ID == keys[0].ID && k.Status != client.KeyStatusRevoked:
			t.Errorf("the first login's key is %s after a second login on the same device; want revoked", k.Status)
		case k.Status == client.KeyStatusActive:
			active = append(active, k)
		}
	}
	if len(active) != 1 || active[0].ExpiresAt == nil || active[0].ExpiresAt.Sub(active[0].CreatedAt) != 12*time.Hour {
		t.Errorf("active personal keys after the second login = %+v; want one, expiring in 12h", active)
	}

	// logout revokes the saved key by default.
	second := readCredentialsFile(t, path).APIKey
	w.ok(t, "", "logout")
	w.env["SIGNET_API_KEY"], w.env["SIGNET_URL"] = second, w.srv.url
	if r := w.run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "revoked") {
		t.Errorf("me with the key of a logged-out session: exit %d, %q; want 1, revoked", r.code(), r.errLine())
	}
	delete(w.env, "SIGNET_API_KEY")
	delete(w.env, "SIGNET_URL")

	// Without --password-stdin the password is asked for on a terminal;
	// standard input here is not one, so login says what to do instead.
	r = w.run(t, w.password+"\n", "login", "--url", w.srv.url, "--email", w.email)
	if r.code() != 2 || !strings.Contains(r.errLine(), "not a terminal") || !strings.Contains(r.errLine(), "--password-stdin") {
		t.Errorf("login --email without a terminal or --password-stdin: exit %d, %q; want 2 and a hint about --password-stdin", r.code(), r.errLine())
	}

	// A wrong password stores nothing new and fails with one line.
	r = w.run(t, "wrong\n", "login", "--url", w.srv.url, "--email", w.email, "--password-stdin")
	if r.code() != 1 || !strings.Contains(r.errLine(), "(unauthenticated") {
		t.Errorf("login with a wrong password: exit %d, %q; want 1 and an unauthenticated error", r.code(), r.errLine())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials file after a failed login: %v; want none", err)
	}
}

func TestCLILoginWithKeyAndLogout(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLILoginWithKeyAndLogout)
}

func testCLILoginWithKeyAndLogout(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	key := strings.TrimSpace(w.ok(t, "", "keys", "create", "--name", "laptop", "--quiet").stdout)

	// A second user of the CLI logs in with that key in its own config dir.
	w2 := &cliWorld{srv: w.srv, configDir: filepath.Join(t.TempDir(), "cfg"), home: t.TempDir(), env: map[string]string{}}
	r := w2.ok(t, key+"\n", "login", "--url", w.srv.url, "--api-key-stdin")
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Errorf("login printed the key")
	}
	path := filepath.Join(w2.configDir, "signet", "credentials.json")
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("credentials file mode = %v; want 0600", st.Mode().Perm())
		}
		dst, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if dst.Mode().Perm() != 0o700 {
			t.Errorf("credentials directory mode = %v; want 0700", dst.Mode().Perm())
		}
	}
	if c := readCredentialsFile(t, path); c.APIKey != key || c.URL != w.srv.url {
		t.Errorf("credentials file does not hold the URL and key given")
	}
	w2.ok(t, "", "me")

	// A junk key is refused and not saved.
	w3 := &cliWorld{srv: w.srv, configDir: filepath.Join(t.TempDir(), "cfg"), home: t.TempDir(), env: map[string]string{}}
	if r := w3.run(t, "sgn_pk_junk\n", "login", "--url", w.srv.url, "--api-key-stdin"); r.code() != 1 {
		t.Errorf("login with a junk key: exit %d (%v); want 1", r.code(), r.err)
	}
	if _, err := os.Stat(filepath.Join(w3.configDir, "signet", "credentials.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a junk key was saved")
	}

	// logout revokes the key on the server, then forgets it.
	w2.ok(t, "", "logout")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials file after logout: %v; want it gone", err)
	}
	if r := w2.run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "not logged in") ||
		!strings.Contains(r.errLine(), "--email EMAIL") || !strings.Contains(r.errLine(), "SIGNET_API_KEY") {
		t.Errorf("me after logout: exit %d, %q; want 1, 'not logged in' and both ways in (signet login --email, SIGNET_API_KEY)", r.code(), r.errLine())
	}
	w2.env["SIGNET_API_KEY"] = key
	w2.env["SIGNET_URL"] = w.srv.url
	if r := w2.run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "revoked") {
		t.Errorf("me with the key revoked by logout: exit %d, %q; want 1, revoked", r.code(), r.errLine())
	}
}

func TestCLIEnvironmentOverridesAndURLGuard(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIEnvironmentOverridesAndURLGuard)
}

func testCLIEnvironmentOverridesAndURLGuard(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	key := strings.TrimSpace(w.ok(t, "", "sa", "create", "robot", "--role", "View", "--key-name", "k", "--quiet").stdout)

	// SIGNET_API_KEY takes precedence over the saved key.
	w.env["SIGNET_API_KEY"] = key
	var me client.Me
	w.okJSON(t, &me, "me")
	if me.User.Name != "robot" {
		t.Errorf("me with SIGNET_API_KEY = %q; want robot", me.User.Name)
	}
	delete(w.env, "SIGNET_API_KEY")

	// The saved key is never sent to another server than its own.
	r := w.run(t, "", "me", "--url", "http://127.0.0.1:1")
	if r.code() != 1 || !strings.Contains(r.errLine(), "not logged in to http://127.0.0.1:1") {
		t.Errorf("me --url elsewhere: exit %d, %q; want 1, not logged in", r.code(), r.errLine())
	}
	// An unreachable server is one line too.
	w.env["SIGNET_API_KEY"] = key
	r = w.run(t, "", "me", "--url", "http://127.0.0.1:1")
	if r.code() != 1 || !strings.Contains(r.errLine(), "cannot reach") || strings.Contains(r.errLine(), "\n") {
		t.Errorf("me on an unreachable server: exit %d, %q; want 1, one line 'cannot reach'", r.code(), r.errLine())
	}
}

func TestCLIServiceAccountsAndKeys(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIServiceAccountsAndKeys)
}

func testCLIServiceAccountsAndKeys(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)

	// create with a key and --quiet: stdout is exactly the key.
	r := w.ok(t, "", "service-accounts", "create", "nightly-etl", "--description", "Airflow", "--role", "View",
		"--key-name", "airflow", "--key-description", "prod", "--key-expires-in", "30d", "--quiet")
	key := strings.TrimSuffix(r.stdout, "\n")
	if !keyPattern.MatchString(key) || keyPattern.FindString(key) != key || !strings.HasPrefix(key, "sgn_sa_") || r.stdout != key+"\n" {
		t.Fatalf("sa create --quiet stdout = %q; want exactly one sgn_sa_ key and a newline", r.stdout)
	}
	// The key works.
	probe := &cliWorld{srv: w.srv, configDir: t.TempDir(), home: t.TempDir(),
		env: map[string]string{"SIGNET_URL": w.srv.url, "SIGNET_API_KEY": key}}
	probe.ok(t, "", "me")

	// create without --quiet: the key once, with a warning on stderr.
	r = w.ok(t, "", "sa", "create", "reporting", "--key-name", "first")
	if !strings.Contains(r.stdout, "Created service account reporting") || keyPattern.FindString(r.stdout) == "" {
		t.Errorf("sa create stdout = %q; want a confirmation and the key", r.stdout)
	}
	if !strings.Contains(r.stderr, "cannot be shown again") {
		t.Errorf("sa create stderr = %q; want the warning that the key cannot be shown again", r.stderr)
	}
	// without a key, --quiet prints the id.
	id := strings.TrimSpace(w.ok(t, "", "sa", "create", "no-key", "--quiet").stdout)
	if !strings.HasPrefix(id, "sa_") {
		t.Errorf("sa create --quiet without a key = %q; want the sa_ id", id)
	}

	// list: a table for people, a JSON array for scripts.
	r = w.ok(t, "", "sa", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "NAME") || !strings.Contains(r.stdout, "nightly-etl") {
		t.Errorf("sa list =\n%s\nwant a header and 3 rows", r.stdout)
	}
	if strings.Contains(r.stdout, key) {
		t.Errorf("sa list shows a key")
	}
	var sas []client.User
	w.okList(t, &sas, "sa", "list", "--name", "nightly")
	if len(sas) != 1 || sas[0].Name != "nightly-etl" || sas[0].Description != "Airflow" || sas[0].Kind != client.KindServiceAccount {
		t.Fatalf("sa list --name nightly --json = %+v; want nightly-etl", sas)
	}
	saID := sas[0].ID
	var page []client.User
	next := w.okList(t, &page, "sa", "list", "--limit", "1")
	if len(page) != 1 || next == "" {
		t.Errorf("sa list --limit 1 = %d items, next_cursor %q; want 1 and a cursor", len(page), next)
	}
	if r := w.ok(t, "", "sa", "list", "--limit", "1"); !strings.Contains(r.stderr, "--cursor") {
		t.Errorf("sa list --limit 1 stderr = %q; want a hint about the next page", r.stderr)
	}
	// --json is the API's page, exactly: the same document GET returns.
	var fromAPI, fromCLI any
	call(t, "GET", w.srv.url+"/api/v1/service-accounts?limit=1", apikeyAuth(readCredentialsFile(t, filepath.Join(w.configDir, "signet", "credentials.json")).APIKey), nil, &fromAPI)
	json.Unmarshal([]byte(w.ok(t, "", "sa", "list", "--limit", "1", "--json").stdout), &fromCLI)
	if a, c := fmt.Sprint(fromAPI), fmt.Sprint(fromCLI); a != c {
		t.Errorf("sa list --limit 1 --json =\n%s\nwant the API's response\n%s", c, a)
	}
	// --all: one page of every item, no next cursor.
	if next := w.okList(t, &page, "sa", "list", "--limit", "1", "--all"); len(page) != 3 || next != "" {
		t.Errorf("sa list --limit 1 --all = %d items, next_cursor %q; want 3 and none", len(page), next)
	}

	// get (by id and by name) shows groups, roles and keys.
	r = w.ok(t, "", "sa", "get", "nightly-etl")
	for _, want := range []string{saID, "View in ", "airflow", "active"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sa get =\n%s\nwant it to contain %q", r.stdout, want)
		}
	}

	// rename, describe, update.
	w.ok(t, "", "sa", "rename", saID, "etl-nightly")
	w.ok(t, "", "sa", "describe", "etl-nightly", "Runs at night")
	var got client.UserDetail
	w.okJSON(t, &got, "sa", "get", saID)
	if got.Name != "etl-nightly" || got.Description != "Runs at night" {
		t.Errorf("after rename and describe: name %q, description %q", got.Name, got.Description)
	}
	r = w.run(t, "", "sa", "rename", saID, "reporting")
	if r.code() != 1 || !strings.Contains(r.errLine(), "(conflict, request ") {
		t.Errorf("rename to a taken name: exit %d, %q; want 1 and a conflict", r.code(), r.errLine())
	}

	// disable stops the key at once; enable brings it back.
	var u client.User
	w.okJSON(t, &u, "sa", "disable", saID)
	if u.Status != client.StatusDisabled {
		t.Errorf("sa disable --json status = %q; want disabled", u.Status)
	}
	if r := probe.run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "unauthenticated") {
		t.Errorf("me with the key of a disabled account: exit %d, %q; want 1, unauthenticated", r.code(), r.errLine())
	}
	r = w.ok(t, "", "sa", "enable", saID)
	if !strings.Contains(r.stdout, "status active") {
		t.Errorf("sa enable stdout = %q", r.stdout)
	}
	probe.ok(t, "", "me")

	// keys: a second key for the account, list, get, revoke.
	key2 := strings.TrimSpace(w.ok(t, "", "keys", "create", "--service-account", saID, "--name", "backup", "--expires-at", "2099-01-02T03:04:05Z", "--quiet").stdout)
	if !strings.HasPrefix(key2, "sgn_sa_") {
		t.Fatalf("keys create --quiet = %q; want a key", key2)
	}
	var keys []client.APIKey
	w.okList(t, &keys, "keys", "list", "--service-account", "etl-nightly")
	if len(keys) != 2 {
		t.Fatalf("keys list --service-account = %d keys; want 2", len(keys))
	}
	var backup client.APIKey
	for _, k := range keys {
		if k.Name == "backup" {
			backup = k
		}
	}
	if backup.ExpiresAt == nil || !backup.ExpiresAt.Equal(time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("backup key expires %v; want 2099-01-02T03:04:05Z", backup.ExpiresAt)
	}
	r = w.ok(t, "", "keys", "list")
	if !strings.Contains(r.stdout, "etl-nightly") || !strings.Contains(r.stdout, "OWNER") || strings.Contains(r.stdout, key2) {
		t.Errorf("keys list =\n%s\nwant owner names and no secrets", r.stdout)
	}
	r = w.ok(t, "", "keys", "revoke", backup.ID, "--reason", "rotated")
	if !strings.Contains(r.stdout, "Revoked API key") {
		t.Errorf("keys revoke stdout = %q", r.stdout)
	}
	w.ok(t, "", "keys", "revoke", backup.ID) // idempotent
	var k client.APIKey
	w.okJSON(t, &k, "keys", "get", backup.ID)
	if k.Status != client.KeyStatusRevoked || k.RevokedReason != "rotated" {
		t.Errorf("revoked key = status %q reason %q; want revoked, rotated", k.Status, k.RevokedReason)
	}
	w.okList(t, &keys, "keys", "list", "--status", "revoked")
	if len(keys) != 1 || keys[0].ID != backup.ID {
		t.Errorf("keys list --status revoked = %+v; want the backup key", keys)
	}
	probe.env["SIGNET_API_KEY"] = key2
	if r := probe.run(t, "", "me"); r.code() != 1 || !strings.Contains(r.errLine(), "revoked") {
		t.Errorf("me with the revoked key: exit %d, %q; want 1, revoked", r.code(), r.errLine())
	}

	// groups: set memberships by name.
	w.ok(t, "", "groups", "create", "pipelines", "--description", "ETL jobs")
	r = w.ok(t, "", "sa", "groups", saID, "pipelines")
	if !strings.Contains(r.stdout, "pipelines") {
		t.Errorf("sa groups stdout = %q", r.stdout)
	}
	var g client.GroupDetail
	w.okJSON(t, &g, "groups", "get", "pipelines")
	if len(g.Members) != 1 || g.Members[0].ID != saID {
		t.Errorf("pipelines members = %+v; want %s", g.Members, saID)
	}

	// delete: refused without confirmation, done with --yes.
	if r := w.run(t, "", "sa", "delete", saID); r.code() != 2 || !strings.Contains(r.errLine(), "--yes") {
		t.Errorf("sa delete without --yes: exit %d, %q; want 2 and a hint about --yes", r.code(), r.errLine())
	}
	if r := w.run(t, "n\n", "sa", "delete", saID); r.code() != 1 {
		t.Errorf("sa delete answered no: exit %d; want 1", r.code())
	}
	w.ok(t, "y\n", "sa", "delete", saID)
	if r := w.run(t, "", "sa", "get", saID); r.code() != 1 {
		t.Errorf("sa get after delete: exit %d; want 1", r.code())
	}
}

func TestCLIErrors(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCLIErrors) }

func testCLIErrors(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // substring of the one stderr line
	}{
		{"unknown service account", []string{"sa", "get", "sa_01jzzzzzzzzzzzzzzzzzzzzzzz"}, 1, "(not_found, request "},
		{"unknown key", []string{"keys", "revoke", "key_01jzzzzzzzzzzzzzzzzzzzzzzz"}, 1, "not_found"},
		{"unknown service account name", []string{"sa", "disable", "nobody"}, 1, `no service account named "nobody"`},
		{"unknown role name", []string{"sa", "create", "x", "--role", "Overlord"}, 1, `no role named "Overlord"`},
		{"empty name", []string{"sa", "create", ""}, 1, "(invalid, request "},
		{"missing name", []string{"sa", "create"}, 2, "usage: signet service-accounts create NAME"},
		{"unknown flag", []string{"sa", "list", "--bogus"}, 2, "flag provided but not defined"},
		{"bad status", []string{"keys", "list", "--status", "bogus"}, 2, "--status"},
		{"bad expiry", []string{"keys", "create", "--name", "x", "--expires-in", "soon"}, 2, "--expires-in"},
		{"both expiries", []string{"keys", "create", "--name", "x", "--expires-in", "1h", "--expires-at", "2099-01-01T00:00:00Z"}, 2, "cannot be combined"},
		{"key flags without key", []string{"sa", "create", "x", "--key-description", "d"}, 2, "need --key-name"},
		{"unknown sub-command", []string{"sa", "frobnicate"}, 2, `unknown sub-command "frobnicate"`},
		{"missing sub-command", []string{"keys"}, 2, "missing sub-command"},
		{"too many arguments", []string{"sa", "get", "a", "b"}, 2, "usage: signet service-accounts get SA"},
		{"grant to nobody", []string{"grants", "create", "--role", "View"}, 2, "exactly one of --group or --user"},
		{"past expiry", []string{"keys", "create", "--name", "x", "--expires-at", "2001-01-01T00:00:00Z"}, 1, "(invalid, request "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.run(t, "", tt.args...)
			line := r.errLine()
			if r.code() != tt.wantCode || !strings.Contains(line, tt.wantErr) || strings.Contains(line, "\n") {
				t.Errorf("signet %s: exit %d, error %q; want exit %d and one line containing %q",
					strings.Join(tt.args, " "), r.code(), line, tt.wantCode, tt.wantErr)
			}
			if r.stdout != "" && tt.wantCode == 1 {
				t.Errorf("signet %s printed on stdout: %q", strings.Join(tt.args, " "), r.stdout)
			}
		})
	}
}

func TestCLIUsersGroupsRolesGrantsWorkspaces(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCLIUsersGroupsRolesGrantsWorkspaces)
}

func testCLIUsersGroupsRolesGrantsWorkspaces(t *testing.T) {
	t.Parallel()
	w := newCLIWorld(t)
	w.login(t)

	// workspaces
	var ws client.Workspace
	w.okJSON(t, &ws, "workspaces", "create", "staging", "--description", "Pre-production")
	w.ok(t, "", "ws", "update", "staging", "--description", "Pre-prod")
	r := w.ok(t, "", "workspaces", "list")
	if !strings.Contains(r.stdout, "staging") || !strings.Contains(r.stdout, "Pre-prod") {
		t.Errorf("workspaces list =\n%s", r.stdout)
	}

	// roles
	var roles []client.Role
	w.okList(t, &roles, "roles", "list")
	builtIn := map[string]bool{}
	for _, ro := range roles {
		if ro.BuiltIn {
			builtIn[ro.Name] = true
		}
	}
	for _, n := range []string{"Admin", "Manage", "Edit", "View"} {
		if !builtIn[n] {
			t.Errorf("roles list lacks built-in %s: %+v", n, roles)
		}
	}
	var role client.Role
	w.okJSON(t, &role, "roles", "create", "--name", "Auditor", "--base", "view", "--permission", "audit:read")
	if !containsString(role.EffectivePermissions, "audit:read") {
		t.Errorf("Auditor effective permissions = %v; want audit:read", role.EffectivePermissions)
	}
	r = w.ok(t, "", "roles", "get", "auditor")
	if !strings.Contains(r.stdout, "audit:read") {
		t.Errorf("roles get auditor =\n%s", r.stdout)
	}
	if r := w.run(t, "", "roles", "update", "View", "--name", "Viewer"); r.code() != 1 {
		t.Errorf("renaming a built-in role: exit %d (%v); want 1", r.code(), r.err)
	}
	r = w.ok(t, "", "roles", "permissions")
	if !strings.Contains(r.stdout, "service_accounts:write") {
		t.Errorf("roles permissions =\n%s", r.stdout)
	}

	// users
	r = w.ok(t, "a long enough password\n", "users", "create", "--name", "Bob", "--email", "bob@example.com", "--password-stdin", "--json")
	var u client.User
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil || u.Kind != client.KindHuman {
		t.Fatalf("users create --json = %q (%v); want a human user", r.stdout, err)
	}
	if r := w.run(t, "", "users", "create", "--name", "Ada", "--email", "ada@example.com", "--password-stdin"); r.code() != 2 {
		t.Errorf("users create with no password on stdin: exit %d (%v); want 2", r.code(), r.err)
	}
	var users []client.User
	w.okList(t, &users, "users", "list", "--name", "bob")
	if len(users) != 1 || users[0].Email != "bob@example.com" {
		t.Fatalf("users list --name bob = %+v", users)
	}
	bob := users[0].ID
	w.ok(t, "", "users", "update", bob, "--name", "Robert")
	w.ok(t, "", "users", "disable", bob)
	w.okJSON(t, &u, "users", "enable", bob)
	if u.Name != "Robert" || u.Status != client.StatusActive {
		t.Errorf("after update and enable: %+v", u)
	}

	// groups and grants
	w.ok(t, "", "groups", "create", "analysts")
	w.ok(t, "", "groups", "add-member", "analysts", bob)
	var grant client.Grant
	w.okJSON(t, &grant, "grants", "create", "--role", "Auditor", "--group", "analysts", "--workspace", "staging")
	if grant.WorkspaceID != ws.ID || grant.RoleID != role.ID || grant.SubjectType != "group" {
		t.Errorf("grants create = %+v; want Auditor to the group in staging", grant)
	}
	r = w.ok(t, "", "grants", "list", "--workspace", "staging")
	if !strings.Contains(r.stdout, "Auditor") || !strings.Contains(r.stdout, "staging") {
		t.Errorf("grants list --workspace staging =\n%s", r.stdout)
	}
	r = w.ok(t, "", "users", "get", bob)
	if !strings.Contains(r.stdout, "analysts") {
		t.Errorf("users get =\n%s\nwant the analysts group", r.stdout)
	}
	var gd client.GroupDetail
	w.okJSON(t, &gd, "groups", "get", "analysts")
	if len(gd.Members) != 1 || len(gd.Grants) != 1 {
		t.Errorf("groups get analysts = %d members, %d grants; want 1, 1", len(gd.Members), len(gd.Grants))
	}
	w.ok(t, "", "groups", "remove-member", "analysts", bob)
	w.ok(t, "", "grants", "delete", grant.ID)
	w.ok(t, "", "roles", "delete", "Auditor", "--yes")
	w.ok(t, "", "groups", "delete", "analysts", "--yes")
	w.ok(t, "", "users", "delete", bob, "--yes")
	w.ok(t, "", "workspaces", "delete", "staging", "--yes")

	// audit
	var events []client.AuditEvent
	w.okList(t, &events, "audit", "list", "--since", "1h", "--limit", "200")
	if len(events) == 0 {
		t.Fatal("audit list --since 1h is empty")
	}
	r = w.ok(t, "", "audit", "list", "--limit", "5")
	if !strings.Contains(r.stdout, "ACTION") {
		t.Errorf("audit list =\n%s", r.stdout)
	}
	w.ok(t, "", "audit", "get", events[0].ID)
}

func readCredentialsFile(t *testing.T, path string) credentials {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c credentials
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("credentials file: %v", err)
	}
	return c
}

// --- unit tests of the helpers ---

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantPos  []string
		wantDesc string
	}{
		{[]string{"NAME"}, []string{"NAME"}, ""},
		{[]string{"NAME", "--description", "d"}, []string{"NAME"}, "d"},
		{[]string{"--description", "d", "NAME"}, []string{"NAME"}, "d"},
		{[]string{"a", "--description=d", "b"}, []string{"a", "b"}, "d"},
		{[]string{"--", "--description", "x"}, []string{"--description", "x"}, ""},
		{[]string{"a", "--", "-b"}, []string{"a", "-b"}, ""},
	}
	for _, tt := range tests {
		e := &env{getenv: func(string) string { return "" }, stderr: io.Discard}
		c := newCmd(e, "test")
		desc := c.fs.String("description", "", "")
		if err := c.parse(tt.args, 0, -1, ""); err != nil {
			t.Errorf("parse(%q) = %v", tt.args, err)
			continue
		}
		if strings.Join(c.args, "|") != strings.Join(tt.wantPos, "|") || *desc != tt.wantDesc {
			t.Errorf("parse(%q) = %q, description %q; want %q, %q", tt.args, c.args, *desc, tt.wantPos, tt.wantDesc)
		}
	}
}

func TestParseFlagsHelpExitsCleanly(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	e := &env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
	c := newCmd(e, "test")
	if err := c.parse([]string{"-h"}, 0, 0, "ARG"); !errors.Is(err, errHelp) {
		t.Errorf("parse(-h) = %v; want errHelp", err)
	}
	if !strings.HasPrefix(out.String(), "Usage: signet test ARG") || !strings.Contains(out.String(), "-json") {
		t.Errorf("parse(-h) printed %q; want the usage and flags on stdout", out.String())
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"720h", 720 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"d", 0, false},
		{"1.5d", 36 * time.Hour, true},
		{"P30D", 30 * 24 * time.Hour, true},
		{"PT12H", 12 * time.Hour, true},
		{"-1h", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCredentialsPath(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" || runtime.GOOS == "plan9" {
		t.Skip("XDG layout only")
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"}, "/x/cfg/signet/credentials.json"},
		{"relative xdg ignored", map[string]string{"XDG_CONFIG_HOME": "cfg", "HOME": "/home/u"}, "/home/u/.config/signet/credentials.json"},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.config/signet/credentials.json"},
		{"nothing", map[string]string{}, ""},
	}
	for _, tt := range tests {
		e := &env{getenv: func(k string) string { return tt.env[k] }}
		got, err := credentialsPath(e)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("%s: credentialsPath = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestAPIErrorLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *client.Error
		want string
	}{
		{&client.Error{Status: 404, Code: "not_found", Message: "Service account not found.", RequestID: "req1"},
			"Service account not found (not_found, request req1)"},
		{&client.Error{Status: 401, Code: "unauthenticated", Message: "API key revoked", Reason: "revoked", RequestID: "r"},
			"API key revoked (unauthenticated: revoked, request r)"},
		{&client.Error{Status: 502, Code: "unavailable", Message: "Bad Gateway"}, "Bad Gateway (unavailable)"},
		{&client.Error{Status: 500, Code: "internal", Message: "a\nb"}, "a b (internal)"},
	}
	for _, tt := range tests {
		if got := wrapErr(tt.err).Error(); got != tt.want {
			t.Errorf("wrapErr(%+v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 70)
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\nb\r\nc\td", "a b c d"},
		{long, strings.Repeat("é", 57) + "..."},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
