// Package signettest runs a real Signet (service, verifier, REST API) on a
// test database behind an httptest server, with a small world of
// principals for testing the services that verify keys against it: the
// check API, forward-auth and package signetauth. Use it inside
// testdb.ForEach.
package signettest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/issuer"
	"github.com/signetdev/signet/metrics"
	"github.com/signetdev/signet/service"
)

// Server is a running Signet with its world.
type Server struct {
	URL  string
	HTTP *httptest.Server
	// Handler is the handler HTTP serves, for benchmarks in process.
	Handler  http.Handler
	Service  *service.Service
	Verifier *authn.Verifier
	// Uses records keys' last use; nothing flushes it but the test
	// (Flush), so last-used data is written when a test asks.
	Uses  *authn.UseRecorder
	Admin *client.Client

	// DefaultWorkspace is the default workspace's id; Other is a second
	// workspace.
	DefaultWorkspace, OtherWorkspace string

	// CheckerKey holds signet:check organisation-wide (a service asking).
	CheckerKey string
	// ReaderKey's owner holds Edit in the default workspace, where the
	// "metrics" domain is registered: metrics:read, metrics:write.
	ReaderKey string
	// ViewerKey's owner holds View in the default workspace: metrics:read
	// only.
	ViewerKey   string
	ViewerKeyID string
	ViewerID    string
	// RevokedKey, and DisabledKey (its owner is disabled).
	RevokedKey, DisabledKey string

	// Issuer issues short-lived tokens; its issuer URL is URL, and it has
	// a signing key (EdDSA). TokenEvents aggregates its audit events;
	// nothing flushes them but the test.
	Issuer      *issuer.Issuer
	TokenEvents *issuer.Aggregator
}

// Options configures Start.
type Options struct {
	ForwardAuth httpapi.ForwardAuthConfig
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (signet serve --trusted-proxies); none by default.
	TrustedProxies []netip.Prefix
	// Logger; nil discards.
	Logger *slog.Logger
	// BcryptCost of passwords; 0 means 4, cheap for tests (production
	// uses 12).
	BcryptCost int
	// PasswordHashConcurrency is service.Options.PasswordHashConcurrency.
	PasswordHashConcurrency int
}

// Start starts Signet on a fresh database (testdb.Open) and creates the
// world. The server stops when the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	ctx := context.Background()
	st := testdb.Open(tb)
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var verifier *authn.Verifier
	var tokens *issuer.Issuer
	cost := o.BcryptCost
	if cost == 0 {
		cost = 4
	}
	// A secret key, as signet serve always has one: webhook secrets and
	// token signing keys are sealed with it.
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	svc := service.New(st, service.Options{Logger: logger, BcryptCost: cost, PasswordHashConcurrency: o.PasswordHashConcurrency,
		OnChange: func() {
			verifier.Invalidate()
			if tokens != nil {
				tokens.Invalidate()
			}
		},
		Webhooks: service.WebhookOptions{Box: box}})
	uses := authn.NewUsageRecorder(svc.RecordKeyUsage, logger)
	verifier = authn.NewVerifier(svc, uses, nil)
	auth := authn.NewAuthenticator(verifier, svc)
	token, err := svc.Bootstrap(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.RotateSigningKeys(ctx, signet.SystemActor, service.TokenOptions{}, false); err != nil {
		tb.Fatal(err)
	}
	// The issuer's URL is the server's, known once it listens.
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	tb.Cleanup(srv.Close)
	events := issuer.NewAggregator(svc.RecordTokenEvents, nil, logger)
	tokens = issuer.New(issuer.Config{Issuer: srv.URL, Backend: svc, Verifier: verifier, Logger: logger, Events: events})
	// Metrics on, as signet serve has them by default: the load harness
	// measures what operators run.
	m := metrics.New(verifier, uses)
	handler = httpapi.New(httpapi.Config{Service: svc, Auth: auth, Logger: logger, Ready: st.Ping,
		Verifier: verifier, ForwardAuth: o.ForwardAuth, ClientAddr: httpedge.NewClientAddr(o.TrustedProxies),
		Metrics: m.Handler(), Observer: m, Issuer: tokens})
	s := &Server{URL: srv.URL, HTTP: srv, Handler: handler, Service: svc, Verifier: verifier, Uses: uses, Issuer: tokens, TokenEvents: events}

	c := func(opts ...client.Option) *client.Client {
		cl, err := client.New(srv.URL, append([]client.Option{client.WithHTTPClient(srv.Client())}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		return cl
	}
	const email, pw = "admin@example.com", "a long enough password"
	if _, err := c().Setup(ctx, client.SetupRequest{Token: token, Name: "Admin", Email: email, Password: pw}); err != nil {
		tb.Fatalf("Setup: %v", err)
	}
	k, err := c().Login(ctx, client.LoginRequest{Email: email, Password: pw, DeviceID: "signettest", KeyName: "admin"})
	if err != nil {
		tb.Fatal(err)
	}
	s.Admin = c(client.WithAPIKey(k.Key))
	if s.DefaultWorkspace, err = svc.DefaultWorkspaceID(ctx); err != nil {
		tb.Fatal(err)
	}
	ws, err := s.Admin.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: "Other"})
	if err != nil {
		tb.Fatal(err)
	}
	s.OtherWorkspace = ws.ID
	if _, err := s.Admin.RegisterPermissionDomain(ctx, client.RegisterPermissionDomainRequest{Name: "metrics"}); err != nil {
		tb.Fatal(err)
	}
	role, err := s.Admin.CreateRole(ctx, client.CreateRoleRequest{Name: "checker", Base: signet.BaseNone, Permissions: []string{"signet:check"}})
	if err != nil {
		tb.Fatal(err)
	}
	sa := func(name, roleID, ws string) *client.CreateServiceAccountResponse {
		return s.ServiceAccount(tb, name, roleID, ws)
	}
	s.CheckerKey = sa("gateway", role.ID, client.OrganisationWide).APIKey.Key
	s.ReaderKey = sa("metrics-writer", signet.RoleEditID, s.DefaultWorkspace).APIKey.Key
	v := sa("dashboard", signet.RoleViewID, s.DefaultWorkspace)
	s.ViewerKey, s.ViewerKeyID, s.ViewerID = v.APIKey.Key, v.APIKey.ID, v.ServiceAccount.ID
	r := sa("retired", signet.RoleEditID, s.DefaultWorkspace)
	if _, err := s.Admin.RevokeAPIKey(ctx, r.APIKey.ID, "rotated"); err != nil {
		tb.Fatal(err)
	}
	s.RevokedKey = r.APIKey.Key
	d := sa("suspended", signet.RoleEditID, s.DefaultWorkspace)
	if _, err := s.Admin.DisableServiceAccount(ctx, d.ServiceAccount.ID); err != nil {
		tb.Fatal(err)
	}
	s.DisabledKey = d.APIKey.Key
	return s
}

// Client returns a client of s authenticated with key.
func (s *Server) Client(tb testing.TB, key string) *client.Client {
	tb.Helper()
	c, err := client.New(s.URL, client.WithHTTPClient(s.HTTP.Client()), client.WithAPIKey(key))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ServiceAccount creates, as the administrator, a service account holding
// roleID in workspace ws (a workspace id, or client.OrganisationWide),
// with one key.
func (s *Server) ServiceAccount(tb testing.TB, name, roleID, ws string) *client.CreateServiceAccountResponse {
	tb.Helper()
	r, err := s.Admin.CreateServiceAccount(context.Background(), client.CreateServiceAccountRequest{
		Name: name, Grants: []client.GrantSpec{{RoleID: roleID, WorkspaceID: ws}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k"},
	})
	if err != nil {
		tb.Fatalf("CreateServiceAccount(%s): %v", name, err)
	}
	return r
}
