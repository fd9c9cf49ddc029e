package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/httpedge"
	"github.com/signetdev/signet/internal/testdb"
)

func TestRequestID(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRequestID) }

func testRequestID(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, incoming string
		keep           bool
	}{
		{"none", "", false},
		{"sane", "abc-123_X.y", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"space", "abc 123", false},
		{"quote", `abc"def`, false},
		{"unicode", "idé", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.incoming != "" {
				h = append(h, "X-Request-Id: "+tt.incoming)
			}
			r := e.do("GET", "/api/v1/me", "", h...) // 401: the error body carries the id too
			got := r.header.Get("X-Request-Id")
			if tt.keep && got != tt.incoming {
				t.Errorf("X-Request-Id = %q; want the incoming %q", got, tt.incoming)
			}
			if !tt.keep && (got == "" || got == tt.incoming || seen[got]) {
				t.Errorf("X-Request-Id = %q; want a fresh id (incoming %q)", got, tt.incoming)
			}
			seen[got] = true
			if eb := r.errBody(t); eb.RequestID != got {
				t.Errorf("error request_id = %q; want %q", eb.RequestID, got)
			}
		})
	}
}

func TestHealth(t *testing.T) { t.Parallel(); testdb.ForEach(t, testHealth) }

func testHealth(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		r := e.do("GET", path, "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"status":"ok"`) {
			t.Errorf("GET %s = %d %s; want 200 ok", path, r.status, r.body)
		}
	}
	if err := e.client().Ready(e.ctx); err != nil {
		t.Errorf("client.Ready() = %v; want nil", err)
	}

	down := newEnvWith(t, envOptions{ready: func(context.Context) error { return errors.New("database is on fire") }})
	r := down.do("GET", "/readyz", "")
	if r.status != http.StatusServiceUnavailable || r.errBody(t).Code != signet.EUNAVAILABLE {
		t.Errorf("GET /readyz when not ready = %d %s; want 503 unavailable", r.status, r.body)
	}
	if strings.Contains(string(r.body), "fire") {
		t.Errorf("GET /readyz leaks the cause: %s", r.body)
	}
	if r := down.do("GET", "/healthz", ""); r.status != http.StatusOK {
		t.Errorf("GET /healthz when not ready = %d; want 200", r.status)
	}
	err := down.client().Ready(down.ctx)
	wantAPIError(t, err, http.StatusServiceUnavailable, client.CodeUnavailable, "")
}

type panickingAuth struct{}

func (panickingAuth) Authenticate(*http.Request) (*signet.Actor, error) { panic("boom: sgn_secret") }

func TestPanicRecovery(t *testing.T) { t.Parallel(); testdb.ForEach(t, testPanicRecovery) }

func testPanicRecovery(t *testing.T) {
	e := newEnvWith(t, envOptions{auth: panickingAuth{}})
	r := e.do("GET", "/api/v1/me", "", "Authorization: Bearer whatever")
	eb := r.errBody(t)
	if r.status != http.StatusInternalServerError || eb.Code != "internal" || eb.Message != "Internal error." {
		t.Errorf("GET /api/v1/me with a panicking authenticator = %d %+v; want 500 \"Internal error.\"", r.status, eb)
	}
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("the 500 leaks the panic: %s", r.body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "panic serving request") || !strings.Contains(logs, eb.RequestID) {
		t.Errorf("the log does not record the panic with request id %s:\n%s", eb.RequestID, logs)
	}
	// The server survives.
	if r := e.do("GET", "/healthz", ""); r.status != http.StatusOK {
		t.Errorf("GET /healthz after a panic = %d; want 200", r.status)
	}
}

// TestAccessLog checks the log line of a request, and that credentials in
// headers and bodies never reach it.
func TestAccessLog(t *testing.T) { t.Parallel(); testdb.ForEach(t, testAccessLog) }

func testAccessLog(t *testing.T) {
	e := newEnv(t).withAdmin()
	// The route takes no ?token= (400), and the query string must not be
	// logged whatever the answer.
	e.do("POST", "/api/v1/service-accounts?token=query-secret", `{"name":"logged","description":"body-secret"}`, "X-Request-Id: req-for-log")
	e.do("GET", "/api/v1/me", "", "X-API-Key: sgn_sa_not_a_real_key_header-secret", "-auth")
	logs := e.logs.String()
	var line string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"request_id":"req-for-log"`) && strings.Contains(l, `"msg":"http request"`) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no access log line for req-for-log:\n%s", logs)
	}
	for _, want := range []string{`"method":"POST"`, `"path":"/api/v1/service-accounts"`, `"status":400`, `"duration":`, `"key_id":"key_`, `"user_id":"usr_`, `"ip":"127.0.0.1"`} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line lacks %s: %s", want, line)
		}
	}
	for _, secret := range []string{e.adminKey, "query-secret", "body-secret", "header-secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// TestClientIP: the audit trail records the TCP peer, whatever a client
// writes in forwarding headers, unless the peer is a trusted proxy; then
// the right-most address its X-Forwarded-For names that is not itself a
// trusted proxy.
func TestClientIP(t *testing.T) { t.Parallel(); testdb.ForEach(t, testClientIP) }

func testClientIP(t *testing.T) {
	for _, tt := range []struct {
		trusted []netip.Prefix
		want    string
	}{
		{nil, "127.0.0.1"},
		{[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1"}, // the peer is not a trusted proxy
		{[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "198.51.100.7"},
		{[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("198.51.100.0/24")}, "203.0.113.9"},
	} {
		e := newEnvWith(t, envOptions{trustedProxies: tt.trusted}).withAdmin()
		e.do("POST", "/api/v1/workspaces", `{"name":"w"}`, "X-Forwarded-For: 203.0.113.9, 198.51.100.7", "X-Real-IP: 192.0.2.99")
		evs := must(e.admin.ListAuditEvents(e.ctx, client.ListAuditEventsOptions{Action: "workspace.create"}))(t)
		if len(evs.Data) != 1 {
			t.Fatalf("audit events for workspace.create = %+v; want one", evs.Data)
		}
		if got := evs.Data[0].IP; got != tt.want {
			t.Errorf("trusted proxies %v: audit IP = %q; want %q", tt.trusted, got, tt.want)
		}
	}
}

func TestNotFoundAndMethods(t *testing.T) { t.Parallel(); testdb.ForEach(t, testNotFoundAndMethods) }

func testNotFoundAndMethods(t *testing.T) {
	e := newEnv(t)
	r := e.do("PUT", "/api/v1/users", "{}")
	if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.header.Get("Allow"), "GET") || !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Errorf("PUT /api/v1/users = %d Allow %q; want 405 allowing GET and POST", r.status, r.header.Get("Allow"))
	}
	r = e.do("GET", "/nope", "")
	if r.status != http.StatusNotFound || r.errBody(t).Code != "not_found" {
		t.Errorf("GET /nope = %d %s; want a JSON 404", r.status, r.body)
	}
	// Ids are path-escaped and reach the service intact.
	r = e.do("GET", "/api/v1/users/"+url.PathEscape("a/b c"), "", "-auth")
	if r.status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/users/a%%2Fb%%20c without credentials = %d; want 401", r.status)
	}
}

// TestUnauthenticated checks every authenticated route refuses requests
// without a credential, and with a malformed one, before doing anything.
func TestUnauthenticated(t *testing.T) { t.Parallel(); testdb.ForEach(t, testUnauthenticated) }

func testUnauthenticated(t *testing.T) {
	e := newEnv(t)
	for _, rt := range routesNeedingAuth() {
		path := strings.NewReplacer("{id}", "x", "{user_id}", "y").Replace(rt.Pattern)
		for _, h := range [][]string{nil, {"Authorization: Bearer sgn_sa_junk"}, {"Authorization: Basic !!!"}} {
			r := e.do(rt.Method, path, "", h...)
			if r.status != http.StatusUnauthorized || r.errBody(t).Code != "unauthenticated" || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %v = %d %s; want 401 with WWW-Authenticate", rt.Method, path, h, r.status, r.body)
			}
		}
	}
}

// TestMethodNotAllowedBesideUI registers the API as signet serve does, on a
// mux whose "/" serves something else (the UI's pages): a wrong method on
// the API's paths outside /api/ still gets the API's JSON 405 with Allow,
// and what the routes do not cover still reaches "/".
func TestMethodNotAllowedBesideUI(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testMethodNotAllowedBesideUI)
}

func testMethodNotAllowedBesideUI(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	httpapi.NewAPI(httpapi.Config{Service: e.svc, Auth: noCredentials{}}).Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "a page", http.StatusTeapot) })
	srv := httptest.NewServer(httpedge.New(httpedge.Config{}).Wrap(mux))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{"POST", "/healthz", http.StatusMethodNotAllowed, "GET"},
		{"DELETE", "/readyz", http.StatusMethodNotAllowed, "GET"},
		{"PUT", "/metrics", http.StatusMethodNotAllowed, "GET"},
		{"POST", "/api/v1/openapi.json", http.StatusMethodNotAllowed, "GET"},
		{"GET", "/healthz", http.StatusOK, ""},
		{"GET", "/healthz/more", http.StatusTeapot, ""},
		{"POST", "/settings", http.StatusTeapot, ""},
	} {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s = %d Allow %q; want %d Allow %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.want, tt.allow)
		}
		if tt.want == http.StatusMethodNotAllowed {
			var eb client.ErrorResponse
			if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != "method_not_allowed" {
				t.Errorf("%s %s body = %s; want the JSON error shape with code method_not_allowed", tt.method, tt.path, body)
			}
		}
	}
}

// noCredentials authenticates no request.
type noCredentials struct{}

func (noCredentials) Authenticate(*http.Request) (*signet.Actor, error) { return nil, nil }
