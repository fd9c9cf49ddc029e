package authn

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
)

// basicCache remembers successful HTTP Basic logins for a short time, so a
// script calling the API with email and password does not pay a bcrypt
// verification (deliberately ~100 ms of CPU) on every request. Entries are
// keyed by an HMAC of login and password under a per-process random key,
// so the cache holds nothing that helps guess a password, and they die
// with the cache generation like verified keys: a password change, disable
// or delete takes effect on the next request.
type basicCache struct {
	key [32]byte
	ttl time.Duration
	max int

	mu      sync.Mutex // guards entries
	entries map[[32]byte]basicEntry
}

type basicEntry struct {
	gen     uint64
	loaded  time.Time
	expires time.Time
	actor   *signet.Actor
}

func newBasicCache() *basicCache {
	c := &basicCache{ttl: 5 * time.Minute, max: 10000, entries: make(map[[32]byte]basicEntry)}
	if _, err := rand.Read(c.key[:]); err != nil {
		panic("authn: crypto/rand failed: " + err.Error())
	}
	return c
}

func (c *basicCache) id(login, password string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(login))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

func (c *basicCache) get(id [32]byte, gen uint64, now time.Time, v *Verifier) *signet.Actor {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.gen != gen || !now.Before(e.expires) {
		return nil
	}
	// The same freshness rule as cached keys (no outage allowance: a
	// password login can wait for the database).
	if !v.fresh(&entry{loadedAt: e.loaded.UnixNano()}, now, 0) {
		return nil
	}
	return e.actor
}

func (c *basicCache) put(id [32]byte, gen uint64, now time.Time, a *signet.Actor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Rare (many distinct logins within the TTL); starting over is
		// simpler than an eviction order and only costs re-verification.
		clear(c.entries)
	}
	c.entries[id] = basicEntry{gen: gen, loaded: now, expires: now.Add(c.ttl), actor: a}
}

// verifyPassword authenticates HTTP Basic credentials through the cache.
// The password throttle is consulted first, so an account locked by failed
// attempts (on any path: UI, Basic, CLI sign-in) is locked here too, even
// for a credential that succeeded before.
func (a *Authenticator) verifyPassword(ctx context.Context, login, password string) (*signet.Actor, error) {
	if err := a.backend.CheckPasswordThrottle(ctx, login); err != nil {
		return nil, err
	}
	id := a.basic.id(login, password)
	gen := a.verifier.gen.Load()
	now := a.verifier.now()
	if actor := a.basic.get(id, gen, now, a.verifier); actor != nil {
		return actor, nil
	}
	u, err := a.backend.AuthenticatePassword(ctx, login, password)
	if err != nil {
		return nil, err
	}
	actor := &signet.Actor{UserID: u.ID, Kind: u.Kind, Name: u.Name}
	a.basic.put(id, gen, now, actor)
	return actor, nil
}
