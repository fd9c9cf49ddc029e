package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	signet "github.com/signetdev/signet"
)

// Idempotency records are bookkeeping (execBookkeeping): no cache reads
// them, so writing one is not a change for the change feed.

const idempotencyCols = `scope, key_hash, request_hash, created_at, expires_at, response`

func (t *tx) CreateIdempotencyRecord(ctx context.Context, r *signet.IdempotencyRecord, now time.Time) error {
	const op = "sqlstore.CreateIdempotencyRecord"
	if _, err := t.execBookkeeping(ctx, `DELETE FROM idempotency_records WHERE expires_at <= ?`, micros(now)); err != nil {
		return t.fail(op, err)
	}
	var response any
	if r.Response != nil {
		response = r.Response
	}
	_, err := t.execBookkeeping(ctx, `INSERT INTO idempotency_records (`+idempotencyCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Scope, r.KeyHash[:], r.RequestHash[:], micros(r.CreatedAt), micros(r.ExpiresAt), response)
	if t.d.is(err, errUnique) {
		return conflict(op, err, "a request with this Idempotency-Key exists")
	}
	return t.fail(op, err)
}

func (t *tx) GetIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte) (*signet.IdempotencyRecord, error) {
	const op = "sqlstore.GetIdempotencyRecord"
	var r signet.IdempotencyRecord
	var response []byte
	err := t.queryRow(ctx, `SELECT `+idempotencyCols+` FROM idempotency_records WHERE scope = ? AND key_hash = ?`, scope, keyHash[:]).
		Scan(&r.Scope, hashCol{&r.KeyHash}, hashCol{&r.RequestHash}, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "idempotency record not found")
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	if response != nil {
		r.Response = response
	}
	return &r, nil
}

func (t *tx) CompleteIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte, response []byte) error {
	const op = "sqlstore.CompleteIdempotencyRecord"
	res, err := t.execBookkeeping(ctx, `UPDATE idempotency_records SET response = ? WHERE scope = ? AND key_hash = ? AND response IS NULL`,
		response, scope, keyHash[:])
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return t.fail(op, err)
	}
	if n > 0 {
		return nil
	}
	found, err := t.exists(ctx, `SELECT 1 FROM idempotency_records WHERE scope = ? AND key_hash = ?`, scope, keyHash[:])
	if err != nil {
		return t.fail(op, err)
	}
	if !found {
		return notFound(op, "idempotency record not found")
	}
	return signet.Errorf(signet.ECONFLICT, "the request with this Idempotency-Key already has its response")
}

func (t *tx) DeleteIdempotencyRecord(ctx context.Context, scope string, keyHash [32]byte) error {
	const op = "sqlstore.DeleteIdempotencyRecord"
	_, err := t.execBookkeeping(ctx, `DELETE FROM idempotency_records WHERE scope = ? AND key_hash = ?`, scope, keyHash[:])
	return t.fail(op, err)
}
