package main

import (
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// TestReplicaRefusesRotatedKeyAfterGrace rotates a key through replica A
// with a short grace while replica B holds the old key in its cache: B
// keeps accepting the old key until the grace ends (its new expiry
// reached B with the change), then refuses it with reason expired, within
// the revocation bound (TestReplicaSeesRevocation) of the grace's end;
// the new key works on B.
func TestReplicaRefusesRotatedKeyAfterGrace(t *testing.T) {
	t.Parallel()
	testdb.RequirePostgres(t)
	ctx := t.Context()
	r := startReplicas(t)
	old, err := r.adminA.CreateServiceAccountKey(ctx, r.saID, client.CreateAPIKeyRequest{Name: "rotated"})
	if err != nil {
		t.Fatal(err)
	}
	onB, _ := client.New(r.b.url, client.WithAPIKey(old.Key))
	waitAccepted(t, onB) // B caches the old key

	const grace = 2 * time.Second
	rot, err := r.adminA.RotateAPIKey(ctx, old.ID, client.RotateAPIKeyRequest{Grace: grace.String()})
	if err != nil {
		t.Fatal(err)
	}
	until := *rot.Previous.ExpiresAt
	if ok, err := onB.VerifyKey(ctx); err != nil || (!ok && time.Now().Before(until)) {
		t.Errorf("B refused the old key %v before its grace ended (%v, %v)", time.Until(until), ok, err)
	}
	newOnB, _ := client.New(r.b.url, client.WithAPIKey(rot.APIKey.Key))
	if ok, err := newOnB.VerifyKey(ctx); !ok || err != nil {
		t.Errorf("verify the new key on B = %v, %v; want accepted", ok, err)
	}

	// Poll B until it refuses the old key. The bound asserted is the
	// revocation bound's (under a second) past the grace's end.
	var refused time.Time
	for deadline := testenv.Deadline(t); ; time.Sleep(10 * time.Millisecond) {
		ok, err := onB.VerifyKey(ctx)
		if err != nil {
			t.Fatalf("verify on B: %v", err)
		}
		if !ok {
			refused = time.Now()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts the rotated key %v after its grace ended", time.Since(until))
		}
	}
	if refused.Before(until) {
		t.Errorf("B refused the rotated key %v before its grace ended", until.Sub(refused))
	}
	if late := refused.Sub(until); late >= time.Second {
		t.Errorf("B refused the rotated key %v after its grace ended; want < 1s", late)
	}
	t.Logf("grace %v: B refused the old key %v after it ended", grace, refused.Sub(until))
	// With reason expired, as the check API on B says.
	res, err := r.adminB.Check(ctx, old.Key, "audit:read", "")
	if err != nil || res.Allowed || res.Reason != "expired" {
		t.Errorf("check on B of the rotated key = %+v, %v; want denied, reason expired", res, err)
	}
}
