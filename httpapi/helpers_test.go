package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/leakreport"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
)

const (
	adminEmail    = "ada@example.com"
	adminPassword = "correct horse battery staple"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one test's world: the real handler with the real authenticator
// and service, on a fresh SQLite database, served by httptest.
type env struct {
	tb         testing.TB
	ctx        context.Context
	srv        *httptest.Server
	svc        *service.Service
	st         store.Store
	uses       *authn.UseRecorder
	failures   *authn.FailureAggregator
	setupToken string
	logs       *syncBuffer

	// Set by withAdmin.
	admin    *client.Client // uses the admin's personal API key
	adminID  string
	adminKey string
}

type envOptions struct {
	auth  httpapi.Authenticator // replaces the real authenticator
	ready func(context.Context) error
	// trustedProxies sets Config.ClientAddr.
	trustedProxies []netip.Prefix
	// forwardAuth sets Config.ForwardAuth.
	forwardAuth httpapi.ForwardAuthConfig
	// basic accepts HTTP Basic on the API (signet serve --api-basic-auth).
	basic bool
	// wrap, if set, wraps the API's handler (to break connections).
	wrap func(http.Handler) http.Handler
	// webhooks configures outbound webhooks; nil means a secret key and
	// receivers on any address (127.0.0.1 included, for tests).
	webhooks *service.WebhookOptions
	// leakReports enables leak reports (Config.LeakReports).
	leakReports *leakreport.Keys
	// publicURL sets Config.PublicURL.
	publicURL string
}

func newEnv(tb testing.TB) *env { return newEnvWith(tb, envOptions{}) }

func newEnvWith(tb testing.TB, o envOptions) *env {
	tb.Helper()
	ctx := context.Background()
	st := testdb.Open(tb)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	webhooks := service.WebhookOptions{Box: newSecretBox(tb), Guard: webhook.Guard{AllowPrivate: true}}
	if o.webhooks != nil {
		webhooks = *o.webhooks
	}
	var verifier *authn.Verifier
	svc := service.New(st, service.Options{
		Logger:     logger,
		OnChange:   func() { verifier.Invalidate() },
		BcryptCost: 4,
		Webhooks:   webhooks,
	})
	uses := authn.NewUsageRecorder(svc.RecordKeyUsage, logger)
	verifier = authn.NewVerifier(svc, uses, nil)
	failures := authn.NewFailureAggregator(svc.RecordAuthFailures, nil, logger)
	realAuth := authn.NewAuthenticator(verifier, svc)
	realAuth.AuditFailures(failures)
	realAuth.AllowBasic(o.basic)
	var auth httpapi.Authenticator = realAuth
	if o.auth != nil {
		auth = o.auth
	}
	token, err := svc.Bootstrap(ctx)
	if err != nil || token == "" {
		tb.Fatalf("Bootstrap() = %q, %v; want a setup token", token, err)
	}
	ready := o.ready
	if ready == nil {
		ready = st.Ping
	}
	var h http.Handler = httpapi.New(httpapi.Config{Service: svc, Auth: auth, Logger: logger, Ready: ready, ClientAddr: httpedge.NewClientAddr(o.trustedProxies),
		Verifier: verifier, ForwardAuth: o.forwardAuth, LeakReports: o.leakReports, PublicURL: o.publicURL})
	if o.wrap != nil {
		h = o.wrap(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &env{tb: tb, ctx: ctx, srv: srv, svc: svc, st: st, uses: uses, failures: failures, setupToken: token, logs: logs}
}

// newSecretBox returns a box with a random key, to seal webhook secrets.
func newSecretBox(tb testing.TB) *secretbox.Box {
	tb.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		tb.Fatalf("secretbox.New: %v", err)
	}
	return box
}

// client returns a client for the test server.
func (e *env) client(opts ...client.Option) *client.Client {
	e.tb.Helper()
	c, err := client.New(e.srv.URL, append([]client.Option{client.WithHTTPClient(e.srv.Client())}, opts...)...)
	if err != nil {
		e.tb.Fatalf("client.New: %v", err)
	}
	return c
}

// withAdmin completes the setup through the API and gives e an admin
// client authenticated by a personal key (cheaper than bcrypt per call).
func (e *env) withAdmin() *env {
	e.tb.Helper()
	u, err := e.client().Setup(e.ctx, client.SetupRequest{Token: e.setupToken, Name: "Ada", Email: adminEmail, Password: adminPassword})
	if err != nil {
		e.tb.Fatalf("Setup: %v", err)
	}
	k, err := e.client().Login(e.ctx, client.LoginRequest{Email: adminEmail, Password: adminPassword, DeviceID: "httpapi-test", KeyName: "test admin"})
	if err != nil {
		e.tb.Fatalf("Login: %v", err)
	}
	e.adminID, e.adminKey = u.ID, k.Key
	e.admin = e.client(client.WithAPIKey(k.Key))
	return e
}

// response is a raw HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errBody decodes the error shape of the response.
func (r response) errBody(tb testing.TB) client.ErrorBody {
	tb.Helper()
	var eb client.ErrorResponse
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil {
		tb.Fatalf("error body %q does not decode as the error shape: %v", r.body, err)
	}
	return eb.Error
}

// do sends a raw request. headers are "Name: value" strings; a JSON
// Content-Type is set when body is not empty unless headers set one. The
// admin key is sent unless headers carry an Authorization or "-auth".
func (e *env) do(method, path, body string, headers ...string) response {
	e.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.tb.Fatalf("NewRequest: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	auth := e.adminKey != ""
	for _, h := range headers {
		if h == "-auth" {
			auth = false
			continue
		}
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
		if strings.EqualFold(k, "Authorization") {
			auth = false
		}
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+e.adminKey)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.tb.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must returns a function that fails the test if err is not nil and
// otherwise returns v: must(c.Me(ctx))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// wantAPIError checks that err is a *client.Error with the given status
// and code, and a message containing msg.
func wantAPIError(tb testing.TB, err error, status int, code, msg string) *client.Error {
	tb.Helper()
	ce, ok := err.(*client.Error)
	if !ok {
		tb.Fatalf("error = %v (%T); want *client.Error %d %s", err, err, status, code)
	}
	if ce.Status != status || ce.Code != code || !strings.Contains(ce.Message, msg) {
		tb.Fatalf("error = %d %s %q; want %d %s containing %q", ce.Status, ce.Code, ce.Message, status, code, msg)
	}
	if ce.RequestID == "" {
		tb.Errorf("error %v has no request id", ce)
	}
	return ce
}

func routesNeedingAuth() []httpapi.Route {
	var out []httpapi.Route
	for _, rt := range httpapi.Routes() {
		if rt.Auth {
			out = append(out, rt)
		}
	}
	return out
}
