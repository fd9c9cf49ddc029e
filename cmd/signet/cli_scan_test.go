package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/leakreport"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// fakeKey returns a well-formed key (right checksum) of a kind for a key
// id that no server issued.
func fakeKey(t *testing.T, kind, rawID string) string {
	t.Helper()
	k, _, err := apikey.Generate(kind, rawID)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// badChecksum returns key with its last character changed.
func badChecksum(key string) string {
	last := key[len(key)-1]
	if last == 'a' {
		return key[:len(key)-1] + "b"
	}
	return key[:len(key)-1] + "a"
}

// runCLI runs the CLI without a server (nothing logged in).
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	config, home := t.TempDir(), t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "XDG_CONFIG_HOME":
			return config
		case "HOME":
			return home
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(testenv.Context(t), args, getenv, strings.NewReader(""), &out, &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), err: err}
}

func writeScanFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noSecrets fails if out holds the secret part of any key.
func noSecrets(t *testing.T, what, out string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if strings.Contains(out, k[len(k)-42:]) {
			t.Errorf("%s prints a key's secret", what)
		}
	}
}

// TestScanFiles scans a directory offline: keys are found by line, a
// lookalike with a wrong checksum and random strings are not, .git is
// skipped, and the secret is never printed.
func TestScanFiles(t *testing.T) {
	t.Parallel()
	sa := fakeKey(t, apikey.KindServiceAccount, "01jd5x7d0e5k3v8q2m4n6p8r9t")
	pk := fakeKey(t, apikey.KindPersonal, "01jd5x7d0e5k3v8q2m4n6p8r9v")
	dir := t.TempDir()
	writeScanFile(t, filepath.Join(dir, "app.env"), "# config\nDEBUG=1\nSIGNET_API_KEY="+sa+"\n")
	writeScanFile(t, filepath.Join(dir, "nested", "c.json"), `{"key":"`+pk+`"}`)
	writeScanFile(t, filepath.Join(dir, "junk.txt"), strings.Join([]string{
		badChecksum(sa),
		"sgn_sa_01jd5x7d0e5k3v8q2m4n6p8r9t_" + strings.Repeat("A", 42), // the shape, not a key
		"sgn_sa_short",
		"x" + sa, // not at a word boundary
	}, "\n"))
	writeScanFile(t, filepath.Join(dir, ".git", "objects", "k"), sa)
	clean := t.TempDir()
	writeScanFile(t, filepath.Join(clean, "README"), "nothing here but sgn_ and sgn_sa_\n")

	r := runCLI(t, "scan", "--offline", dir)
	if r.code() != 1 {
		t.Fatalf("scan --offline of a directory with keys: exit %d (%v); want 1", r.code(), r.err)
	}
	saID, _ := apikey.ParsedID(sa)
	pkID, _ := apikey.ParsedID(pk)
	for _, want := range []string{
		filepath.Join(dir, "app.env") + ":3: " + saID + " (service account key): not checked (offline)",
		filepath.Join(dir, "nested", "c.json") + ":1: " + pkID + " (personal key)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scan printed\n%s\nwant a line with %q", r.stdout, want)
		}
	}
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("scan printed %d findings; want 2 (no lookalikes, nothing under .git):\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stderr, "2 Signet keys found") {
		t.Errorf("scan's summary = %q", r.stderr)
	}
	noSecrets(t, "scan", r.stdout+r.stderr, sa, pk)

	var res scanResult
	r = runCLI(t, "scan", "--offline", "--json", filepath.Join(dir, "app.env"))
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Findings) != 1 || res.Live != 1 {
		t.Fatalf("scan --json = %q (%v); want one live finding", r.stdout, err)
	}
	if f := res.Findings[0]; f.KeyID != saID || f.Line != 3 || f.Kind != client.KindServiceAccount || f.Status != "unchecked" || !f.Live {
		t.Errorf("finding = %+v; want %s on line 3, unchecked, live", f, saID)
	}

	if r := runCLI(t, "scan", "--offline", clean); r.code() != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no Signet keys found") {
		t.Errorf("scan of a clean directory: exit %d, %q, %q; want 0 and no findings", r.code(), r.stdout, r.stderr)
	}

	usage := [][]string{
		{"scan"},
		{"scan", "--offline", "--revoke", dir},
		{"scan", "--offline", filepath.Join(dir, "missing")},
		{"scan", "--no-such-flag", dir},
	}
	for _, args := range usage {
		if r := runCLI(t, args...); r.code() != 2 {
			t.Errorf("signet %s: exit %d (%v); want 2", strings.Join(args, " "), r.code(), r.err)
		}
	}
}

// gitRepo makes a git repository in a temporary directory, or skips the
// test when git is not installed.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: skipping the scan of a repository's history")
	}
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.git("init", "-q", "-b", "main")
	return g
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", g.dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (an empty content deletes one) and commits them,
// returning the commit's id.
func (g *gitRepo) commit(msg string, files map[string]string) string {
	g.t.Helper()
	for name, content := range files {
		p := filepath.Join(g.dir, name)
		if content == "" {
			g.git("rm", "-q", name)
			continue
		}
		writeScanFile(g.t, p, content)
		g.git("add", name)
	}
	g.git("commit", "-q", "-m", msg)
	return g.git("rev-parse", "HEAD")
}

// TestScanGitHistory commits a key and deletes it: the working tree is
// clean, the history is not.
func TestScanGitHistory(t *testing.T) {
	t.Parallel()
	g := newGitRepo(t)
	sa := fakeKey(t, apikey.KindServiceAccount, "01jd5x7d0e5k3v8q2m4n6p8r9t")
	pk := fakeKey(t, apikey.KindPersonal, "01jd5x7d0e5k3v8q2m4n6p8r9v")
	g.commit("initial", map[string]string{"README": "hello\n"})
	added := g.commit("add config", map[string]string{"deploy/config.yml": "name: etl\nurl: https://signet.example.com\napi_key: " + sa + "\n"})
	g.commit("oops, remove the key", map[string]string{"deploy/config.yml": ""})
	// On another branch, a personal key in a file whose name needs quoting.
	g.git("checkout", "-q", "-b", "other")
	other := g.commit("notes", map[string]string{"notes \"a\".txt": "line one\n+++ " + pk + "\n" + badChecksum(sa) + "\n"})
	g.git("checkout", "-q", "main")

	if r := runCLI(t, "scan", "--offline", g.dir); r.code() != 0 || r.stdout != "" {
		t.Errorf("scan of the working tree: exit %d, %q; want 0, nothing (the key was deleted)", r.code(), r.stdout)
	}
	r := runCLI(t, "scan", "--git", "--offline", g.dir)
	if r.code() != 1 {
		t.Fatalf("scan --git: exit %d (%v) %s; want 1", r.code(), r.err, r.stderr)
	}
	saID, _ := apikey.ParsedID(sa)
	pkID, _ := apikey.ParsedID(pk)
	for _, want := range []string{
		added[:12] + ":deploy/config.yml:3: " + saID + " (service account key)",
		other[:12] + `:notes "a".txt:2: ` + pkID + " (personal key)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scan --git printed\n%s\nwant a line with %q", r.stdout, want)
		}
	}
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("scan --git printed %d findings; want 2 (added lines only, no lookalike):\n%s", n, r.stdout)
	}
	noSecrets(t, "scan --git", r.stdout+r.stderr, sa, pk)

	var res scanResult
	r = runCLI(t, "scan", "--git", "--offline", "--json", g.dir)
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Findings) != 2 {
		t.Fatalf("scan --git --json = %q (%v)", r.stdout, err)
	}
	for _, f := range res.Findings {
		if f.KeyID == saID && (f.Commit != added || f.Path != "deploy/config.yml" || f.Line != 3) {
			t.Errorf("finding = %+v; want commit %s, deploy/config.yml line 3", f, added)
		}
	}

	if r := runCLI(t, "scan", "--git", "--offline", t.TempDir()); r.code() != 2 {
		t.Errorf("scan --git of a directory that is not a repository: exit %d (%v); want 2", r.code(), r.err)
	}
}

func TestParseGitLog(t *testing.T) {
	t.Parallel()
	key := fakeKey(t, apikey.KindServiceAccount, "01jd5x7d0e5k3v8q2m4n6p8r9t")
	id, _ := apikey.ParsedID(key)
	log := "\x00commit c1\n\n" +
		"diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,3 @@\n" +
		"+first\n" +
		"+++ b/" + key + "\n" + // content that reads like a header
		"+" + key + " and again " + key + "\n" +
		"\x00commit c2\n\n" +
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -2 +1,0 @@\n-+++ b/" + key + "\n" +
		"@@ -10,0 +9 @@\n+" + key + "\n\\ No newline at end of file\n" +
		"diff --git a/\"t\\tab\" b/\"t\\tab\"\n--- a/\"t\\tab\"\n+++ \"b/t\\tab\"\n@@ -0,0 +1 @@\n+" + key
	var got []string
	err := parseGitLog(strings.NewReader(log), func(f scanFinding) {
		got = append(got, f.Commit+":"+f.Path+":"+itoa(f.Line)+":"+f.KeyID)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c1:x:2:" + id, "c1:x:3:" + id, "c1:x:3:" + id,
		"c2:x:9:" + id,
		"c2:t\tab:1:" + id,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parseGitLog found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestScanLiveKeysAndLeakReports runs the server with leak reports
// enabled, commits two of its keys to a repository, and follows them
// through a leak report, "scan --git" and "scan --git --revoke".
func TestScanLiveKeysAndLeakReports(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testScanLiveKeysAndLeakReports)
}

func testScanLiveKeysAndLeakReports(t *testing.T) {
	g := newGitRepo(t)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	keysFile := filepath.Join(t.TempDir(), "leak-keys.pem")
	writeScanFile(t, keysFile, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))

	w := newCLIWorld(t, "--leak-report-public-keys", keysFile)
	w.login(t)
	reported := strings.TrimSpace(w.ok(t, "", "sa", "create", "etl", "--role", "View", "--key-name", "k", "--quiet").stdout)
	other := strings.TrimSpace(w.ok(t, "", "sa", "create", "ci", "--role", "View", "--key-name", "k", "--quiet").stdout)
	stranger := fakeKey(t, apikey.KindServiceAccount, "01jd5x7d0e5k3v8q2m4n6p8r9v") // another server's
	g.commit("config", map[string]string{"a.env": "KEY=" + reported + "\n", "b.env": "KEY=" + other + "\nOTHER=" + stranger + "\n"})
	g.commit("remove", map[string]string{"a.env": "", "b.env": ""})
	reportedID, _ := apikey.ParsedID(reported)
	otherID, _ := apikey.ParsedID(other)
	strangerID, _ := apikey.ParsedID(stranger)

	scan := func(args ...string) (result, map[string]scanFinding) {
		t.Helper()
		r := w.run(t, "", append([]string{"scan", "--git", "--json", g.dir}, args...)...)
		var res scanResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("scan --json = %q (%v) %v", r.stdout, err, r.err)
		}
		byID := map[string]scanFinding{}
		for _, f := range res.Findings {
			byID[f.KeyID] = f
		}
		noSecrets(t, "scan", r.stdout+r.stderr, reported, other)
		return r, byID
	}
	r, found := scan()
	if r.code() != 1 || !found[reportedID].Live || !found[otherID].Live || found[strangerID].Live || found[strangerID].Status != "unknown" {
		t.Fatalf("scan before: exit %d, %+v; want 1, both live, the stranger unknown", r.code(), found)
	}

	// A leak report of the first key, signed as a secret scanner signs.
	body, _ := json.Marshal([]client.SecretScanningMatch{{Token: reported, Type: "signet_api_key", URL: "https://example.com/a.env", Source: "commit"}})
	digest := sha256.Sum256(body)
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	req, _ := http.NewRequest("POST", w.srv.url+"/api/v1/secret-scanning/reports", bytes.NewReader(body))
	req.Header.Set(leakreport.HeaderKeyID, leakreport.KeyIdentifier(der))
	req.Header.Set(leakreport.HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"label":"true_positive"`) {
		t.Fatalf("leak report = %d %s; want 200 true_positive", resp.StatusCode, answer)
	}

	r, found = scan()
	if r.code() != 1 || found[reportedID].Live || found[reportedID].Status != "revoked" || !found[otherID].Live {
		t.Fatalf("scan after the report: exit %d, %+v; want 1, the reported key revoked, the other live", r.code(), found)
	}
	r, found = scan("--revoke")
	if r.code() != 1 || !found[otherID].RevokedNow || found[reportedID].RevokedNow {
		t.Fatalf("scan --revoke: exit %d, %+v; want 1, the other key revoked now", r.code(), found)
	}
	r, found = scan()
	if r.code() != 0 || found[otherID].Live || found[otherID].Status != "revoked" {
		t.Fatalf("scan after --revoke: exit %d, %+v; want 0, nothing live", r.code(), found)
	}
	var k client.APIKey
	w.okJSON(t, &k, "keys", "get", otherID)
	if k.RevokedReason != "leaked" {
		t.Errorf("the key scan --revoke revoked has reason %q; want leaked", k.RevokedReason)
	}
	// The text form.
	if r := w.run(t, "", "scan", "--git", g.dir); !strings.Contains(r.stdout, "unknown to this server") || !strings.Contains(r.stdout, ": revoked") {
		t.Errorf("scan printed\n%s", r.stdout)
	}
}

// TestServeLeakReportFlags checks that a keys file that cannot be used
// stops the start with a usage error.
func TestServeLeakReportFlags(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "keys.pem")
	writeScanFile(t, bad, "not a key\n")
	for _, args := range [][]string{
		{"--leak-report-public-keys", filepath.Join(t.TempDir(), "missing.pem")},
		{"--leak-report-public-keys", bad},
		{"--leak-report-keys-url", "ftp://example.com/keys"},
	} {
		db := filepath.Join(t.TempDir(), "signet.db")
		all := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", db}, args...)
		err := run(testenv.Context(t), all, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		if exitCode(err) != 2 {
			t.Errorf("signet serve %s = %v; want a usage error (exit 2)", strings.Join(args, " "), err)
		}
	}
}
