package authn_test

import (
	"context"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

func TestVerifyKeyEnforcesKeyPolicy(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyEnforcesKeyPolicy)
}

// testVerifyKeyEnforcesKeyPolicy: a key made before the policy was
// tightened keeps working until the policy's enforce_from, is refused
// with policy_violation from then on, and works again when the policy is
// relaxed; a compliant key is never refused.
func testVerifyKeyEnforcesKeyPolicy(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old := f.serviceAccountWithKey(t, "legacy", service.CreateKeyInput{Name: "forever"}).Key.Secret
	compliant := f.serviceAccountWithKey(t, "modern", service.CreateKeyInput{Name: "short", ExpiresIn: 30 * 24 * time.Hour}).Key.Secret
	enforce := f.clock.Now().Add(time.Hour)
	setPolicy := func(t *testing.T, p signet.KeyPolicy) {
		if _, err := f.svc.SetKeyPolicy(ctx, f.admin, p); err != nil {
			t.Fatal(err)
		}
	}
	tightened := signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * 24 * time.Hour, EnforceFrom: &enforce}
	steps := []struct {
		name       string
		change     func(t *testing.T)
		wantOld    string // reason; "" = verifies
		wantModern string
	}{
		{"no policy", func(*testing.T) {}, "", ""},
		{"tightened, not yet enforced", func(t *testing.T) { setPolicy(t, tightened) }, "", ""},
		{"a second before enforce_from", func(*testing.T) { f.clock.Advance(time.Hour - time.Second) }, "", ""},
		{"at enforce_from", func(*testing.T) { f.clock.Advance(time.Second) }, authn.ReasonPolicyViolation, ""},
		{"cached, after", func(*testing.T) { f.clock.Advance(time.Minute) }, authn.ReasonPolicyViolation, ""},
		{"enforcement lifted", func(t *testing.T) { setPolicy(t, signet.KeyPolicy{MaxLifetimeServiceAccount: 90 * 24 * time.Hour}) }, "", ""},
		{"enforced again", func(t *testing.T) { setPolicy(t, tightened) }, authn.ReasonPolicyViolation, ""},
		{"policy relaxed", func(t *testing.T) { setPolicy(t, signet.KeyPolicy{EnforceFrom: &enforce}) }, "", ""},
	}
	for _, s := range steps {
		s.change(t)
		for _, k := range []struct{ name, secret, want string }{{"old key", old, s.wantOld}, {"compliant key", compliant, s.wantModern}} {
			_, err := f.verifier.VerifyKey(ctx, k.secret, "10.0.0.1")
			if got := reasonOf(err); got != k.want || (k.want == "" && err != nil) {
				t.Fatalf("%s: VerifyKey(%s) = %v (reason %q); want reason %q", s.name, k.name, err, got, k.want)
			}
		}
	}
	if n := f.verifier.Stats().Verifications(authn.OutcomePolicyViolation); n != 3 {
		t.Errorf("policy_violation outcomes = %d; want 3", n)
	}
}
