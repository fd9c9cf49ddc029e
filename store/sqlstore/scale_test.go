package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// Scale of TestPostgresScale.
const (
	scaleAccounts = 100_000
	scaleKeys     = 1_000_000
)

// TestPostgresScale seeds 100,000 service accounts and 1,000,000 keys in
// PostgreSQL (server-side, with generate_series) and measures listing by
// cursor, a page of 100, and a verification cache miss (service
// LoadKeyState: the key by id, its owner, the catalogue and the owner's
// grants). The goals are p99 < 20ms for a page and < 2ms for a miss; the
// assertions allow three times that, best of three passes, for a loaded
// CI machine, and only log under -race. The figures are in BENCHMARKS.md.
func TestPostgresScale(t *testing.T) {
	testenv.RequireHeavy(t, "seeds a million keys")
	testdb.RequirePostgres(t)
	ctx := context.Background()
	st, u := openPostgres(t, sqlstore.Options{})
	svc := service.New(st, service.Options{BcryptCost: 4})
	if _, err := svc.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	seed := testdb.OpenRawPostgres(t, u)
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO users (id, kind, name, name_key, status, created_at, updated_at)
			SELECT 'usr_' || lpad(i::text, 26, '0'), 'service_account', 'sa-' || i, 'sa-' || i, 'active', 0, 0
			FROM generate_series(1, %d) i`, scaleAccounts),
		fmt.Sprintf(`INSERT INTO api_keys (id, kind, owner_id, name, name_key, secret_hash, created_at)
			SELECT 'key_' || lpad(i::text, 26, '0'), 'service_account',
				'usr_' || lpad((1 + i %% %d)::text, 26, '0'), 'k', 'k', sha256(i::text::bytea), 0
			FROM generate_series(1, %d) i`, scaleAccounts, scaleKeys),
		`ANALYZE users`, `ANALYZE api_keys`,
	} {
		if _, err := seed.ExecContext(ctx, q); err != nil {
			t.Fatalf("seeding: %v", err)
		}
	}
	t.Logf("seeded %d service accounts and %d keys in %v", scaleAccounts, scaleKeys, time.Since(start).Round(time.Millisecond))

	// measure times fn n times and checks the p99 against 3x the goal. A
	// shared machine has bursts of CPU starvation, so a pass that misses is
	// run again, up to three passes: the bound must hold in one. Under the
	// race detector the figures are only logged.
	measure := func(name string, n int, goal time.Duration, fn func(i int) error) {
		t.Helper()
		var best time.Duration
		for pass := 1; pass <= 3; pass++ {
			d := make([]time.Duration, 0, n)
			for i := range n {
				s := time.Now()
				if err := fn(i); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				d = append(d, time.Since(s))
			}
			slices.Sort(d)
			p50, p99 := d[n/2], d[n*99/100]
			t.Logf("%-40s n=%d p50=%v p99=%v (goal p99 < %v)", name, n, p50, p99, goal)
			if pass == 1 || p99 < best {
				best = p99
			}
			if raceEnabled || best < 3*goal {
				return
			}
		}
		t.Errorf("%s: best p99 of three passes = %v; want < %v (3x the goal of %v)", name, best, 3*goal, goal)
	}

	page := signet.Page{Limit: 100}
	cursor := ""
	measure("ListUsers, page of 100 by cursor", 500, 20*time.Millisecond, func(int) error {
		return st.Read(ctx, func(tx store.Tx) error {
			_, next, err := tx.ListUsers(ctx, signet.UserFilter{Kind: signet.KindServiceAccount, Page: signet.Page{Limit: page.Limit, Cursor: cursor}})
			cursor = next
			return err
		})
	})
	cursor = ""
	measure("ListAPIKeys, page of 100 by cursor", 500, 20*time.Millisecond, func(int) error {
		return st.Read(ctx, func(tx store.Tx) error {
			_, next, err := tx.ListAPIKeys(ctx, signet.APIKeyFilter{Page: signet.Page{Limit: page.Limit, Cursor: cursor}})
			cursor = next
			return err
		})
	})
	keyID := func() string { return fmt.Sprintf("key_%026d", 1+rand.N(scaleKeys)) }
	measure("GetAPIKey by id", 2000, 2*time.Millisecond, func(int) error {
		return st.Read(ctx, func(tx store.Tx) error {
			_, err := tx.GetAPIKey(ctx, keyID())
			return err
		})
	})
	measure("verification cache miss (LoadKeyState)", 2000, 2*time.Millisecond, func(int) error {
		_, err := svc.LoadKeyState(ctx, keyID())
		return err
	})
}
