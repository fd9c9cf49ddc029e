package signetauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	signet "github.com/signetdev/signet"
)

// maxJWKSBytes bounds the JWK Set read from Signet.
const maxJWKSBytes = 1 << 20

// verificationKey is one of Signet's published signing keys, usable to
// verify tokens signed with alg.
type verificationKey struct {
	alg string // signet.AlgEdDSA or signet.AlgES256
	key any    // ed25519.PublicKey or *ecdsa.PublicKey (P-256)
}

// keySet is one fetched JWK Set, by kid. Never modified once stored.
type keySet struct {
	keys    map[string]verificationKey
	fetched time.Time
}

// jwksCache holds Signet's published keys. Reads are lock-free (an atomic
// pointer to the current set); fetches are serialised: one at a time, and
// for unknown kids at most one per interval, however many requests ask.
type jwksCache struct {
	url      string
	hc       *http.Client
	now      func() time.Time
	interval time.Duration // least time between two fetches
	maxAge   time.Duration // a set older than this is refetched

	set atomic.Pointer[keySet]

	mu        sync.Mutex    // guards the fields below
	attempted time.Time     // when the last fetch started
	lastErr   error         // the last fetch's error, nil if it succeeded
	inflight  chan struct{} // non-nil while a fetch runs; closed when it ends
}

// key returns the published key kid. An unknown kid refetches the set
// (rate-bounded); an EUNAVAILABLE error means no usable set could be had,
// an EUNAUTHENTICATED one that Signet does not publish kid.
func (c *jwksCache) key(ctx context.Context, kid string) (verificationKey, error) {
	if set := c.set.Load(); set != nil {
		if k, ok := set.keys[kid]; ok {
			if c.now().Sub(set.fetched) >= c.maxAge {
				// Stale: refresh in the background and go on with the key
				// meanwhile; a key Signet withdrew is refused once the
				// refresh lands.
				c.refresh(ctx, false)
			}
			return k, nil
		}
	}
	set, err := c.refresh(ctx, true)
	if set != nil {
		if k, ok := set.keys[kid]; ok {
			return k, nil
		}
	}
	if err != nil {
		return verificationKey{}, err
	}
	return verificationKey{}, invalidToken("the token is signed with a key Signet does not publish")
}

// has reports whether kid is in the current set, for tokens verified
// before; a stale set is refreshed in the background.
func (c *jwksCache) has(kid string) bool {
	set := c.set.Load()
	if set == nil {
		return false
	}
	if c.now().Sub(set.fetched) >= c.maxAge {
		c.refresh(context.Background(), false)
	}
	_, ok := set.keys[kid]
	return ok
}

// refresh fetches the set unless one was fetched (or tried) within the
// interval, and returns the current set and the last fetch's error. A
// request arriving while a fetch runs shares it: with wait, it waits for
// it (or for ctx); without, it returns at once and the fetch runs in the
// background. A failed fetch keeps the set there was.
func (c *jwksCache) refresh(ctx context.Context, wait bool) (*keySet, error) {
	c.mu.Lock()
	ch := c.inflight
	if ch == nil {
		if !c.attempted.IsZero() && c.now().Sub(c.attempted) < c.interval {
			err := c.lastErr
			c.mu.Unlock()
			return c.set.Load(), err
		}
		ch = make(chan struct{})
		c.inflight, c.attempted = ch, c.now()
		// The fetch outlives a cancelled request: others may be waiting
		// for it. The HTTP client's timeout bounds it.
		go c.fetch(context.WithoutCancel(ctx), ch)
	}
	c.mu.Unlock()
	if !wait {
		return c.set.Load(), nil
	}
	select {
	case <-ch:
	case <-ctx.Done():
		return c.set.Load(), signet.Errorf(signet.EUNAVAILABLE, "signetauth: the request ended while fetching Signet's keys")
	}
	c.mu.Lock()
	err := c.lastErr
	c.mu.Unlock()
	return c.set.Load(), err
}

func (c *jwksCache) fetch(ctx context.Context, done chan struct{}) {
	set, err := c.get(ctx)
	c.mu.Lock()
	if err == nil {
		c.set.Store(set)
	}
	c.lastErr = err
	c.inflight = nil
	c.mu.Unlock()
	close(done)
}

// get fetches and parses the JWK Set. Keys this package cannot use (other
// types, algorithms or uses, private keys' private halves aside) are left
// out rather than failing the set.
func (c *jwksCache) get(ctx context.Context) (*keySet, error) {
	unavailable := func(err error) error {
		return &signet.Error{Code: signet.EUNAVAILABLE, Op: "signetauth.jwks",
			Message: "Signet's signing keys (JWKS) could not be fetched", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, unavailable(err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, unavailable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, unavailable(fmt.Errorf("GET %s: %s", c.url, resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, unavailable(err)
	}
	if len(body) > maxJWKSBytes {
		return nil, unavailable(fmt.Errorf("GET %s: the JWK Set is larger than %d bytes", c.url, maxJWKSBytes))
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, unavailable(fmt.Errorf("GET %s: not a JWK Set: %w", c.url, err))
	}
	if raw.Keys == nil {
		return nil, unavailable(errors.New("GET " + c.url + `: not a JWK Set: no "keys"`))
	}
	set := &keySet{keys: make(map[string]verificationKey, len(raw.Keys)), fetched: c.now()}
	dup := map[string]bool{}
	for _, r := range raw.Keys {
		var k jose.JSONWebKey
		if k.UnmarshalJSON(r) != nil || k.KeyID == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		var alg string
		switch pub := k.Public().Key.(type) {
		case ed25519.PublicKey:
			alg = signet.AlgEdDSA
			k.Key = pub
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				continue
			}
			alg = signet.AlgES256
			k.Key = pub
		default:
			continue
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		if _, seen := set.keys[k.KeyID]; seen || dup[k.KeyID] {
			// Two keys under one kid: which one signed is ambiguous.
			delete(set.keys, k.KeyID)
			dup[k.KeyID] = true
			continue
		}
		set.keys[k.KeyID] = verificationKey{alg: alg, key: k.Key}
	}
	return set, nil
}
