package signet

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestKeyPolicyViolations(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	expiring := func(kind string, life time.Duration) *APIKey {
		k := &APIKey{Kind: kind, CreatedAt: now}
		if life > 0 {
			k.ExpiresAt = new(now.Add(life))
		}
		return k
	}
	withNets := func(k *APIKey) *APIKey {
		k.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		return k
	}
	revoked := expiring(KeyKindServiceAccount, 0)
	revoked.RevokedAt = &now
	tests := []struct {
		name   string
		policy KeyPolicy
		key    *APIKey
		rules  []string
	}{
		{"no policy", KeyPolicy{}, expiring(KeyKindServiceAccount, 0), nil},
		{"expiry required", KeyPolicy{RequireExpiry: true}, expiring(KeyKindPersonal, 0), []string{"require_expiry"}},
		{"expiry given", KeyPolicy{RequireExpiry: true}, expiring(KeyKindPersonal, day), nil},
		{"too long", KeyPolicy{MaxLifetimeServiceAccount: 90 * day}, expiring(KeyKindServiceAccount, 91*day), []string{"max_lifetime_service_account"}},
		{"never expires under a maximum", KeyPolicy{MaxLifetimeServiceAccount: 90 * day}, expiring(KeyKindServiceAccount, 0), []string{"max_lifetime_service_account"}},
		{"personal maximum does not bind service-account keys", KeyPolicy{MaxLifetimePersonal: day}, expiring(KeyKindServiceAccount, 90*day), nil},
		{"personal too long", KeyPolicy{MaxLifetimePersonal: day}, expiring(KeyKindPersonal, 2*day), []string{"max_lifetime_personal"}},
		{"allowlist required", KeyPolicy{RequireNetworkAllowlist: true}, expiring(KeyKindServiceAccount, 0), []string{"require_network_allowlist"}},
		{"allowlist given", KeyPolicy{RequireNetworkAllowlist: true}, withNets(expiring(KeyKindServiceAccount, 0)), nil},
		{"allowlist not required of personal keys", KeyPolicy{RequireNetworkAllowlist: true}, expiring(KeyKindPersonal, 0), nil},
		{"revoked keys break nothing", KeyPolicy{RequireExpiry: true, RequireNetworkAllowlist: true}, revoked, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rules []string
			for _, v := range tc.policy.Violations(tc.key) {
				rules = append(rules, v.Rule)
				if v.Message == "" {
					t.Errorf("violation %s without a message", v.Rule)
				}
			}
			if strings.Join(rules, ",") != strings.Join(tc.rules, ",") {
				t.Errorf("Violations = %v; want %v", rules, tc.rules)
			}
		})
	}
}

func TestKeyPolicyRotationGrace(t *testing.T) {
	h := time.Hour
	tests := []struct {
		policy  KeyPolicy
		asked   *time.Duration
		want    time.Duration
		invalid bool
	}{
		{KeyPolicy{}, nil, DefaultRotationGrace, false},
		{KeyPolicy{DefaultRotationGrace: 2 * h}, nil, 2 * h, false},
		{KeyPolicy{}, new(time.Duration(0)), 0, false},
		{KeyPolicy{}, new(8 * 24 * h), 0, true},
		{KeyPolicy{MaxRotationGrace: 12 * h}, nil, 12 * h, false},
		{KeyPolicy{MaxRotationGrace: 12 * h}, new(13 * h), 0, true},
		{KeyPolicy{}, new(-h), 0, true},
	}
	for i, tc := range tests {
		got, err := tc.policy.RotationGrace(tc.asked)
		if (err != nil) != tc.invalid || (err == nil && got != tc.want) {
			t.Errorf("%d: RotationGrace = %v, %v; want %v (invalid %v)", i, got, err, tc.want, tc.invalid)
		}
	}
	if w := (KeyPolicy{ExpiryWarnings: []time.Duration{h, 48 * h, h}}).Warnings(); len(w) != 2 || w[0] != 48*h {
		t.Errorf("Warnings = %v; want [48h 1h]", w)
	}
}
