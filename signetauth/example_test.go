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
