// Package httpapi is Signet's REST API: it translates HTTP requests to
// calls of the service layer and the results back to JSON. Handlers are
// thin — decode, call the service, encode — so that every rule lives in
// package service.
//
// Every route is declared once, in the routes table, from which the mux is
// built, the authentication requirement is applied, and the OpenAPI
// document (openapi.json, served at /api/v1/openapi.json) is checked.
//
// The JSON wire types are those of package client, the Go SDK, so the API
// and its SDK share one definition of every body.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/leakreport"
	"github.com/signetdev/signet/issuer"
	"github.com/signetdev/signet/service"
)

// Authenticator turns a request's credential into an actor. It returns
// (nil, nil) when the request carries no credential, and an error with code
// EUNAUTHENTICATED when it carries one that does not verify. authn.Authenticator
// implements it.
type Authenticator interface {
	Authenticate(r *http.Request) (*signet.Actor, error)
}

// DefaultMaxBodyBytes is the default limit on the size of a request body.
const DefaultMaxBodyBytes = httpedge.DefaultMaxBodyBytes

// Config configures the handler returned by New.
type Config struct {
	// Service holds the use cases. Required.
	Service *service.Service
	// Auth authenticates requests. Required.
	Auth Authenticator
	// Logger receives the access log and internal errors; nil discards.
	Logger *slog.Logger
	// PublicURL is the URL users reach Signet at (no trailing slash), for
	// the absolute URLs answers carry (an identity provider's redirect
	// URI); "" leaves them out.
	PublicURL string
	// Ready reports whether the server can serve (for /readyz); nil means
	// always ready.
	Ready func(ctx context.Context) error
	// Now is the clock used to derive API key statuses in responses;
	// nil means time.Now.
	Now func() time.Time
	// ClientAddr decides each request's client address (audit events,
	// throttles, keys' last-used IPs): the TCP peer, or behind a trusted
	// proxy the address X-Forwarded-For names (see httpedge.ClientAddr).
	// nil trusts no proxy: the client is always the TCP peer. The web UI
	// must be given the same one.
	ClientAddr *httpedge.ClientAddr
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	// (Used by New; signet serve gives its edge the limit.)
	MaxBodyBytes int64
	// Observer is told of every request New serves (request metrics).
	Observer httpedge.Observer
	// Verifier verifies the keys presented to the check and forward-auth
	// endpoints; nil makes them answer 503.
	Verifier *authn.Verifier
	// ForwardAuth says who may call the forward-auth endpoint.
	ForwardAuth ForwardAuthConfig
	// Metrics serves GET /metrics (Prometheus); nil answers 404.
	Metrics http.Handler
	// LeakReports verifies the signatures of leak reports (POST
	// /api/v1/secret-scanning/reports); nil answers 404.
	LeakReports *leakreport.Keys
	// Issuer serves the OAuth 2.0 endpoints (/oauth2/…, /.well-known/…);
	// nil answers that this server issues no tokens.
	Issuer *issuer.Issuer
	// TokenOptions configure the token signing keys a manual rotation
	// (POST /api/v1/oauth/signing-keys/rotate) creates: the server's own.
	TokenOptions service.TokenOptions
}

// server is the state every handler shares. Immutable after NewAPI.
type server struct {
	// publicURL is Config.PublicURL.
	publicURL string
	svc       *service.Service
	auth      Authenticator
	log       *slog.Logger
	ready     func(ctx context.Context) error
	now       func() time.Time
	// checker answers the check API and forward-auth; nil without a
	// Verifier (they answer 503).
	checker *authn.Checker
	forward ForwardAuthConfig
	// forwardQueries caches the parsed query strings of forward-auth.
	forwardQueries forwardQueries
	metrics        http.Handler
	// leakKeys verifies leak reports; nil when they are not enabled.
	leakKeys *leakreport.Keys
	// issuer issues short-lived tokens; nil when it is not configured.
	issuer *issuer.Issuer
	// tokenOpts are the server's token signing options.
	tokenOpts service.TokenOptions
}

// API is the REST API and the health endpoints: Register puts its routes
// on the one mux that signet serve puts behind the one edge
// (httpedge.Edge), beside the UI's. (The first-administrator setup page is
// part of the web UI, package web.)
type API struct {
	s   *server
	cfg Config
	// unmatched answers the requests no route takes (set by Register).
	unmatched http.Handler
}

// NewAPI returns the REST API. It panics if cfg.Service or cfg.Auth is
// nil.
func NewAPI(cfg Config) *API {
	if cfg.Service == nil || cfg.Auth == nil {
		panic("httpapi: Config.Service and Config.Auth are required")
	}
	s := &server{
		publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		svc:       cfg.Service,
		auth:      cfg.Auth,
		log:       cfg.Logger,
		ready:     cfg.Ready,
		now:       cfg.Now,
		forward:   cfg.ForwardAuth,
		metrics:   cfg.Metrics,
		// Leak reports authenticate by signature, not by credential.
		leakKeys:  cfg.LeakReports,
		issuer:    cfg.Issuer,
		tokenOpts: cfg.TokenOptions,
	}
	if cfg.Verifier != nil {
		s.checker = authn.NewChecker(cfg.Verifier, cfg.Service.DefaultWorkspaceID)
	}
	if s.forward.Networks == nil {
		s.forward.Networks = DefaultForwardAuthNetworks
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return &API{s: s, cfg: cfg}
}

// New returns the REST API alone behind an edge of its own (with
// cfg.ClientAddr, cfg.Logger and cfg.MaxBodyBytes): for programs and tests
// that serve no UI. It panics if cfg.Service or cfg.Auth is nil.
func New(cfg Config) http.Handler {
	a := NewAPI(cfg)
	mux := http.NewServeMux()
	a.Register(mux)
	// Alone, the API answers every other path too, in its own shape.
	mux.Handle("/", a.unmatched)
	return httpedge.New(httpedge.Config{ClientAddr: cfg.ClientAddr, Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes,
		Panic: a.WritePanic, Observer: cfg.Observer}).Wrap(mux)
}

// WritePanic answers a request whose handler panicked, in the API's
// error shape.
func (a *API) WritePanic(w http.ResponseWriter, r *http.Request) {
	a.s.writeError(w, r, signet.Internal("httpapi: panic", errPanic))
}

var errPanic = errors.New("a handler panicked (see the log line before)")

// Route describes one registered route.
type Route struct {
	Method  string // e.g. "GET"; "*" for any method
	Pattern string // a ServeMux path pattern, e.g. "/api/v1/users/{id}"
	// Auth reports whether the route requires a credential.
	Auth bool
	// Page reports whether the route serves an HTML page rather than the
	// JSON API; pages are not in the OpenAPI document.
	Page bool
	// Idempotent reports whether the route honours an Idempotency-Key.
	Idempotent bool
	// Query lists the query parameters the route takes; any other is
	// refused with 400.
	Query []string
}

// Routes returns every route the handler serves, in declaration order.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, rt := range routes {
		out[i] = Route{Method: rt.method, Pattern: rt.pattern, Auth: rt.auth, Page: rt.page, Query: slices.Clone(rt.query), Idempotent: rt.takesIdempotencyKey()}
	}
	return out
}

// handlerFunc is the shape of every handler: it writes a success response
// itself and returns an error for the caller to render.
type handlerFunc func(s *server, w http.ResponseWriter, r *http.Request) error

// route is one line of the route table.
type route struct {
	method  string
	pattern string
	h       handlerFunc
	auth    bool // the route requires a credential
	page    bool // HTML page, not part of the OpenAPI document
	// query lists the query parameters the route takes (nil: none); the
	// endpoint refuses any other with 400 before the handler runs, so a
	// misspelt filter (?stauts=active) is never silently ignored.
	query []string
	// ownQuery routes check their query string themselves (forward-auth,
	// which parses each distinct one once and remembers it).
	ownQuery bool
	// quiet routes are machine traffic on every request of the services
	// behind Signet (verify, check, forward-auth, health probes, metrics):
	// their successful and
	// client-error requests are logged at debug level, not info, so the
	// access log does not cost more than the answer. Metrics count them.
	quiet bool
}

const (
	public = false
	authed = true
)

// anyMethod as a route's method matches every method (forward-auth: a
// proxy's sub-request may keep the original request's method). The
// OpenAPI document describes such a route under each of OpenAPI's eight
// methods, and a {name...} wildcard as the path parameter {name}.
const anyMethod = "*"

// The query parameters routes take, declared with the route table (a test
// holds them to the OpenAPI document's).
var (
	qPage       = []string{"limit", "cursor"}
	qUsers      = []string{"limit", "cursor", "status", "name", "kind"}
	qSAs        = []string{"limit", "cursor", "status", "name", "label", "owner"}
	qKeys       = []string{"limit", "cursor", "owner_id", "status", "name", "kind", "non_compliant", "label", "expiring_within", "unused_for"}
	qOwnKeys    = []string{"limit", "cursor", "expiring_within", "unused_for"}
	qGrants     = []string{"limit", "cursor", "subject_type", "subject_id", "role_id", "workspace_id"}
	qAudit      = []string{"limit", "cursor", "actor_id", "key_id", "action", "target_type", "target_id", "outcome", "since", "until", "q", "workspace_id"}
	qExport     = []string{"since", "until", "workspace_id"}
	qForward    = []string{"permission", "workspace", "client_workspaces"}
	qCheck      = []string{"workspace_id"}
	qActivity   = []string{"since"}
	qDeliveries = []string{"limit", "cursor", "status"}
)

// routes is the one table of every route. A test walks it against the
// OpenAPI document.
var routes = []route{
	{method: "GET", pattern: "/healthz", h: (*server).healthz, auth: public, quiet: true},
	{method: "GET", pattern: "/readyz", h: (*server).readyz, auth: public, quiet: true},
	{method: "GET", pattern: "/api/v1/openapi.json", h: (*server).openAPI, auth: public},
	{method: "GET", pattern: "/metrics", h: (*server).serveMetrics, auth: public, quiet: true},
	{method: "POST", pattern: "/api/v1/check", h: (*server).check, auth: authed, query: qCheck, quiet: true},
	{method: anyMethod, pattern: "/api/v1/forward-auth", h: (*server).forwardAuth, auth: public, query: qForward, ownQuery: true, quiet: true},
	// Envoy's path_prefix appends the client's path and query: answered 400
	// with how to configure it (path_override), rather than a bare 404.
	{method: anyMethod, pattern: "/api/v1/forward-auth/{path...}", h: (*server).forwardAuth, auth: public, query: qForward, ownQuery: true, quiet: true},
	{method: "POST", pattern: "/api/v1/setup", h: (*server).setup, auth: public},
	{method: "POST", pattern: "/api/v1/login", h: (*server).login, auth: public},
	// Authenticated by the report's signature (see secret_scanning.go).
	{method: "POST", pattern: "/api/v1/secret-scanning/reports", h: (*server).secretScanningReport, auth: public},
	// OAuth 2.0: clients authenticate in OAuth's ways (see oauth.go), and
	// the form is checked there (parameters belong in the body).
	{method: "POST", pattern: "/oauth2/token", h: (*server).oauthToken, auth: public, ownQuery: true},
	{method: "POST", pattern: "/oauth2/introspect", h: (*server).oauthIntrospect, auth: public, ownQuery: true, quiet: true},
	{method: "POST", pattern: "/oauth2/revoke", h: (*server).oauthRevoke, auth: public, ownQuery: true},
	{method: "GET", pattern: "/.well-known/jwks.json", h: (*server).jwks, auth: public},
	{method: "GET", pattern: "/.well-known/oauth-authorization-server", h: (*server).oauthMetadata, auth: public},

	{method: "GET", pattern: "/api/v1/me", h: (*server).me, auth: authed},
	{method: "GET", pattern: "/api/v1/me/api-keys", h: (*server).listPersonalKeys, auth: authed, query: qOwnKeys},
	{method: "POST", pattern: "/api/v1/me/api-keys", h: (*server).createPersonalKey, auth: authed},
	{method: "POST", pattern: "/api/v1/me/api-keys/{id}/revoke", h: (*server).revokePersonalKey, auth: authed},
	{method: "GET", pattern: "/api/v1/personal-api-keys/verify", h: (*server).verifyKey, auth: authed, quiet: true},

	{method: "POST", pattern: "/api/v1/service-accounts", h: (*server).createServiceAccount, auth: authed},
	{method: "GET", pattern: "/api/v1/service-accounts", h: (*server).listServiceAccounts, auth: authed, query: qSAs},
	{method: "GET", pattern: "/api/v1/service-accounts/{id}", h: (*server).getServiceAccount, auth: authed},
	{method: "PATCH", pattern: "/api/v1/service-accounts/{id}", h: (*server).updateServiceAccount, auth: authed},
	{method: "DELETE", pattern: "/api/v1/service-accounts/{id}", h: (*server).deleteServiceAccount, auth: authed},
	{method: "POST", pattern: "/api/v1/service-accounts/{id}/disable", h: (*server).disableServiceAccount, auth: authed},
	{method: "POST", pattern: "/api/v1/service-accounts/{id}/enable", h: (*server).enableServiceAccount, auth: authed},
	{method: "PUT", pattern: "/api/v1/service-accounts/{id}/groups", h: (*server).setServiceAccountGroups, auth: authed},
	{method: "GET", pattern: "/api/v1/service-accounts/{id}/api-keys", h: (*server).listServiceAccountKeys, auth: authed, query: qOwnKeys},
	{method: "POST", pattern: "/api/v1/service-accounts/{id}/api-keys", h: (*server).createServiceAccountKey, auth: authed},

	{method: "GET", pattern: "/api/v1/api-keys", h: (*server).listAPIKeys, auth: authed, query: qKeys},
	{method: "GET", pattern: "/api/v1/api-keys/{id}", h: (*server).getAPIKey, auth: authed},
	{method: "PATCH", pattern: "/api/v1/api-keys/{id}", h: (*server).updateAPIKey, auth: authed},
	{method: "POST", pattern: "/api/v1/api-keys/{id}/revoke", h: (*server).revokeAPIKey, auth: authed},
	{method: "POST", pattern: "/api/v1/api-keys/{id}/rotate", h: (*server).rotateAPIKey, auth: authed},
	{method: "POST", pattern: "/api/v1/api-keys/{id}/disable", h: (*server).disableAPIKey, auth: authed},
	{method: "POST", pattern: "/api/v1/api-keys/{id}/enable", h: (*server).enableAPIKey, auth: authed},
	{method: "GET", pattern: "/api/v1/api-keys/{id}/activity", h: (*server).keyActivity, auth: authed, query: qActivity},

	{method: "POST", pattern: "/api/v1/users", h: (*server).createUser, auth: authed},
	{method: "GET", pattern: "/api/v1/users", h: (*server).listUsers, auth: authed, query: qUsers},
	{method: "GET", pattern: "/api/v1/users/{id}", h: (*server).getUser, auth: authed},
	{method: "PATCH", pattern: "/api/v1/users/{id}", h: (*server).updateUser, auth: authed},
	{method: "DELETE", pattern: "/api/v1/users/{id}", h: (*server).deleteUser, auth: authed},
	{method: "POST", pattern: "/api/v1/users/{id}/disable", h: (*server).disableUser, auth: authed},
	{method: "POST", pattern: "/api/v1/users/{id}/enable", h: (*server).enableUser, auth: authed},

	{method: "POST", pattern: "/api/v1/groups", h: (*server).createGroup, auth: authed},
	{method: "GET", pattern: "/api/v1/groups", h: (*server).listGroups, auth: authed, query: qPage},
	{method: "GET", pattern: "/api/v1/groups/{id}", h: (*server).getGroup, auth: authed},
	{method: "PATCH", pattern: "/api/v1/groups/{id}", h: (*server).updateGroup, auth: authed},
	{method: "DELETE", pattern: "/api/v1/groups/{id}", h: (*server).deleteGroup, auth: authed},
	{method: "POST", pattern: "/api/v1/groups/{id}/members", h: (*server).addGroupMember, auth: authed},
	{method: "DELETE", pattern: "/api/v1/groups/{id}/members/{user_id}", h: (*server).removeGroupMember, auth: authed},

	{method: "POST", pattern: "/api/v1/roles", h: (*server).createRole, auth: authed},
	{method: "GET", pattern: "/api/v1/roles", h: (*server).listRoles, auth: authed, query: qPage},
	{method: "GET", pattern: "/api/v1/roles/{id}", h: (*server).getRole, auth: authed},
	{method: "PATCH", pattern: "/api/v1/roles/{id}", h: (*server).updateRole, auth: authed},
	{method: "DELETE", pattern: "/api/v1/roles/{id}", h: (*server).deleteRole, auth: authed},
	{method: "GET", pattern: "/api/v1/permissions", h: (*server).listPermissions, auth: authed},
	{method: "POST", pattern: "/api/v1/permission-domains", h: (*server).registerPermissionDomain, auth: authed},

	{method: "POST", pattern: "/api/v1/grants", h: (*server).createGrant, auth: authed},
	{method: "GET", pattern: "/api/v1/grants", h: (*server).listGrants, auth: authed, query: qGrants},
	{method: "DELETE", pattern: "/api/v1/grants/{id}", h: (*server).deleteGrant, auth: authed},

	{method: "POST", pattern: "/api/v1/workspaces", h: (*server).createWorkspace, auth: authed},
	{method: "GET", pattern: "/api/v1/workspaces", h: (*server).listWorkspaces, auth: authed, query: qPage},
	{method: "GET", pattern: "/api/v1/workspaces/{id}", h: (*server).getWorkspace, auth: authed},
	{method: "PATCH", pattern: "/api/v1/workspaces/{id}", h: (*server).updateWorkspace, auth: authed},
	{method: "DELETE", pattern: "/api/v1/workspaces/{id}", h: (*server).deleteWorkspace, auth: authed},

	{method: "POST", pattern: "/api/v1/webhooks", h: (*server).createWebhook, auth: authed},
	{method: "GET", pattern: "/api/v1/webhooks", h: (*server).listWebhooks, auth: authed, query: qPage},
	{method: "GET", pattern: "/api/v1/webhooks/{id}", h: (*server).getWebhook, auth: authed},
	{method: "PATCH", pattern: "/api/v1/webhooks/{id}", h: (*server).updateWebhook, auth: authed},
	{method: "DELETE", pattern: "/api/v1/webhooks/{id}", h: (*server).deleteWebhook, auth: authed},
	{method: "POST", pattern: "/api/v1/webhooks/{id}/rotate-secret", h: (*server).rotateWebhookSecret, auth: authed},
	{method: "POST", pattern: "/api/v1/webhooks/{id}/test", h: (*server).sendTestWebhook, auth: authed},
	{method: "GET", pattern: "/api/v1/webhooks/{id}/deliveries", h: (*server).listWebhookDeliveries, auth: authed, query: qDeliveries},
	{method: "GET", pattern: "/api/v1/webhooks/{id}/deliveries/{delivery_id}", h: (*server).getWebhookDelivery, auth: authed},
	{method: "POST", pattern: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", h: (*server).redeliverWebhook, auth: authed},
	{method: "POST", pattern: "/api/v1/oauth/audiences", h: (*server).createAudience, auth: authed},
	{method: "GET", pattern: "/api/v1/oauth/audiences", h: (*server).listAudiences, auth: authed, query: qPage},
	{method: "GET", pattern: "/api/v1/oauth/audiences/{id}", h: (*server).getAudience, auth: authed},
	{method: "PATCH", pattern: "/api/v1/oauth/audiences/{id}", h: (*server).updateAudience, auth: authed},
	{method: "DELETE", pattern: "/api/v1/oauth/audiences/{id}", h: (*server).deleteAudience, auth: authed},
	{method: "GET", pattern: "/api/v1/oauth/signing-keys", h: (*server).listSigningKeys, auth: authed},
	{method: "POST", pattern: "/api/v1/oauth/signing-keys/rotate", h: (*server).rotateSigningKeys, auth: authed},
	{method: "GET", pattern: "/api/v1/service-accounts/{id}/client-keys", h: (*server).listClientKeys, auth: authed},
	{method: "POST", pattern: "/api/v1/service-accounts/{id}/client-keys", h: (*server).createClientKey, auth: authed},
	{method: "DELETE", pattern: "/api/v1/service-accounts/{id}/client-keys/{key_id}", h: (*server).deleteClientKey, auth: authed},
	{method: "GET", pattern: "/api/v1/sso/providers", h: (*server).listOIDCProviders, auth: authed},
	{method: "POST", pattern: "/api/v1/sso/providers", h: (*server).createOIDCProvider, auth: authed},
	{method: "GET", pattern: "/api/v1/sso/providers/{id}", h: (*server).getOIDCProvider, auth: authed},
	{method: "PATCH", pattern: "/api/v1/sso/providers/{id}", h: (*server).updateOIDCProvider, auth: authed},
	{method: "DELETE", pattern: "/api/v1/sso/providers/{id}", h: (*server).deleteOIDCProvider, auth: authed},
	{method: "GET", pattern: "/api/v1/sso/password-login", h: (*server).getPasswordLogin, auth: authed},
	{method: "PUT", pattern: "/api/v1/sso/password-login", h: (*server).setPasswordLogin, auth: authed},
	{method: "GET", pattern: "/api/v1/key-policy", h: (*server).getKeyPolicy, auth: authed},
	{method: "PUT", pattern: "/api/v1/key-policy", h: (*server).setKeyPolicy, auth: authed},

	{method: "GET", pattern: "/api/v1/webhook-event-types", h: (*server).listWebhookEventTypes, auth: authed},

	{method: "GET", pattern: "/api/v1/audit-events", h: (*server).listAuditEvents, auth: authed, query: qAudit},
	{method: "GET", pattern: "/api/v1/audit-events/verify", h: (*server).verifyAuditChain, auth: authed},
	{method: "GET", pattern: "/api/v1/audit-events/export", h: (*server).exportAuditEvents, auth: authed, query: qExport},
	{method: "GET", pattern: "/api/v1/audit-events/{id}", h: (*server).getAuditEvent, auth: authed},
}

// endpoint wraps a route's handler with its authentication requirement and
// renders a returned error. The caller is kept in the edge's state of the
// request, which the handlers read (actor, verified): no context value of
// its own, no copy of the request.
func (s *server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := httpedge.From(r.Context())
		if st == nil {
			s.writeError(w, r, signet.Internal("httpapi.endpoint", errNoEdge))
			return
		}
		st.Quiet = rt.quiet
		if rt.auth {
			a, v, err := s.authenticate(r)
			if err == nil && a == nil {
				err = signet.Errorf(signet.EUNAUTHENTICATED, "authentication required: send an API key (Authorization: Bearer <key>)")
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			st.UserID, st.KeyID, st.Actor = a.UserID, a.KeyID, a
			if v != nil {
				st.Auth = v
			}
		}
		if r.URL.RawQuery != "" && !rt.ownQuery {
			if err := checkQuery(r.URL.RawQuery, rt.query); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if rt.takesIdempotencyKey() {
			// By its canonical name: no canonicalisation per request.
			if v := r.Header["Idempotency-Key"]; len(v) > 0 && v[0] != "" {
				s.serveIdempotent(rt, w, r, v[0])
				return
			}
		}
		if err := rt.h(s, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

var errNoEdge = errors.New("the API was served without the edge (httpedge); use New or Register behind an Edge")

// authenticate authenticates r, with the caller's cached access when the
// authenticator offers it.
func (s *server) authenticate(r *http.Request) (*signet.Actor, *authn.Verified, error) {
	if aa, ok := s.auth.(accessAuthenticator); ok {
		v, err := aa.AuthenticateWithAccess(r)
		if v == nil {
			return nil, nil, err
		}
		return v.Actor, v, err
	}
	a, err := s.auth.Authenticate(r)
	return a, nil, err
}

// serveMetrics serves the Prometheus metrics, when configured.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.metrics == nil {
		return signet.Errorf(signet.ENOTFOUND, "metrics are not enabled on this server; start it with --metrics")
	}
	s.metrics.ServeHTTP(w, r)
	return nil
}

// actor returns the authenticated actor of a request on an authed route.
func actor(r *http.Request) *signet.Actor {
	if st := httpedge.From(r.Context()); st != nil {
		return st.Actor
	}
	return nil
}

// verified returns the verified key of a request on an authed route that
// used one (with its cached access), or nil.
func verified(r *http.Request) *authn.Verified {
	if st := httpedge.From(r.Context()); st != nil {
		v, _ := st.Auth.(*authn.Verified)
		return v
	}
	return nil
}
