package service

import (
	"context"
	"maps"
	"net/netip"
	"slices"

	signet "github.com/signetdev/signet"
)

// APIKeyUpdate is a partial update of a key's mutable settings: nil
// fields are left as they are.
type APIKeyUpdate struct {
	Name        *string
	Description *string
	// Labels replaces every label (an empty map removes them all).
	Labels *map[string]string
	// AllowedNetworks replaces the key's network allowlist (see
	// signet.ParseAllowedNetworks); an empty list clears it, so the key
	// works from anywhere again.
	AllowedNetworks *[]string
}

// UpdateAPIKey renames a key, or changes its description, labels or
// network allowlist, audited as one api_key.update with each changed
// field's old and new value; a change that changes nothing is not
// audited. Who may: as for RevokeAPIKey — the owner, api_keys:write or
// service_accounts:write for service-account keys, api_keys:write for
// other humans' personal keys — and also the key itself, for its own
// allowlist only, which it may only narrow (every new network inside one
// it had), so that a leaked key cannot free itself. The verification
// cache is invalidated on commit, so a new allowlist applies to the next
// request on every node. Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) UpdateAPIKey(ctx context.Context, a *signet.Actor, keyID string, up APIKeyUpdate) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.mutate(ctx, a, "api_key.update", func(o *op) error {
		k, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		o.target("api_key", k.ID, k.Name)
		o.detail("owner_id", k.OwnerID)
		itself := k.ID == a.KeyID && up.Name == nil && up.Description == nil && up.Labels == nil
		if err := o.authoriseKeyWrite(k); err != nil && !itself {
			return err
		}
		changed := false
		if up.Name != nil {
			name, err := validateName("API key", *up.Name)
			if err != nil {
				return err
			}
			if name != k.Name {
				o.change("name", k.Name, name)
				k.Name, changed = name, true
			}
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			if desc != k.Description {
				o.change("description", k.Description, desc)
				k.Description, changed = desc, true
			}
		}
		if up.Labels != nil {
			labels := cloneLabels(*up.Labels)
			if err := signet.ValidateLabels("labels", labels); err != nil {
				return err
			}
			if !maps.Equal(labels, k.Labels) {
				o.change("labels", labelsDetail(k.Labels), labelsDetail(labels))
				k.Labels, changed = labels, true
			}
		}
		if up.AllowedNetworks != nil {
			networks, err := signet.ParseAllowedNetworks("allowed_networks", *up.AllowedNetworks)
			if err != nil {
				return err
			}
			if !slices.Equal(networks, k.AllowedNetworks) {
				if k.ID == a.KeyID && !narrows(k.AllowedNetworks, networks) {
					return signet.Errorf(signet.EFORBIDDEN, "a key may only narrow its own network allowlist (every network inside one it has); widen or clear it with another credential")
				}
				o.change("allowed_networks", nonNilNetworks(k.AllowedNetworks), nonNilNetworks(networks))
				k.AllowedNetworks, changed = networks, true
				if err := o.checkAllowlistPolicy(k); err != nil {
					return err
				}
			}
		}
		k.SecretHash = [32]byte{}
		out = k
		if !changed {
			o.noEvent = true
			return nil
		}
		return o.tx.UpdateAPIKey(ctx, k)
	})
	return out, err
}

// narrows reports whether the allowlist next admits no address that old
// does not: it is not empty (empty admits everything) and, when old is
// not empty, each of its networks lies inside one of old's.
func narrows(old, next []netip.Prefix) bool {
	if len(next) == 0 {
		return false
	}
	if len(old) == 0 {
		return true
	}
	for _, p := range next {
		if !slices.ContainsFunc(old, func(q netip.Prefix) bool {
			return q.Addr().BitLen() == p.Addr().BitLen() && q.Bits() <= p.Bits() && q.Contains(p.Addr())
		}) {
			return false
		}
	}
	return true
}

// nonNilNetworks is networks in text form for an audit event, [] for none.
func nonNilNetworks(networks []netip.Prefix) []string {
	if out := signet.FormatNetworks(networks); out != nil {
		return out
	}
	return []string{}
}

// checkAllowlistPolicy refuses an allowlist change that leaves a key
// breaking the key policy's allowlist rule: a rule a key may not be made to
// break after creation either.
func (o *op) checkAllowlistPolicy(k *signet.APIKey) error {
	p, err := loadKeyPolicy(o.ctx, o.tx)
	if err != nil {
		return err
	}
	for _, v := range p.Violations(k) {
		if v.Rule == "require_network_allowlist" {
			return signet.Errorf(signet.EINVALID, "%s: keep at least one network in allowed_networks", v.Message)
		}
	}
	return nil
}
