package authn

import (
	"time"

	"github.com/signetdev/signet/service"
)

// CacheForTest puts a loaded key state in v's cache under rawID, as a
// verification that loaded it at now would, without asking storage.
func (v *Verifier) CacheForTest(rawID string, st *service.KeyState, now time.Time) {
	e := newEntry(v.gen.Load(), st, now)
	e.verified.Access = v.interned.intern(e.verified.Access)
	v.store(rawID, e)
}

// SetNegativeCacheSizeForTest bounds v's negative cache at n unknown key
// ids instead of DefaultNegativeCacheSize; before v is used.
func (v *Verifier) SetNegativeCacheSizeForTest(n int) { v.neg.max = n }
