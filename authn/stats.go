package authn

import (
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	signet "github.com/signetdev/signet"
)

// Outcome is the result of one key verification, for metrics.
type Outcome int

// Outcomes of VerifyKey. OutcomeError is a storage failure on a cache miss.
const (
	OutcomeOK Outcome = iota
	OutcomeInvalidKey
	OutcomeRevoked
	OutcomeExpired
	OutcomeOwnerDisabled
	OutcomeNetworkNotAllowed
	OutcomePolicyViolation
	OutcomeKeyDisabled
	OutcomeError
	numOutcomes
)

// String returns the outcome's metric label.
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeInvalidKey:
		return ReasonInvalidKey
	case OutcomeRevoked:
		return ReasonRevoked
	case OutcomeExpired:
		return ReasonExpired
	case OutcomeOwnerDisabled:
		return ReasonOwnerDisabled
	case OutcomeNetworkNotAllowed:
		return ReasonNetworkNotAllowed
	case OutcomePolicyViolation:
		return ReasonPolicyViolation
	case OutcomeKeyDisabled:
		return ReasonKeyDisabled
	case OutcomeError:
		return "error"
	}
	return "unknown"
}

// Outcomes lists every Outcome, in order.
func Outcomes() []Outcome {
	out := make([]Outcome, numOutcomes)
	for i := range out {
		out[i] = Outcome(i)
	}
	return out
}

// Cache lookup results, for metrics.
const (
	cacheHit         = iota // a cached, current entry
	cacheNegativeHit        // a key id storage recently did not know
	cacheMiss               // storage was asked
	numCacheResults
)

// stripes is how many copies of each counter exist. Each increment picks
// one at random (math/rand/v2's per-thread generator, a few ns), so two
// cores rarely write the same cache line; readers sum them.
const stripes = 8

// stripedCounter is a counter that cores can increment without bouncing
// one cache line between them.
type stripedCounter struct {
	s [stripes]struct {
		n atomic.Uint64
		_ [56]byte // pad to a 64-byte cache line
	}
}

func (c *stripedCounter) inc() { c.s[rand.Uint32()%stripes].n.Add(1) }

func (c *stripedCounter) load() uint64 {
	var n uint64
	for i := range c.s {
		n += c.s[i].n.Load()
	}
	return n
}

// Stats counts verifications by outcome and cache lookups by result.
// Counting costs one uncontended atomic add each; the counters are read
// when metrics are scraped.
type Stats struct {
	outcomes [numOutcomes]stripedCounter
	caches   [numCacheResults]stripedCounter
}

func (s *Stats) add(o Outcome) { s.outcomes[o].inc() }
func (s *Stats) cache(r int)   { s.caches[r].inc() }

// Verifications returns how many verifications ended with o.
func (s *Stats) Verifications(o Outcome) uint64 { return s.outcomes[o].load() }

// CacheHits returns how many lookups were answered from the cache: a
// cached key, or a key id storage recently did not know (negative).
func (s *Stats) CacheHits() (positive, negative uint64) {
	return s.caches[cacheHit].load(), s.caches[cacheNegativeHit].load()
}

// CacheMisses returns how many lookups asked storage.
func (s *Stats) CacheMisses() uint64 { return s.caches[cacheMiss].load() }

// Observer receives verification latencies (for a histogram). ObserveVerify
// is called for every verification that asked storage (hit false) and for
// one in sampleEvery cache hits. It must be safe for concurrent use and
// should not allocate.
type Observer interface {
	ObserveVerify(hit bool, d time.Duration)
}

// sampleEvery is the sampling rate of cache-hit latencies.
const sampleEvery = 64

func sampled() bool { return rand.Uint32()%sampleEvery == 0 }

// DefaultNegativeCacheSize bounds how many unknown key ids are remembered.
const DefaultNegativeCacheSize = 10000

// negCache remembers key ids that storage did not know, with the cache
// generation and time of the lookup. An entry answers only while its
// generation is current — creating a key commits a change, which bumps
// the generation, so a key created after the lookup is never refused from
// here — and while it is fresh by the same rule as positive entries. It
// holds at most max ids; when full it is emptied, so a flood of distinct
// unknown ids costs what it cost without the cache (one query each) and
// memory stays bounded. It is consulted only on a positive-cache miss, so
// its mutex is off the hot path.
type negCache struct {
	max int
	mu  sync.Mutex // guards m
	m   map[string]negEntry
}

type negEntry struct {
	gen      uint64
	loadedAt int64
}

func (n *negCache) known(rawID string, gen uint64, now time.Time, v *Verifier) bool {
	n.mu.Lock()
	e, ok := n.m[rawID]
	n.mu.Unlock()
	return ok && e.gen == gen && v.freshAt(e.loadedAt, now, 0)
}

func (n *negCache) add(rawID string, gen uint64, now time.Time) {
	if n.max <= 0 {
		return
	}
	n.mu.Lock()
	if n.m == nil || len(n.m) >= n.max {
		n.m = make(map[string]negEntry)
	}
	n.m[rawID] = negEntry{gen: gen, loadedAt: now.UnixNano()}
	n.mu.Unlock()
}

// NegativeCached returns how many unknown key ids are remembered.
func (v *Verifier) NegativeCached() int {
	v.neg.mu.Lock()
	defer v.neg.mu.Unlock()
	return len(v.neg.m)
}

// maxInterned bounds the distinct access sets accessInterner keeps; when
// full it starts over (entries keep the pointers they have).
const maxInterned = 4096

// accessInterner maps the content of an Access to one shared, immutable
// copy. It is used on cache misses only.
type accessInterner struct {
	mu sync.Mutex // guards m
	m  map[string]*signet.Access
}

func (in *accessInterner) intern(a *signet.Access) *signet.Access {
	fp := accessFingerprint(a)
	in.mu.Lock()
	defer in.mu.Unlock()
	if p, ok := in.m[fp]; ok {
		return p
	}
	if in.m == nil || len(in.m) >= maxInterned {
		in.m = make(map[string]*signet.Access)
	}
	in.m[fp] = a
	return a
}

// accessFingerprint is a canonical encoding of a's permissions.
func accessFingerprint(a *signet.Access) string {
	var b strings.Builder
	writeSet := func(s signet.PermSet) {
		for _, p := range s.List() { // sorted; ["*"] for All
			b.WriteString(p)
			b.WriteByte(',')
		}
	}
	writeSet(a.Org)
	wss := make([]string, 0, len(a.Workspaces))
	for ws := range a.Workspaces {
		wss = append(wss, ws)
	}
	sort.Strings(wss)
	for _, ws := range wss {
		b.WriteByte('|')
		b.WriteString(ws)
		b.WriteByte('=')
		writeSet(a.Workspaces[ws])
	}
	return b.String()
}
