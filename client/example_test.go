package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// Example creates a service account with a key, uses the key and revokes
// it, against a throwaway server.
func Example() {
	ctx := context.Background()
	baseURL, setupToken, cleanup := startServer(ctx)
	defer cleanup()

	// The first administrator, with the one-time token from the server's log.
	anon, err := client.New(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := anon.Setup(ctx, client.SetupRequest{Token: setupToken, Name: "Ada", Email: "ada@example.com", Password: "correct horse battery staple"}); err != nil {
		log.Fatal(err)
	}
	// Sign in with the password for a personal key that expires (what
	// `signet login` does); the API itself takes keys.
	login, err := anon.Login(ctx, client.LoginRequest{Email: "ada@example.com", Password: "correct horse battery staple", DeviceID: "example-device"})
	if err != nil {
		log.Fatal(err)
	}
	admin, _ := client.New(baseURL, client.WithAPIKey(login.Key))

	// A service account holding View in the default workspace (a grant
	// that names no workspace), with its first key.
	res, err := admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name:   "etl-pipeline",
		Grants: []client.GrantSpec{{RoleID: "role_view"}},
		APIKey: &client.CreateAPIKeyRequest{Name: "prod", ExpiresIn: "2160h"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key kind:", res.APIKey.Key[:7]) // the whole key is shown only here

	// The pipeline uses its key.
	etl, _ := client.New(baseURL, client.WithAPIKey(res.APIKey.Key))
	me, err := etl.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("calling as:", me.User.Name)

	// Revoked, the key stops working at once.
	if _, err := admin.RevokeAPIKey(ctx, res.APIKey.ID, "rotated"); err != nil {
		log.Fatal(err)
	}
	_, err = etl.Me(ctx)
	fmt.Println("after revocation:", client.ErrorCode(err))

	// Output:
	// key kind: sgn_sa_
	// calling as: etl-pipeline
	// after revocation: unauthenticated
}

// exampleStore opens the example's database: a temporary SQLite file, or
// the backend of TestExampleOnEveryBackend.
var exampleStore = func(ctx context.Context) (store.Store, func()) {
	dir, err := os.MkdirTemp("", "signet-example")
	if err != nil {
		log.Fatal(err)
	}
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "signet.db"), sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return st, func() {
		st.Close()
		os.RemoveAll(dir)
	}
}

// startServer runs Signet on a temporary database, as cmd/signet does.
func startServer(ctx context.Context) (baseURL, setupToken string, cleanup func()) {
	st, closeStore := exampleStore(ctx)
	var verifier *authn.Verifier
	svc := service.New(st, service.Options{OnChange: func() { verifier.Invalidate() }, BcryptCost: 4})
	verifier = authn.NewVerifier(svc, authn.NewUseRecorder(svc.RecordKeyUses, nil), nil)
	token, err := svc.Bootstrap(ctx)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Service: svc, Auth: authn.NewAuthenticator(verifier, svc), Ready: st.Ping}))
	return strings.TrimSuffix(srv.URL, "/"), token, func() {
		srv.Close()
		closeStore()
	}
}
