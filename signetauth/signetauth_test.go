package signetauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/signetauth"
)

// countingTransport counts the requests that reach Signet.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRequirePermission(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRequirePermission) }

func testRequirePermission(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	ct := &countingTransport{}
	clk := &clock{t: time.Now()}
	// Accepting access tokens too (Audience) changes nothing for keys:
	// they still go to the check API.
	auth, err := signetauth.New(signetauth.Config{URL: s.URL, Key: s.CheckerKey, HTTPClient: &http.Client{Transport: ct}, Now: clk.Now,
		Audience: "https://metrics.internal"})
	if err != nil {
		t.Fatal(err)
	}
	svc := httptest.NewServer(auth.RequirePermission("metrics:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := signetauth.FromContext(r.Context())
		if !ok {
			http.Error(w, "no principal", 500)
			return
		}
		io.WriteString(w, p.Kind+" "+p.Name+" "+p.ID+" "+p.KeyID)
	})))
	defer svc.Close()
	get := func(hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", svc.URL, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"allowed", []string{"Authorization", "Bearer " + s.ReaderKey}, 200},
		{"apikey scheme", []string{"Authorization", "apikey " + s.ReaderKey}, 200},
		{"X-API-Key", []string{"X-API-Key", s.ReaderKey}, 200},
		{"other workspace", []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", s.OtherWorkspace}, 403},
		{"missing", nil, 401},
		{"junk", []string{"Authorization", "Bearer junk"}, 401},
		{"revoked", []string{"Authorization", "Bearer " + s.RevokedKey}, 401},
		{"owner disabled", []string{"Authorization", "Bearer " + s.DisabledKey}, 401},
		{"without the permission", []string{"Authorization", "Bearer " + s.ViewerKey}, 403},
	} {
		if got, body := get(tt.hdr...); got != tt.want {
			t.Errorf("%s: %d %q; want %d", tt.name, got, body, tt.want)
		}
	}
	code, body := get("X-API-Key", s.ReaderKey)
	if code != 200 || body[:len("service_account metrics-writer sa_")] != "service_account metrics-writer sa_" {
		t.Errorf("principal in context = %q; want service_account metrics-writer sa_…", body)
	}

	// Cached: repeating allowed and denied requests does not ask Signet.
	before := ct.n.Load()
	for range 10 {
		get("X-API-Key", s.ReaderKey)
		get("X-API-Key", s.ViewerKey)
	}
	if n := ct.n.Load() - before; n != 0 {
		t.Errorf("requests to Signet for 20 repeated requests = %d; want 0 (cached)", n)
	}
	// The staleness bound: revoke the key in Signet; within TTL the cached
	// answer stands, after TTL the key is refused.
	me, err := s.Client(t, s.ReaderKey).Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin.RevokeAPIKey(t.Context(), me.KeyID, "test"); err != nil {
		t.Fatal(err)
	}
	if code, _ := get("X-API-Key", s.ReaderKey); code != 200 {
		t.Errorf("revoked key within TTL: %d; want 200 (cached, the documented bound)", code)
	}
	clk.Advance(signetauth.DefaultTTL)
	if code, _ := get("X-API-Key", s.ReaderKey); code != 401 {
		t.Errorf("revoked key after TTL: %d; want 401", code)
	}
}

// TestRequirePermissionWorkspace: the service decides the workspace
// (Config.Workspace); a request's workspace header may only pick one of
// Config.ClientWorkspaces, and naming another is refused, never checked
// somewhere else.
func TestRequirePermissionWorkspace(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRequirePermissionWorkspace)
}

func testRequirePermissionWorkspace(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	// sandboxKey holds metrics:write only in the other workspace.
	sb := s.ServiceAccount(t, "sandbox-writer", "role_edit", s.OtherWorkspace)
	sandboxKey, other, def := sb.APIKey.Key, s.OtherWorkspace, s.DefaultWorkspace
	serve := func(cfg signetauth.Config) string {
		cfg.URL, cfg.Key, cfg.TTL = s.URL, s.CheckerKey, -1
		auth, err := signetauth.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		svc := httptest.NewServer(auth.RequirePermission("metrics:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := signetauth.FromContext(r.Context())
			io.WriteString(w, p.Workspace)
		})))
		t.Cleanup(svc.Close)
		return svc.URL
	}
	byDefault := serve(signetauth.Config{})
	fixedOther := serve(signetauth.Config{Workspace: other})
	fixedDefault := serve(signetauth.Config{Workspace: def})
	narrowing := serve(signetauth.Config{ClientWorkspaces: []string{other}})
	anyWS := serve(signetauth.Config{Workspace: def, ClientWorkspaces: []string{"*"}})
	fixedMissing := serve(signetauth.Config{Workspace: "ws_missing"})
	for _, tt := range []struct {
		name   string
		url    string
		hdr    []string
		status int
		ws     string // the workspace the handler sees, when 200
	}{
		{"default: reader", byDefault, []string{"X-API-Key", s.ReaderKey}, 200, def},
		{"default: sandbox key", byDefault, []string{"X-API-Key", sandboxKey}, 403, ""},
		{"default: sandbox key names its workspace", byDefault, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 403, ""},
		{"default: sandbox key, Bigeye header", byDefault, []string{"X-API-Key", sandboxKey, "X-Bigeye-Workspace-Id", other}, 403, ""},
		{"default: reader names another workspace", byDefault, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", other}, 403, ""},
		{"default: reader names the default", byDefault, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def}, 200, def},
		{"fixed other: sandbox key", fixedOther, []string{"X-API-Key", sandboxKey}, 200, other},
		{"fixed other: reader", fixedOther, []string{"X-API-Key", s.ReaderKey}, 403, ""},
		{"fixed other: reader names the default", fixedOther, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def}, 403, ""},
		{"fixed default: sandbox key names its workspace", fixedDefault, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 403, ""},
		{"fixed default: reader names it", fixedDefault, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def}, 200, def},
		{"narrowing: sandbox key picks its workspace", narrowing, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 200, other},
		{"narrowing: Bigeye header", narrowing, []string{"X-API-Key", sandboxKey, "X-Bigeye-Workspace-Id", other}, 200, other},
		{"narrowing: nothing picked", narrowing, []string{"X-API-Key", sandboxKey}, 403, ""},
		{"narrowing: reader, nothing picked", narrowing, []string{"X-API-Key", s.ReaderKey}, 200, def},
		{"narrowing: not listed", narrowing, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", "ws_unlisted"}, 403, ""},
		{"narrowing: two different", narrowing, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other, "X-Bigeye-Workspace-Id", def}, 403, ""},
		{"any: sandbox key picks its workspace", anyWS, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 200, other},
		{"any: reader picks the other", anyWS, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", other}, 403, ""},
		{"no key, names a workspace", byDefault, []string{"X-Workspace-Id", other}, 401, ""},
		{"any: picks a workspace that does not exist", anyWS, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", "ws_missing"}, 403, ""},
		{"fixed to a workspace that does not exist", fixedMissing, []string{"X-API-Key", s.ReaderKey}, 500, ""},
	} {
		req, _ := http.NewRequest("GET", tt.url, nil)
		for i := 0; i+1 < len(tt.hdr); i += 2 {
			req.Header.Add(tt.hdr[i], tt.hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.status == 200 && string(b) != tt.ws) {
			t.Errorf("%s: %d %q; want %d %q", tt.name, resp.StatusCode, b, tt.status, tt.ws)
		}
	}
}

func TestSignetUnreachable(t *testing.T) {
	auth, err := signetauth.New(signetauth.Config{URL: "http://127.0.0.1:1", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.RequirePermission("metrics:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("handler reached")
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-API-Key", "some-key")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("Signet unreachable: %d; want 503", rec.Code)
	}
	if _, err := auth.Check(t.Context(), "some-key", "metrics:write", ""); err == nil {
		t.Error("Check with Signet unreachable = nil error")
	}
	_ = client.ReasonRevoked
}
