package service

import (
	"context"
	"slices"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/internal/id"
)

// CreateAPIKey mints a key for ownerID. For a service account it needs
// api_keys:write or service_accounts:write, and the key's access (the
// account's, narrowed by the key's scopes) must be covered by the actor's
// (no escalation). A human may create personal keys for itself only,
// never wider than the credential it is using. The secret is in the result
// only. Returns EINVALID, ENOTFOUND, ECONFLICT for a disabled or deleted
// owner, EFORBIDDEN.
func (s *Service) CreateAPIKey(ctx context.Context, a *signet.Actor, ownerID string, in CreateKeyInput) (*CreatedKey, error) {
	var out *CreatedKey
	err := s.mutate(ctx, a, "api_key.create", func(o *op) error {
		// Deleted owners are looked up too, for a precise message.
		owner, err := o.tx.GetUser(ctx, ownerID)
		if err != nil {
			return notFound(err, "%s %q not found", idNoun(ownerID), ownerID)
		}
		o.target("api_key", "", in.Name)
		o.detail("owner_id", owner.ID)
		o.detail("owner_name", owner.Name)
		k, err := o.createKey(owner, in)
		if err != nil {
			return err
		}
		o.recordKey(owner, k.Key)
		out = k
		return nil
	})
	return out, err
}

// recordKey fills in the api_key.create event of a new key k of owner.
func (o *op) recordKey(owner *signet.User, k *signet.APIKey) {
	o.target("api_key", k.ID, k.Name)
	o.detail("owner_id", owner.ID)
	o.detail("owner_name", owner.Name)
	o.detail("kind", k.Kind)
	if k.ExpiresAt != nil {
		o.detail("expires_at", k.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if len(k.Scopes) > 0 {
		o.detail("scopes", k.Scopes)
	}
	if len(k.AllowedNetworks) > 0 {
		o.detail("allowed_networks", signet.FormatNetworks(k.AllowedNetworks))
	}
	if len(k.Labels) > 0 {
		o.detail("labels", k.Labels)
	}
}

// createKey is the one place a key is minted, by CreateAPIKey and by
// CreateServiceAccount; the caller records it in the audit event.
func (o *op) createKey(owner *signet.User, in CreateKeyInput) (*CreatedKey, error) {
	var kind string
	switch {
	case owner.IsServiceAccount():
		if err := o.authoriseAny("", "api_keys:write", "service_accounts:write"); err != nil {
			return nil, err
		}
		kind = signet.KeyKindServiceAccount
	case o.self(owner.ID) || o.actor.System:
		kind = signet.KeyKindPersonal
	case owner.ID == o.actor.UserID:
		// A scoped key minting a sibling would outlive its own
		// revocation; it needs api_keys:write among its scopes.
		if err := o.authorise("api_keys:write", ""); err != nil {
			return nil, err
		}
		kind = signet.KeyKindPersonal
	default:
		return nil, signet.Errorf(signet.EFORBIDDEN, "personal API keys can only be created by their owner")
	}
	switch owner.Status {
	case signet.StatusDeleted:
		return nil, signet.Errorf(signet.ECONFLICT, "%s has been deleted; it cannot have new API keys", quote(owner.Name))
	case signet.StatusDisabled:
		return nil, signet.Errorf(signet.ECONFLICT, "%s is disabled; enable it before creating API keys", quote(owner.Name))
	}
	name, err := validateName("API key", in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := validateDescription(in.Description)
	if err != nil {
		return nil, err
	}
	expires, err := keyExpiry(in, o.now)
	if err != nil {
		return nil, err
	}
	scopes, err := o.validateScopes(in.Scopes)
	if err != nil {
		return nil, err
	}
	networks, err := signet.ParseAllowedNetworks("allowed_networks", in.AllowedNetworks)
	if err != nil {
		return nil, err
	}
	if err := signet.ValidateLabels("labels", in.Labels); err != nil {
		return nil, err
	}
	ownerAccess, err := o.accessOfUser(owner)
	if err != nil {
		return nil, err
	}
	keyAccess := ownerAccess.Narrow(scopes)
	if err := o.checkNoEscalation(&keyAccess, "a key for "+quote(owner.Name)); err != nil {
		return nil, err
	}
	secret, parsed, err := apikey.Generate(apikey.KindOf(kind), id.Raw())
	if err != nil {
		return nil, signet.Internal("service.createKey", err)
	}
	k := &signet.APIKey{
		ID:              parsed.ID(),
		Kind:            kind,
		OwnerID:         owner.ID,
		Name:            name,
		Description:     desc,
		SecretHash:      parsed.Hash(),
		Hint:            apikey.Hint(secret),
		Scopes:          scopes,
		CreatedBy:       o.actorID(),
		CreatedAt:       o.now,
		ExpiresAt:       expires,
		LoginDevice:     in.loginDevice,
		AllowedNetworks: networks,
		Labels:          cloneLabels(in.Labels),
		Lifetime:        keyLifetime(expires, o.now),
	}
	if in.rotates != nil {
		rotatedFrom(k, in.rotates)
	}
	// After the rotation's copy of the allowlist: the policy judges the key
	// as it will be stored.
	if err := o.checkKeyPolicy(owner, k, in.rotates != nil); err != nil {
		return nil, err
	}
	if err := o.tx.CreateAPIKey(o.ctx, k); err != nil {
		return nil, err
	}
	shown := *k
	shown.SecretHash = [32]byte{}
	return &CreatedKey{Key: &shown, Secret: secret}, nil
}

// keyExpiry returns the expiry asked for: ExpiresAt, or now + ExpiresIn;
// nil for a key that does not expire.
func keyExpiry(in CreateKeyInput, now time.Time) (*time.Time, error) {
	switch {
	case in.ExpiresAt != nil && in.ExpiresIn != 0:
		return nil, signet.FieldErrorf("expires_in", signet.EINVALID, "give either expires_at or expires_in, not both")
	case in.ExpiresIn < 0:
		return nil, signet.FieldErrorf("expires_in", signet.EINVALID, "expires_in must be longer than zero, such as 30d")
	case in.ExpiresIn > 0:
		t := now.Add(in.ExpiresIn).UTC()
		return &t, nil
	case in.ExpiresAt != nil:
		if !in.ExpiresAt.After(now) {
			return nil, signet.FieldErrorf("expires_at", signet.EINVALID, "expires_at must be in the future")
		}
		t := in.ExpiresAt.UTC().Truncate(time.Microsecond) // storage's precision
		return &t, nil
	}
	return nil, nil
}

// keyLifetime is the expiry rule of a key created at now to expire at
// expires: the span between them; 0 for a key that never expires.
func keyLifetime(expires *time.Time, now time.Time) time.Duration {
	if expires == nil {
		return 0
	}
	return expires.Sub(now)
}

// validateScopes checks every scope is a known permission, and returns
// them sorted without repeats (nil for none).
func (o *op) validateScopes(scopes []string) ([]string, error) {
	out := dedupe(scopes)
	for _, p := range out {
		if !o.cat.Has(p) {
			return nil, signet.Errorf(signet.EINVALID, "unknown permission %q in scopes; choose one from the permission catalogue (GET /api/v1/permissions, signet roles permissions)", p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// canSeeKey reports whether the actor may read k: its own keys (with a
// scoped key, only that key itself);
// service-account keys with api_keys:read or service_accounts:read; other
// humans' personal keys with api_keys:read.
func (o *op) canSeeKey(k *signet.APIKey) bool {
	if o.self(k.OwnerID) || (k.ID == o.actor.KeyID && k.ID != "") {
		return true
	}
	if o.access.Can("api_keys:read", "") {
		return true
	}
	return k.Kind == signet.KeyKindServiceAccount && o.access.Can("service_accounts:read", "")
}

// ListAPIKeys lists keys, revoked and expired ones included. An actor's
// own keys are always visible; otherwise service-account keys need
// api_keys:read or service_accounts:read, and personal keys of others
// api_keys:read. Without any of these and no owner filter, the list is the
// actor's own keys. Secret hashes are never returned. Returns EINVALID,
// EFORBIDDEN.
func (s *Service) ListAPIKeys(ctx context.Context, a *signet.Actor, f signet.APIKeyFilter) ([]*signet.APIKey, string, error) {
	var out []*signet.APIKey
	var next string
	err := s.view(ctx, a, func(o *op) error {
		switch f.Kind {
		case "", signet.KeyKindServiceAccount, signet.KeyKindPersonal:
		default:
			return signet.Errorf(signet.EINVALID, "kind must be %q or %q", signet.KeyKindServiceAccount, signet.KeyKindPersonal)
		}
		switch f.Status {
		case "", signet.KeyStatusActive, signet.KeyStatusRevoked, signet.KeyStatusExpired, signet.KeyStatusDisabled:
		default:
			return signet.Errorf(signet.EINVALID, "status must be %q, %q, %q or %q", signet.KeyStatusActive, signet.KeyStatusRevoked, signet.KeyStatusExpired, signet.KeyStatusDisabled)
		}
		if err := signet.ValidateLabels("label", f.Labels); err != nil {
			return err
		}
		own := f.OwnerID != "" && o.self(f.OwnerID)
		allKeys := o.access.Can("api_keys:read", "")
		saKeys := o.access.Can("service_accounts:read", "")
		switch {
		case own || allKeys:
		case saKeys && f.Kind == signet.KeyKindServiceAccount:
		case saKeys && f.Kind == "" && f.OwnerID == "":
			f.Kind = signet.KeyKindServiceAccount
		case saKeys && f.Kind == "":
			// An owner filter: the owner's kind decides.
			u, err := o.tx.GetUser(ctx, f.OwnerID)
			if err != nil || !u.IsServiceAccount() {
				return forbidden("", "api_keys:read")
			}
		case f.OwnerID == "" && o.self(a.UserID):
			f.OwnerID = a.UserID
		default:
			return forbidden("", "api_keys:read", "service_accounts:read")
		}
		var err error
		if f.Page, err = validatePage(f.Page); err != nil {
			return err
		}
		f.Now = o.now
		policy, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		if f.NonCompliant {
			out, next, err = o.nonCompliantKeys(f, &policy)
		} else {
			out, next, err = o.tx.ListAPIKeys(ctx, f)
		}
		for _, k := range out {
			k.SecretHash = [32]byte{}
			k.Violations = keyViolations(&policy, k, o.now)
		}
		return err
	})
	return out, next, err
}

// GetAPIKey returns one key, by the visibility rules of ListAPIKeys,
// without its secret hash. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetAPIKey(ctx context.Context, a *signet.Actor, keyID string) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.view(ctx, a, func(o *op) error {
		k, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		if !o.canSeeKey(k) {
			return forbidden("", "api_keys:read")
		}
		policy, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		k.SecretHash = [32]byte{}
		k.Violations = keyViolations(&policy, k, o.now)
		out = k
		return nil
	})
	return out, err
}

// RevokeAPIKey revokes a key with an optional reason. Owners may revoke
// their own keys; service-account keys need api_keys:write or
// service_accounts:write, and other humans' personal keys api_keys:write.
// It is idempotent: revoking a revoked key returns it unchanged, with its
// first revocation's time, actor and reason, and is not audited again.
// Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) RevokeAPIKey(ctx context.Context, a *signet.Actor, keyID, reason string) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.mutate(ctx, a, "api_key.revoke", func(o *op) error {
		k, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		o.target("api_key", k.ID, k.Name)
		o.detail("owner_id", k.OwnerID)
		if owner, err := o.tx.GetUser(ctx, k.OwnerID); err == nil {
			o.detail("owner_name", owner.Name)
		}
		// Owners may revoke their own keys, and any key may revoke
		// itself: giving up power is never escalation.
		own := o.self(k.OwnerID) || k.ID == a.KeyID
		switch {
		case own:
		case k.Kind == signet.KeyKindServiceAccount:
			if err := o.authoriseAny("", "api_keys:write", "service_accounts:write"); err != nil {
				return err
			}
		default:
			if err := o.authorise("api_keys:write", ""); err != nil {
				return err
			}
		}
		reason, err := validateText("reason", reason, signet.MaxReasonLen)
		if err != nil {
			return err
		}
		revoked, err := o.tx.RevokeAPIKey(ctx, k.ID, o.now, o.actorID(), reason)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		if !revoked {
			o.noEvent = true
		}
		if reason != "" {
			o.detail("reason", reason)
		}
		k, err = o.tx.GetAPIKey(ctx, k.ID)
		if err != nil {
			return err
		}
		k.SecretHash = [32]byte{}
		out = k
		return nil
	})
	return out, err
}
