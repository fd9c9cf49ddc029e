package service

import (
	"context"
	"encoding/json"
	"reflect"
	"time"

	signet "github.com/signetdev/signet"
)

// The organisation's key policy (signet.KeyPolicy) is one setting, stored
// as JSON under signet.KeyPolicySetting. Administrators read it with
// settings:read and set it with settings:write, organisation-wide. It is
// enforced where keys are created and rotated (createKey); keys that break
// a policy tightened after they were made are reported (Violations on the
// keys read, ListAPIKeys' NonCompliant filter) and, from the policy's
// EnforceFrom on, refused by verification (LoadKeyState precomputes what
// the verifier needs).

// GetKeyPolicy returns the key policy: the zero policy (no rules) when none
// has been set. Needs settings:read organisation-wide. Returns EFORBIDDEN.
func (s *Service) GetKeyPolicy(ctx context.Context, a *signet.Actor) (*signet.KeyPolicy, error) {
	var out *signet.KeyPolicy
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		p, err := loadKeyPolicy(ctx, o.tx)
		out = &p
		return err
	})
	return out, err
}

// SetKeyPolicy replaces the key policy with p (its UpdatedAt and UpdatedBy
// are set here). Existing keys are not changed: those that break the new
// policy are reported, and refused from p.EnforceFrom on. The event
// (key_policy.update) records the old and new value of every field that
// changed; setting the policy it already is records nothing. Needs
// settings:write organisation-wide. Returns EINVALID, EFORBIDDEN.
func (s *Service) SetKeyPolicy(ctx context.Context, a *signet.Actor, p signet.KeyPolicy) (*signet.KeyPolicy, error) {
	var out *signet.KeyPolicy
	err := s.mutate(ctx, a, "key_policy.update", func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if p.EnforceFrom != nil {
			t := p.EnforceFrom.UTC()
			p.EnforceFrom = &t
		}
		old, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		o.target("key_policy", "", "key policy")
		oldFields, newFields := policyFields(old), policyFields(p)
		changed := false
		for i, f := range newFields {
			if !reflect.DeepEqual(oldFields[i].value, f.value) {
				o.change(f.name, oldFields[i].value, f.value)
				changed = true
			}
		}
		if !changed {
			o.noEvent = true
			out = &old
			return nil
		}
		p.UpdatedAt, p.UpdatedBy = o.now, o.actorID()
		// Tokens issued under a longer lifetime live on: remember until
		// when, for the signing keys retired meanwhile.
		p.LongerTokensUntil = old.LongerTokensUntil
		if oldLife := old.AccessTokenLifetime(); oldLife > p.AccessTokenLifetime() {
			until := o.now.Add(oldLife)
			if p.LongerTokensUntil == nil || until.After(*p.LongerTokensUntil) {
				p.LongerTokensUntil = &until
			}
		}
		if p.LongerTokensUntil != nil && !p.LongerTokensUntil.After(o.now) {
			p.LongerTokensUntil = nil
		}
		b, err := json.Marshal(p)
		if err != nil {
			return signet.Internal("service.SetKeyPolicy", err)
		}
		if err := o.tx.PutSetting(ctx, signet.KeyPolicySetting, string(b)); err != nil {
			return err
		}
		out = &p
		return nil
	})
	return out, err
}

// policyField is one field of a key policy as the API names and writes it,
// for the audit event of a change.
type policyField struct {
	name  string
	value any
}

// policyFields returns p's fields in the API's names and forms: durations
// as in signet.FormatDuration ("0" for none), expiry warnings as a list of
// those (nil: the defaults), enforce_from in RFC 3339 (nil: never).
func policyFields(p signet.KeyPolicy) []policyField {
	var warnings []string
	for _, w := range p.ExpiryWarnings {
		warnings = append(warnings, policyDuration(w))
	}
	var enforce any
	if p.EnforceFrom != nil {
		enforce = p.EnforceFrom.UTC().Format(time.RFC3339Nano)
	}
	return []policyField{
		{"max_lifetime_service_account", policyDuration(p.MaxLifetimeServiceAccount)},
		{"max_lifetime_personal", policyDuration(p.MaxLifetimePersonal)},
		{"require_expiry", p.RequireExpiry},
		{"require_network_allowlist", p.RequireNetworkAllowlist},
		{"max_active_keys_per_account", p.MaxActiveKeysPerAccount},
		{"default_rotation_grace", policyDuration(p.DefaultRotationGrace)},
		{"max_rotation_grace", policyDuration(p.MaxRotationGrace)},
		{"disable_unused_after", policyDuration(p.DisableUnusedAfter)},
		{"token_lifetime", policyDuration(p.TokenLifetime)},
		{"expiry_warnings", warnings},
		{"token_lifetime", policyDuration(p.TokenLifetime)},
		{"enforce_from", enforce},
	}
}

// policyDuration writes a policy's duration as the API does: "0" for none.
func policyDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return signet.FormatDuration(d)
}

// keyViolations returns the rules of p that k breaks at now: none for a
// key that no longer works anyway (revoked or expired).
func keyViolations(p *signet.KeyPolicy, k *signet.APIKey, now time.Time) []signet.Violation {
	switch k.Status(now) {
	case signet.KeyStatusRevoked, signet.KeyStatusExpired:
		return nil
	}
	return p.Violations(k)
}

// checkKeyPolicy refuses a key about to be created under the key policy:
// the per-key rules (signet.KeyPolicy.Refusal, the rules the
// non-compliance report applies too) and the account's active key count.
// A rotation's successor is not counted against the account: it replaces
// a key that is going away. Keys already rotated (in their grace period)
// are not counted either.
func (o *op) checkKeyPolicy(owner *signet.User, k *signet.APIKey, rotation bool) error {
	p, err := loadKeyPolicy(o.ctx, o.tx)
	if err != nil {
		return err
	}
	if err := p.Refusal(k); err != nil {
		return err
	}
	if p.MaxActiveKeysPerAccount <= 0 || rotation {
		return nil
	}
	keys, err := allPages(func(pg signet.Page) ([]*signet.APIKey, string, error) {
		return o.tx.ListAPIKeys(o.ctx, signet.APIKeyFilter{OwnerID: owner.ID, Kind: k.Kind, Status: signet.KeyStatusActive, Now: o.now, Page: pg})
	})
	if err != nil {
		return err
	}
	active := 0
	for _, x := range keys {
		if x.RotatedTo == "" {
			active++
		}
	}
	return p.ActiveKeysRefusal(quote(owner.Name), active)
}

// nonCompliantKeys lists the keys f selects that break p, a page of
// f.Limit at most. Storage cannot tell (the policy is not SQL), so it
// scans the keys f selects in pages of signet.MaxPageSize, in one read
// transaction: the cost is one pass over those keys per page asked for,
// acceptable for a report an administrator runs.
func (o *op) nonCompliantKeys(f signet.APIKeyFilter, p *signet.KeyPolicy) ([]*signet.APIKey, string, error) {
	limit := f.Limit
	f.Limit = signet.MaxPageSize
	var out []*signet.APIKey
	for {
		keys, next, err := o.tx.ListAPIKeys(o.ctx, f)
		if err != nil {
			return nil, "", err
		}
		for i, k := range keys {
			if k.Violations = keyViolations(p, k, o.now); len(k.Violations) == 0 {
				continue
			}
			out = append(out, k)
			if len(out) == limit {
				if i < len(keys)-1 || next != "" {
					return out, signet.EncodeCursor(k.ID), nil
				}
				return out, "", nil
			}
		}
		if next == "" {
			return out, "", nil
		}
		f.Cursor = next
	}
}
