package authn_test

import (
	"context"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

func TestVerifyKeyAllowedNetworks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testVerifyKeyAllowedNetworks)
}

func testVerifyKeyAllowedNetworks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k", AllowedNetworks: []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"}})
	key := sa.Key.Secret
	tests := []struct {
		name string
		ip   string
		from string // "" means the same as ip
		want string // reason; "" allowed
	}{
		{name: "v4 inside", ip: "10.1.2.3"},
		{name: "v4 single address", ip: "192.0.2.7"},
		{name: "v4 outside", ip: "192.0.2.8", want: authn.ReasonNetworkNotAllowed},
		{name: "v6 inside", ip: "2001:db8::42"},
		{name: "v6 outside", ip: "2001:db9::1", want: authn.ReasonNetworkNotAllowed},
		{name: "v4-mapped v6 inside", ip: "::ffff:10.9.9.9"},
		{name: "v4-mapped v6 outside", ip: "::ffff:11.0.0.1", want: authn.ReasonNetworkNotAllowed},
		{name: "unknown address", ip: "", want: authn.ReasonNetworkNotAllowed},
		{name: "not an address", ip: "unknown", want: authn.ReasonNetworkNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verifier.VerifyKey(ctx, key, tt.ip)
			if got := signet.ErrorReason(err); got != tt.want {
				t.Fatalf("VerifyKey(from %q) = %v (reason %q); want reason %q", tt.ip, err, got, tt.want)
			}
			if err != nil && signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
				t.Errorf("VerifyKey(from %q) code = %s; want %s, as for revoked and expired keys", tt.ip, signet.ErrorCode(err), signet.EUNAUTHENTICATED)
			}
		})
	}

	// The address judged may differ from the one recorded; "" is unknown.
	if _, err := f.verifier.VerifyKeyFrom(ctx, key, "203.0.113.1", "10.0.0.1"); err != nil {
		t.Errorf("VerifyKeyFrom(from inside) = %v; want allowed", err)
	}
	_, err := f.verifier.VerifyKeyFrom(ctx, key, "10.0.0.1", "")
	if signet.ErrorReason(err) != authn.ReasonNetworkNotAllowed || !strings.Contains(signet.ErrorMessage(err), "client_ip") {
		t.Errorf("VerifyKeyFrom(unknown caller) = %v; want network_not_allowed saying to pass client_ip", err)
	}
	if n := f.verifier.Stats().Verifications(authn.OutcomeNetworkNotAllowed); n == 0 {
		t.Error("no network_not_allowed outcome counted")
	}

	// A key without an allowlist works from anywhere, unknown address included.
	open := f.serviceAccountWithKey(t, "open", service.CreateKeyInput{Name: "k"})
	for _, ip := range []string{"", "203.0.113.9", "2001:db9::1"} {
		if _, err := f.verifier.VerifyKey(ctx, open.Key.Secret, ip); err != nil {
			t.Errorf("VerifyKey(no allowlist, from %q) = %v; want allowed", ip, err)
		}
	}

	// A change of the allowlist applies to the next verification.
	if _, err := f.verifier.VerifyKey(ctx, key, "198.51.100.1"); signet.ErrorReason(err) != authn.ReasonNetworkNotAllowed {
		t.Fatalf("before the change: %v; want network_not_allowed", err)
	}
	nets := []string{"198.51.100.0/24"}
	if _, err := f.svc.UpdateAPIKey(ctx, f.admin, sa.Key.Key.ID, service.APIKeyUpdate{AllowedNetworks: &nets}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.VerifyKey(ctx, key, "198.51.100.1"); err != nil {
		t.Errorf("after allowing 198.51.100.0/24: %v; want allowed", err)
	}
	if _, err := f.verifier.VerifyKey(ctx, key, "10.0.0.1"); signet.ErrorReason(err) != authn.ReasonNetworkNotAllowed {
		t.Errorf("after dropping 10.0.0.0/8: %v; want network_not_allowed", err)
	}
}

// TestVerifyKeyAllowlistAllocatesNothing holds the cached path of a key
// with an allowlist to no allocation, from IPv4 and IPv6 alike.
func TestVerifyKeyAllowlistAllocatesNothing(t *testing.T) {
	testdb.ForEach(t, testVerifyKeyAllowlistAllocatesNothing)
}

func testVerifyKeyAllowlistAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sa := f.serviceAccountWithKey(t, "etl", service.CreateKeyInput{Name: "k", AllowedNetworks: []string{"10.0.0.0/8", "2001:db8::/32"}})
	for _, ip := range []string{"10.1.2.3", "2001:db8::7", "192.0.2.1"} {
		f.verifier.VerifyKey(ctx, sa.Key.Secret, ip) // load
		if n := testing.AllocsPerRun(100, func() { f.verifier.VerifyKey(ctx, sa.Key.Secret, ip) }); n != 0 {
			t.Errorf("VerifyKey(cached, allowlist, from %s) allocates %.0f times; want 0", ip, n)
		}
	}
}

func BenchmarkVerifyKeyCachedAllowlist(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	sa := f.serviceAccountWithKey(b, "etl", service.CreateKeyInput{Name: "k", AllowedNetworks: []string{"192.0.2.0/24", "2001:db8::/32", "10.0.0.0/8"}})
	for _, ip := range []string{"10.1.2.3", "2001:db8::7"} {
		b.Run(ip, func(b *testing.B) {
			if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, ip); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.verifier.VerifyKey(ctx, sa.Key.Secret, ip); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
