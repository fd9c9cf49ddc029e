package storetest

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// testKeyLifecycleFields checks the attributes of key lifecycle round-trip:
// allowlist, labels, lifetime, rotation links, the disabled state, and a
// user's labels and owner.
func testKeyLifecycleFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	sa := serviceAccount("etl-bot")
	sa.Labels = map[string]string{"team": "data", "env": "prod"}
	sa.OwnerType, sa.OwnerID = "group", "grp_data"
	create(t, s, sa)
	var gotUser *signet.User
	read(t, s, func(tx store.Tx) error {
		var err error
		gotUser, err = tx.GetUser(ctx, sa.ID)
		return err
	})
	wantEqual(t, "GetUser labels and owner", [3]any{gotUser.Labels, gotUser.OwnerType, gotUser.OwnerID}, [3]any{sa.Labels, "group", "grp_data"})
	sa.Labels, sa.OwnerType, sa.OwnerID = nil, "", ""
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, sa) })
	read(t, s, func(tx store.Tx) error {
		var err error
		gotUser, err = tx.GetUser(ctx, sa.ID)
		return err
	})
	wantEqual(t, "GetUser labels cleared", [3]any{gotUser.Labels, gotUser.OwnerType, gotUser.OwnerID}, [3]any{map[string]string(nil), "", ""})

	k := apiKey(sa, "loader")
	k.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	k.Labels = map[string]string{"env": "prod"}
	k.ExpiresAt, k.Lifetime = ptr(at(30*24*time.Hour)), 30*24*time.Hour
	create(t, s, k)
	wantEqual(t, "GetAPIKey with lifecycle fields", getKey(t, s, k.ID), k)

	next := apiKey(sa, "loader")
	next.RotatedFrom = k.ID
	create(t, s, next)
	k.RotatedTo, k.RotatedAt, k.ExpiresAt = next.ID, ptr(at(time.Hour)), ptr(at(25*time.Hour))
	k.Name, k.Description, k.AllowedNetworks, k.Labels = "loader (old)", "rotated", nil, nil
	k.DisabledAt, k.DisabledBy, k.DisabledReason = ptr(at(2*time.Hour)), "", "unused for 90d"
	write(t, s, func(tx store.Tx) error { return tx.UpdateAPIKey(ctx, k) })
	wantEqual(t, "GetAPIKey after UpdateAPIKey", getKey(t, s, k.ID), k)
	wantEqual(t, "successor", getKey(t, s, next.ID).RotatedFrom, k.ID)
	wantEqual(t, "Status of a disabled key", k.Status(at(3*time.Hour)), signet.KeyStatusDisabled)
	missing := apiKey(sa, "missing")
	err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateAPIKey(ctx, missing) })
	wantCode(t, "UpdateAPIKey(missing)", err, signet.ENOTFOUND)

	// Each warning is recorded once.
	for i, want := range []bool{true, false} {
		var got bool
		write(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.RecordKeyWarning(ctx, next.ID, 7*24*time.Hour, at(time.Duration(i)*time.Minute))
			return err
		})
		wantEqual(t, "RecordKeyWarning", got, want)
	}
	var other bool
	write(t, s, func(tx store.Tx) error {
		var err error
		other, err = tx.RecordKeyWarning(ctx, next.ID, 24*time.Hour, t0)
		return err
	})
	wantEqual(t, "RecordKeyWarning(another threshold)", other, true)
}

// testListAPIKeysLifecycleFilters checks the filters of expiry, disuse,
// labels and the disabled status.
func testListAPIKeysLifecycleFilters(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	create(t, s, sa)
	soon, later, never, used, old, disabled := apiKey(sa, "soon"), apiKey(sa, "later"), apiKey(sa, "never"), apiKey(sa, "used"), apiKey(sa, "old"), apiKey(sa, "disabled")
	soon.ExpiresAt = ptr(at(3 * 24 * time.Hour))
	later.ExpiresAt = ptr(at(30 * 24 * time.Hour))
	used.LastUsedAt = ptr(at(100 * 24 * time.Hour))
	used.CreatedAt = at(-200 * 24 * time.Hour)
	old.CreatedAt = at(-200 * 24 * time.Hour)
	disabled.DisabledAt = ptr(t0)
	soon.Labels = map[string]string{"env": "prod", "team": "data"}
	later.Labels = map[string]string{"env": "prod"}
	create(t, s, soon, later, never, used, old, disabled)
	names := func(f signet.APIKeyFilter) []string {
		f.OwnerID, f.Now = sa.ID, at(time.Hour)
		keys := walk(t, s, 10, func(tx store.Tx, p signet.Page) ([]*signet.APIKey, string, error) {
			f.Page = p
			return tx.ListAPIKeys(t.Context(), f)
		})
		var out []string
		for _, k := range keys {
			out = append(out, k.Name)
		}
		slices.Sort(out)
		return out
	}
	wantEqual(t, "expiring within 7d", names(signet.APIKeyFilter{ExpiresBefore: ptr(at(7 * 24 * time.Hour))}), []string{"soon"})
	// Never-used keys count from creation.
	wantEqual(t, "unused since -100d", names(signet.APIKeyFilter{UnusedSince: ptr(at(-100 * 24 * time.Hour))}), []string{"old"})
	wantEqual(t, "unused since +101d", names(signet.APIKeyFilter{UnusedSince: ptr(at(101 * 24 * time.Hour))}), []string{"disabled", "later", "never", "old", "soon", "used"})
	wantEqual(t, "unused since +99d", names(signet.APIKeyFilter{UnusedSince: ptr(at(99 * 24 * time.Hour))}), []string{"disabled", "later", "never", "old", "soon"})
	wantEqual(t, "label env=prod", names(signet.APIKeyFilter{Labels: map[string]string{"env": "prod"}}), []string{"later", "soon"})
	wantEqual(t, "labels env=prod, team=data", names(signet.APIKeyFilter{Labels: map[string]string{"env": "prod", "team": "data"}}), []string{"soon"})
	wantEqual(t, "status disabled", names(signet.APIKeyFilter{Status: signet.KeyStatusDisabled}), []string{"disabled"})
	wantEqual(t, "status active", names(signet.APIKeyFilter{Status: signet.KeyStatusActive}), []string{"later", "never", "old", "soon", "used"})
}
