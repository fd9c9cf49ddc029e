package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"
)

// TestDatabaseFlagRefusesUnknownForms runs every command that takes a
// database with a libpq connection string, and other values that are not a
// URL, sqlite:PATH or a path: each must fail with a usage error (exit code
// 2) that never shows the password, and create no SQLite file named after
// the value.
func TestDatabaseFlagRefusesUnknownForms(t *testing.T) {
	t.Chdir(t.TempDir())
	const password = "s3cret-Pa55"
	values := []struct{ name, value, want string }{
		{"libpq", "host=db user=signet password=" + password + " dbname=signet", "postgres://USER:PASSWORD@HOST:PORT/DB"},
		{"mysql URL", "mysql://signet:" + password + "@db/signet", `scheme "mysql"`},
		{"driver DSN", "signet:" + password + "@tcp(db:3306)/signet", "connection string"},
		{"control character", "signet.db\npassword=" + password + "\x1b", "control character"},
	}
	commands := []struct {
		name  string
		args  func(db string) []string
		flag  string
		stdin string
	}{
		{"serve", func(db string) []string { return []string{"serve", "--addr", "127.0.0.1:0", "--database", db} }, "--database", ""},
		{"migrate", func(db string) []string { return []string{"migrate", "--database", db} }, "--database", ""},
		{"admin create", func(db string) []string {
			return []string{"admin", "create", "--email", "a@example.com", "--password-stdin", "--database", db}
		}, "--database", "correct horse battery staple\n"},
		{"migrate-data from", func(db string) []string { return []string{"migrate-data", "--from", db, "--to", "target.db"} }, "--from", ""},
		{"migrate-data to", func(db string) []string { return []string{"migrate-data", "--from", "source.db", "--to", db} }, "--to", ""},
		{"audit verify", func(db string) []string { return []string{"audit", "verify", "--database", db} }, "--database", ""},
	}
	for _, c := range commands {
		for _, v := range values {
			var stdout, stderr bytes.Buffer
			// Bounds only a server that wrongly started: a refusal
			// comes before any I/O.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := run(ctx, c.args(v.value), func(string) string { return "" }, strings.NewReader(c.stdin), &stdout, &stderr)
			cancel()
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.flag+": ") || !strings.Contains(err.Error(), v.want) {
				t.Errorf("%s with a %s value = %v (exit %d); want a usage error naming %s and mentioning %q", c.name, v.name, err, exitCode(err), c.flag, v.want)
			}
			for what, out := range map[string]string{"error": errString(err), "stdout": stdout.String(), "stderr": stderr.String()} {
				if strings.Contains(out, password) {
					t.Errorf("%s with a %s value: the password appears in %s: %q", c.name, v.name, what, out)
				}
			}
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files created: %q; want none", names)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestDatabasePasswordRedacted checks the places a PostgreSQL URL is shown
// (serve's "signet listening" line, migrate's output) with a password in
// the user information and in a query parameter.
func TestDatabasePasswordRedacted(t *testing.T) {
	t.Parallel()
	testdb.RequirePostgres(t)
	base := testdb.NewPostgresDatabase(t)
	// The local server trusts its clients, so a password is sent only if
	// asked for: any will do.
	withQuery := base + "&password=s3cret-query"
	withUser := strings.Replace(base, "postgres://postgres@", "postgres://postgres:s3cret-user@", 1)
	if withUser == base {
		t.Fatalf("cannot add a password to %s", base)
	}
	for _, db := range []string{withQuery, withUser} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"migrate", "--database", db}, func(string) string { return "" }, strings.NewReader(""), &out, &out)
		if err != nil || strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "xxxxx") {
			t.Errorf("signet migrate = %v, %q; want success with the password shown as xxxxx", err, out.String())
		}
	}
	s := startReplica(t, withQuery, true)
	s2 := startReplica(t, withUser, false)
	for _, logs := range []string{s.logs.String(), s2.logs.String()} {
		if strings.Contains(logs, "s3cret") || !strings.Contains(logs, "xxxxx") {
			t.Errorf("serve logs = %q; want the password shown as xxxxx", logs)
		}
	}
}
