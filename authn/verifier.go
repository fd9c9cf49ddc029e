// Package authn answers "who is calling?": it turns a request's credential
// (an API key, or HTTP Basic for humans) into a signet.Actor. Key
// verification is the hot path of every service behind Signet, so verified
// keys are cached in memory; every committed change in the service layer
// bumps a generation counter (Invalidate) and entries of an older
// generation are reloaded on their next use, so a revoke, disable, delete
// or grant change takes effect on the very next request on this node.
//
// With several replicas, other nodes learn of changes through the store's
// change feed (store.ChangeFeed), which calls Invalidate, and Confirm after
// each successful check that nothing was missed. SetFreshness then bounds
// how long an entry may be used without such a confirmation, so that a
// replica cut off from the database stops trusting its cache instead of
// serving a key revoked elsewhere.
package authn

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/service"
)

// Backend is what authn needs from the service layer. *service.Service
// implements it.
type Backend interface {
	LoadKeyState(ctx context.Context, keyID string) (*service.KeyState, error)
	AuthenticatePassword(ctx context.Context, login, password string) (*signet.User, error)
	CheckPasswordThrottle(ctx context.Context, login string) error
	RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error
}

// Reasons carried by EUNAUTHENTICATED errors. invalid_key covers malformed
// keys, bad checksums, unknown key ids and wrong secrets alike, so a reason
// never tells a caller without the secret whether a key id exists.
const (
	ReasonInvalidKey     = "invalid_key"
	ReasonRevoked        = "revoked"
	ReasonExpired        = "expired"
	ReasonKeyDisabled    = "key_disabled"
	ReasonOwnerDisabled  = "owner_disabled"
	ReasonBadCredentials = "bad_credentials"
	ReasonMalformed      = "malformed_credentials"
	ReasonBasicDisabled  = "basic_auth_disabled"
	// ReasonNetworkNotAllowed: the key has a network allowlist, and the
	// caller's address is outside it, or not known.
	ReasonNetworkNotAllowed = "network_not_allowed"
	// ReasonPolicyViolation: the key breaks the organisation's key policy,
	// which is enforced (its enforce_from has passed).
	ReasonPolicyViolation = "policy_violation"
)

// Verified is the result of a successful key verification. Immutable but
// for its memoised view (View).
type Verified struct {
	Actor  *signet.Actor
	Access *signet.Access // the owner's access narrowed by the key's scopes
	// Known is what exists, loaded with the key (shared by every entry
	// loaded while it was the same): the permission catalogue and the
	// workspaces. nil when unknown.
	Known *Known
	// Labels are the owner's labels when it is a service account, sorted
	// by name (the check API answers them); nil otherwise.
	Labels []Label
	// KeyExpiresAt is when the key expires; zero when it does not. A token
	// minted with the key never outlives it.
	KeyExpiresAt time.Time

	// view memoises a view of the caller derived from storage (what GET
	// /api/v1/me answers), computed at most once per cache entry: an entry
	// is replaced after every committed change, so the view is never
	// older than the entry. The one mutable field.
	view atomic.Pointer[[]byte]
}

// View returns the memoised view of the caller, building it with build
// the first time (and again only if building failed). Concurrent first
// calls may each build it; one result is kept.
func (v *Verified) View(build func() ([]byte, error)) ([]byte, error) {
	if p := v.view.Load(); p != nil {
		return *p, nil
	}
	b, err := build()
	if err != nil {
		return nil, err
	}
	v.view.CompareAndSwap(nil, &b)
	return b, nil
}

// entry is a cached key. Immutable once stored (but for use); replaced,
// never edited.
type entry struct {
	gen      uint64
	loadedAt int64 // unix nanoseconds when its load began: it reflects every change committed before

	secretHash [32]byte
	// personal says whether the key is personal (sgn_pk_…) rather than a
	// service account's (sgn_sa_…). The kind is part of the key: the same
	// id and secret under the other prefix, with its checksum recomputed,
	// is not the key. Exactly one string is valid for a key. (A bool
	// beside the other bools costs a cached key no memory.)
	personal  bool
	revoked   bool
	disabled  bool
	expiresAt time.Time // zero: never
	ownerOK   bool
	// networks is the key's allowlist (APIKey.AllowedNetworks, already
	// parsed and normalised); nil: any address.
	networks []netip.Prefix
	verified Verified

	// refusedFrom is when (unix nanoseconds) the key starts to be refused
	// for breaking the key policy; 0: never (it complies, or the policy is
	// not enforced).
	refusedFrom int64

	// use caches the key's last-used record of the current hour, so a
	// verification finds it without a second map lookup. The one mutable
	// field; see UseRecorder.recordVia.
	use atomic.Pointer[useRecord]
}

// Verifier verifies API keys against a cache backed by the service layer.
type Verifier struct {
	backend Backend
	now     func() time.Time
	uses    *UseRecorder

	// gen is the current cache generation; entries of older generations
	// are stale.
	gen atomic.Uint64

	// window and outageTTL are set by SetFreshness before use; read-only
	// afterwards. Zero window: entries need no confirmation (one process,
	// where Invalidate alone is complete).
	window, outageTTL time.Duration
	// confirmed is when (unix nanoseconds) the change feed last confirmed
	// that every change committed before it has been reported.
	confirmed atomic.Int64

	// cache holds *entry by raw key id (without "key_"), so lookups do
	// not allocate. A sync.Map (a hash-trie since Go 1.24) is read without
	// locks or shared writes, so verifications on different cores do not
	// contend; an RWMutex's reader count is one cache line every core
	// writes.
	cache   sync.Map
	entries atomic.Int64 // len(cache), kept alongside (sync.Map has no Len)

	// neg remembers key ids that storage did not know, so that repeated
	// unknown ids are rejected without a query. See negCache.
	neg negCache

	stats    Stats
	observer Observer // nil: no latency observations; set before use

	// interned shares one Access among cached keys with the same
	// effective permissions (most keys: a few roles, many keys), which
	// is most of an entry's memory.
	interned accessInterner
	// known is what was loaded last (internKnown).
	known atomic.Pointer[Known]
}

// NewVerifier returns a Verifier. now may be nil (time.Now).
func NewVerifier(b Backend, uses *UseRecorder, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{backend: b, now: now, uses: uses, neg: negCache{max: DefaultNegativeCacheSize}}
}

// Invalidate marks every cached entry stale. The service layer calls it
// after each committed change, and the change feed after changes committed
// by other processes.
func (v *Verifier) Invalidate() { v.gen.Add(1) }

// Confirm records that every change committed before at has been reported
// through Invalidate. The change feed calls it after each successful poll.
func (v *Verifier) Confirm(at time.Time) {
	n := at.UnixNano()
	for {
		old := v.confirmed.Load()
		if n <= old || v.confirmed.CompareAndSwap(old, n) {
			return
		}
	}
}

// SetFreshness bounds how long a cached entry is trusted, for a node that
// learns of other nodes' changes through a change feed. Call it before
// the first verification.
//
// An entry is used from the cache only while it is known current: it was
// loaded, or the feed last confirmed that no change was missed, less than
// window ago. Otherwise it is reloaded, so a node whose feed has stalled
// never serves data older than window. (serve sets window to twice the
// feed's poll interval.)
//
// When reloading fails because storage is unavailable, an entry of the
// current generation — no change has been announced since it was loaded,
// so a key whose revocation was announced before the outage never
// qualifies — is still
// used while it was known current less than window+outageTTL ago. With
// outageTTL 0 (the default) verification fails with EUNAVAILABLE instead.
func (v *Verifier) SetFreshness(window, outageTTL time.Duration) {
	v.window, v.outageTTL = window, outageTTL
}

// fresh reports whether e was known current less than window+extra before
// now.
func (v *Verifier) fresh(e *entry, now time.Time, extra time.Duration) bool {
	return v.freshAt(e.loadedAt, now, extra)
}

// freshAt reports whether something loaded at loadedAt (unix nanoseconds)
// was known current less than window+extra before now.
func (v *Verifier) freshAt(loadedAt int64, now time.Time, extra time.Duration) bool {
	if v.window <= 0 {
		return true
	}
	known := max(loadedAt, v.confirmed.Load())
	return now.UnixNano()-known < int64(v.window+extra)
}

func unauthenticated(reason, msg string) *signet.Error {
	return &signet.Error{Code: signet.EUNAUTHENTICATED, Reason: reason, Message: msg}
}

var (
	errInvalidKey     = unauthenticated(ReasonInvalidKey, "the API key is not valid: check that it was copied whole, or create a new one")
	errRevoked        = unauthenticated(ReasonRevoked, "the API key has been revoked; create a new one")
	errExpired        = unauthenticated(ReasonExpired, "the API key has expired; create a new one")
	errOwnerDisabled  = unauthenticated(ReasonOwnerDisabled, "the API key's owner is disabled; enable the owner for its keys to work")
	errNetwork        = unauthenticated(ReasonNetworkNotAllowed, "the API key is not accepted from this address: it works only from its allowed networks (allowed_networks); use it from one of them, or have the list changed")
	errNetworkUnknown = unauthenticated(ReasonNetworkNotAllowed, "the API key works only from its allowed networks, and the original caller's address is not known: the check API needs client_ip; forward-auth needs the proxy in --trusted-proxies, appending X-Forwarded-For")
	errPolicy         = unauthenticated(ReasonPolicyViolation, "the API key breaks the organisation's key policy, which is now enforced; replace it with a key that complies (an administrator sees why under Settings → Key policy)")
	errKeyDisabled    = unauthenticated(ReasonKeyDisabled, "the API key is disabled; an administrator (or its owner) can enable it")
)

// VerifyKey verifies a presented key string and records its use from ip,
// the caller's address, which a key with a network allowlist must be
// inside. Errors are EUNAUTHENTICATED with a Reason, or
// EUNAVAILABLE/EINTERNAL when the key is not cached and storage fails.
//
// For a cached key it does not touch storage, allocate or take a lock.
func (v *Verifier) VerifyKey(ctx context.Context, raw, ip string) (*Verified, error) {
	return v.VerifyKeyFrom(ctx, raw, ip, ip)
}

// VerifyKeyFrom is VerifyKey where the address the key's allowlist judges
// (from, the original caller's) may differ from the one recorded as its
// last use (ip). from "" means the original caller is not known: a key with
// an allowlist is then refused (network_not_allowed), never let through.
func (v *Verifier) VerifyKeyFrom(ctx context.Context, raw, ip, from string) (*Verified, error) {
	k, err := apikey.Parse(raw)
	if err != nil {
		v.stats.add(OutcomeInvalidKey)
		return nil, errInvalidKey
	}
	now := v.now()
	e, hit, err := v.lookup(ctx, k, now)
	if v.observer != nil && (!hit || sampled()) {
		// Every storage load is timed; cache hits one in sampleEvery,
		// which keeps the clock read off most of the hot path.
		v.observer.ObserveVerify(hit, v.now().Sub(now))
	}
	if err != nil {
		v.stats.add(OutcomeError)
		return nil, err
	}
	if e == nil {
		v.stats.add(OutcomeInvalidKey)
		return nil, errInvalidKey
	}
	var fail *signet.Error
	var outcome Outcome
	switch {
	case !k.Matches(e.secretHash) || (k.Kind == apikey.KindPersonal) != e.personal:
		fail, outcome = errInvalidKey, OutcomeInvalidKey
	case e.revoked:
		fail, outcome = errRevoked, OutcomeRevoked
	case e.disabled:
		fail, outcome = errKeyDisabled, OutcomeKeyDisabled
	case !e.expiresAt.IsZero() && !now.Before(e.expiresAt):
		fail, outcome = errExpired, OutcomeExpired
	case !e.ownerOK:
		fail, outcome = errOwnerDisabled, OutcomeOwnerDisabled
	case len(e.networks) > 0 && !signet.NetworksAllow(e.networks, from):
		fail, outcome = errNetwork, OutcomeNetworkNotAllowed
		if from == "" {
			fail = errNetworkUnknown
		}
	case e.refusedFrom != 0 && now.UnixNano() >= e.refusedFrom:
		fail, outcome = errPolicy, OutcomePolicyViolation
	}
	if fail != nil {
		v.stats.add(outcome)
		// Failures are counted for keys that exist only, so junk key ids
		// cannot grow the counters.
		if v.uses != nil {
			v.uses.recordVia(&e.use, e.verified.Actor.KeyID, now).failed.Add(1)
		}
		return nil, fail
	}
	v.stats.add(OutcomeOK)
	if v.uses != nil {
		v.uses.recordVia(&e.use, e.verified.Actor.KeyID, now).used(now, ip)
	}
	return &e.verified, nil
}

// lookup returns the current cache entry for a key, loading it when it is
// missing, stale or no longer known current. A nil entry means the key id
// does not exist. hit reports that storage was not asked.
func (v *Verifier) lookup(ctx context.Context, k apikey.Key, now time.Time) (e *entry, hit bool, err error) {
	gen := v.gen.Load()
	if x, ok := v.cache.Load(k.RawID); ok {
		e = x.(*entry)
		if e.gen == gen && v.fresh(e, now, 0) {
			v.stats.cache(cacheHit)
			return e, true, nil
		}
	} else if v.neg.known(k.RawID, gen, now, v) {
		// Storage did not know this id, and nothing has been created
		// since (creating a key bumps the generation).
		v.stats.cache(cacheNegativeHit)
		return nil, true, nil
	}
	v.stats.cache(cacheMiss)
	// Capture the generation before loading: a change committed while we
	// load leaves the new entry already stale, so it is reloaded next time.
	st, err := v.backend.LoadKeyState(ctx, k.ID())
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		if _, loaded := v.cache.LoadAndDelete(k.RawID); loaded {
			v.entries.Add(-1)
		}
		v.neg.add(strings.Clone(k.RawID), gen, now)
		return nil, false, nil
	}
	if err != nil {
		if v.outageTTL > 0 && e != nil && e.gen == gen && signet.ErrorCode(err) == signet.EUNAVAILABLE && v.fresh(e, now, v.outageTTL) {
			return e, false, nil // the documented outage allowance; see SetFreshness
		}
		return nil, false, err
	}
	e = newEntry(gen, st, now)
	e.verified.Access = v.interned.intern(e.verified.Access)
	e.verified.Known = v.internKnown(st.Catalogue, st.Workspaces)
	v.store(k.RawID, e)
	return e, false, nil
}

// Known is what exists in the installation, as loaded with a key: the
// permission catalogue and the workspaces' ids (sorted). Immutable.
type Known struct {
	Catalogue  *signet.Catalogue
	Workspaces []string
}

// HasWorkspace reports whether ws is the id of a workspace.
func (k *Known) HasWorkspace(ws string) bool {
	_, ok := slices.BinarySearch(k.Workspaces, ws)
	return ok
}

// internKnown returns what was loaded last when cat and workspaces are the
// same, so that cached keys share one Known rather than hold one each.
func (v *Verifier) internKnown(cat *signet.Catalogue, workspaces []string) *Known {
	if cat == nil {
		return nil
	}
	if last := v.known.Load(); last != nil && slices.Equal(last.Catalogue.Domains(), cat.Domains()) && slices.Equal(last.Workspaces, workspaces) {
		return last
	}
	k := &Known{Catalogue: cat, Workspaces: workspaces}
	v.known.Store(k)
	return k
}

// store caches e under rawID. The map key is cloned: rawID points into
// the caller's request header, which the map must not keep alive.
func (v *Verifier) store(rawID string, e *entry) {
	if _, loaded := v.cache.Swap(strings.Clone(rawID), e); !loaded {
		v.entries.Add(1)
	}
}

func newEntry(gen uint64, st *service.KeyState, loadedAt time.Time) *entry {
	e := &entry{
		gen:        gen,
		loadedAt:   loadedAt.UnixNano(),
		secretHash: st.Key.SecretHash,
		personal:   st.Key.Kind == signet.KeyKindPersonal,
		revoked:    st.Key.RevokedAt != nil,
		disabled:   st.Key.DisabledAt != nil,
		ownerOK:    st.Owner.Status == signet.StatusActive,
		networks:   st.Key.AllowedNetworks,
	}
	if st.Key.ExpiresAt != nil {
		e.expiresAt = *st.Key.ExpiresAt
	}
	if len(st.Violations) > 0 && st.EnforceFrom != nil {
		// At least 1: 0 means never, and the epoch has passed anyway.
		e.refusedFrom = max(st.EnforceFrom.UnixNano(), 1)
	}
	access := st.Access
	e.verified = Verified{
		Actor: &signet.Actor{
			UserID:    st.Owner.ID,
			Kind:      st.Owner.Kind,
			Name:      st.Owner.Name,
			KeyID:     st.Key.ID,
			KeyScopes: st.Key.Scopes,
		},
		Access:       &access,
		KeyExpiresAt: e.expiresAt,
	}
	if st.Owner.IsServiceAccount() {
		e.verified.Labels = SortedLabels(st.Owner.Labels)
	}
	return e
}

// CachedKeys returns how many keys are cached (for metrics and tests).
func (v *Verifier) CachedKeys() int { return int(v.entries.Load()) }

// Stats returns the verifier's counters.
func (v *Verifier) Stats() *Stats { return &v.stats }

// SetObserver makes the verifier report verification latencies to o.
// Call it before the first verification.
func (v *Verifier) SetObserver(o Observer) { v.observer = o }
