package sqlstore_test

import (
	"os"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store/sqlstore"
)

func TestParseDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in          string
		backend, target   string
		wantErr, errNames string // wantErr: a fragment of the message
	}{
		{name: "plain path", in: "signet.db", backend: "sqlite", target: "signet.db"},
		{name: "absolute path", in: "/var/lib/signet/signet.db", backend: "sqlite", target: "/var/lib/signet/signet.db"},
		{name: "path with = but not libpq", in: "/data/a=b.db", backend: "sqlite", target: "/data/a=b.db"},
		{name: "path with a space", in: "/data/my signet.db", backend: "sqlite", target: "/data/my signet.db"},
		{name: "sqlite prefix", in: "sqlite:./signet.db", backend: "sqlite", target: "./signet.db"},
		{name: "sqlite prefix takes any name", in: "sqlite:host=db.sqlite", backend: "sqlite", target: "host=db.sqlite"},
		{name: "windows drive", in: `C:\signet\signet.db`, backend: "sqlite", target: `C:\signet\signet.db`},
		{name: "postgres URL", in: "postgres://signet:s3cret@db:5432/signet?sslmode=require", backend: "postgres",
			target: "postgres://signet:s3cret@db:5432/signet?sslmode=require"},
		{name: "postgresql URL", in: "postgresql://db/signet", backend: "postgres", target: "postgresql://db/signet"},
		{name: "scheme in upper case", in: "POSTGRES://db/signet", backend: "postgres", target: "postgres://db/signet"},

		{name: "empty", in: "", wantErr: "empty"},
		{name: "blank", in: "  ", wantErr: "empty"},
		{name: "sqlite prefix alone", in: "sqlite:", wantErr: "empty"},
		{name: "libpq keywords", in: "host=db user=signet password=s3cret dbname=signet",
			wantErr: "postgres://USER:PASSWORD@HOST:PORT/DB"},
		{name: "libpq with spaces around =", in: "host = db password = s3cret", wantErr: "key=value"},
		{name: "one libpq keyword", in: "password=s3cret", wantErr: "key=value"},
		{name: "mysql URL", in: "mysql://signet:s3cret@db/signet", wantErr: `scheme "mysql"`},
		{name: "sqlite URL", in: "sqlite:///var/lib/signet.db", wantErr: "sqlite:PATH"},
		{name: "file URL", in: "file:///var/lib/signet.db", wantErr: "not supported"},
		{name: "SQLite URI", in: "file:signet.db", wantErr: "SQLite URIs"},
		{name: "postgres without //", in: "postgres:signet:s3cret@db", wantErr: "postgres://"},
		{name: "Go MySQL DSN", in: "signet:s3cret@tcp(db:3306)/signet", wantErr: "driver's connection string"},
		{name: "newline", in: "signet.db\npassword=s3cret", wantErr: "control character"},
		{name: "NUL", in: "signet\x00.db", wantErr: "control character"},
		{name: "DEL after sqlite:", in: "sqlite:signet\x7f.db", wantErr: "control character"},
		{name: "tab in URL", in: "postgres://signet:s3cret@db/signet\t", wantErr: "control character"},
	}
	for _, tc := range tests {
		backend, target, err := sqlstore.ParseDatabase(tc.in)
		if tc.wantErr == "" {
			if err != nil || backend != tc.backend || target != tc.target {
				t.Errorf("%s: ParseDatabase(%q) = %q, %q, %v; want %q, %q, nil", tc.name, tc.in, backend, target, err, tc.backend, tc.target)
			}
			continue
		}
		msg := signet.ErrorMessage(err)
		if signet.ErrorCode(err) != signet.EINVALID || !strings.Contains(msg, tc.wantErr) {
			t.Errorf("%s: ParseDatabase(%q) = %v; want EINVALID mentioning %q", tc.name, tc.in, err, tc.wantErr)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: ParseDatabase(%q) = %v; the error repeats the password", tc.name, tc.in, err)
		}
	}
}

func TestRedactDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"signet.db", "signet.db"},
		{"sqlite:/var/lib/signet.db", "sqlite:/var/lib/signet.db"},
		{"postgres://signet@db/signet", "postgres://signet@db/signet"},
		{"postgres://signet:s3cret@db:5432/signet?sslmode=require", "postgres://signet:xxxxx@db:5432/signet?sslmode=require"},
		{"postgres://signet@db/signet?sslmode=require&password=s3cret&application_name=x",
			"postgres://signet@db/signet?sslmode=require&password=xxxxx&application_name=x"},
		{"postgresql://db/signet?PASSWORD=s3cret&sslpassword=s3cret", "postgresql://db/signet?PASSWORD=xxxxx&sslpassword=xxxxx"},
		{"postgres://db/signet?pass%77ord=s3cret", "postgres://db/signet?pass%77ord=xxxxx"},
		{"postgres://db/signet?%zz=s3cret", "postgres://db/signet?%zz=xxxxx"},
		{"postgres://signet:s3cret@db:port/signet", "postgres://(malformed URL, not shown)"},
		{"host=db password=s3cret", "(unrecognised database name, not shown)"},
		{"mysql://signet:s3cret@db/signet", "(unrecognised database name, not shown)"},
	}
	for _, tc := range tests {
		if got := sqlstore.RedactDatabase(tc.in); got != tc.want {
			t.Errorf("RedactDatabase(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestOpenRefusesUnknownDatabase checks that Open and Migrate refuse what
// ParseDatabase refuses, instead of creating a SQLite file of that name.
func TestOpenRefusesUnknownDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	const libpq = "host=db user=signet password=s3cret dbname=signet"
	if s, err := sqlstore.Open(t.Context(), libpq); signet.ErrorCode(err) != signet.EINVALID {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open(libpq string) = %v; want EINVALID", err)
	}
	if _, err := sqlstore.Migrate(t.Context(), libpq); signet.ErrorCode(err) != signet.EINVALID {
		t.Errorf("Migrate(libpq string) = %v; want EINVALID", err)
	}
	if s, err := sqlstore.OpenSQLite(t.Context(), "file:signet.db"); signet.ErrorCode(err) != signet.EINVALID {
		if err == nil {
			s.Close()
		}
		t.Errorf("OpenSQLite(file:signet.db) = %v; want EINVALID", err)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("files created: %v; want none", entries)
	}
}

// TestOpenPostgresErrorsHideThePassword checks the errors of PostgreSQL
// URLs that do not parse or do not connect: they reach the operator's
// terminal and log, and must not carry the password.
func TestOpenPostgresErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	for _, db := range []string{
		"postgres://signet:s3cret@db:port/signet",                       // does not parse
		"postgres://signet@db/signet?password=s3cret&sslmode=nonsense",  // parses, bad parameter
		"postgres://signet:s3cret@127.0.0.1:1/signet?connect_timeout=5", // nothing listens
		"postgres://signet@127.0.0.1:1/signet?password=s3cret&connect_timeout=5",
	} {
		s, err := sqlstore.Open(t.Context(), db)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) = nil; want an error", sqlstore.RedactDatabase(db))
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%s) = %v; the error carries the password", sqlstore.RedactDatabase(db), err)
		}
	}
}
