package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func oidcProvider(id string) *signet.OIDCProvider {
	return &signet.OIDCProvider{ID: id, Name: "Corp " + id, Issuer: "https://idp.example/" + id, ClientID: "signet",
		ClientSecret: "sealed-" + id, Scopes: []string{"email", "profile"}, AllowedDomains: []string{"example.com"},
		JITCreate: true, GroupsClaim: "groups", GroupMappings: []signet.GroupMapping{{Value: "eng", GroupID: "grp_eng"}},
		Enabled: true, CreatedAt: t0, CreatedBy: "usr_admin", UpdatedAt: t0}
}

func testOIDCProviders(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := oidcProvider("idp_1")
	write(t, s, func(tx store.Tx) error { return tx.CreateOIDCProvider(ctx, p) })
	get := func(id string) (*signet.OIDCProvider, error) {
		var got *signet.OIDCProvider
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetOIDCProvider(ctx, id)
			return err
		})
		return got, err
	}
	got, err := get(p.ID)
	if err != nil {
		t.Fatalf("GetOIDCProvider = %v", err)
	}
	wantEqual(t, "GetOIDCProvider", got, p)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateOIDCProvider(ctx, oidcProvider("idp_1")) })
	wantCode(t, "CreateOIDCProvider(duplicate)", err, signet.ECONFLICT)

	// Every mutable field round-trips; empty lists read back as nil.
	p.Name, p.Issuer, p.ClientID, p.ClientSecret = "Okta", "https://okta.example", "other", "sealed-new"
	p.Scopes, p.AllowedDomains, p.JITCreate, p.GroupsClaim, p.GroupMappings, p.Enabled, p.UpdatedAt =
		nil, nil, false, "", nil, false, at(time.Second)
	write(t, s, func(tx store.Tx) error { return tx.UpdateOIDCProvider(ctx, p) })
	got, _ = get(p.ID)
	wantEqual(t, "GetOIDCProvider after Update", got, p)

	_, err = get("idp_missing")
	wantCode(t, "GetOIDCProvider(missing)", err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.UpdateOIDCProvider(ctx, oidcProvider("idp_missing")) })
	wantCode(t, "UpdateOIDCProvider(missing)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.CreateOIDCProvider(ctx, oidcProvider("idp_0")) })
	var all []*signet.OIDCProvider
	read(t, s, func(tx store.Tx) error {
		var err error
		all, err = tx.ListOIDCProviders(ctx)
		return err
	})
	wantEqual(t, "ListOIDCProviders ids", ids(all, func(p *signet.OIDCProvider) string { return p.ID }), []string{"idp_0", "idp_1"})

	// Identities link a subject to one user; deleting the provider
	// deletes its links.
	u := human("Ada", "ada@example.com")
	create(t, s, u)
	link := &signet.UserIdentity{ProviderID: "idp_1", Subject: "sub-1", UserID: u.ID, CreatedAt: t0, LastLoginAt: t0}
	write(t, s, func(tx store.Tx) error { return tx.CreateUserIdentity(ctx, link) })
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateUserIdentity(ctx, link) })
	wantCode(t, "CreateUserIdentity(duplicate)", err, signet.ECONFLICT)
	err = writeErr(t, s, func(tx store.Tx) error {
		return tx.CreateUserIdentity(ctx, &signet.UserIdentity{ProviderID: "idp_missing", Subject: "x", UserID: u.ID, CreatedAt: t0, LastLoginAt: t0})
	})
	wantCode(t, "CreateUserIdentity(unknown provider)", err, signet.ENOTFOUND)
	write(t, s, func(tx store.Tx) error { return tx.TouchUserIdentity(ctx, "idp_1", "sub-1", at(time.Hour)) })
	link.LastLoginAt = at(time.Hour)
	var gotLink *signet.UserIdentity
	var links []*signet.UserIdentity
	read(t, s, func(tx store.Tx) error {
		var err error
		if gotLink, err = tx.GetUserIdentity(ctx, "idp_1", "sub-1"); err != nil {
			return err
		}
		links, err = tx.ListUserIdentities(ctx, u.ID)
		return err
	})
	wantEqual(t, "GetUserIdentity", gotLink, link)
	wantEqual(t, "ListUserIdentities", links, []*signet.UserIdentity{link})
	err = writeErr(t, s, func(tx store.Tx) error { return tx.TouchUserIdentity(ctx, "idp_1", "sub-2", t0) })
	wantCode(t, "TouchUserIdentity(missing)", err, signet.ENOTFOUND)

	write(t, s, func(tx store.Tx) error { return tx.DeleteOIDCProvider(ctx, "idp_1") })
	err = readErr(t, s, func(tx store.Tx) error { _, err := tx.GetUserIdentity(ctx, "idp_1", "sub-1"); return err })
	wantCode(t, "GetUserIdentity after DeleteOIDCProvider", err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.DeleteOIDCProvider(ctx, "idp_1") })
	wantCode(t, "DeleteOIDCProvider(missing)", err, signet.ENOTFOUND)
}

func testSSOLoginStates(t *testing.T, s store.Store) {
	ctx := t.Context()
	st := &signet.SSOLoginState{StateHash: sha256.Sum256([]byte("state")), BrowserHash: sha256.Sum256([]byte("browser")),
		ProviderID: "idp_1", Nonce: "sealed-nonce", Verifier: "sealed-verifier", Next: "/settings/users",
		CreatedAt: t0, ExpiresAt: at(10 * time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.CreateSSOLoginState(ctx, st, t0) })
	err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateSSOLoginState(ctx, st, t0) })
	wantCode(t, "CreateSSOLoginState(duplicate)", err, signet.ECONFLICT)

	take := func(h [32]byte) (*signet.SSOLoginState, error) {
		var got *signet.SSOLoginState
		err := writeErr(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.TakeSSOLoginState(ctx, h)
			return err
		})
		return got, err
	}
	got, err := take(st.StateHash)
	if err != nil {
		t.Fatalf("TakeSSOLoginState = %v", err)
	}
	wantEqual(t, "TakeSSOLoginState", got, st)
	// Single use.
	_, err = take(st.StateHash)
	wantCode(t, "TakeSSOLoginState(again)", err, signet.ENOTFOUND)

	// Creating a state deletes the expired ones.
	old := *st
	old.StateHash = sha256.Sum256([]byte("old"))
	write(t, s, func(tx store.Tx) error { return tx.CreateSSOLoginState(ctx, &old, t0) })
	young := *st
	young.StateHash = sha256.Sum256([]byte("young"))
	young.ExpiresAt = at(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.CreateSSOLoginState(ctx, &young, at(30*time.Minute)) })
	_, err = take(old.StateHash)
	wantCode(t, "TakeSSOLoginState(expired and swept)", err, signet.ENOTFOUND)
	if _, err := take(young.StateHash); err != nil {
		t.Errorf("TakeSSOLoginState(young) = %v; want nil", err)
	}
}
