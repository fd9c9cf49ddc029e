package service

import (
	"context"
	"maps"

	signet "github.com/signetdev/signet"
)

// APIKeyUpdate is a partial update of a key's metadata; nil fields are
// left alone. Labels replaces every label (an empty map removes them all).
type APIKeyUpdate struct {
	Name        *string
	Description *string
	Labels      *map[string]string
}

// UpdateAPIKey renames a key, or changes its description or labels.
// Who may is who may revoke it: its owner, or for a service-account key
// api_keys:write or service_accounts:write, for another human's personal
// key api_keys:write. Each change is recorded in one api_key.update
// event as {"old", "new"}; a change that changes nothing is not
// recorded. Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) UpdateAPIKey(ctx context.Context, a *signet.Actor, keyID string, up APIKeyUpdate) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.mutate(ctx, a, "api_key.update", func(o *op) error {
		k, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		o.target("api_key", k.ID, k.Name)
		if err := o.authoriseKeyWrite(k); err != nil {
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
		k.SecretHash = [32]byte{}
		out = k
		if !changed {
			o.noEvent = true
			return nil
		}
		o.detail("owner_id", k.OwnerID)
		return o.tx.UpdateAPIKey(ctx, k)
	})
	return out, err
}

// authoriseKeyWrite is the rule for changing a key's metadata: its owner
// (see op.self), or api_keys:write or service_accounts:write for a
// service-account key, api_keys:write for another human's personal key.
func (o *op) authoriseKeyWrite(k *signet.APIKey) error {
	switch {
	case o.self(k.OwnerID):
		return nil
	case k.Kind == signet.KeyKindServiceAccount:
		return o.authoriseAny("", "api_keys:write", "service_accounts:write")
	default:
		return o.authorise("api_keys:write", "")
	}
}

// labelsDetail is labels as an audit detail: never null, so that a
// change from none reads {"old": {}, "new": {…}}.
func labelsDetail(labels map[string]string) map[string]string {
	if labels == nil {
		return map[string]string{}
	}
	return labels
}
