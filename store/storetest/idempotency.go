package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func testIdempotencyRecords(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := sha256.Sum256([]byte("idempotency key 1"))
	other := sha256.Sum256([]byte("idempotency key 2"))
	rec := &signet.IdempotencyRecord{
		Scope: "usr_1/key_1", KeyHash: key, RequestHash: sha256.Sum256([]byte("POST /x {}")),
		CreatedAt: t0, ExpiresAt: at(24 * time.Hour),
	}
	get := func(scope string, h [32]byte) (*signet.IdempotencyRecord, error) {
		var r *signet.IdempotencyRecord
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			r, err = tx.GetIdempotencyRecord(ctx, scope, h)
			return err
		})
		return r, err
	}

	_, err := get(rec.Scope, key)
	wantCode(t, "GetIdempotencyRecord before Create", err, signet.ENOTFOUND)
	write(t, s, func(tx store.Tx) error { return tx.CreateIdempotencyRecord(ctx, rec, t0) })
	got, err := get(rec.Scope, key)
	if err != nil {
		t.Fatalf("GetIdempotencyRecord = %v", err)
	}
	wantEqual(t, "GetIdempotencyRecord (pending)", got, rec)

	// One record per scope and key; other scopes and keys are separate.
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateIdempotencyRecord(ctx, rec, t0) })
	wantCode(t, "CreateIdempotencyRecord twice", err, signet.ECONFLICT)
	_, err = get("usr_2/key_2", key)
	wantCode(t, "GetIdempotencyRecord of another scope", err, signet.ENOTFOUND)
	_, err = get(rec.Scope, other)
	wantCode(t, "GetIdempotencyRecord of another key", err, signet.ENOTFOUND)

	// Completing stores the response once.
	sealed := []byte{0, 1, 2, 0xff}
	write(t, s, func(tx store.Tx) error { return tx.CompleteIdempotencyRecord(ctx, rec.Scope, key, sealed) })
	got, _ = get(rec.Scope, key)
	want := *rec
	want.Response = sealed
	wantEqual(t, "GetIdempotencyRecord (complete)", got, &want)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CompleteIdempotencyRecord(ctx, rec.Scope, key, []byte{9}) })
	wantCode(t, "CompleteIdempotencyRecord twice", err, signet.ECONFLICT)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CompleteIdempotencyRecord(ctx, rec.Scope, other, sealed) })
	wantCode(t, "CompleteIdempotencyRecord of no record", err, signet.ENOTFOUND)

	// Creating a record deletes the expired ones, and only those.
	young := &signet.IdempotencyRecord{Scope: "usr_3/key_3", KeyHash: key, RequestHash: rec.RequestHash, CreatedAt: at(time.Hour), ExpiresAt: at(25 * time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.CreateIdempotencyRecord(ctx, young, at(time.Hour)) })
	later := &signet.IdempotencyRecord{Scope: rec.Scope, KeyHash: other, RequestHash: rec.RequestHash, CreatedAt: at(24 * time.Hour), ExpiresAt: at(48 * time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.CreateIdempotencyRecord(ctx, later, at(24*time.Hour)) })
	_, err = get(rec.Scope, key)
	wantCode(t, "GetIdempotencyRecord of an expired record after a Create", err, signet.ENOTFOUND)
	if _, err := get(young.Scope, key); err != nil {
		t.Errorf("GetIdempotencyRecord of an unexpired record after a Create = %v", err)
	}

	// Delete removes one record; deleting nothing is no error.
	write(t, s, func(tx store.Tx) error { return tx.DeleteIdempotencyRecord(ctx, young.Scope, key) })
	_, err = get(young.Scope, key)
	wantCode(t, "GetIdempotencyRecord after Delete", err, signet.ENOTFOUND)
	write(t, s, func(tx store.Tx) error { return tx.DeleteIdempotencyRecord(ctx, young.Scope, key) })
	if _, err := get(later.Scope, other); err != nil {
		t.Errorf("GetIdempotencyRecord of another record after Delete = %v", err)
	}
}
