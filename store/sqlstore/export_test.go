package sqlstore

import (
	"context"

	"github.com/signetdev/signet/store"
)

// QueryPragma returns the value of PRAGMA name on tx's connection.
func QueryPragma(ctx context.Context, t store.Tx, name string) (string, error) {
	var v string
	err := t.(*tx).queryRow(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}
