package authn_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// flakyBackend is the service, except that key loads fail as EUNAVAILABLE
// while down is set, as during a database outage.
type flakyBackend struct {
	*service.Service
	down  atomic.Bool
	loads atomic.Int64
}

func (b *flakyBackend) LoadKeyState(ctx context.Context, keyID string) (*service.KeyState, error) {
	b.loads.Add(1)
	if b.down.Load() {
		return nil, signet.Errorf(signet.EUNAVAILABLE, "the database is unavailable")
	}
	return b.Service.LoadKeyState(ctx, keyID)
}

func TestVerifierFreshness(t *testing.T) { t.Parallel(); testdb.ForEach(t, testVerifierFreshness) }

func testVerifierFreshness(t *testing.T) {
	ctx := context.Background()
	const window = time.Second
	tests := []struct {
		name      string
		outageTTL time.Duration
		// want is the reason (or "" for accepted, "unavailable" for 503)
		// of the live key 1.5s into an outage.
		want string
	}{
		{"default refuses", 0, signet.EUNAVAILABLE},
		{"outage allowance serves", time.Minute, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			b := &flakyBackend{Service: f.svc}
			v := authn.NewVerifier(b, nil, f.clock.Now)
			v.SetFreshness(window, tc.outageTTL)
			live := f.serviceAccountWithKey(t, "live", service.CreateKeyInput{Name: "k"})
			revoked := f.serviceAccountWithKey(t, "revoked", service.CreateKeyInput{Name: "k"})
			for _, k := range []string{live.Key.Secret, revoked.Key.Secret} {
				if _, err := v.VerifyKey(ctx, k, ""); err != nil {
					t.Fatal(err)
				}
			}
			// Confirmations keep cached entries in use past the window.
			loads := b.loads.Load()
			for range 3 {
				f.clock.Advance(window / 2)
				v.Confirm(f.clock.Now())
				if _, err := v.VerifyKey(ctx, live.Key.Secret, ""); err != nil {
					t.Fatal(err)
				}
			}
			if got := b.loads.Load() - loads; got != 0 {
				t.Errorf("loads while confirmed = %d; want 0 (cache hits)", got)
			}
			// Without confirmations, an entry is reloaded once it is a
			// window old.
			f.clock.Advance(window)
			if _, err := v.VerifyKey(ctx, live.Key.Secret, ""); err != nil || b.loads.Load()-loads != 1 {
				t.Errorf("VerifyKey past the window = %v after %d loads; want nil after 1 load", err, b.loads.Load()-loads)
			}
			// A revocation announced (Invalidate) before the outage.
			if _, err := f.svc.RevokeAPIKey(ctx, f.admin, revoked.Key.Key.ID, "leaked"); err != nil {
				t.Fatal(err)
			}
			v.Invalidate()
			if _, err := v.VerifyKey(ctx, live.Key.Secret, ""); err != nil {
				t.Fatal(err)
			}
			b.down.Store(true)
			f.clock.Advance(window + window/2)
			_, err := v.VerifyKey(ctx, live.Key.Secret, "")
			got := reasonOf(err)
			if signet.ErrorCode(err) == signet.EUNAVAILABLE {
				got = signet.EUNAVAILABLE
			}
			if got != tc.want {
				t.Errorf("live key during the outage: %v; want %q", err, tc.want)
			}
			if _, err := v.VerifyKey(ctx, revoked.Key.Secret, ""); err == nil {
				t.Errorf("a key revoked before the outage verified during it")
			}
		})
	}
}
