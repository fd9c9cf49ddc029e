package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store/sqlstore"
)

// TestAuditTrailEndToEnd runs the server with a file sink and retention,
// drives it through the API and the CLI, and checks verify, export, tail,
// key activity, the sink's contents and offline verification.
func TestAuditTrailEndToEnd(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAuditTrailEndToEnd) }

func testAuditTrailEndToEnd(t *testing.T) {
	sinkPath := filepath.Join(t.TempDir(), "audit.jsonl")
	w := newCLIWorld(t, "--audit-sink", "file:"+sinkPath, "--audit-retention", "365d", "--last-used-flush", "1h")
	admin := passwordLogin(t, w.srv.url, w.email, w.password)
	var pk struct {
		Key string `json:"key"`
	}
	if code := call(t, "POST", w.srv.url+"/api/v1/me/api-keys", admin, map[string]string{"name": "cli"}, &pk); code != http.StatusCreated {
		t.Fatalf("creating a personal key = %d", code)
	}
	w.env["SIGNET_URL"] = w.srv.url
	w.env["SIGNET_API_KEY"] = pk.Key

	var sa client.CreateServiceAccountResponse
	w.okJSON(t, &sa, "service-accounts", "create", "nightly-etl", "--key-name", "airflow")
	for range 3 {
		if code := call(t, "GET", w.srv.url+"/api/v1/me", apikeyAuth(sa.APIKey.Key), nil, nil); code != http.StatusOK {
			t.Fatalf("GET /me with the new key = %d", code)
		}
	}
	bad := sa.APIKey.Key[:len(sa.APIKey.Key)-4] + "zzzz"
	for range 5 {
		call(t, "GET", w.srv.url+"/api/v1/me", apikeyAuth(bad), nil, nil)
	}

	r := w.ok(t, "", "audit", "verify")
	if !strings.Contains(r.stdout, "audit chain intact") {
		t.Errorf("audit verify =\n%s", r.stdout)
	}
	r = w.ok(t, "", "audit", "list", "--q", "nightly")
	if !strings.Contains(r.stdout, "service_account.create") {
		t.Errorf("audit list --q nightly =\n%s", r.stdout)
	}
	r = w.ok(t, "", "audit", "tail", "-n", "3")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 {
		t.Errorf("audit tail -n 3 printed %d lines:\n%s", len(lines), r.stdout)
	}
	// With --json: the server's own JSON of each event, one per line,
	// oldest first.
	r = w.ok(t, "", "audit", "tail", "-n", "3", "--json")
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	call(t, "GET", w.srv.url+"/api/v1/audit-events?limit=3", apikeyAuth(pk.Key), nil, &page)
	var want []string
	for i := len(page.Data) - 1; i >= 0; i-- {
		var line bytes.Buffer
		json.Compact(&line, page.Data[i])
		want = append(want, line.String())
	}
	if got := strings.TrimSpace(r.stdout); got != strings.Join(want, "\n") {
		t.Errorf("audit tail -n 3 --json =\n%s\nwant the server's events as sent, oldest first:\n%s", got, strings.Join(want, "\n"))
	}
	r = w.ok(t, "", "audit", "export")
	var exported []client.AuditEvent
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev client.AuditEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		exported = append(exported, ev)
	}
	for i, ev := range exported {
		if ev.Seq != int64(i+1) {
			t.Fatalf("exported seqs are not 1, 2, …: %d at %d", ev.Seq, i)
		}
	}

	// tail -f prints events committed after it started, in order.
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"audit", "tail", "-f", "-n", "0", "--interval", "100ms"}, w.getenv, strings.NewReader(""), &out, io.Discard)
	}()
	// It follows from the newest event when its first request returns,
	// which nothing outside shows: create probe groups until one is
	// printed, then the three events it must print, each once, in order.
	deadline := testenv.Deadline(t)
	for i := 0; !strings.Contains(out.String(), "probe-"); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("audit tail -f printed none of %d probe events", i)
		}
		w.ok(t, "", "groups", "create", fmt.Sprintf("probe-%d", i))
		pollUntil(time.Second, func() bool { return strings.Contains(out.String(), "probe-") })
	}
	for _, name := range []string{"tail-1", "tail-2", "tail-3"} {
		w.ok(t, "", "groups", "create", name)
	}
	testenv.Eventually(t, "audit tail -f to print the three events", func() bool { return strings.Contains(out.String(), "tail-3") })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("audit tail -f after interrupt = %v; want nil", err)
	}
	got := out.String()
	i1, i2, i3 := strings.Index(got, "tail-1"), strings.Index(got, "tail-2"), strings.Index(got, "tail-3")
	if i1 < 0 || i2 < i1 || i3 < i2 || strings.Count(got, "tail-1") != 1 || strings.Count(got, "tail-2") != 1 || strings.Count(got, "tail-3") != 1 {
		t.Errorf("audit tail -f printed:\n%s\nwant the three group.create events once each, in order", got)
	}

	if err := w.srv.stop(); err != nil {
		t.Fatal(err)
	}
	// After shutdown, the aggregated failures and the activity counts
	// were flushed, and the sink holds every committed event in order.
	sunk := readJSONLines(t, sinkPath)
	if len(sunk) <= len(exported) {
		t.Fatalf("sink holds %d events; want more than the %d exported before shutdown", len(sunk), len(exported))
	}
	var failed *client.AuditEvent
	for i, ev := range sunk {
		if ev.Seq != int64(i+1) {
			t.Fatalf("sink seqs are not 1, 2, …: %d at line %d", ev.Seq, i+1)
		}
		if i < len(exported) && ev.Hash != exported[i].Hash {
			t.Errorf("sink line %d differs from the export", i+1)
		}
		if ev.Action == "auth.failed" {
			failed = &sunk[i]
		}
	}
	if failed == nil || failed.KeyID != sa.APIKey.ID || failed.Details["count"] != float64(5) {
		t.Errorf("auth.failed event in the sink = %+v; want key %s with count 5", failed, sa.APIKey.ID)
	}
	if strings.Contains(readFile(t, sinkPath), bad[20:]) {
		t.Errorf("the sink contains a presented secret")
	}

	r = w.ok(t, "", "audit", "verify", "--database", w.srv.database)
	if !strings.Contains(r.stdout, "audit chain intact") {
		t.Errorf("offline audit verify =\n%s", r.stdout)
	}

	// A restarted server keeps appending to the sink after its last line.
	s2 := startReplica(t, w.srv.database, false, "--audit-sink", "file:"+sinkPath)
	w.env["SIGNET_URL"] = s2.url
	w.ok(t, "", "groups", "create", "after-restart")
	var act client.KeyActivity
	w.okJSON(t, &act, "keys", "activity", sa.APIKey.ID)
	if act.Successes != 3 || act.Failures != 0 {
		// The bad key had a wrong checksum, so it never reached the key.
		t.Errorf("keys activity = %+v; want 3 successes", act)
	}
	if err := s2.stop(); err != nil {
		t.Fatal(err)
	}
	again := readJSONLines(t, sinkPath)
	for i, ev := range again {
		if ev.Seq != int64(i+1) {
			t.Fatalf("after a restart, sink seqs are not 1, 2, …: %d at line %d", ev.Seq, i+1)
		}
	}
	if last := again[len(again)-1]; last.Action != "group.create" {
		t.Errorf("last sink line after restart = %s; want group.create", last.Action)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSONLines(t *testing.T, path string) []client.AuditEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []client.AuditEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev client.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// TestAuditVerifyDetectsTampering edits, deletes and reorders rows of
// audit_events directly in the database file and checks that the offline
// `signet audit verify --database` names the first broken event each time.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orig := filepath.Join(dir, "signet.db")
	w := &cliWorld{env: map[string]string{}, configDir: dir, home: dir}
	w.ok(t, "a long enough password\n", "admin", "create", "--database", orig, "--email", "a@example.com", "--password-stdin")
	// Three more events, cheaper than more admins (bcrypt).
	st, err := sqlstore.OpenSQLite(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{})
	for _, name := range []string{"ops", "dev", "sec"} {
		if _, err := svc.CreateGroup(context.Background(), signet.SystemActor, service.GroupInput{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	// Events: 1 system.bootstrap, 2 user.create, 3-5 group.create.
	r := w.ok(t, "", "audit", "verify", "--database", orig)
	if !strings.Contains(r.stdout, "intact: 5 events") {
		t.Fatalf("verify of the untouched file =\n%s", r.stdout)
	}

	tests := []struct {
		name    string
		sql     []string
		wantSeq string
		problem string
	}{
		{"edit a field", []string{`UPDATE audit_events SET target_name = 'mallory' WHERE seq = 3`}, "3", "hash_mismatch"},
		{"edit the details", []string{`UPDATE audit_events SET details = '{"admin":false,"email":"a@example.com"}' WHERE seq = 2`}, "2", "hash_mismatch"},
		{"edit and rehash without the chain", []string{`UPDATE audit_events SET hash = '` + strings.Repeat("ab", 32) + `' WHERE seq = 4`}, "4", "hash_mismatch"},
		{"delete a middle event", []string{`DELETE FROM audit_events WHERE seq = 3`}, "4", "seq_gap"},
		{"delete the first event", []string{`DELETE FROM audit_events WHERE seq = 1`}, "2", "seq_gap"},
		{"reorder two events", []string{
			`UPDATE audit_events SET seq = -1 WHERE seq = 2`,
			`UPDATE audit_events SET seq = 2 WHERE seq = 3`,
			`UPDATE audit_events SET seq = 3 WHERE seq = -1`,
		}, "2", "prev_link_broken"},
		{"renumber after deleting", []string{
			`DELETE FROM audit_events WHERE seq = 3`,
			`UPDATE audit_events SET seq = seq - 1 WHERE seq > 3`,
		}, "3", "prev_link_broken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "copy.db")
			copyFile(t, orig, path)
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			r := w.run(t, "", "audit", "verify", "--database", path)
			if r.code() != 1 || !strings.Contains(r.stdout, "BROKEN at seq "+tc.wantSeq+" ") || !strings.Contains(r.stdout, tc.problem) {
				t.Errorf("verify after %q: exit %d,\n%s\nwant exit 1 naming seq %s and %s", tc.name, r.code(), r.stdout, tc.wantSeq, tc.problem)
			}
			var st client.AuditChainStatus
			r = w.run(t, "", "audit", "verify", "--database", path, "--json")
			if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.OK || st.Break == nil || st.Break.Problem != tc.problem {
				t.Errorf("verify --json after %q = %s; want the break", tc.name, r.stdout)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
}

func TestLastSeqInFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		want          int64
		wantContent   string
	}{
		{"empty", "", -1, ""},
		{"one line", `{"seq":7}` + "\n", 7, `{"seq":7}` + "\n"},
		{"several", `{"seq":7}` + "\n" + `{"seq":8}` + "\n", 8, `{"seq":7}` + "\n" + `{"seq":8}` + "\n"},
		{"partial last line", `{"seq":7}` + "\n" + `{"seq":8,"act`, 7, `{"seq":7}` + "\n"},
		{"only a partial line", `{"seq":8,"act`, -1, ""},
	}
	for _, tc := range tests {
		path := filepath.Join(t.TempDir(), "sink.jsonl")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := lastSeqInFile(f)
		f.Close()
		if err != nil || got != tc.want {
			t.Errorf("%s: lastSeqInFile = %d, %v; want %d", tc.name, got, err, tc.want)
		}
		if c := readFile(t, path); c != tc.wantContent {
			t.Errorf("%s: file after = %q; want %q", tc.name, c, tc.wantContent)
		}
	}
	path := filepath.Join(t.TempDir(), "junk.jsonl")
	os.WriteFile(path, []byte("not json\n"), 0o600)
	f, _ := os.Open(path)
	defer f.Close()
	if _, err := lastSeqInFile(f); err == nil {
		t.Errorf("lastSeqInFile(junk) = nil error; want one")
	}
}

func TestServeAuditFlags(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "signet.db")
	for _, args := range [][]string{
		{"--audit-retention", "10m"},
		{"--audit-retention", "-1h"},
		{"--audit-retention", "forever"},
		{"--audit-sink", "syslog"},
		{"--audit-sink", "file:"},
	} {
		err := run(context.Background(), append([]string{"serve", "--database", db}, args...),
			func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		if exitCode(err) != 2 {
			t.Errorf("serve %v = %v; want a usage error (exit 2)", args, err)
		}
	}
}

// pollUntil polls cond every 10ms for up to d, and reports whether it
// held: for a wait whose end is not a failure.
func pollUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
