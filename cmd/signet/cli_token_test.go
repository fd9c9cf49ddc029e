package main

import (
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestCLIToken: signet token prints a token for the service account whose
// key the CLI holds, which introspection reads back; a person is told to
// use a service account's key; refusals carry the server's description.
func TestCLIToken(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T) {
		w := newCLIWorld(t, "--secret-key-file", newSecretKeyFile(t))
		w.login(t)
		w.ok(t, "", "domains", "create", "billing")
		w.ok(t, "", "audiences", "create", "https://billing.internal")
		var pipeline, gateway client.CreateServiceAccountResponse
		w.okJSON(t, &pipeline, "sa", "create", "pipeline", "--role", "Edit", "--key-name", "ci")
		w.okJSON(t, &gateway, "sa", "create", "gateway", "--role", "Admin@*", "--key-name", "check")
		as := func(key string) *cliWorld {
			return &cliWorld{srv: w.srv, configDir: t.TempDir(), home: t.TempDir(),
				env: map[string]string{"SIGNET_URL": w.srv.url, "SIGNET_API_KEY": key}}
		}

		r := as(pipeline.APIKey.Key).ok(t, "", "token", "--audience", "https://billing.internal", "--scope", "billing:read billing:write")
		tok := strings.TrimSpace(r.stdout)
		if strings.Count(tok, ".") != 2 || !strings.Contains(r.stderr, "scope: billing:read billing:write") {
			t.Fatalf("token printed %q, stderr %q; want the JWT alone, the scope on stderr", r.stdout, r.stderr)
		}
		cl, err := client.New(w.srv.url, client.WithAPIKey(gateway.APIKey.Key))
		if err != nil {
			t.Fatal(err)
		}
		in, err := cl.Introspect(t.Context(), tok)
		if err != nil || !in.Active || in.Sub != pipeline.ServiceAccount.ID || in.Aud != "https://billing.internal" {
			t.Fatalf("introspection = %+v, %v; want the pipeline's active token", in, err)
		}
		var resp client.TokenResponse
		as(pipeline.APIKey.Key).okJSON(t, &resp, "token", "--audience", "https://billing.internal", "--scope", "billing:read")
		if resp.TokenType != "Bearer" || resp.ExpiresIn <= 0 || resp.Scope != "billing:read" {
			t.Errorf("token --json = %+v", resp)
		}

		for _, tt := range []struct {
			name string
			w    *cliWorld
			args []string
			want string
		}{
			{"a person", w, []string{"token", "--audience", "https://billing.internal", "--scope", "billing:read"}, "tokens are for service accounts"},
			{"a permission it lacks", as(pipeline.APIKey.Key), []string{"token", "--audience", "https://billing.internal", "--scope", "signet:check"}, "invalid_scope"},
			{"an unregistered audience", as(pipeline.APIKey.Key), []string{"token", "--audience", "https://nowhere", "--scope", "billing:read"}, "invalid_target"},
		} {
			if r := tt.w.run(t, "", tt.args...); r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
				t.Errorf("%s: %v; want an error containing %q", tt.name, r.err, tt.want)
			}
		}
		if r := w.run(t, "", "token", "--audience", "https://billing.internal"); r.code() != 2 {
			t.Errorf("token without --scope = exit %d; want a usage error", r.code())
		}
	})
}
