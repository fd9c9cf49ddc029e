// Command protected-service is a small Go service protected by Signet
// through package signetauth: POST /ingest needs metrics:write, GET
// /report needs metrics:read, and each answers with who called.
//
//	SIGNET_URL=http://127.0.0.1:8080 SIGNET_CHECK_KEY=sgn_sa_… go run ./examples/protected-service
//	curl -H "Authorization: Bearer $CALLER_KEY" -X POST http://127.0.0.1:9090/ingest
//
// The service checks callers in SIGNET_WORKSPACE (a workspace id; unset:
// Signet's default workspace). SIGNET_CLIENT_WORKSPACES (comma-separated
// ids, or *) lets callers pick one of those with X-Workspace-Id instead;
// a caller naming any other workspace is refused with 403.
//
// With SIGNET_AUDIENCE (this service's audience identifier as registered in
// Signet, e.g. https://metrics.internal) it also accepts Signet's access
// tokens addressed to it, verified here against Signet's published keys
// without a round trip; a revoked token keeps working until it expires.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/signetdev/signet/signetauth"
)

func main() {
	auth, err := signetauth.New(signetauth.Config{
		URL: os.Getenv("SIGNET_URL"),
		// This service's own key: a service account holding signet:check.
		Key: os.Getenv("SIGNET_CHECK_KEY"),
		// The workspace is this service's decision, not its callers'.
		Workspace:        os.Getenv("SIGNET_WORKSPACE"),
		ClientWorkspaces: splitList(os.Getenv("SIGNET_CLIENT_WORKSPACES")),
		// Access tokens for this audience, verified offline; unset: refused.
		Audience: os.Getenv("SIGNET_AUDIENCE"),
	})
	if err != nil {
		log.Fatal(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := signetauth.FromContext(r.Context())
		if p.TokenID != "" {
			fmt.Fprintf(w, "hello %s %s, token %s (until %s), workspace %s\n", p.Kind, p.ID, p.TokenID, p.ExpiresAt.Format(time.RFC3339), p.Workspace)
			return
		}
		fmt.Fprintf(w, "hello %s %s (%s), key %s, workspace %s\n", p.Kind, p.Name, p.ID, p.KeyID, p.Workspace)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest", auth.RequirePermission("metrics:write")(hello))
	mux.Handle("GET /report", auth.RequirePermission("metrics:read")(hello))
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:9090"
	}
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
