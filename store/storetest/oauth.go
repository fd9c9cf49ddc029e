package storetest

import (
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func audience(id, identifier string) *signet.Audience {
	return &signet.Audience{ID: id, Identifier: identifier, Description: "the " + identifier + " service",
		ServiceAccountID: "sa_runs_as", TokenLifetime: 5 * time.Minute,
		CreatedAt: t0, CreatedBy: "usr_admin", UpdatedAt: t0}
}

func clientKey(id string, owner *signet.User, thumbprint string) *signet.ClientKey {
	return &signet.ClientKey{ID: id, UserID: owner.ID, Name: "ci-" + id, Algorithm: signet.AlgEdDSA,
		PublicKey:  "-----BEGIN PUBLIC KEY-----\n" + id + "\n-----END PUBLIC KEY-----\n",
		Thumbprint: thumbprint, CreatedAt: t0, CreatedBy: "usr_admin"}
}

func testOAuthAudiences(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := audience("aud_1", "https://billing.internal")
	write(t, s, func(tx store.Tx) error { return tx.CreateAudience(ctx, a) })

	get := func(call string, fn func(tx store.Tx) (*signet.Audience, error)) *signet.Audience {
		t.Helper()
		var got *signet.Audience
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = fn(tx)
			return err
		})
		return got
	}
	wantEqual(t, "GetAudience", get("GetAudience", func(tx store.Tx) (*signet.Audience, error) { return tx.GetAudience(ctx, a.ID) }), a)
	wantEqual(t, "GetAudienceByIdentifier", get("GetAudienceByIdentifier", func(tx store.Tx) (*signet.Audience, error) {
		return tx.GetAudienceByIdentifier(ctx, a.Identifier)
	}), a)

	// The identifier is matched exactly.
	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetAudienceByIdentifier(ctx, "https://BILLING.internal")
		return err
	})
	wantCode(t, "GetAudienceByIdentifier(other case)", err, signet.ENOTFOUND)
	err = readErr(t, s, func(tx store.Tx) error { _, err := tx.GetAudience(ctx, "aud_missing"); return err })
	wantCode(t, "GetAudience(missing)", err, signet.ENOTFOUND)

	// A duplicate identifier conflicts, on create and on update.
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateAudience(ctx, audience("aud_dup", a.Identifier)) })
	wantCode(t, "CreateAudience(duplicate identifier)", err, signet.ECONFLICT)
	b := audience("aud_2", "reports")
	write(t, s, func(tx store.Tx) error { return tx.CreateAudience(ctx, b) })
	clash := *b
	clash.Identifier = a.Identifier
	err = writeErr(t, s, func(tx store.Tx) error { return tx.UpdateAudience(ctx, &clash) })
	wantCode(t, "UpdateAudience(duplicate identifier)", err, signet.ECONFLICT)

	// Every mutable field round-trips.
	b.Identifier, b.Description, b.ServiceAccountID, b.TokenLifetime, b.UpdatedAt = "reports-v2", "", "", 0, at(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateAudience(ctx, b) })
	wantEqual(t, "GetAudience after Update", get("GetAudience", func(tx store.Tx) (*signet.Audience, error) { return tx.GetAudience(ctx, b.ID) }), b)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.UpdateAudience(ctx, audience("aud_missing", "x")) })
	wantCode(t, "UpdateAudience(missing)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.CreateAudience(ctx, audience("aud_3", "search")) })
	all := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.Audience, string, error) { return tx.ListAudiences(ctx, p) })
	wantEqual(t, "ListAudiences ids", ids(all, func(a *signet.Audience) string { return a.ID }), []string{"aud_1", "aud_2", "aud_3"})

	write(t, s, func(tx store.Tx) error { return tx.DeleteAudience(ctx, a.ID) })
	err = readErr(t, s, func(tx store.Tx) error { _, err := tx.GetAudience(ctx, a.ID); return err })
	wantCode(t, "GetAudience(deleted)", err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.DeleteAudience(ctx, a.ID) })
	wantCode(t, "DeleteAudience(missing)", err, signet.ENOTFOUND)
	// The identifier of a deleted audience is free again.
	write(t, s, func(tx store.Tx) error { return tx.CreateAudience(ctx, audience("aud_4", a.Identifier)) })
}

func testOAuthClientKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	bot, other := serviceAccount("bot"), serviceAccount("other")
	create(t, s, bot, other)
	k1, k2 := clientKey("ck_1", bot, "thumb-1"), clientKey("ck_2", bot, "thumb-2")
	k1.Algorithm = signet.AlgES256
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateClientKey(ctx, k2); err != nil {
			return err
		}
		return tx.CreateClientKey(ctx, k1)
	})
	var got *signet.ClientKey
	read(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.GetClientKey(ctx, k1.ID)
		return err
	})
	wantEqual(t, "GetClientKey", got, k1)
	err := readErr(t, s, func(tx store.Tx) error { _, err := tx.GetClientKey(ctx, "ck_missing"); return err })
	wantCode(t, "GetClientKey(missing)", err, signet.ENOTFOUND)

	// The same key twice on one account conflicts; on another account it
	// is a key of its own.
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateClientKey(ctx, clientKey("ck_dup", bot, "thumb-1")) })
	wantCode(t, "CreateClientKey(duplicate thumbprint)", err, signet.ECONFLICT)
	write(t, s, func(tx store.Tx) error { return tx.CreateClientKey(ctx, clientKey("ck_3", other, "thumb-1")) })
	ghost := serviceAccount("ghost")
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateClientKey(ctx, clientKey("ck_ghost", ghost, "thumb-g")) })
	wantCode(t, "CreateClientKey(unknown user)", err, signet.ENOTFOUND)

	list := func(u *signet.User) []string {
		t.Helper()
		var out []*signet.ClientKey
		read(t, s, func(tx store.Tx) error {
			var err error
			out, err = tx.ListClientKeys(ctx, u.ID)
			return err
		})
		return ids(out, func(k *signet.ClientKey) string { return k.ID })
	}
	wantEqual(t, "ListClientKeys(bot)", list(bot), []string{"ck_1", "ck_2"})
	wantEqual(t, "ListClientKeys(other)", list(other), []string{"ck_3"})
	wantEqual(t, "ListClientKeys(nobody)", list(ghost), []string{})

	write(t, s, func(tx store.Tx) error { return tx.DeleteClientKey(ctx, k2.ID) })
	wantEqual(t, "ListClientKeys after Delete", list(bot), []string{"ck_1"})
	err = writeErr(t, s, func(tx store.Tx) error { return tx.DeleteClientKey(ctx, k2.ID) })
	wantCode(t, "DeleteClientKey(missing)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.CreateClientKey(ctx, clientKey("ck_4", bot, "thumb-4")) })
	write(t, s, func(tx store.Tx) error { return tx.DeleteUserClientKeys(ctx, bot.ID) })
	wantEqual(t, "ListClientKeys after DeleteUserClientKeys", list(bot), []string{})
	wantEqual(t, "other account's keys after DeleteUserClientKeys", list(other), []string{"ck_3"})
	// Deleting none is not an error.
	write(t, s, func(tx store.Tx) error { return tx.DeleteUserClientKeys(ctx, bot.ID) })
}

func testOAuthSigningKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := func(id string, created time.Time) *signet.SigningKey {
		return &signet.SigningKey{ID: id, Algorithm: signet.AlgEdDSA, PublicKey: "pub-" + id, PrivateKey: "sealed-" + id, CreatedAt: created}
	}
	list := func() []*signet.SigningKey {
		t.Helper()
		var out []*signet.SigningKey
		read(t, s, func(tx store.Tx) error {
			var err error
			out, err = tx.ListSigningKeys(ctx)
			return err
		})
		return out
	}
	wantEqual(t, "ListSigningKeys(none)", len(list()), 0)

	// Oldest first, whatever the order of their ids or creation.
	newer, older := key("sig_a", at(time.Hour)), key("sig_b", t0)
	older.Algorithm = signet.AlgES256
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateSigningKey(ctx, newer); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, older)
	})
	wantEqual(t, "ListSigningKeys", list(), []*signet.SigningKey{older, newer})
	err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateSigningKey(ctx, key("sig_a", t0)) })
	wantCode(t, "CreateSigningKey(duplicate id)", err, signet.ECONFLICT)

	older.RetiredAt, older.ExpiresAt = ptr(at(time.Hour)), ptr(at(25*time.Hour))
	write(t, s, func(tx store.Tx) error { return tx.UpdateSigningKey(ctx, older) })
	wantEqual(t, "ListSigningKeys after Update", list(), []*signet.SigningKey{older, newer})
	err = writeErr(t, s, func(tx store.Tx) error { return tx.UpdateSigningKey(ctx, key("sig_missing", t0)) })
	wantCode(t, "UpdateSigningKey(missing)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.DeleteSigningKey(ctx, older.ID) })
	wantEqual(t, "ListSigningKeys after Delete", list(), []*signet.SigningKey{newer})
	err = writeErr(t, s, func(tx store.Tx) error { return tx.DeleteSigningKey(ctx, older.ID) })
	wantCode(t, "DeleteSigningKey(missing)", err, signet.ENOTFOUND)
}

func testOAuthRevokedTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	revoke := func(tok *signet.RevokedToken, now time.Time) bool {
		t.Helper()
		var first bool
		write(t, s, func(tx store.Tx) error {
			var err error
			first, err = tx.RevokeToken(ctx, tok, now)
			return err
		})
		return first
	}
	list := func(now time.Time) []*signet.RevokedToken {
		t.Helper()
		var out []*signet.RevokedToken
		read(t, s, func(tx store.Tx) error {
			var err error
			out, err = tx.ListRevokedTokens(ctx, now)
			return err
		})
		return out
	}
	short := &signet.RevokedToken{JTI: "at_short", ClientID: "sa_1", ExpiresAt: at(time.Minute), RevokedAt: t0}
	long := &signet.RevokedToken{JTI: "at_long", ClientID: "sa_2", ExpiresAt: at(time.Hour), RevokedAt: t0}
	if !revoke(short, t0) || !revoke(long, t0) {
		t.Fatalf("RevokeToken = false on first revocation; want true")
	}
	again := *short
	again.RevokedAt = at(time.Second)
	if revoke(&again, at(time.Second)) {
		t.Errorf("RevokeToken(repeat) = true; want false")
	}
	wantEqual(t, "ListRevokedTokens", list(t0), []*signet.RevokedToken{long, short})
	// A token expired at now is not listed…
	wantEqual(t, "ListRevokedTokens(after short's expiry)", list(at(time.Minute)), []*signet.RevokedToken{long})
	// …and the next revocation prunes it: revoked again after its expiry,
	// it is recorded anew.
	other := &signet.RevokedToken{JTI: "at_other", ClientID: "sa_1", ExpiresAt: at(2 * time.Hour), RevokedAt: at(2 * time.Minute)}
	if !revoke(other, at(2*time.Minute)) {
		t.Errorf("RevokeToken(other) = false; want true")
	}
	wantEqual(t, "ListRevokedTokens(t0) after pruning", list(t0), []*signet.RevokedToken{long, other})
	late := *short
	late.RevokedAt = at(3 * time.Minute)
	if !revoke(&late, at(3*time.Minute)) {
		t.Errorf("RevokeToken(pruned token) = false; want true")
	}
}

func testOAuthClientAssertions(t *testing.T, s store.Store) {
	ctx := t.Context()
	use := func(client, jti string, exp, now time.Time) bool {
		t.Helper()
		var first bool
		write(t, s, func(tx store.Tx) error {
			var err error
			first, err = tx.UseClientAssertion(ctx, client, jti, exp, now)
			return err
		})
		return first
	}
	exp := at(time.Minute)
	for _, c := range []struct {
		name, client, jti string
		now               time.Time
		want              bool
	}{
		{"first use", "sa_1", "jti-1", t0, true},
		{"replay", "sa_1", "jti-1", at(time.Second), false},
		{"same jti, another client", "sa_2", "jti-1", at(time.Second), true},
		{"another jti", "sa_1", "jti-2", at(time.Second), true},
		{"replay just before expiry", "sa_1", "jti-1", at(time.Minute - time.Microsecond), false},
		{"after expiry, forgotten", "sa_1", "jti-1", at(time.Minute), true},
	} {
		if got := use(c.client, c.jti, exp, c.now); got != c.want {
			t.Errorf("%s: UseClientAssertion(%s, %s) = %v; want %v", c.name, c.client, c.jti, got, c.want)
		}
	}
}
