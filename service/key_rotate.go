package service

import (
	"context"
	"slices"
	"time"

	signet "github.com/signetdev/signet"
)

// RotateKeyInput asks for a rotation. Grace is how long the old key keeps
// working; nil means the key policy's default (signet.KeyPolicy.RotationGrace).
type RotateKeyInput struct {
	Grace *time.Duration
}

// RotatedKey is the result of a rotation: the successor, whose secret is
// shown here only, and the rotated key as it now stands (expiring at the
// end of the grace, linked to its successor).
type RotatedKey struct {
	Key      *CreatedKey
	Previous *signet.APIKey
}

// RotateAPIKey replaces a key by a new one in one transaction. The
// successor has the same owner, name, description, scopes, network
// allowlist, labels and expiry rule (it expires its Lifetime after its own
// creation; never, when the old key never expires), and is made by
// createKey like any key, so every rule of key creation (permissions, no
// escalation, the key policy) applies to it: whoever may create a key for
// the owner may rotate the owner's keys. The old key then expires at now
// + grace (0: at once), never later than it already did, and is linked to
// its successor (RotatedTo, RotatedAt; the successor's RotatedFrom).
//
// The rotation is one audit event, api_key.rotate, whose target is the
// old key — the key named in the request, like a revocation's — and whose
// details name both (old_key_id, new_key_id). Caches are told at commit,
// so the old key is refused (reason expired) on every replica within the
// revocation bound once its grace ends.
//
// Returns ENOTFOUND, EFORBIDDEN, EINVALID (a grace beyond the policy's
// maximum, or a successor the key policy refuses), ECONFLICT for a key
// that is revoked, disabled, expired or already rotated, or whose owner
// is disabled or deleted.
func (s *Service) RotateAPIKey(ctx context.Context, a *signet.Actor, keyID string, in RotateKeyInput) (*RotatedKey, error) {
	var out *RotatedKey
	err := s.mutate(ctx, a, "api_key.rotate", func(o *op) error {
		old, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		o.target("api_key", old.ID, old.Name)
		if !o.canSeeKey(old) {
			return forbidden("", "api_keys:write")
		}
		if err := checkRotatable(old, o.now); err != nil {
			return err
		}
		owner, err := o.tx.GetUser(ctx, old.OwnerID)
		if err != nil {
			return err
		}
		policy, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		grace, err := policy.RotationGrace(in.Grace)
		if err != nil {
			return err
		}
		created, err := o.createKey(owner, CreateKeyInput{
			Name:        old.Name,
			Description: old.Description,
			ExpiresIn:   rotationLifetime(old),
			Scopes:      old.Scopes,
			Labels:      old.Labels,
			rotates:     old,
		})
		if err != nil {
			return err
		}
		next := created.Key
		until := o.now.Add(grace).UTC()
		if old.ExpiresAt != nil && old.ExpiresAt.Before(until) {
			until = *old.ExpiresAt
		}
		old.ExpiresAt = &until
		old.RotatedTo = next.ID
		at := o.now
		old.RotatedAt = &at
		if err := o.tx.UpdateAPIKey(ctx, old); err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		o.detail("old_key_id", old.ID)
		o.detail("new_key_id", next.ID)
		o.detail("owner_id", owner.ID)
		o.detail("owner_name", owner.Name)
		o.detail("kind", next.Kind)
		o.detail("grace", signet.FormatDuration(grace))
		o.detail("old_expires_at", until.Format(time.RFC3339))
		if next.ExpiresAt != nil {
			o.detail("new_expires_at", next.ExpiresAt.UTC().Format(time.RFC3339))
		}
		old.SecretHash = [32]byte{}
		out = &RotatedKey{Key: created, Previous: old}
		return nil
	})
	return out, err
}

// checkRotatable refuses a key that cannot be rotated at now: one that
// no longer works, or that has a successor already.
func checkRotatable(k *signet.APIKey, now time.Time) error {
	if k.RotatedTo != "" {
		return signet.Errorf(signet.ECONFLICT, "API key %q was rotated already, to %q; rotate that key instead", k.ID, k.RotatedTo)
	}
	switch k.Status(now) {
	case signet.KeyStatusRevoked:
		return signet.Errorf(signet.ECONFLICT, "API key %q is revoked; a revoked key cannot be rotated (create a new key instead)", k.ID)
	case signet.KeyStatusDisabled:
		return signet.Errorf(signet.ECONFLICT, "API key %q is disabled; enable it before rotating it, or create a new key", k.ID)
	case signet.KeyStatusExpired:
		return signet.Errorf(signet.ECONFLICT, "API key %q has expired; an expired key cannot be rotated (create a new key instead)", k.ID)
	}
	return nil
}

// rotationLifetime is the expiry rule a successor of k gets: k's
// Lifetime, or for a key made before lifetimes were recorded, the span
// from its creation to its expiry; 0 (never expires) when k never
// expires.
func rotationLifetime(k *signet.APIKey) time.Duration {
	switch {
	case k.ExpiresAt == nil:
		return 0
	case k.Lifetime > 0:
		return k.Lifetime
	}
	return max(k.ExpiresAt.Sub(k.CreatedAt), time.Microsecond)
}

// rotatedFrom makes the new key k the successor of old: linked to it,
// with its network allowlist. (createKey calls it before storing k, so
// that the key policy sees the successor as it will be.)
func rotatedFrom(k, old *signet.APIKey) {
	k.RotatedFrom = old.ID
	k.AllowedNetworks = slices.Clone(old.AllowedNetworks)
}
