package service

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// Key lifecycle: expiry warnings, disabling unused keys, and disabling and
// enabling keys by hand.
//
// RunKeyLifecycle is the periodic job every `signet serve` runs. It is safe
// to run on every replica at once: a warning is recorded with
// store.Tx.RecordKeyWarning (insert-once per key and threshold) in the
// transaction that appends its audit event, so one process records it and
// the others find it recorded; a key is disabled in a transaction that
// first reads it again, so a key disabled (or used) meanwhile is left
// alone.

// Audit actions of the key lifecycle.
const (
	// ActionKeyExpiring is the warning that a key expires soon, recorded
	// by the system actor once per key and threshold.
	ActionKeyExpiring = "api_key.expiring"
	ActionKeyDisable  = "api_key.disable"
	ActionKeyEnable   = "api_key.enable"
)

// DisableAPIKey disables a key with an optional reason: it is refused
// (reason key_disabled) until enabled again. Whoever may revoke the key may
// disable it: its owner, the key itself, and for others api_keys:write
// (service-account keys: or service_accounts:write). Disabling a disabled
// key returns it unchanged and is not audited again. Returns EINVALID,
// ENOTFOUND, ECONFLICT for a revoked key, EFORBIDDEN.
func (s *Service) DisableAPIKey(ctx context.Context, a *signet.Actor, keyID, reason string) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.mutate(ctx, a, ActionKeyDisable, func(o *op) error {
		k, err := o.keyToChange(keyID)
		if err != nil {
			return err
		}
		if err := o.authoriseKeyAdmin(k, true); err != nil {
			return err
		}
		reason, err := validateText("reason", reason, signet.MaxReasonLen)
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return signet.Errorf(signet.ECONFLICT, "API key %q is revoked; a revoked key cannot be disabled", k.ID)
		}
		if k.DisabledAt == nil {
			if err := o.disableKey(k, reason); err != nil {
				return err
			}
		} else {
			o.noEvent = true
		}
		k.SecretHash = [32]byte{}
		out = k
		return nil
	})
	return out, err
}

// EnableAPIKey enables a disabled key. The owner (or the key itself, which
// cannot authenticate while disabled) may enable a key disabled by the
// system or by the owner; a key an administrator disabled needs what
// revoking it would need from someone else: api_keys:write (service-account
// keys: or service_accounts:write). Enabling counts as a use of the key: its
// last-used time becomes now, so that a key disabled for being unused has
// a whole period again before the key policy disables it once more.
// Enabling an enabled key returns it unchanged and is not audited. Returns
// ENOTFOUND, ECONFLICT for a revoked key, EFORBIDDEN.
func (s *Service) EnableAPIKey(ctx context.Context, a *signet.Actor, keyID string) (*signet.APIKey, error) {
	var out *signet.APIKey
	err := s.mutate(ctx, a, ActionKeyEnable, func(o *op) error {
		k, err := o.keyToChange(keyID)
		if err != nil {
			return err
		}
		ownerMay := k.DisabledBy == "" || k.DisabledBy == k.OwnerID
		if err := o.authoriseKeyAdmin(k, ownerMay); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return signet.Errorf(signet.ECONFLICT, "API key %q is revoked; a revoked key cannot be enabled: create a new one", k.ID)
		}
		if k.DisabledAt == nil {
			o.noEvent = true
			k.SecretHash = [32]byte{}
			out = k
			return nil
		}
		o.detail("disabled_at", k.DisabledAt.UTC().Format(time.RFC3339))
		o.detail("disabled_by", k.DisabledBy)
		if k.DisabledReason != "" {
			o.detail("disabled_reason", k.DisabledReason)
		}
		k.DisabledAt, k.DisabledBy, k.DisabledReason = nil, "", ""
		if err := o.tx.UpdateAPIKey(o.ctx, k); err != nil {
			return err
		}
		if err := o.tx.RecordKeyUses(o.ctx, []signet.KeyUse{{KeyID: k.ID, At: o.now, IP: k.LastUsedIP}}); err != nil {
			return err
		}
		now := o.now
		k.LastUsedAt = &now
		k.SecretHash = [32]byte{}
		out = k
		return nil
	})
	return out, err
}

// keyToChange loads a key for a change and names it in the event.
func (o *op) keyToChange(keyID string) (*signet.APIKey, error) {
	k, err := o.tx.GetAPIKey(o.ctx, keyID)
	if err != nil {
		return nil, notFound(err, "API key %q not found", keyID)
	}
	o.target("api_key", k.ID, k.Name)
	o.detail("owner_id", k.OwnerID)
	if owner, err := o.tx.GetUser(o.ctx, k.OwnerID); err == nil {
		o.detail("owner_name", owner.Name)
	}
	return k, nil
}

// authoriseKeyAdmin is RevokeAPIKey's rule for who may set a key aside:
// with ownerMay, its owner (with the owner's whole authority) and the key
// itself; otherwise, and for everyone else, api_keys:write, or for a
// service-account key service_accounts:write.
func (o *op) authoriseKeyAdmin(k *signet.APIKey, ownerMay bool) error {
	if ownerMay && (o.self(k.OwnerID) || (k.ID == o.actor.KeyID && k.ID != "")) {
		return nil
	}
	if k.Kind == signet.KeyKindServiceAccount {
		return o.authoriseAny("", "api_keys:write", "service_accounts:write")
	}
	return o.authorise("api_keys:write", "")
}

// disableKey disables k and records why.
func (o *op) disableKey(k *signet.APIKey, reason string) error {
	now := o.now
	k.DisabledAt, k.DisabledBy, k.DisabledReason = &now, o.actorID(), reason
	if err := o.tx.UpdateAPIKey(o.ctx, k); err != nil {
		return err
	}
	if reason != "" {
		o.detail("reason", reason)
	}
	return nil
}

// ExpiringCount is how many active keys expire within a warning threshold.
type ExpiringCount struct {
	Within time.Duration
	Keys   int
}

// KeyLifecycleResult is what one run of RunKeyLifecycle did.
type KeyLifecycleResult struct {
	// Warned is how many expiry warnings this run recorded (and so sent);
	// Disabled how many unused keys it disabled.
	Warned, Disabled int
	// Expiring counts the active keys expiring within each threshold of
	// the key policy, longest first.
	Expiring []ExpiringCount
}

// keyLifecycle is the state RunKeyLifecycle keeps between runs.
type keyLifecycle struct {
	mu sync.Mutex
	// warned maps a key id to the smallest threshold whose warning this
	// process knows is recorded, so that a run does not open a write
	// transaction per key only to find the warning recorded already.
	// Keys no longer expiring soon are dropped at every run.
	warned map[string]time.Duration
	// counts is the last run's Expiring (for metrics); nil before the
	// first run.
	counts []ExpiringCount
}

// RunKeyLifecycle is the key lifecycle job, run periodically by every
// server (as the system actor):
//
//   - Expiry warnings. Each active key expiring within a threshold of the
//     key policy (Warnings: 14, 7 and 1 days by default) is warned about
//     once per threshold: an api_key.expiring event (details threshold,
//     expires_at, owner) that outbound webhooks deliver. A key is warned
//     for the smallest threshold it has reached only: a key created with
//     5 days left gets the 7-day warning, never the 14-day one after it.
//   - Unused keys. When the policy sets DisableUnusedAfter, active keys not
//     used for that long (never-used keys: since their creation) are
//     disabled, audited as api_key.disable by the system with the reason.
//
// It returns what it did; a failure on one key is returned after the
// others are done.
func (s *Service) RunKeyLifecycle(ctx context.Context) (*KeyLifecycleResult, error) {
	now := s.now()
	var policy signet.KeyPolicy
	var expiring, unused []*signet.APIKey
	var thresholds []time.Duration
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		if policy, err = loadKeyPolicy(ctx, tx); err != nil {
			return err
		}
		thresholds = thresholds[:0]
		for _, t := range policy.Warnings() {
			if t > 0 {
				thresholds = append(thresholds, t)
			}
		}
		expiring, unused = nil, nil
		if len(thresholds) > 0 {
			before := now.Add(thresholds[0])
			expiring, err = allPages(func(p signet.Page) ([]*signet.APIKey, string, error) {
				return tx.ListAPIKeys(ctx, signet.APIKeyFilter{Status: signet.KeyStatusActive, Now: now, ExpiresBefore: &before, Page: p})
			})
			if err != nil {
				return err
			}
		}
		if d := policy.DisableUnusedAfter; d > 0 {
			since := now.Add(-d)
			unused, err = allPages(func(p signet.Page) ([]*signet.APIKey, string, error) {
				return tx.ListAPIKeys(ctx, signet.APIKeyFilter{Status: signet.KeyStatusActive, Now: now, UnusedSince: &since, Page: p})
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &KeyLifecycleResult{Expiring: make([]ExpiringCount, len(thresholds))}
	for i, t := range thresholds {
		res.Expiring[i].Within = t
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	seen := make(map[string]bool, len(expiring))
	for _, k := range expiring {
		seen[k.ID] = true
		if k.RotatedTo != "" {
			// A rotated key expires by design, at the end of its grace:
			// its successor is what to watch.
			continue
		}
		left := k.ExpiresAt.Sub(now)
		// thresholds are longest first: the last one reached is the
		// smallest.
		var reached time.Duration
		for i, t := range thresholds {
			if left <= t {
				reached = t
				res.Expiring[i].Keys++
			}
		}
		if reached == 0 || s.lifecycle.knownWarned(k.ID, reached) {
			continue
		}
		sent, err := s.warnKeyExpiring(ctx, k.ID, reached)
		keep(err)
		if err == nil {
			s.lifecycle.setWarned(k.ID, reached)
		}
		if sent {
			res.Warned++
		}
	}
	s.lifecycle.finishRun(seen, res.Expiring)
	for _, k := range unused {
		disabled, err := s.disableUnusedKey(ctx, k.ID, policy.DisableUnusedAfter)
		keep(err)
		if disabled {
			res.Disabled++
		}
	}
	return res, firstErr
}

func (l *keyLifecycle) knownWarned(keyID string, t time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.warned[keyID]
	return ok && w <= t
}

func (l *keyLifecycle) setWarned(keyID string, t time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.warned == nil {
		l.warned = make(map[string]time.Duration)
	}
	if w, ok := l.warned[keyID]; !ok || t < w {
		l.warned[keyID] = t
	}
}

// finishRun forgets keys that no longer expire soon and keeps the counts.
func (l *keyLifecycle) finishRun(seen map[string]bool, counts []ExpiringCount) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range l.warned {
		if !seen[id] {
			delete(l.warned, id)
		}
	}
	l.counts = counts
}

// ExpiringKeyCounts returns how many active keys expire within each
// warning threshold, longest first, as of the last run of RunKeyLifecycle
// in this process; nil before the first run. It reads no storage (metrics
// call it on every scrape).
func (s *Service) ExpiringKeyCounts() []ExpiringCount {
	s.lifecycle.mu.Lock()
	defer s.lifecycle.mu.Unlock()
	return append([]ExpiringCount(nil), s.lifecycle.counts...)
}

// warnKeyExpiring records the warning of threshold for a key, with its
// api_key.expiring event, and reports whether this call recorded it
// (false: another run, here or on another replica, had). The key is read
// again in the transaction: a key revoked, disabled or extended since the
// scan is not warned about.
func (s *Service) warnKeyExpiring(ctx context.Context, keyID string, threshold time.Duration) (bool, error) {
	var sent bool
	err := s.store.Write(ctx, func(tx store.Tx) error {
		sent = false
		o := &op{ctx: ctx, tx: tx, actor: signet.SystemActor, now: s.now()}
		k, err := tx.GetAPIKey(ctx, keyID)
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
			return nil
		case err != nil:
			return err
		}
		if k.Status(o.now) != signet.KeyStatusActive || k.ExpiresAt == nil || k.ExpiresAt.Sub(o.now) > threshold {
			return nil
		}
		recorded, err := tx.RecordKeyWarning(ctx, k.ID, threshold, o.now)
		if err != nil || !recorded {
			return err
		}
		o.event = s.newEvent(ctx, signet.SystemActor, ActionKeyExpiring, o.now)
		o.target("api_key", k.ID, k.Name)
		o.detail("threshold", signet.FormatDuration(threshold))
		o.detail("expires_at", k.ExpiresAt.UTC().Format(time.RFC3339))
		o.detail("kind", k.Kind)
		o.detail("owner_id", k.OwnerID)
		if owner, err := tx.GetUser(ctx, k.OwnerID); err == nil {
			o.detail("owner_name", owner.Name)
			if owner.OwnerID != "" {
				// Who is responsible for the service account.
				o.detail("account_owner_type", owner.OwnerType)
				o.detail("account_owner_id", owner.OwnerID)
			}
		}
		o.event.Outcome = signet.OutcomeSuccess
		if err := tx.AppendAuditEvent(ctx, o.event); err != nil {
			return err
		}
		sent = true
		return nil
	})
	if err != nil {
		return false, err
	}
	if sent {
		// Nothing a cache holds changed, but the audit sink and the
		// webhook dispatcher have an event to pass on.
		s.onChange()
		s.nudgeWebhooks()
	}
	return sent, nil
}

// disableUnusedKey disables a key unused for after, as the system, and
// reports whether it did: the key is read again in the transaction, so one
// used, disabled or revoked since the scan is left alone.
func (s *Service) disableUnusedKey(ctx context.Context, keyID string, after time.Duration) (bool, error) {
	var disabled bool
	err := s.mutate(ctx, signet.SystemActor, ActionKeyDisable, func(o *op) error {
		disabled = false
		k, err := o.keyToChange(keyID)
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			o.noEvent = true
			return nil
		}
		if err != nil {
			return err
		}
		since := o.now.Add(-after)
		last := k.CreatedAt
		if k.LastUsedAt != nil {
			last = *k.LastUsedAt
		}
		if k.Status(o.now) != signet.KeyStatusActive || !last.Before(since) {
			o.noEvent = true
			return nil
		}
		o.detail("unused_for", signet.FormatDuration(after))
		if k.LastUsedAt != nil {
			o.detail("last_used_at", k.LastUsedAt.UTC().Format(time.RFC3339))
		}
		disabled = true
		return o.disableKey(k, unusedReason(after))
	})
	return disabled, err
}

// unusedReason is the reason recorded on a key disabled for being unused.
func unusedReason(after time.Duration) string {
	return fmt.Sprintf("unused for %s (key policy: disable_unused_after)", signet.FormatDuration(after))
}

// KeyExpiryNotice is what the UI warns a user about: keys expiring within
// the key policy's longest warning threshold.
type KeyExpiryNotice struct {
	Within time.Duration
	// Personal are the user's own active keys expiring soon.
	Personal []*signet.APIKey
	// ServiceAccount are service-account keys expiring soon that the user
	// administers (with api_keys:read or service_accounts:read), or, for
	// others, those of the service accounts the user is responsible for
	// (signet.User.OwnerType/OwnerID: the user, or a group of theirs).
	ServiceAccount []*signet.APIKey
}

// Empty reports whether there is nothing to warn about.
func (n *KeyExpiryNotice) Empty() bool {
	return n == nil || len(n.Personal)+len(n.ServiceAccount) == 0
}

// ExpiringKeys returns the keys to warn the actor about, soonest first.
// Secret hashes are never returned.
func (s *Service) ExpiringKeys(ctx context.Context, a *signet.Actor) (*KeyExpiryNotice, error) {
	out := &KeyExpiryNotice{}
	err := s.view(ctx, a, func(o *op) error {
		*out = KeyExpiryNotice{}
		policy, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		w := policy.Warnings()
		if len(w) == 0 || w[0] <= 0 || o.actor.System || o.user == nil {
			return nil
		}
		out.Within = w[0]
		before := o.now.Add(w[0])
		list := func(f signet.APIKeyFilter) ([]*signet.APIKey, error) {
			f.Status, f.Now, f.ExpiresBefore = signet.KeyStatusActive, o.now, &before
			keys, err := allPages(func(p signet.Page) ([]*signet.APIKey, string, error) {
				f.Page = p
				return o.tx.ListAPIKeys(ctx, f)
			})
			// Rotated keys expire by design; their successors are listed.
			return slices.DeleteFunc(keys, func(k *signet.APIKey) bool { return k.RotatedTo != "" }), err
		}
		if o.self(o.user.ID) {
			if out.Personal, err = list(signet.APIKeyFilter{OwnerID: o.user.ID}); err != nil {
				return err
			}
		}
		sa, err := list(signet.APIKeyFilter{Kind: signet.KeyKindServiceAccount})
		if err != nil {
			return err
		}
		if o.access.Can("api_keys:read", "") || o.access.Can("service_accounts:read", "") {
			out.ServiceAccount = sa
		} else if len(sa) > 0 && o.self(o.user.ID) {
			if out.ServiceAccount, err = o.responsibleFor(sa); err != nil {
				return err
			}
		}
		for _, ks := range [][]*signet.APIKey{out.Personal, out.ServiceAccount} {
			for _, k := range ks {
				k.SecretHash = [32]byte{}
			}
			sortBySoonest(ks)
		}
		return nil
	})
	return out, err
}

// responsibleFor keeps the keys of service accounts the actor is
// responsible for: named as their owner, or through a group of theirs.
func (o *op) responsibleFor(keys []*signet.APIKey) ([]*signet.APIKey, error) {
	groups, err := o.tx.ListUserGroups(o.ctx, o.user.ID)
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	for _, g := range groups {
		mine[g.ID] = true
	}
	owners := map[string]bool{}
	var out []*signet.APIKey
	for _, k := range keys {
		ok, known := owners[k.OwnerID]
		if !known {
			u, err := o.tx.GetUser(o.ctx, k.OwnerID)
			if err != nil {
				return nil, err
			}
			ok = (u.OwnerType == signet.SubjectUser && u.OwnerID == o.user.ID) || (u.OwnerType == signet.SubjectGroup && mine[u.OwnerID])
			owners[k.OwnerID] = ok
		}
		if ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// sortBySoonest orders keys that all have an expiry (ExpiresBefore lists
// no other), soonest first.
func sortBySoonest(ks []*signet.APIKey) {
	slices.SortStableFunc(ks, func(a, b *signet.APIKey) int { return a.ExpiresAt.Compare(*b.ExpiresAt) })
}

// KeyAttention holds the thresholds by which lists of keys mark the ones
// that need attention soon (KeyAttentionThresholds). It is derived from
// the key policy, so that the marks agree with the warnings and the
// disabling the policy causes.
type KeyAttention struct {
	// ExpiringWithin is the policy's first (longest) expiry warning
	// threshold, as in ExpiringKeys; 0 marks no key as expiring.
	ExpiringWithin time.Duration
	// UnusedFor is how long an active key goes unused before it is marked:
	// UnusedMarkAfter, or two thirds of the policy's DisableUnusedAfter
	// when that is sooner, so that a key is marked well before the policy
	// disables it.
	UnusedFor time.Duration
	// DisableUnusedAfter is the policy's (0: unused keys stay enabled).
	DisableUnusedAfter time.Duration
}

// UnusedMarkAfter is how long an active key goes unused before lists mark
// it, when the key policy does not disable unused keys sooner.
const UnusedMarkAfter = 30 * 24 * time.Hour

// KeyAttentionThresholds returns the thresholds of the key marks. Any
// actor may read them: they say no more than the expiry warnings and the
// disabling of unused keys already show. Returns no error codes of its own.
func (s *Service) KeyAttentionThresholds(ctx context.Context, a *signet.Actor) (*KeyAttention, error) {
	out := &KeyAttention{}
	err := s.view(ctx, a, func(o *op) error {
		p, err := loadKeyPolicy(ctx, o.tx)
		if err != nil {
			return err
		}
		*out = newKeyAttention(p)
		return nil
	})
	return out, err
}

func newKeyAttention(p signet.KeyPolicy) KeyAttention {
	k := KeyAttention{UnusedFor: UnusedMarkAfter, DisableUnusedAfter: p.DisableUnusedAfter}
	if w := p.Warnings(); len(w) > 0 && w[0] > 0 {
		k.ExpiringWithin = w[0]
	}
	if d := p.DisableUnusedAfter * 2 / 3; d > 0 && d < k.UnusedFor {
		k.UnusedFor = d
	}
	return k
}

// Expiring reports how long the key has left when it is active, not
// rotated (a rotated key expires by design) and expires within the
// threshold.
func (k *KeyAttention) Expiring(key *signet.APIKey, now time.Time) (time.Duration, bool) {
	if k == nil || k.ExpiringWithin <= 0 || key.ExpiresAt == nil || key.RotatedTo != "" || key.Status(now) != signet.KeyStatusActive {
		return 0, false
	}
	left := key.ExpiresAt.Sub(now)
	return left, left <= k.ExpiringWithin
}

// Unused reports how long an active key has gone unused (since its last
// use, or its creation when never used) when that is at least UnusedFor.
func (k *KeyAttention) Unused(key *signet.APIKey, now time.Time) (time.Duration, bool) {
	if k == nil || k.UnusedFor <= 0 || key.Status(now) != signet.KeyStatusActive {
		return 0, false
	}
	since := key.CreatedAt
	if key.LastUsedAt != nil {
		since = *key.LastUsedAt
	}
	idle := now.Sub(since)
	return idle, idle >= k.UnusedFor
}
