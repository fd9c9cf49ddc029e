package signetauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/signetauth"
)

// TestRequirePermissionAllowedNetworks: the middleware passes its
// request's caller address to the check API (by default its TCP peer, or
// what Config.ClientIP says), so a key's network allowlist is judged by
// the original caller's address, and answers are cached per address.
func TestRequirePermissionAllowedNetworks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testRequirePermissionAllowedNetworks)
}

func testRequirePermissionAllowedNetworks(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	sa := s.ServiceAccount(t, "limited", "role_edit", s.DefaultWorkspace)
	loopback := []string{"127.0.0.0/8", "::1"}
	if _, err := s.Admin.UpdateAPIKey(t.Context(), sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: &loopback}); err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, tt := range []struct {
		name     string
		clientIP func(*http.Request) string
		want     int
	}{
		{"default: the peer (loopback), inside", nil, 200},
		{"a caller outside", func(*http.Request) string { return "203.0.113.4" }, 401},
		{"unknown caller", func(*http.Request) string { return "" }, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := signetauth.New(signetauth.Config{URL: s.URL, Key: s.CheckerKey, HTTPClient: s.HTTP.Client(), ClientIP: tt.clientIP})
			if err != nil {
				t.Fatal(err)
			}
			svc := httptest.NewServer(auth.RequirePermission("metrics:write")(ok))
			defer svc.Close()
			req, _ := http.NewRequest("GET", svc.URL, nil)
			req.Header.Set("X-API-Key", sa.APIKey.Key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d; want %d", resp.StatusCode, tt.want)
			}
		})
	}
	// Answers are cached per caller address.
	auth, err := signetauth.New(signetauth.Config{URL: s.URL, Key: s.CheckerKey, HTTPClient: s.HTTP.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip   string
		want bool
	}{{"127.0.0.1", true}, {"192.0.2.1", false}, {"127.0.0.1", true}} {
		res, err := auth.CheckFrom(t.Context(), sa.APIKey.Key, "metrics:write", "", tc.ip)
		if err != nil || res.Allowed != tc.want {
			t.Errorf("CheckFrom(%s) = %+v, %v; want allowed %v", tc.ip, res, err, tc.want)
		}
	}
}
