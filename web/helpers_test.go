package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/web"
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

// env is one test's world: the UI and the REST API mounted as
// "signet serve" mounts them, on a fresh database, with a clock the test
// controls.
type env struct {
	tb         testing.TB
	ctx        context.Context
	srv        *httptest.Server
	svc        *service.Service
	setupToken string
	logs       *syncBuffer

	mu  sync.Mutex // guards now
	now time.Time
}

type envOptions struct {
	sessionTTL, sessionIdle time.Duration
	noAdmin                 bool
	secureCookies           bool
	// trustedProxies sets the client-address rule of both handlers.
	trustedProxies []netip.Prefix
	// wrapStore, if set, wraps the test database (to count calls).
	wrapStore func(store.Store) store.Store
}

func newEnv(tb testing.TB) *env { return newEnvWith(tb, envOptions{}) }

func newEnvWith(tb testing.TB, o envOptions) *env {
	tb.Helper()
	e := &env{tb: tb, ctx: context.Background(), logs: &syncBuffer{}, now: time.Now().UTC()}
	st := testdb.Open(tb)
	if o.wrapStore != nil {
		st = o.wrapStore(st)
	}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var verifier *authn.Verifier
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		tb.Fatalf("secretbox.New: %v", err)
	}
	e.svc = service.New(st, service.Options{
		Logger:             logger,
		Now:                e.clock,
		OnChange:           func() { verifier.Invalidate() },
		BcryptCost:         4,
		SessionTTL:         o.sessionTTL,
		SessionIdleTimeout: o.sessionIdle,
		// Webhook receivers in tests listen on 127.0.0.1.
		Webhooks: service.WebhookOptions{Box: box, Guard: webhook.Guard{AllowPrivate: true}},
	})
	uses := authn.NewUseRecorder(e.svc.RecordKeyUses, logger)
	verifier = authn.NewVerifier(e.svc, uses, nil)
	token, err := e.svc.Bootstrap(e.ctx)
	if err != nil {
		tb.Fatalf("Bootstrap: %v", err)
	}
	e.setupToken = token
	clientAddr := httpedge.NewClientAddr(o.trustedProxies)
	api := httpapi.New(httpapi.Config{Service: e.svc, Auth: authn.NewAuthenticator(verifier, e.svc), Logger: logger, Ready: st.Ping, ClientAddr: clientAddr})
	ui := web.New(web.Config{Service: e.svc, Logger: logger, Now: e.clock, SecureCookies: o.secureCookies, ClientAddr: clientAddr})
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", ui)
	e.srv = httptest.NewServer(mux)
	tb.Cleanup(e.srv.Close)
	if !o.noAdmin {
		if _, err := e.svc.CompleteSetup(e.ctx, token, service.CreateHumanInput{Name: "Ada", Email: adminEmail, Password: adminPassword}); err != nil {
			tb.Fatalf("CompleteSetup: %v", err)
		}
	}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.e.tb.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) response {
	b.e.tb.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form as the browser would.
func (b *browser) post(path string, form url.Values) response {
	b.e.tb.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.e.tb.Helper()
	r := b.get(path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.e.tb.Fatalf("GET %s = %d: no CSRF token in the page:\n%s", path, r.status, r.body)
	}
	return m[1]
}

// login signs in through the form and fails the test unless it works.
func (b *browser) login(email, password string) {
	b.e.tb.Helper()
	r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		b.e.tb.Fatalf("POST /login as %s = %d; want 303:\n%s", email, r.status, r.body)
	}
}

// human creates a human user with the given grants as the system.
func (e *env) human(name, email string, grants ...service.GrantSpec) *signet.User {
	e.tb.Helper()
	// Through the admin, as the UI would.
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		e.tb.Fatal(err)
	}
	u, err := e.svc.CreateHuman(e.ctx, e.svc.ActorForUser(admin), service.CreateHumanInput{Name: name, Email: email, Password: adminPassword, Grants: grants})
	if err != nil {
		e.tb.Fatal(err)
	}
	return u
}
