package sqlstore

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// The --database grammar is strict on purpose. A lenient one (anything
// that is not a postgres:// URL is a SQLite file name) turned every
// mistake into a new, empty SQLite database: a libpq string such as
// "host=db user=signet password=…" became a file named after it, and was
// logged, password and all. So a value is accepted only when it is
// clearly one of the three forms below; everything else is refused with a
// message that names the form it looks like and never repeats the value,
// which may hold a password. sqlite:PATH takes any path as it is, so a
// file whose name happens to look like something else can still be named.

// Backends a --database value can name.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

var (
	// schemeURL matches "scheme://": a URL of some kind.
	schemeURL = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)
	// schemePrefix matches "name:" of two or more characters, as in a
	// driver DSN ("user:password@tcp(host)/db") or a URI ("file:x.db"). A
	// Windows drive letter ("C:\…") has one.
	schemePrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`)
	// keywordValue matches a libpq key=value parameter at the start or
	// after white space.
	keywordValue = regexp.MustCompile(`(^|\s)[A-Za-z_][A-Za-z0-9_]*\s*=`)
)

// ParseDatabase checks a --database value and returns the backend it names
// (BackendSQLite or BackendPostgres) and what that backend opens: the
// PostgreSQL URL, or the SQLite file's path. It accepts
//
//   - a postgres:// or postgresql:// URL;
//   - sqlite:PATH, any path;
//   - a plain file path.
//
// It refuses, with EINVALID, an empty value, a value with a control
// character, a URL of another scheme (mysql://…, sqlite://…), libpq
// key=value parameters, and a value starting with a scheme-like "name:"
// (a driver DSN such as "user:password@tcp(db)/signet", or SQLite's
// "file:" URIs). The error never contains the value.
func ParseDatabase(database string) (backend, target string, err error) {
	const op = "sqlstore.ParseDatabase"
	if strings.IndexFunc(database, unicode.IsControl) >= 0 {
		return "", "", invalid(op, "the database name contains a control character")
	}
	if m := schemeURL.FindStringSubmatch(database); m != nil {
		switch scheme := strings.ToLower(m[1]); scheme {
		case "postgres", "postgresql":
			// pgx recognises the scheme in lower case only.
			return BackendPostgres, scheme + database[len(scheme):], nil
		case "sqlite", "sqlite3", "file":
			return "", "", invalid(op, "a %s:// URL is not supported; name a SQLite file as a path or sqlite:PATH (sqlite:/var/lib/signet/signet.db)", m[1])
		default:
			return "", "", invalid(op, "unsupported database URL scheme %q; want a postgres:// URL, sqlite:PATH or a file path", m[1])
		}
	}
	if path, ok := strings.CutPrefix(database, "sqlite:"); ok {
		if path == "" {
			return "", "", invalid(op, "the database name is empty")
		}
		return BackendSQLite, path, nil
	}
	switch {
	case strings.TrimSpace(database) == "":
		return "", "", invalid(op, "the database name is empty")
	case keywordValue.MatchString(database):
		return "", "", invalid(op, "the database looks like PostgreSQL key=value parameters; write them as a URL, "+
			"postgres://USER:PASSWORD@HOST:PORT/DB (for a SQLite file of that name, write sqlite:PATH)")
	}
	if m := schemePrefix.FindStringSubmatch(database); m != nil {
		switch strings.ToLower(m[1]) {
		case "postgres", "postgresql":
			return "", "", invalid(op, "a PostgreSQL URL starts with postgres://")
		case "file":
			return "", "", invalid(op, "SQLite URIs (file:…) are not supported; name the file as a path or sqlite:PATH")
		}
		return "", "", invalid(op, "the database looks like a URL or a driver's connection string (%s:…), which Signet does not support; "+
			"want a postgres:// URL, or for a SQLite file of that name, sqlite:PATH", m[1])
	}
	return BackendSQLite, database, nil
}

// RedactDatabase returns database fit for a log line or a message: a
// PostgreSQL URL with its password (in the user information, or a
// password or sslpassword query parameter) replaced by "xxxxx", a SQLite
// path as it is, and only a description of a value ParseDatabase refuses.
func RedactDatabase(database string) string {
	backend, target, err := ParseDatabase(database)
	switch {
	case err != nil:
		return "(unrecognised database name, not shown)"
	case backend == BackendSQLite:
		return database
	}
	u, err := url.Parse(target)
	if err != nil {
		// Where the password ends is anyone's guess: show only the scheme.
		scheme, _, _ := strings.Cut(target, ":")
		return scheme + "://(malformed URL, not shown)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	// Rewritten by hand rather than through url.Values, which would
	// reorder the parameters.
	params := strings.Split(u.RawQuery, "&")
	for i, p := range params {
		k, _, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err != nil || isPasswordParam(uk) {
			params[i] = k + "=xxxxx"
		}
	}
	u.RawQuery = strings.Join(params, "&")
	return u.String()
}

func isPasswordParam(key string) bool {
	key = strings.ToLower(key)
	return key == "password" || key == "sslpassword"
}
