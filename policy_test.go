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

func TestKeyPolicyValidate(t *testing.T) {
	day := 24 * time.Hour
	zero := time.Time{}
	tests := []struct {
		name   string
		policy KeyPolicy
		field  string // named in the error; "" for a valid policy
	}{
		{"zero", KeyPolicy{}, ""},
		{"everything", KeyPolicy{MaxLifetimeServiceAccount: 90 * day, MaxLifetimePersonal: 30 * day, RequireExpiry: true,
			RequireNetworkAllowlist: true, MaxActiveKeysPerAccount: 3, DefaultRotationGrace: day, MaxRotationGrace: 2 * day,
			DisableUnusedAfter: 60 * day, ExpiryWarnings: []time.Duration{7 * day, day}, EnforceFrom: new(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}, ""},
		{"negative lifetime", KeyPolicy{MaxLifetimePersonal: -day}, "max_lifetime_personal"},
		{"negative unused", KeyPolicy{DisableUnusedAfter: -day}, "disable_unused_after"},
		{"negative count", KeyPolicy{MaxActiveKeysPerAccount: -1}, "max_active_keys_per_account"},
		{"default grace over the maximum", KeyPolicy{DefaultRotationGrace: 2 * day, MaxRotationGrace: day}, "default_rotation_grace"},
		{"default grace over the default maximum", KeyPolicy{DefaultRotationGrace: 8 * day}, "default_rotation_grace"},
		{"no warnings", KeyPolicy{ExpiryWarnings: []time.Duration{}}, "expiry_warnings"},
		{"eleven warnings", KeyPolicy{ExpiryWarnings: make([]time.Duration, 11)}, "expiry_warnings"},
		{"zero warning", KeyPolicy{ExpiryWarnings: []time.Duration{day, 0}}, "expiry_warnings"},
		{"zero enforce_from", KeyPolicy{EnforceFrom: &zero}, "enforce_from"},
	}
	for _, tc := range tests {
		err := tc.policy.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: Validate = %v; want nil", tc.name, err)
		case tc.field != "" && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.field)):
			t.Errorf("%s: Validate = %v; want EINVALID naming %s", tc.name, err, tc.field)
		}
	}
}

func TestKeyPolicyRefusal(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	key := func(kind string, life time.Duration) *APIKey {
		k := &APIKey{Kind: kind, CreatedAt: now}
		if life > 0 {
			k.ExpiresAt = new(now.Add(life))
		}
		return k
	}
	tests := []struct {
		name   string
		policy KeyPolicy
		key    *APIKey
		want   string // in the message; "" for no refusal
	}{
		{"complies", KeyPolicy{MaxLifetimeServiceAccount: 90 * day}, key(KeyKindServiceAccount, 90*day), ""},
		{"too long", KeyPolicy{MaxLifetimeServiceAccount: 90 * day}, key(KeyKindServiceAccount, 91*day), "ask for expires_in of 90d or less"},
		{"no expiry under a maximum", KeyPolicy{MaxLifetimePersonal: 30 * day}, key(KeyKindPersonal, 0), "personal keys of at most 30d"},
		{"expiry required", KeyPolicy{RequireExpiry: true}, key(KeyKindPersonal, 0), "ask for an expiry"},
		{"expiry required under a maximum", KeyPolicy{RequireExpiry: true, MaxLifetimeServiceAccount: 7 * day}, key(KeyKindServiceAccount, 0), "expire within 7d"},
		{"allowlist", KeyPolicy{RequireNetworkAllowlist: true}, key(KeyKindServiceAccount, 0), "give allowed_networks"},
	}
	for _, tc := range tests {
		err := tc.policy.Refusal(tc.key)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Refusal = %v; want nil", tc.name, err)
		case tc.want != "" && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.want)):
			t.Errorf("%s: Refusal = %v; want EINVALID saying %q", tc.name, err, tc.want)
		}
	}
	if err := (KeyPolicy{MaxActiveKeysPerAccount: 2}).ActiveKeysRefusal(`"etl"`, 2); ErrorCode(err) != ECONFLICT {
		t.Errorf("ActiveKeysRefusal(2 of 2) = %v; want ECONFLICT", err)
	}
	if err := (KeyPolicy{MaxActiveKeysPerAccount: 2}).ActiveKeysRefusal(`"etl"`, 1); err != nil {
		t.Errorf("ActiveKeysRefusal(1 of 2) = %v; want nil", err)
	}
}
