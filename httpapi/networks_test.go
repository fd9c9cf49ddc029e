package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

// loopbackProxy trusts the test's own address as a proxy, so that its
// X-Forwarded-For is believed.
var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

func reasonOf(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// nets is a list for a partial update: nets() is an empty list (clear),
// never nil (no change).
func nets(v ...string) *[]string {
	if v == nil {
		v = []string{}
	}
	return &v
}

// TestAPIKeyAllowedNetworksAPI: every key-creating route takes
// allowed_networks, PATCH /api/v1/api-keys/{id} changes it, and bad input
// is a 422 naming the value.
func TestAPIKeyAllowedNetworksAPI(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAPIKeyAllowedNetworksAPI)
}

func testAPIKeyAllowedNetworksAPI(t *testing.T) {
	ctx := t.Context()
	s := signettest.Start(t, signettest.Options{})
	sa := s.ServiceAccount(t, "etl", "role_edit", s.DefaultWorkspace)
	if got := sa.APIKey.AllowedNetworks; got == nil || len(got) != 0 {
		t.Errorf("allowed_networks of a key without = %#v; want []", got)
	}

	k, err := s.Admin.CreateServiceAccountKey(ctx, sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "office", AllowedNetworks: []string{"10.1.2.3/8", "2001:db8::1"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(k.AllowedNetworks) != "[10.0.0.0/8 2001:db8::1/128]" {
		t.Errorf("service-account key allowed_networks = %v; want [10.0.0.0/8 2001:db8::1/128]", k.AllowedNetworks)
	}
	created, err := s.Admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "etl2",
		APIKey: &client.CreateAPIKeyRequest{Name: "k", AllowedNetworks: []string{"192.0.2.0/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(created.APIKey.AllowedNetworks) != "[192.0.2.0/24]" {
		t.Errorf("service account's key allowed_networks = %v", created.APIKey.AllowedNetworks)
	}
	pk, err := s.Admin.CreatePersonalKey(ctx, client.CreateAPIKeyRequest{Name: "laptop", AllowedNetworks: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pk.AllowedNetworks) != "[127.0.0.1/32]" {
		t.Errorf("personal key allowed_networks = %v", pk.AllowedNetworks)
	}

	for _, tc := range []struct {
		name string
		req  client.CreateAPIKeyRequest
		msg  string
	}{
		{"bad CIDR", client.CreateAPIKeyRequest{Name: "x", AllowedNetworks: []string{"10.0.0.0/40"}}, `allowed_networks[0]: "10.0.0.0/40" is not a network`},
		{"duplicate", client.CreateAPIKeyRequest{Name: "x", AllowedNetworks: []string{"10.0.0.0/8", "10.0.0.0/8"}}, "again"},
	} {
		_, err := s.Admin.CreateServiceAccountKey(ctx, sa.ServiceAccount.ID, tc.req)
		var e *client.Error
		if !errors.As(err, &e) || e.Status != 422 || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: create = %v; want 422 saying %q", tc.name, err, tc.msg)
		}
	}

	// PATCH sets, keeps (absent field) and clears.
	got, err := s.Admin.UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: nets("198.51.100.0/24")})
	if err != nil || fmt.Sprint(got.AllowedNetworks) != "[198.51.100.0/24]" {
		t.Fatalf("UpdateAPIKey = %v, %v; want [198.51.100.0/24]", got, err)
	}
	if got, err = s.Admin.UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{}); err != nil || len(got.AllowedNetworks) != 1 {
		t.Errorf("UpdateAPIKey({}) = %v, %v; want the allowlist kept", got, err)
	}
	evs, err := s.Admin.ListAuditEvents(ctx, client.ListAuditEventsOptions{Action: "api_key.update", TargetID: sa.APIKey.ID})
	if err != nil || len(evs.Data) != 1 {
		t.Fatalf("api_key.update events = %v, %v; want 1", evs, err)
	}
	if change := fmt.Sprint(evs.Data[0].Details["allowed_networks"]); change != "map[new:[198.51.100.0/24] old:[]]" {
		t.Errorf("event details allowed_networks = %s; want old [] and new [198.51.100.0/24]", change)
	}
	if got, err = s.Admin.UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: nets()}); err != nil || len(got.AllowedNetworks) != 0 {
		t.Errorf("UpdateAPIKey([]) = %v, %v; want the allowlist cleared", got, err)
	}
	_, err = s.Admin.UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: nets("nope")})
	if client.ErrorCode(err) != client.CodeInvalid || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("UpdateAPIKey(nope) = %v; want 422 naming the value", err)
	}
	_, err = s.Client(t, s.ViewerKey).UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: nets()})
	if client.ErrorCode(err) != client.CodeForbidden {
		t.Errorf("UpdateAPIKey by a viewer = %v; want 403", err)
	}
	// Unknown fields are refused, as on every route.
	req, _ := http.NewRequest("PATCH", s.URL+"/api/v1/api-keys/"+sa.APIKey.ID, strings.NewReader(`{"allowed_network":["10.0.0.0/8"]}`))
	req.Header.Set("Authorization", "Bearer "+s.ReaderKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("PATCH with an unknown field = %d; want 400", resp.StatusCode)
	}
}

// TestAllowedNetworksDirect: a key used directly against the API is judged
// by the client address of the one client-address rule: the TCP peer, or
// with the peer a trusted proxy, what its X-Forwarded-For names.
func TestAllowedNetworksDirect(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAllowedNetworksDirect)
}

func testAllowedNetworksDirect(t *testing.T) {
	ctx := t.Context()
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		allow   []string
		xff     string
		want    string // reason; "" allowed
	}{
		{"peer inside", nil, []string{"127.0.0.0/8"}, "", ""},
		{"peer outside", nil, []string{"10.0.0.0/8"}, "", "network_not_allowed"},
		{"untrusted peer's header ignored", nil, []string{"10.0.0.0/8"}, "10.1.1.1", "network_not_allowed"},
		{"trusted proxy names an address inside", loopbackProxy, []string{"10.0.0.0/8"}, "10.1.1.1", ""},
		{"trusted proxy names an address outside", loopbackProxy, []string{"127.0.0.0/8"}, "203.0.113.5", "network_not_allowed"},
		{"v6 inside", loopbackProxy, []string{"2001:db8::/32"}, "2001:db8::5", ""},
		{"v4-mapped v6 inside", loopbackProxy, []string{"10.0.0.0/8"}, "::ffff:10.2.3.4", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := signettest.Start(t, signettest.Options{TrustedProxies: tt.trusted})
			sa := s.ServiceAccount(t, "etl", "role_edit", s.DefaultWorkspace)
			if _, err := s.Admin.UpdateAPIKey(ctx, sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: &tt.allow}); err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", s.URL+"/api/v1/me", nil)
			req.Header.Set("X-API-Key", sa.APIKey.Key)
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Error struct{ Code, Reason, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			wantStatus := 200
			if tt.want != "" {
				wantStatus = 401
			}
			if resp.StatusCode != wantStatus || body.Error.Reason != tt.want {
				t.Errorf("GET /me = %d %+v; want %d reason %q", resp.StatusCode, body.Error, wantStatus, tt.want)
			}
		})
	}
}

// TestCheckClientIP: the check API judges a key's allowlist by the
// client_ip the asking service sends, and refuses a key with an allowlist
// when it sends none.
func TestCheckClientIP(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCheckClientIP)
}

func testCheckClientIP(t *testing.T) {
	ctx := t.Context()
	s := signettest.Start(t, signettest.Options{})
	c := s.Client(t, s.CheckerKey)
	limited := s.ServiceAccount(t, "limited", "role_edit", s.DefaultWorkspace)
	if _, err := s.Admin.UpdateAPIKey(ctx, limited.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: nets("10.0.0.0/8", "2001:db8::/32")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, ip string
		allowed       bool
		reason        string
	}{
		{"inside v4", limited.APIKey.Key, "10.9.8.7", true, ""},
		{"inside v6", limited.APIKey.Key, "2001:db8::1", true, ""},
		{"inside v4-mapped v6", limited.APIKey.Key, "::ffff:10.9.8.7", true, ""},
		{"outside", limited.APIKey.Key, "192.0.2.1", false, client.ReasonNetworkNotAllowed},
		{"outside v6", limited.APIKey.Key, "2001:db9::1", false, client.ReasonNetworkNotAllowed},
		// The asking service's own address (loopback) is not the caller's.
		{"no client_ip", limited.APIKey.Key, "", false, client.ReasonNetworkNotAllowed},
		{"no allowlist, no client_ip", s.ReaderKey, "", true, ""},
		{"no allowlist, any client_ip", s.ReaderKey, "203.0.113.9", true, ""},
		// A revoked key stays revoked whatever the address.
		{"revoked", s.RevokedKey, "10.0.0.1", false, client.ReasonRevoked},
	}
	for _, tt := range tests {
		res, err := c.CheckFrom(ctx, tt.key, "metrics:write", "", tt.ip)
		if err != nil {
			t.Fatalf("%s: Check = %v", tt.name, err)
		}
		if res.Allowed != tt.allowed || res.Reason != tt.reason {
			t.Errorf("%s: Check from %q = allowed %v reason %q; want %v %q", tt.name, tt.ip, res.Allowed, res.Reason, tt.allowed, tt.reason)
		}
	}

	// The key's last use is recorded from client_ip, canonical.
	fresh := s.ServiceAccount(t, "fresh", "role_edit", s.DefaultWorkspace)
	if _, err := c.CheckFrom(ctx, fresh.APIKey.Key, "metrics:write", "", "::ffff:10.1.1.1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Uses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if k, err := s.Admin.GetAPIKey(ctx, fresh.APIKey.ID); err != nil || k.LastUsedIP != "10.1.1.1" {
		t.Errorf("last_used_ip = %q, %v; want 10.1.1.1 (client_ip)", k.LastUsedIP, err)
	}

	// A client_ip that is no address is the asking service's mistake: 422.
	for _, bad := range []string{"10.0.0.1:443", "localhost", "fe80::1%eth0"} {
		_, err := c.CheckFrom(ctx, limited.APIKey.Key, "metrics:write", "", bad)
		if client.ErrorCode(err) != client.CodeInvalid || !strings.Contains(err.Error(), "client_ip") {
			t.Errorf("Check(client_ip %q) = %v; want 422 naming client_ip", bad, err)
		}
	}

	// A batch: client_ip at the top is every check's default; a check's
	// own wins.
	body, _ := json.Marshal(client.CheckRequest{ClientIP: "10.0.0.1", Checks: []client.Check{
		{Key: limited.APIKey.Key, Permission: "metrics:write"},
		{Key: limited.APIKey.Key, Permission: "metrics:write", ClientIP: "192.0.2.1"},
	}})
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/check", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.CheckerKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var batch client.CheckBatchResponse
	json.NewDecoder(resp.Body).Decode(&batch)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(batch.Results) != 2 || !batch.Results[0].Allowed || batch.Results[1].Reason != client.ReasonNetworkNotAllowed {
		t.Errorf("batch = %d %+v; want the first allowed, the second network_not_allowed", resp.StatusCode, batch.Results)
	}
}

// TestForwardAuthAllowedNetworks: forward-auth judges a key's allowlist by
// the address a trusted proxy names in X-Forwarded-For, and only by that:
// with the proxy untrusted, or no address named, the original caller is
// unknown and a key with an allowlist is refused — never judged by the
// proxy's own address.
func TestForwardAuthAllowedNetworks(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testForwardAuthAllowedNetworks)
}

func testForwardAuthAllowedNetworks(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		allow   []string
		xff     string
		status  int
		reason  string
	}{
		{"untrusted proxy: its header ignored", nil, []string{"10.0.0.0/8"}, "10.1.1.1", 401, client.ReasonNetworkNotAllowed},
		{"untrusted proxy: its own address is not the caller's", nil, []string{"127.0.0.0/8"}, "", 401, client.ReasonNetworkNotAllowed},
		{"trusted proxy, caller inside", loopbackProxy, []string{"10.0.0.0/8"}, "10.1.1.1", 200, ""},
		{"trusted proxy, caller outside", loopbackProxy, []string{"10.0.0.0/8"}, "203.0.113.7", 401, client.ReasonNetworkNotAllowed},
		{"trusted proxy, client-prepended entry not believed", loopbackProxy, []string{"10.0.0.0/8"}, "10.1.1.1, 203.0.113.7", 401, client.ReasonNetworkNotAllowed},
		{"trusted proxy, caller inside v6", loopbackProxy, []string{"2001:db8::/32"}, "2001:db8::9", 200, ""},
		{"trusted proxy, no X-Forwarded-For", loopbackProxy, []string{"127.0.0.0/8"}, "", 401, client.ReasonNetworkNotAllowed},
		{"no allowlist, untrusted proxy", nil, nil, "", 200, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := signettest.Start(t, signettest.Options{TrustedProxies: tt.trusted})
			sa := s.ServiceAccount(t, "etl", "role_edit", s.DefaultWorkspace)
			if tt.allow != nil {
				if _, err := s.Admin.UpdateAPIKey(t.Context(), sa.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: &tt.allow}); err != nil {
					t.Fatal(err)
				}
			}
			hdr := []string{"X-API-Key", sa.APIKey.Key}
			if tt.xff != "" {
				hdr = append(hdr, "X-Forwarded-For", tt.xff)
			}
			resp := forwardGet(t, s.URL+"/api/v1/forward-auth?permission=metrics:write", hdr...)
			if resp.StatusCode != tt.status || resp.Header.Get(httpapi.HeaderReason) != tt.reason {
				t.Errorf("forward-auth = %d (reason %q); want %d (%q)", resp.StatusCode, resp.Header.Get(httpapi.HeaderReason), tt.status, tt.reason)
			}
		})
	}
}
