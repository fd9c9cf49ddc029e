package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func getKey(t *testing.T, s store.Store, id string) *signet.APIKey {
	t.Helper()
	var k *signet.APIKey
	read(t, s, func(tx store.Tx) error {
		var err error
		k, err = tx.GetAPIKey(t.Context(), id)
		return err
	})
	return k
}

func testAPIKeyRoundTrip(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	h := human("Ada", "ada@example.com")
	create(t, s, sa, h)

	full := apiKey(sa, "loader")
	full.Scopes = []string{"metrics:read", "tables:write"}
	full.ExpiresAt = ptr(at(24 * time.Hour))
	full.LastUsedAt = ptr(at(time.Minute))
	full.LastUsedIP = "198.51.100.7"
	bare := apiKey(h, "laptop")
	cli := apiKey(h, "signet login")
	cli.LoginDevice = "3f2a9c1e0b7d4a58"
	create(t, s, full, bare, cli)

	for _, want := range []*signet.APIKey{full, bare, cli} {
		wantEqual(t, fmt.Sprintf("GetAPIKey(%q)", want.ID), getKey(t, s, want.ID), want)
	}

	tests := []struct {
		name string
		key  func() *signet.APIKey
		want string
	}{
		{"duplicate id", func() *signet.APIKey { k := *bare; k.Name = "other"; return &k }, signet.ECONFLICT},
		{"unknown owner", func() *signet.APIKey { return apiKey(serviceAccount("ghost"), "x") }, signet.ENOTFOUND},
	}
	for _, tc := range tests {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateAPIKey(t.Context(), tc.key()) })
		wantCode(t, "CreateAPIKey("+tc.name+")", err, tc.want)
	}
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetAPIKey(t.Context(), "key_missing")
		return err
	})
	wantCode(t, `GetAPIKey("key_missing")`, err, signet.ENOTFOUND)
}

func testRevokeAPIKey(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	k := apiKey(sa, "loader")
	create(t, s, sa, k)

	revoke := func(when time.Time, by, reason string) (bool, error) {
		var did bool
		err := writeErr(t, s, func(tx store.Tx) error {
			var err error
			did, err = tx.RevokeAPIKey(t.Context(), k.ID, when, by, reason)
			return err
		})
		return did, err
	}
	did, err := revoke(at(time.Hour), "usr_first", "leaked")
	if err != nil || !did {
		t.Fatalf("RevokeAPIKey(first) = %v, %v; want true, nil", did, err)
	}
	did, err = revoke(at(2*time.Hour), "usr_second", "again")
	if err != nil || did {
		t.Fatalf("RevokeAPIKey(second) = %v, %v; want false, nil", did, err)
	}
	got := getKey(t, s, k.ID)
	wantEqual(t, "RevokedAt", got.RevokedAt, ptr(at(time.Hour)))
	wantEqual(t, "RevokedBy", got.RevokedBy, "usr_first")
	wantEqual(t, "RevokedReason", got.RevokedReason, "leaked")
	wantEqual(t, "Status", got.Status(at(3*time.Hour)), signet.KeyStatusRevoked)

	err = writeErr(t, s, func(tx store.Tx) error {
		_, err := tx.RevokeAPIKey(t.Context(), "key_missing", t0, "usr_x", "")
		return err
	})
	wantCode(t, `RevokeAPIKey("key_missing")`, err, signet.ENOTFOUND)
}

func testRevokeUserAPIKeys(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	other := serviceAccount("other-bot")
	k1, k2, k3 := apiKey(sa, "one"), apiKey(sa, "two"), apiKey(sa, "three")
	k3.RevokedAt, k3.RevokedBy, k3.RevokedReason = ptr(at(time.Minute)), "usr_early", "early"
	untouched := apiKey(other, "other")
	create(t, s, sa, other, k1, k2, k3, untouched)

	var revoked []string
	write(t, s, func(tx store.Tx) error {
		var err error
		revoked, err = tx.RevokeUserAPIKeys(t.Context(), sa.ID, at(time.Hour), "usr_admin", "disabled")
		return err
	})
	want := []string{k1.ID, k2.ID}
	slices.Sort(want)
	slices.Sort(revoked)
	wantEqual(t, "RevokeUserAPIKeys", revoked, want)

	for _, k := range []*signet.APIKey{k1, k2} {
		got := getKey(t, s, k.ID)
		wantEqual(t, "RevokedAt of "+k.Name, got.RevokedAt, ptr(at(time.Hour)))
		wantEqual(t, "RevokedBy of "+k.Name, got.RevokedBy, "usr_admin")
		wantEqual(t, "RevokedReason of "+k.Name, got.RevokedReason, "disabled")
	}
	wantEqual(t, "key revoked before", getKey(t, s, k3.ID), k3)
	wantEqual(t, "other user's key", getKey(t, s, untouched.ID), untouched)

	write(t, s, func(tx store.Tx) error {
		var err error
		revoked, err = tx.RevokeUserAPIKeys(t.Context(), sa.ID, at(2*time.Hour), "usr_admin", "again")
		return err
	})
	if len(revoked) != 0 {
		t.Errorf("RevokeUserAPIKeys(again) = %v; want none", revoked)
	}
}

func testRecordKeyUses(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	a, b, c := apiKey(sa, "a"), apiKey(sa, "b"), apiKey(sa, "c")
	c.LastUsedAt, c.LastUsedIP = ptr(at(time.Hour)), "203.0.113.9"
	create(t, s, sa, a, b, c)

	write(t, s, func(tx store.Tx) error {
		return tx.RecordKeyUses(t.Context(), []signet.KeyUse{
			{KeyID: a.ID, At: at(2 * time.Minute), IP: "192.0.2.2"},
			{KeyID: a.ID, At: at(1 * time.Minute), IP: "192.0.2.1"}, // earlier: ignored
			{KeyID: b.ID, At: at(1 * time.Minute), IP: "192.0.2.1"},
			{KeyID: b.ID, At: at(3 * time.Minute), IP: "192.0.2.3"}, // later: kept
			{KeyID: c.ID, At: at(time.Minute), IP: "192.0.2.1"},     // older than stored: ignored
			{KeyID: "key_unknown", At: t0, IP: "192.0.2.1"},
		})
	})
	write(t, s, func(tx store.Tx) error { return tx.RecordKeyUses(t.Context(), nil) })

	tests := []struct {
		key    *signet.APIKey
		wantAt time.Time
		wantIP string
	}{
		{a, at(2 * time.Minute), "192.0.2.2"},
		{b, at(3 * time.Minute), "192.0.2.3"},
		{c, at(time.Hour), "203.0.113.9"},
	}
	for _, tc := range tests {
		got := getKey(t, s, tc.key.ID)
		wantEqual(t, "LastUsedAt of key "+tc.key.Name, got.LastUsedAt, &tc.wantAt)
		wantEqual(t, "LastUsedIP of key "+tc.key.Name, got.LastUsedIP, tc.wantIP)
	}
}

func testListAPIKeys(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	h := human("Ada", "ada@example.com")
	now := at(time.Hour)
	forever := apiKey(sa, "Loader Prod")
	future := apiKey(sa, "loader staging")
	future.ExpiresAt = ptr(now.Add(time.Second))
	expiredNow := apiKey(sa, "expires now")
	expiredNow.ExpiresAt = ptr(now)
	expired := apiKey(sa, "old")
	expired.ExpiresAt = ptr(now.Add(-time.Hour))
	revoked := apiKey(sa, "revoked")
	revoked.RevokedAt = ptr(t0)
	revokedExpired := apiKey(sa, "revoked and expired")
	revokedExpired.RevokedAt, revokedExpired.ExpiresAt = ptr(t0), ptr(t0)
	personal := apiKey(h, "100% laptop")
	create(t, s, sa, h, forever, future, expiredNow, expired, revoked, revokedExpired, personal)

	tests := []struct {
		name string
		f    signet.APIKeyFilter
		want []*signet.APIKey
	}{
		{"all", signet.APIKeyFilter{}, []*signet.APIKey{forever, future, expiredNow, expired, revoked, revokedExpired, personal}},
		{"active", signet.APIKeyFilter{Status: signet.KeyStatusActive, Now: now}, []*signet.APIKey{forever, future, personal}},
		{"expired", signet.APIKeyFilter{Status: signet.KeyStatusExpired, Now: now}, []*signet.APIKey{expiredNow, expired}},
		{"revoked", signet.APIKeyFilter{Status: signet.KeyStatusRevoked, Now: now}, []*signet.APIKey{revoked, revokedExpired}},
		{"active a second later", signet.APIKeyFilter{Status: signet.KeyStatusActive, Now: now.Add(time.Second)}, []*signet.APIKey{forever, personal}},
		{"personal", signet.APIKeyFilter{Kind: signet.KeyKindPersonal}, []*signet.APIKey{personal}},
		{"service account", signet.APIKeyFilter{Kind: signet.KeyKindServiceAccount, Status: signet.KeyStatusActive, Now: now}, []*signet.APIKey{forever, future}},
		{"owner", signet.APIKeyFilter{OwnerID: h.ID}, []*signet.APIKey{personal}},
		{"name, any case", signet.APIKeyFilter{NameContains: "LOADER"}, []*signet.APIKey{forever, future}},
		{"percent is literal", signet.APIKeyFilter{NameContains: "0%"}, []*signet.APIKey{personal}},
	}
	for _, tc := range tests {
		got := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.APIKey, string, error) {
			f := tc.f
			f.Page = p
			return tx.ListAPIKeys(t.Context(), f)
		})
		for _, k := range got {
			if tc.f.Status != "" && k.Status(tc.f.Now) != tc.f.Status {
				t.Errorf("ListAPIKeys(%s) returned %q with status %q", tc.name, k.Name, k.Status(tc.f.Now))
			}
		}
		keyID := func(k *signet.APIKey) string { return k.ID }
		want := ids(tc.want, keyID)
		slices.Sort(want)
		wantEqual(t, "ListAPIKeys("+tc.name+")", ids(got, keyID), want)
	}

	// Listed keys carry every field, as GetAPIKey returns them.
	read(t, s, func(tx store.Tx) error {
		got, _, err := tx.ListAPIKeys(t.Context(), signet.APIKeyFilter{OwnerID: h.ID})
		if err != nil {
			return err
		}
		wantEqual(t, "ListAPIKeys(owner)", got, []*signet.APIKey{personal})
		return nil
	})
}

// testLastActiveFromKeys: a user's LastActiveAt is the later of its own
// (sign-ins) and its keys' last use, on every read of a user — derived,
// so that the write-behind flush of key uses is the only write.
func testLastActiveFromKeys(t *testing.T, s store.Store) {
	idle, used, person := serviceAccount("idle-bot"), serviceAccount("busy-bot"), human("Ada", "ada@example.com")
	person.LastActiveAt = ptr(at(time.Hour))
	k1, k2, pk := apiKey(used, "one"), apiKey(used, "two"), apiKey(person, "laptop")
	g := group("bots")
	create(t, s, idle, used, person, k1, k2, pk, g, member(g, idle), member(g, used), member(g, person))
	write(t, s, func(tx store.Tx) error {
		return tx.RecordKeyUses(t.Context(), []signet.KeyUse{
			{KeyID: k1.ID, At: at(2 * time.Minute), IP: "192.0.2.1"},
			{KeyID: k2.ID, At: at(5 * time.Minute), IP: "192.0.2.2"},
			{KeyID: pk.ID, At: at(30 * time.Minute), IP: "192.0.2.3"}, // before the sign-in: the sign-in counts
		})
	})
	want := map[string]*time.Time{idle.ID: nil, used.ID: ptr(at(5 * time.Minute)), person.ID: ptr(at(time.Hour))}
	read(t, s, func(tx store.Tx) error {
		for id, w := range want {
			u, err := tx.GetUser(t.Context(), id)
			if err != nil {
				return err
			}
			wantEqual(t, "GetUser("+u.Name+").LastActiveAt", u.LastActiveAt, w)
		}
		for _, kind := range []string{signet.KindServiceAccount, signet.KindHuman} {
			us, _, err := tx.ListUsers(t.Context(), signet.UserFilter{Kind: kind})
			if err != nil {
				return err
			}
			for _, u := range us {
				if w, ok := want[u.ID]; ok {
					wantEqual(t, "ListUsers: "+u.Name+".LastActiveAt", u.LastActiveAt, w)
				}
			}
		}
		ms, err := tx.ListGroupMembers(t.Context(), g.ID)
		if err != nil {
			return err
		}
		for _, u := range ms {
			wantEqual(t, "ListGroupMembers: "+u.Name+".LastActiveAt", u.LastActiveAt, want[u.ID])
		}
		return nil
	})
}
