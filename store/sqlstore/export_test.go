package sqlstore

import (
	"context"
	"io/fs"

	"github.com/signetdev/signet/store"
)

// QueryPragma returns the value of PRAGMA name on tx's connection.
func QueryPragma(ctx context.Context, t store.Tx, name string) (string, error) {
	var v string
	err := t.(*tx).queryRow(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// Migrations holds both dialects' migrations, under migrations/<dialect>.
var Migrations = mergedFS{sqliteMigrations, postgresMigrations}

// mergedFS serves files from the first FS that has them (tests only).
type mergedFS []fs.FS

func (m mergedFS) Open(name string) (fs.File, error) {
	for _, f := range m {
		if file, err := f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// WithSynchronous returns o with SQLite's synchronous setting set to mode
// (NORMAL, FULL), for the benchmark that compares them.
func WithSynchronous(o Options, mode string) Options {
	o.synchronous = mode
	return o
}

// CopyTables and NotCopied are copyTables and notCopied.
var CopyTables, NotCopied = copyTables, notCopied

// Tables lists the tables of a SQLite store's schema.
func Tables(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
