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
	RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error
}

// Reasons carried by EUNAUTHENTICATED errors. invalid_key covers malformed
// keys, bad checksums, unknown key ids and wrong secrets alike, so a reason
// never tells a caller without the secret whether a key id exists.
const (
	ReasonInvalidKey     = "invalid_key"
	ReasonRevoked        = "revoked"
	ReasonExpired        = "expired"
	ReasonOwnerDisabled  = "owner_disabled"
	ReasonBadCredentials = "bad_credentials"
	ReasonMalformed      = "malformed_credentials"
)

// Verified is the result of a successful key verification. Immutable.
type Verified struct {
	Actor  *signet.Actor
	Access *signet.Access // the owner's access narrowed by the key's scopes
}

// entry is a cached key. Immutable once stored; replaced, never edited.
type entry struct {
	gen      uint64
	loadedAt int64 // unix nanoseconds when its load began: it reflects every change committed before

	secretHash [32]byte
	revoked    bool
	expiresAt  time.Time // zero: never
	ownerOK    bool
	verified   Verified
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

	mu    sync.RWMutex      // guards cache
	cache map[string]*entry // by raw key id (without "key_"), so lookups do not allocate
}

// NewVerifier returns a Verifier. now may be nil (time.Now).
func NewVerifier(b Backend, uses *UseRecorder, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{backend: b, now: now, uses: uses, cache: make(map[string]*entry)}
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
	if v.window <= 0 {
		return true
	}
	known := max(e.loadedAt, v.confirmed.Load())
	return now.UnixNano()-known < int64(v.window+extra)
}

func unauthenticated(reason, msg string) *signet.Error {
	return &signet.Error{Code: signet.EUNAUTHENTICATED, Reason: reason, Message: msg}
}

var (
	errInvalidKey    = unauthenticated(ReasonInvalidKey, "The API key is not valid.")
	errRevoked       = unauthenticated(ReasonRevoked, "The API key has been revoked.")
	errExpired       = unauthenticated(ReasonExpired, "The API key has expired.")
	errOwnerDisabled = unauthenticated(ReasonOwnerDisabled, "The API key's owner is disabled.")
)

// VerifyKey verifies a presented key string and records its use from ip.
// Errors are EUNAUTHENTICATED with a Reason, or EUNAVAILABLE/EINTERNAL when
// the key is not cached and storage fails.
func (v *Verifier) VerifyKey(ctx context.Context, raw, ip string) (*Verified, error) {
	k, err := apikey.Parse(raw)
	if err != nil {
		return nil, errInvalidKey
	}
	now := v.now()
	e, err := v.lookup(ctx, k, now)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, errInvalidKey
	}
	var fail *signet.Error
	switch {
	case !k.Matches(e.secretHash):
		fail = errInvalidKey
	case e.revoked:
		fail = errRevoked
	case !e.expiresAt.IsZero() && !now.Before(e.expiresAt):
		fail = errExpired
	case !e.ownerOK:
		fail = errOwnerDisabled
	}
	if fail != nil {
		// Failures are counted for keys that exist only, so junk key ids
		// cannot grow the counters.
		if v.uses != nil {
			v.uses.RecordFailure(e.verified.Actor.KeyID, now)
		}
		return nil, fail
	}
	if v.uses != nil {
		v.uses.Record(e.verified.Actor.KeyID, now, ip)
	}
	return &e.verified, nil
}

// lookup returns the current cache entry for a key, loading it when it is
// missing, stale or no longer known current. A nil entry means the key id
// does not exist.
func (v *Verifier) lookup(ctx context.Context, k apikey.Key, now time.Time) (*entry, error) {
	gen := v.gen.Load()
	v.mu.RLock()
	e := v.cache[k.RawID]
	v.mu.RUnlock()
	if e != nil && e.gen == gen && v.fresh(e, now, 0) {
		return e, nil
	}
	// Capture the generation before loading: a change committed while we
	// load leaves the new entry already stale, so it is reloaded next time.
	st, err := v.backend.LoadKeyState(ctx, k.ID())
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		v.mu.Lock()
		delete(v.cache, k.RawID)
		v.mu.Unlock()
		return nil, nil
	}
	if err != nil {
		if v.outageTTL > 0 && e != nil && e.gen == gen && signet.ErrorCode(err) == signet.EUNAVAILABLE && v.fresh(e, now, v.outageTTL) {
			return e, nil // the documented outage allowance; see SetFreshness
		}
		return nil, err
	}
	e = newEntry(gen, st, now)
	// The map key is cloned: k.RawID points into the caller's request
	// header, which the map must not keep alive.
	rawID := strings.Clone(k.RawID)
	v.mu.Lock()
	v.cache[rawID] = e
	v.mu.Unlock()
	return e, nil
}

func newEntry(gen uint64, st *service.KeyState, loadedAt time.Time) *entry {
	e := &entry{
		gen:        gen,
		loadedAt:   loadedAt.UnixNano(),
		secretHash: st.Key.SecretHash,
		revoked:    st.Key.RevokedAt != nil,
		ownerOK:    st.Owner.Status == signet.StatusActive,
	}
	if st.Key.ExpiresAt != nil {
		e.expiresAt = *st.Key.ExpiresAt
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
		Access: &access,
	}
	return e
}

// CachedKeys returns how many keys are cached (for metrics and tests).
func (v *Verifier) CachedKeys() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.cache)
}
