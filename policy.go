package signet

import (
	"fmt"
	"slices"
	"time"
)

// KeyPolicy is the organisation's rules for API keys, set by an
// administrator. The service enforces it where keys are created and
// rotated; keys made before a rule was tightened are not revoked but
// reported as non-compliant (Violations) and, from EnforceFrom on,
// refused. The zero value imposes nothing.
type KeyPolicy struct {
	// MaxLifetimeServiceAccount and MaxLifetimePersonal bound how long a
	// new key of each kind may live; 0 means no bound.
	MaxLifetimeServiceAccount time.Duration `json:"max_lifetime_service_account,omitempty"`
	MaxLifetimePersonal       time.Duration `json:"max_lifetime_personal,omitempty"`
	// RequireExpiry refuses keys that never expire.
	RequireExpiry bool `json:"require_expiry,omitempty"`
	// RequireNetworkAllowlist refuses service-account keys without
	// AllowedNetworks.
	RequireNetworkAllowlist bool `json:"require_network_allowlist,omitempty"`
	// MaxActiveKeysPerAccount bounds the active keys one account (a
	// service account, or a human's personal keys) may hold; 0 means no
	// bound.
	MaxActiveKeysPerAccount int `json:"max_active_keys_per_account,omitempty"`
	// DefaultRotationGrace is how long a rotated key keeps working when a
	// rotation names no grace; MaxRotationGrace bounds the grace asked
	// for (0: DefaultMaxRotationGrace).
	DefaultRotationGrace time.Duration `json:"default_rotation_grace,omitempty"`
	MaxRotationGrace     time.Duration `json:"max_rotation_grace,omitempty"`
	// DisableUnusedAfter disables keys not used for this long (never-used
	// keys count from creation); 0 means never.
	DisableUnusedAfter time.Duration `json:"disable_unused_after,omitempty"`
	// ExpiryWarnings are how long before its expiry a key is warned about,
	// one warning per threshold; nil means DefaultExpiryWarnings.
	ExpiryWarnings []time.Duration `json:"expiry_warnings,omitempty"`
	// TokenLifetime is how long the access tokens the token endpoint
	// issues live; 0 means DefaultTokenLifetime. At most MaxTokenLifetime.
	TokenLifetime time.Duration `json:"token_lifetime,omitempty"`
	// LongerTokensUntil is, after TokenLifetime was shortened, when the
	// last token issued under the longer lifetime expires: a signing key
	// retired before then stays published until then. Kept by the
	// service, not set by administrators.
	LongerTokensUntil *time.Time `json:"longer_tokens_until,omitempty"`
	// EnforceFrom, when set, is when keys that break the policy start to
	// be refused (reason policy_violation); before it they are only
	// reported.
	EnforceFrom *time.Time `json:"enforce_from,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	UpdatedBy   string     `json:"updated_by,omitempty"`
}

// Key policy defaults.
const (
	DefaultRotationGrace    = 24 * time.Hour
	DefaultMaxRotationGrace = 7 * 24 * time.Hour
)

// DefaultExpiryWarnings are the thresholds keys are warned about by
// default: 14, 7 and 1 days before they expire.
var DefaultExpiryWarnings = []time.Duration{14 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour}

// KeyPolicySetting is the settings key the policy is stored under (JSON).
const KeyPolicySetting = "key_policy"

// RotationGrace returns the grace of a rotation: the one asked for, or the
// policy's default; EINVALID when it is negative or beyond the maximum.
func (p KeyPolicy) RotationGrace(asked *time.Duration) (time.Duration, error) {
	maxGrace := p.MaxRotationGrace
	if maxGrace <= 0 {
		maxGrace = DefaultMaxRotationGrace
	}
	grace := p.DefaultRotationGrace
	if p.DefaultRotationGrace <= 0 {
		grace = min(DefaultRotationGrace, maxGrace)
	}
	if asked != nil {
		grace = *asked
	}
	if grace < 0 || grace > maxGrace {
		return 0, Errorf(EINVALID, "grace must be between 0 (the old key stops at once) and %s (the key policy's maximum rotation grace)", FormatDuration(maxGrace))
	}
	return grace, nil
}

// Warnings returns the expiry warning thresholds, longest first.
func (p KeyPolicy) Warnings() []time.Duration {
	w := p.ExpiryWarnings
	if w == nil {
		w = DefaultExpiryWarnings
	}
	out := slices.Clone(w)
	slices.SortFunc(out, func(a, b time.Duration) int { return int((b - a) / time.Second) })
	return slices.Compact(out)
}

// Violation is one rule of the policy a key breaks.
type Violation struct {
	Rule    string `json:"rule"`    // e.g. "max_lifetime_service_account"
	Message string `json:"message"` // what breaks it, and what would pass
}

// Violations returns the rules key k (whose owner is of ownerKind, a
// KeyKind*) breaks, ignoring MaxActiveKeysPerAccount (a rule about the
// account, checked when a key is added). An empty result is a compliant
// key. Revoked keys break nothing.
func (p KeyPolicy) Violations(k *APIKey) []Violation {
	if k.RevokedAt != nil {
		return nil
	}
	var out []Violation
	maxLife, rule := p.MaxLifetimeServiceAccount, "max_lifetime_service_account"
	if k.Kind == KeyKindPersonal {
		maxLife, rule = p.MaxLifetimePersonal, "max_lifetime_personal"
	}
	switch {
	case k.ExpiresAt == nil && (p.RequireExpiry || maxLife > 0):
		r := "require_expiry"
		if !p.RequireExpiry {
			r = rule
		}
		msg := "the key never expires, and the key policy requires an expiry"
		if maxLife > 0 {
			msg += fmt.Sprintf(" of at most %s", FormatDuration(maxLife))
		}
		out = append(out, Violation{Rule: r, Message: msg})
	case k.ExpiresAt != nil && maxLife > 0 && k.ExpiresAt.Sub(k.CreatedAt) > maxLife:
		out = append(out, Violation{Rule: rule, Message: fmt.Sprintf("the key lives %s, more than the key policy's maximum of %s for %s keys",
			FormatDuration(k.ExpiresAt.Sub(k.CreatedAt).Round(time.Second)), FormatDuration(maxLife), kindWords(k.Kind))})
	}
	if p.RequireNetworkAllowlist && k.Kind == KeyKindServiceAccount && len(k.AllowedNetworks) == 0 {
		out = append(out, Violation{Rule: "require_network_allowlist",
			Message: "the key has no network allowlist, and the key policy requires one for service-account keys (allowed_networks, e.g. 10.0.0.0/8)"})
	}
	return out
}

// Enforced reports whether keys breaking the policy are refused at now.
func (p KeyPolicy) Enforced(now time.Time) bool {
	return p.EnforceFrom != nil && !now.Before(*p.EnforceFrom)
}

func kindWords(kind string) string {
	if kind == KeyKindPersonal {
		return "personal"
	}
	return "service-account"
}

// Key policy bounds on its own settings.
const (
	// MaxExpiryWarnings bounds how many expiry warning thresholds a policy
	// may set.
	MaxExpiryWarnings = 10
)

// Validate checks a policy an administrator asks for: durations and the
// key count not negative, the default rotation grace within the maximum,
// one to MaxExpiryWarnings expiry warnings longer than zero when they are
// set, and EnforceFrom a real time. Messages name the API's fields.
// Returns EINVALID.
func (p KeyPolicy) Validate() error {
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"max_lifetime_service_account", p.MaxLifetimeServiceAccount},
		{"max_lifetime_personal", p.MaxLifetimePersonal},
		{"default_rotation_grace", p.DefaultRotationGrace},
		{"max_rotation_grace", p.MaxRotationGrace},
		{"disable_unused_after", p.DisableUnusedAfter},
		{"token_lifetime", p.TokenLifetime},
	} {
		if d.v < 0 {
			return Errorf(EINVALID, "%s must not be negative: give a duration such as 90d, or 0 for no bound", d.field)
		}
	}
	if p.TokenLifetime > MaxTokenLifetime {
		return FieldErrorf("token_lifetime", EINVALID, "token_lifetime must be at most %s: an access token cannot be revoked at offline verifiers before it expires", FormatDuration(MaxTokenLifetime))
	}
	if p.MaxActiveKeysPerAccount < 0 {
		return Errorf(EINVALID, "max_active_keys_per_account must not be negative: give a count such as 5, or 0 for no bound")
	}
	maxGrace := p.MaxRotationGrace
	if maxGrace <= 0 {
		maxGrace = DefaultMaxRotationGrace
	}
	if p.DefaultRotationGrace > maxGrace {
		return Errorf(EINVALID, "default_rotation_grace (%s) must not exceed the maximum rotation grace (%s): lower it, or raise max_rotation_grace",
			FormatDuration(p.DefaultRotationGrace), FormatDuration(maxGrace))
	}
	if p.ExpiryWarnings != nil {
		if len(p.ExpiryWarnings) == 0 || len(p.ExpiryWarnings) > MaxExpiryWarnings {
			return Errorf(EINVALID, "expiry_warnings must hold 1 to %d durations, such as [\"14d\", \"7d\", \"1d\"]; leave it out for those defaults", MaxExpiryWarnings)
		}
		for _, w := range p.ExpiryWarnings {
			if w <= 0 {
				return Errorf(EINVALID, "expiry_warnings must be durations longer than zero, such as 7d")
			}
		}
	}
	if p.EnforceFrom != nil && p.EnforceFrom.IsZero() {
		return Errorf(EINVALID, "enforce_from must be a time such as 2027-01-01T00:00:00Z, or null to only report keys that break the policy")
	}
	return nil
}

// Refusal returns why key k, about to be created (or to succeed a key in
// a rotation), may not be: the first rule of the policy it breaks, said as
// what to ask for instead (EINVALID); nil when it complies. The rules are
// those of Violations, so that a key refused at creation is the key the
// non-compliance report lists.
func (p KeyPolicy) Refusal(k *APIKey) error {
	vs := p.Violations(k)
	if len(vs) == 0 {
		return nil
	}
	maxLife := p.MaxLifetimeServiceAccount
	if k.Kind == KeyKindPersonal {
		maxLife = p.MaxLifetimePersonal
	}
	switch v := vs[0]; v.Rule {
	case "max_lifetime_service_account", "max_lifetime_personal":
		return Errorf(EINVALID, "the key policy allows %s keys of at most %s (%s): ask for expires_in of %s or less",
			kindWords(k.Kind), FormatDuration(maxLife), v.Rule, FormatDuration(maxLife))
	case "require_expiry":
		if maxLife > 0 {
			return Errorf(EINVALID, "the key policy requires %s keys to expire within %s (require_expiry): ask for expires_in of %s or less",
				kindWords(k.Kind), FormatDuration(maxLife), FormatDuration(maxLife))
		}
		return Errorf(EINVALID, "the key policy requires every key to expire (require_expiry): ask for an expiry, such as expires_in of 90d")
	case "require_network_allowlist":
		return Errorf(EINVALID, "the key policy requires service-account keys to carry a network allowlist (require_network_allowlist): give allowed_networks, such as [\"10.0.0.0/8\"]")
	default:
		return Errorf(EINVALID, "%s (%s)", v.Message, v.Rule)
	}
}

// ActiveKeysRefusal returns why an account holding active keys (not
// counting those being rotated away) may not have one more (ECONFLICT);
// nil when the policy allows it.
func (p KeyPolicy) ActiveKeysRefusal(ownerName string, active int) error {
	if p.MaxActiveKeysPerAccount <= 0 || active < p.MaxActiveKeysPerAccount {
		return nil
	}
	return Errorf(ECONFLICT, "%s already has %d active API keys, the most the key policy allows (max_active_keys_per_account): revoke one first, or rotate one instead of adding a key",
		ownerName, active)
}
