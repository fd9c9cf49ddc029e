// Package web is Signet's settings UI: server-rendered pages
// (html/template, embedded, parsed at start-up), plain CSS and a little
// JavaScript from an embedded static file. Handlers are thin: each page
// builds a small typed data struct from calls to package service, the same
// methods the REST API calls, so no rule lives here.
//
// Security: UI requests authenticate with a session cookie only (API keys
// and HTTP Basic are ignored here); every POST carries a CSRF token tied
// to the session (or, before sign-in, to a pre-session cookie); every
// response carries a Content-Security-Policy that forbids inline script
// and framing. A newly created API key is rendered only in the response to
// the POST that created it, never in a URL, cookie or later page.
package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names.
const (
	sessionCookie = "signet_session"
	// preCookie carries the CSRF token of the forms shown before sign-in
	// (login, first-admin setup): a double-submit token.
	preCookie = "signet_pre"
)

// Config configures the handler returned by New.
type Config struct {
	// Service holds the use cases. Required.
	Service *service.Service
	// Logger receives the access log and internal errors; nil discards.
	Logger *slog.Logger
	// Now is the clock used to show key statuses; nil means time.Now.
	Now func() time.Time
	// SecureCookies marks cookies Secure even on plain-HTTP requests, for
	// deployments behind a TLS-terminating proxy (set it when the public
	// URL is https). Requests arriving over TLS always get Secure cookies.
	SecureCookies bool
	// PublicURL is the URL users reach Signet at (no trailing slash):
	// single sign-on's redirect URI is PublicURL + "/login/sso/callback".
	// Empty: the request's scheme and Host.
	PublicURL string
	// ClientAddr decides each request's client address (sign-in
	// throttles, audit events), as in httpapi.Config: give both the same
	// one. nil trusts no proxy: the client is always the TCP peer.
	ClientAddr *httpedge.ClientAddr
	// TokenOptions configure Signet's token signing keys, as signet serve
	// runs them: the Audiences page's "Rotate now" makes a key with them.
	TokenOptions service.TokenOptions
}

// server is the state every handler shares. Immutable after NewUI.
type server struct {
	svc    *service.Service
	log    *slog.Logger
	now    func() time.Time
	secure bool
	pages  map[string]*template.Template
	tokens service.TokenOptions
	// publicURL is Config.PublicURL.
	publicURL string
}

// UI is the settings UI: Register puts its pages on the one mux that
// signet serve puts behind the one edge (httpedge.Edge), beside the REST
// API's routes.
type UI struct{ s *server }

// NewUI returns the UI. It parses every template and panics if one is
// broken, so that a broken template fails the boot, not a request.
func NewUI(cfg Config) *UI {
	if cfg.Service == nil {
		panic("web: Config.Service is required")
	}
	s := &server{svc: cfg.Service, log: cfg.Logger, now: cfg.Now, secure: cfg.SecureCookies, tokens: cfg.TokenOptions,
		publicURL: strings.TrimRight(cfg.PublicURL, "/")}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	s.pages = pages
	return &UI{s: s}
}

// Register adds every page of the UI to mux, and the UI's "no page
// here" for every path no other route takes.
func (u *UI) Register(mux *http.ServeMux) { u.s.routes(mux) }

// WritePanic answers a page request whose handler panicked.
func (u *UI) WritePanic(w http.ResponseWriter, r *http.Request) {
	u.s.renderError(w, r, &reqCtx{}, signet.Internal("web: panic", errPanic))
}

var errPanic = errors.New("a handler panicked (see the log line before)")

// New returns the UI alone behind an edge of its own (with
// cfg.ClientAddr and cfg.Logger): for tests and programs that serve no
// API. It panics if cfg.Service is nil or a template is broken.
func New(cfg Config) http.Handler {
	u := NewUI(cfg)
	mux := http.NewServeMux()
	u.Register(mux)
	return httpedge.New(httpedge.Config{ClientAddr: cfg.ClientAddr, Logger: cfg.Logger, Panic: u.WritePanic}).Wrap(mux)
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template)
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parsing template %s: %w", base, err)
		}
		out[base] = t
	}
	return out, nil
}

// handler is the shape of a page handler; a returned error is rendered as
// an error page.
type handler func(w http.ResponseWriter, r *http.Request, c *reqCtx) error

// reqCtx is what a handler knows about its request.
type reqCtx struct {
	info  *service.SessionInfo // nil on public pages
	me    *viewer              // nil on public pages
	csrf  string
	actor *signet.Actor
}

func (s *server) routes(mux *http.ServeMux) {
	staticRoutes(mux) // static.go

	pub := func(pattern string, h handler) { mux.Handle(pattern, s.public(h)) }
	auth := func(pattern string, h handler) { mux.Handle(pattern, s.authed(h)) }

	pub("GET /login", s.loginPage)
	pub("POST /login", s.loginForm)
	pub("GET /login/sso/{id}", s.startSSO)
	pub("GET "+ssoCallbackPath, s.ssoCallback)
	pub("GET /setup", s.setupPage)
	pub("POST /setup", s.setupForm)
	auth("POST /logout", s.logout)

	home := func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		http.Redirect(w, r, c.me.home(), http.StatusSeeOther)
		return nil
	}
	auth("GET /{$}", home)
	auth("GET /settings", home)

	auth("GET /settings/users", s.usersPage)
	auth("POST /settings/users", s.createHuman)
	auth("POST /settings/service-accounts", s.createServiceAccount)
	auth("GET /settings/users/{id}", s.editUserPage)
	auth("POST /settings/users/{id}", s.updateUser)
	auth("POST /settings/users/{id}/groups", s.setUserGroups)
	auth("POST /settings/users/{id}/labels", s.setLabelsAndOwner)
	auth("POST /settings/users/{id}/password", s.setUserPassword)
	auth("POST /settings/users/{id}/grants", s.addUserGrant)
	auth("POST /settings/users/{id}/grants/{grant}/delete", s.deleteUserGrant)
	auth("POST /settings/users/{id}/api-keys", s.createUserKey)
	auth("POST /settings/users/{id}/public-keys", s.createClientKey)
	auth("POST /settings/users/{id}/public-keys/{key}/delete", s.deleteClientKey)
	auth("POST /settings/users/{id}/status", s.setUserStatus)
	auth("POST /settings/users/{id}/delete", s.deleteUser)

	auth("GET /settings/api-keys", s.keysPage)
	auth("POST /settings/api-keys/personal", s.createPersonalKey)
	auth("POST /settings/api-keys/service-account", s.createSAKey)
	auth("POST /settings/api-keys/{id}/revoke", s.revokeKey)
	auth("GET /settings/api-keys/{id}/networks", s.keyNetworksPage)
	auth("POST /settings/api-keys/{id}/networks", s.updateKeyNetworks)
	auth("POST /settings/api-keys/{id}/rotate", s.rotateKey)
	auth("POST /settings/api-keys/{id}/disable", s.disableKey)
	auth("POST /settings/api-keys/{id}/enable", s.enableKey)

	auth("GET /settings/groups", s.groupsPage)
	auth("POST /settings/groups", s.createGroup)
	auth("GET /settings/groups/{id}", s.groupPage)
	auth("POST /settings/groups/{id}", s.updateGroup)
	auth("POST /settings/groups/{id}/members", s.addGroupMember)
	auth("POST /settings/groups/{id}/members/{user}/delete", s.removeGroupMember)
	auth("POST /settings/groups/{id}/grants", s.addGroupGrant)
	auth("POST /settings/groups/{id}/grants/{grant}/delete", s.deleteGroupGrant)
	auth("POST /settings/groups/{id}/delete", s.deleteGroup)

	auth("GET /settings/roles", s.rolesPage)
	auth("GET /settings/roles/new", s.newRolePage)
	auth("POST /settings/roles", s.createRole)
	auth("GET /settings/roles/{id}", s.rolePage)
	auth("POST /settings/roles/{id}", s.updateRole)
	auth("POST /settings/roles/{id}/delete", s.deleteRole)

	auth("GET /settings/workspaces", s.workspacesPage)
	auth("POST /settings/workspaces", s.createWorkspace)
	auth("POST /settings/workspaces/{id}", s.updateWorkspace)
	auth("POST /settings/workspaces/{id}/delete", s.deleteWorkspace)

	auth("GET /settings/key-policy", s.keyPolicyPage)
	auth("POST /settings/key-policy", s.setKeyPolicy)

	auth("GET /settings/webhooks", s.webhooksPage)
	auth("POST /settings/webhooks", s.createWebhook)
	auth("GET /settings/webhooks/{id}", s.webhookPage)
	auth("POST /settings/webhooks/{id}", s.updateWebhook)
	auth("POST /settings/webhooks/{id}/status", s.setWebhookStatus)
	auth("POST /settings/webhooks/{id}/rotate", s.rotateWebhookSecret)
	auth("POST /settings/webhooks/{id}/test", s.sendTestWebhook)
	auth("POST /settings/webhooks/{id}/delete", s.deleteWebhook)
	auth("GET /settings/webhooks/{id}/deliveries/{delivery}", s.webhookDeliveryPage)
	auth("POST /settings/webhooks/{id}/deliveries/{delivery}/redeliver", s.redeliverWebhook)

	auth("GET /settings/audiences", s.audiencesPage)
	auth("POST /settings/audiences", s.createAudience)
	auth("POST /settings/audiences/{id}", s.updateAudience)
	auth("POST /settings/audiences/{id}/delete", s.deleteAudience)
	auth("POST /settings/signing-keys/rotate", s.rotateSigningKeys)

	auth("GET /settings/identity-providers", s.identityProvidersPage)
	auth("POST /settings/identity-providers", s.createProvider)
	auth("POST /settings/identity-providers/{id}", s.updateProvider)
	auth("POST /settings/identity-providers/{id}/delete", s.deleteProvider)
	auth("POST /settings/password-login", s.setPasswordLogin)

	auth("GET /settings/audit", s.auditPage)
	auth("GET /settings/audit/{id}", s.auditEventPage)

	auth("GET /settings/account", s.accountPage)
	auth("POST /settings/account/sessions/{id}/revoke", s.revokeSession)
	auth("POST /settings/account/password", s.changePassword)
	auth("POST /settings/account/email", s.changeEmail)
	s.confirmRoutes(auth) // GET confirmation pages of destructive actions (confirm.go)

	mux.Handle("/", s.public(func(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
		// Signed in, the error page keeps the navigation.
		if ck, err := r.Cookie(sessionCookie); err == nil {
			if info, err := s.svc.LookupSession(r.Context(), ck.Value); err == nil {
				if me, err := s.svc.Me(r.Context(), info.Actor); err == nil {
					c.me, c.csrf = newViewer(me, info.Session.ID), csrfFor(ck.Value)
				}
			}
		}
		return signet.Errorf(signet.ENOTFOUND, "there is no page at %s", r.URL.Path)
	}))
}

// public wraps a handler of a page reachable without a session; its forms
// use the pre-session CSRF token.
func (s *server) public(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &reqCtx{}
		if ck, err := r.Cookie(preCookie); err == nil && validToken(ck.Value) {
			c.csrf = ck.Value
		}
		if r.Method == http.MethodPost {
			if c.csrf == "" || !s.checkCSRF(r, c.csrf) {
				s.renderError(w, r, c, errCSRF)
				return
			}
		}
		if c.csrf == "" {
			c.csrf = randomToken()
			http.SetCookie(w, &http.Cookie{Name: preCookie, Value: c.csrf, Path: "/", HttpOnly: true,
				Secure: s.secureReq(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
		}
		if err := h(w, r, c); err != nil {
			s.renderError(w, r, c, err)
		}
	})
}

// authed wraps a handler that needs a signed-in human. API keys and HTTP
// Basic credentials are not accepted: only the session cookie counts.
func (s *server) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &reqCtx{}
		ck, err := r.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			s.toLogin(w, r)
			return
		}
		info, err := s.svc.LookupSession(r.Context(), ck.Value)
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			s.clearSession(w, r)
			s.toLogin(w, r)
			return
		} else if err != nil {
			s.renderError(w, r, c, err)
			return
		}
		c.info, c.actor = info, info.Actor
		if st := httpedge.From(r.Context()); st != nil {
			st.UserID, st.Actor = info.User.ID, info.Actor
		}
		c.csrf = csrfFor(ck.Value)
		if r.Method == http.MethodPost && !s.checkCSRF(r, c.csrf) {
			s.renderError(w, r, c, errCSRF)
			return
		}
		me, err := s.svc.Me(r.Context(), c.actor)
		if err != nil {
			s.renderError(w, r, c, err)
			return
		}
		c.me = newViewer(me, info.Session.ID)
		if err := h(w, r, c); err != nil {
			s.renderError(w, r, c, err)
		}
	})
}

// errCSRF is the refusal of a form post without a valid CSRF token.
var errCSRF = signet.Errorf(signet.EFORBIDDEN, "the form has expired or did not come from this site; reload the page and try again")

// checkCSRF checks the form's csrf field (and, when the browser sends one,
// the Origin header).
func (s *server) checkCSRF(r *http.Request, want string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// csrfFor derives a session's CSRF token from its cookie value: one-way,
// so a page's HTML never reveals the session token, and the same on every
// replica without shared state.
func csrfFor(sessionToken string) string {
	sum := sha256.Sum256([]byte("signet-csrf-v1:" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func validToken(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}

func (s *server) secureReq(r *http.Request) bool { return s.secure || r.TLS != nil }

func (s *server) setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secureReq(r), SameSite: http.SameSiteLaxMode, Expires: expires})
}

func (s *server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secureReq(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// toLogin sends an unauthenticated browser to the login page, remembering
// where it was going (GET requests only).
func (s *server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Method != http.MethodGet {
		// A form posted after the session ended: say so rather than
		// silently dropping what was typed.
		s.renderError(w, r, &reqCtx{}, signet.Errorf(signet.EUNAUTHENTICATED, "your session has ended; sign in again"))
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns where to send a browser after sign-in: next, cleaned,
// if it is a path on this site, else "/". The test is made on what a
// browser does with the Location header: browsers drop ASCII tab, CR and
// LF anywhere in a URL and read a backslash as "/", so "/<TAB>/evil.example"
// and "/\evil.example" mean "//evil.example", another host; and
// http.Redirect applies path.Clean, which turns "/./\evil.example" into
// "/\evil.example". So next is accepted only if, normalised as a browser
// would and cleaned as http.Redirect does (the path before "?"):
//   - it starts with exactly one "/" (a path-absolute reference, not
//     "//host" nor a scheme), also once its path is percent-decoded;
//   - url.Parse finds no scheme, host or user information;
//   - it holds no control character and no backslash at all, raw or
//     percent-encoded in its path.
//
// The cleaned form is returned, so that what is validated is what is sent
// (http.Redirect's own cleaning leaves it unchanged).
func safeNext(next string) string {
	const fallback = "/"
	if next == "" || strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return fallback
	}
	// The browser's normalisation (a no-op after the check above; kept so
	// that the test below is the browser's view even if that check is ever
	// relaxed).
	n := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\r', '\n':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, next)
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") {
		return fallback
	}
	p, rest := n, ""
	if i := strings.IndexByte(n, '?'); i >= 0 {
		p, rest = n[:i], n[i:]
	}
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	cleaned += rest
	u, err := url.Parse(cleaned)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		strings.ContainsFunc(u.Path, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return fallback
	}
	return cleaned
}

// statusFor is the HTTP status of err, by the one table (httpedge).
func statusFor(err error) int { return httpedge.Status(signet.ErrorCode(err)) }

// message returns the text to show for err, logging internal errors.
func (s *server) message(r *http.Request, err error) string {
	if signet.ErrorCode(err) == signet.EINTERNAL {
		rid := httpedge.RequestID(r.Context())
		s.log.ErrorContext(r.Context(), "internal error", "request_id", rid, "path", r.URL.Path, "error", err.Error())
		return "Internal error (request " + rid + ")."
	}
	return signet.ErrorMessage(err)
}

// base is what every page's data holds.
type base struct {
	Title  string
	Nav    string // the active navigation entry
	Me     *viewer
	CSRF   string
	Notice string
	Error  string
}

func (c *reqCtx) base(title, nav string, r *http.Request) base {
	return base{Title: title, Nav: nav, Me: c.me, CSRF: c.csrf, Notice: notices[r.URL.Query().Get("notice")]}
}

// notices are the fixed messages a redirect after a successful form may
// name (?notice=…). They are fixed so that nothing else travels in URLs.
var notices = map[string]string{
	"saved":             "Saved.",
	"created":           "Created.",
	"deleted":           "Deleted.",
	"revoked":           "The API key has been revoked. It no longer works.",
	"key_disabled":      "The API key has been disabled: it is refused until it is enabled again.",
	"key_enabled":       "The API key has been enabled: it works again.",
	"disabled":          "Disabled: its API keys and sessions stop working at once.",
	"enabled":           "Enabled.",
	"added":             "Added.",
	"removed":           "Removed.",
	"session_ended":     "The session has been ended.",
	"password_changed":  "Your password has been changed. Your other sessions have ended.",
	"email_changed":     "Your email has been changed: sign in with it from now on. Your other sessions have ended.",
	"password_set":      "The password has been set. The user's sessions have ended.",
	"signed_out":        "You have signed out.",
	"webhook_disabled":  "Disabled: Signet delivers nothing to this webhook until it is enabled again; its pending deliveries wait.",
	"webhook_enabled":   "Enabled: pending deliveries are attempted again.",
	"test_queued":       "A test event has been queued: it shows in the delivery log below.",
	"redelivery_queued": "The event has been queued for delivery again: it shows in the delivery log below.",
	"signing_rotated":   "Rotated: a new key signs tokens from now on. The previous one stays published until the tokens it signed have expired.",
	"password_login_on": "Password sign-in is on: everyone with a password may sign in with it.",
	"password_login_off": "Password sign-in is off: only the break-glass administrator may sign in with a password; " +
		"everyone else signs in with an identity provider.",
}

// errorView is the data of the error page.
type errorView struct {
	base
	Status int
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	st := statusFor(err)
	v := errorView{base: base{Title: http.StatusText(st), Me: c.me, CSRF: c.csrf, Error: s.message(r, err)}, Status: st}
	if signet.ErrorCode(err) == signet.ERATELIMITED {
		w.Header().Set("Retry-After", strconv.FormatInt(signet.RetryAfterSeconds(err), 10))
	}
	s.render(w, r, st, "error.html", v)
}

// render executes a page template into a buffer first, so that a failing
// template yields a clean error instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		panic("web: no template " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "rendering a page failed", "page", page, "error", err.Error())
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// No page is ever stored by the browser or a proxy: some show a key
	// that must exist nowhere after its dialog is closed.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// redirect answers a successful form with a redirect to a GET page
// (POST-redirect-GET), with one of the fixed notices.
func redirect(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "notice=" + notice
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
