package signetauth_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/signetdev/signet/signetauth"
)

// A service whose POST /ingest needs metrics:write. Its own key (in
// SIGNET_CHECK_KEY) holds signet:check.
func ExampleAuth_RequirePermission() {
	auth, err := signetauth.New(signetauth.Config{
		URL: "http://127.0.0.1:8080",
		Key: os.Getenv("SIGNET_CHECK_KEY"),
		// The workspace this service checks callers in (empty: Signet's
		// default); a caller's X-Workspace-Id naming another is refused.
		Workspace: os.Getenv("SIGNET_WORKSPACE"),
	})
	if err != nil {
		log.Fatal(err)
	}
	ingest := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := signetauth.FromContext(r.Context())
		fmt.Fprintf(w, "accepted from %s %s (key %s)\n", p.Kind, p.Name, p.KeyID)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest", auth.RequirePermission("metrics:write")(ingest))
	_ = mux // then: http.ListenAndServe("127.0.0.1:9090", mux)
}

// A service that accepts Signet's access tokens addressed to it, verified
// offline, besides API keys (checked through Signet's check API).
func ExampleAuth_RequirePermission_accessTokens() {
	auth, err := signetauth.New(signetauth.Config{
		URL: "http://127.0.0.1:8080",
		Key: os.Getenv("SIGNET_CHECK_KEY"), // for API keys; leave empty to accept tokens only
		// This service's audience as registered in Signet: tokens whose
		// aud does not contain it are refused.
		Audience: "https://billing.internal",
	})
	if err != nil {
		log.Fatal(err)
	}
	charge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := signetauth.FromContext(r.Context())
		if p.TokenID != "" {
			// A token: p.ID is its subject; p.Actor lists who acts for it.
			fmt.Fprintf(w, "charged for %s in %s (token %s, valid until %s)\n", p.ID, p.Workspace, p.TokenID, p.ExpiresAt)
			return
		}
		fmt.Fprintf(w, "charged for %s in %s (key %s)\n", p.ID, p.Workspace, p.KeyID)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /charges", auth.RequirePermission("billing:write")(charge))
	_ = mux
}
