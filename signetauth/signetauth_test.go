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

func TestRequirePermission(t *testing.T) { testdb.ForEach(t, testRequirePermission) }

func testRequirePermission(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	ct := &countingTransport{}
	clk := &clock{t: time.Now()}
	auth, err := signetauth.New(signetauth.Config{URL: s.URL, Key: s.CheckerKey, HTTPClient: &http.Client{Transport: ct}, Now: clk.Now})
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
