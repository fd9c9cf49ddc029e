package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

func TestCheck(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCheck) }

func testCheck(t *testing.T) {
	ctx := context.Background()
	s := signettest.Start(t, signettest.Options{})
	c := s.Client(t, s.CheckerKey)
	tests := []struct {
		name, key, perm, ws string
		allowed             bool
		reason              string
	}{
		{"allowed", s.ReaderKey, "metrics:write", "", true, ""},
		{"allowed in the default workspace named", s.ReaderKey, "metrics:write", s.DefaultWorkspace, true, ""},
		{"not in another workspace", s.ReaderKey, "metrics:write", s.OtherWorkspace, false, client.ReasonPermissionDenied},
		{"lacks the permission", s.ViewerKey, "metrics:write", "", false, client.ReasonPermissionDenied},
		{"viewer reads", s.ViewerKey, "metrics:read", "", true, ""},
		{"junk", "junk", "metrics:read", "", false, client.ReasonInvalidKey},
		{"typo", typo(s.ViewerKey), "metrics:read", "", false, client.ReasonInvalidKey},
		{"revoked", s.RevokedKey, "metrics:read", "", false, client.ReasonRevoked},
		{"owner disabled", s.DisabledKey, "metrics:read", "", false, client.ReasonOwnerDisabled},
		// A permission that does not exist is the asking service's
		// mistake, not the key's lack.
		{"unknown domain", s.ReaderKey, "metricz:write", "", false, client.ReasonUnknownPermission},
		{"unknown action", s.ReaderKey, "metrics:fly", "", false, client.ReasonUnknownPermission},
		{"Signet's domain, unknown action", s.ReaderKey, "audit:write", "", false, client.ReasonUnknownPermission},
		{"unknown domain, the checker's own key", s.CheckerKey, "nope:read", "", false, client.ReasonUnknownPermission},
		{"unknown domain, invalid key", "junk", "nope:read", "", false, client.ReasonInvalidKey},
	}
	for _, tt := range tests {
		res, err := c.Check(ctx, tt.key, tt.perm, tt.ws)
		if err != nil {
			t.Fatalf("%s: Check = %v", tt.name, err)
		}
		if res.Allowed != tt.allowed || res.Reason != tt.reason {
			t.Errorf("%s: Check = allowed %v reason %q; want %v %q", tt.name, res.Allowed, res.Reason, tt.allowed, tt.reason)
		}
		wantWS := tt.ws
		if wantWS == "" {
			wantWS = s.DefaultWorkspace
		}
		if res.Workspace != wantWS {
			t.Errorf("%s: workspace = %q; want %q", tt.name, res.Workspace, wantWS)
		}
		if (tt.allowed || tt.reason == client.ReasonPermissionDenied) && (res.Principal == nil || res.KeyID == "") {
			t.Errorf("%s: principal = %v, key id %q; want both", tt.name, res.Principal, res.KeyID)
		}
	}
	res, err := c.Check(ctx, s.ViewerKey, "metrics:read", "")
	if err != nil || res.Principal.ID != s.ViewerID || res.Principal.Kind != client.KindServiceAccount || res.Principal.Name != "dashboard" || res.KeyID != s.ViewerKeyID {
		t.Errorf("Check(viewer) = %+v, %v; want principal %s (service_account, dashboard), key %s", res, err, s.ViewerID, s.ViewerKeyID)
	}

	// A batch answers in order.
	batch, err := c.CheckBatch(ctx, []client.Check{
		{Key: s.ReaderKey, Permission: "metrics:write"},
		{Key: "junk", Permission: "metrics:write"},
		{Key: s.ViewerKey, Permission: "metrics:write", Workspace: s.DefaultWorkspace},
	})
	if err != nil || len(batch) != 3 || !batch[0].Allowed || batch[1].Reason != client.ReasonInvalidKey || batch[2].Reason != client.ReasonPermissionDenied {
		t.Errorf("CheckBatch = %+v, %v; want allowed, invalid_key, permission_denied", batch, err)
	}

	// 401 and 403 are about the asking service only.
	for _, tt := range []struct {
		name   string
		key    string
		status int
	}{
		{"no signet:check", s.ViewerKey, http.StatusForbidden},
		{"asker's key revoked", s.RevokedKey, http.StatusUnauthorized},
		{"asker's key junk", "junk", http.StatusUnauthorized},
	} {
		_, err := s.Client(t, tt.key).Check(ctx, s.ReaderKey, "metrics:write", "")
		if ce, ok := err.(*client.Error); !ok || ce.Status != tt.status {
			t.Errorf("%s: Check = %v; want %d", tt.name, err, tt.status)
		}
	}
	// Malformed requests.
	post := func(body string, hdr ...string) int {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/check", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.CheckerKey)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	many, _ := json.Marshal(client.CheckRequest{Checks: make([]client.Check, client.MaxChecks+1)})
	for _, tt := range []struct {
		name, body string
		want       int
	}{
		{"empty object", `{}`, 422},
		{"bad permission", `{"key":"x","permission":"metrics"}`, 422},
		{"both shapes", `{"key":"x","permission":"a:b","checks":[{"key":"x","permission":"a:b"}]}`, 400},
		{"too many", string(many), 422},
		{"unknown field", `{"key":"x","permission":"a:b","extra":1}`, 400},
		{"unknown workspace", `{"key":"` + s.ReaderKey + `","permission":"metrics:write","workspace":"ws_nope"}`, 404},
		{"unknown workspace in a batch", `{"checks":[{"key":"` + s.ReaderKey + `","permission":"metrics:write","workspace":"ws_nope"}]}`, 404},
	} {
		if got := post(tt.body); got != tt.want {
			t.Errorf("%s: POST /check = %d; want %d", tt.name, got, tt.want)
		}
	}
	// X-Workspace-Id picks the workspace when the body does not.
	req := `{"key":"` + s.ReaderKey + `","permission":"metrics:write"}`
	for _, h := range []string{"X-Workspace-Id", "X-Bigeye-Workspace-Id"} {
		if got := post(req, h, "ws_nope"); got != 404 {
			t.Errorf("POST /check with %s of an unknown workspace = %d; want 404", h, got)
		}
	}
	if got := post(req, "X-Workspace-Id", s.OtherWorkspace); got != 200 {
		t.Fatalf("POST /check with X-Workspace-Id = %d", got)
	}
	var out client.CheckResult
	hreq, _ := http.NewRequest("POST", s.URL+"/api/v1/check", bytes.NewReader([]byte(req)))
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+s.CheckerKey)
	hreq.Header.Set("X-Workspace-Id", s.OtherWorkspace)
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if out.Allowed || out.Workspace != s.OtherWorkspace {
		t.Errorf("check with X-Workspace-Id other = %+v; want denied in %s", out, s.OtherWorkspace)
	}
}

func TestForwardAuth(t *testing.T) { t.Parallel(); testdb.ForEach(t, testForwardAuth) }

// forwardGet sends a forward-auth request as a proxy would, with the given
// headers (name, value pairs).
func forwardGet(t *testing.T, url string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func testForwardAuth(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	u := s.URL + "/api/v1/forward-auth?permission=metrics:write"
	tests := []struct {
		name   string
		url    string
		hdr    []string
		status int
		reason string
	}{
		{"allowed", u, []string{"Authorization", "Bearer " + s.ReaderKey}, 200, ""},
		{"apikey scheme", u, []string{"Authorization", "apikey " + s.ReaderKey}, 200, ""},
		{"X-API-Key", u, []string{"X-API-Key", s.ReaderKey}, 200, ""},
		{"no permission asked: any valid key", s.URL + "/api/v1/forward-auth", []string{"X-API-Key", s.ViewerKey}, 200, ""},
		{"lacks the permission", u, []string{"X-API-Key", s.ViewerKey}, 403, client.ReasonPermissionDenied},
		{"other workspace", u + "&workspace=" + s.OtherWorkspace, []string{"X-API-Key", s.ReaderKey}, 403, client.ReasonPermissionDenied},
		{"missing", u, nil, 401, "missing_key"},
		{"junk", u, []string{"Authorization", "Bearer junk"}, 401, client.ReasonInvalidKey},
		{"revoked", u, []string{"Authorization", "Bearer " + s.RevokedKey}, 401, client.ReasonRevoked},
		{"owner disabled", u, []string{"Authorization", "Bearer " + s.DisabledKey}, 401, client.ReasonOwnerDisabled},
		// The permission comes from the proxy's URL only: a header
		// (which a proxy passes on from the client) neither weakens nor
		// names it.
		{"permission header cannot weaken", u, []string{"X-API-Key", s.ViewerKey, "X-Signet-Permission", "metrics:read"}, 403, client.ReasonPermissionDenied},
		{"permission header ignored", s.URL + "/api/v1/forward-auth", []string{"X-API-Key", s.ViewerKey, "X-Signet-Permission", "metrics:write"}, 200, ""},
		// A path after the endpoint is Envoy's path_prefix appending the
		// client's path and query: refused, since the query would be the
		// client's.
		{"original path appended (Envoy path_prefix)", s.URL + "/api/v1/forward-auth/metrics/ingest", []string{"X-API-Key", s.ViewerKey}, 400, ""},
		{"client query after the path", s.URL + "/api/v1/forward-auth/x?permission=metrics:read", []string{"X-API-Key", s.ViewerKey}, 400, ""},
		{"bad permission", s.URL + "/api/v1/forward-auth?permission=metrics", []string{"X-API-Key", s.ViewerKey}, 422, ""},
	}
	for _, tt := range tests {
		resp := forwardGet(t, tt.url, tt.hdr...)
		if resp.StatusCode != tt.status || resp.Header.Get(httpapi.HeaderReason) != tt.reason {
			t.Errorf("%s: forward-auth = %d (reason %q); want %d (%q)", tt.name, resp.StatusCode, resp.Header.Get(httpapi.HeaderReason), tt.status, tt.reason)
		}
	}
	resp := forwardGet(t, s.URL+"/api/v1/forward-auth?permission=metrics:read", "X-API-Key", s.ViewerKey)
	if resp.Header.Get(httpapi.HeaderPrincipalID) != s.ViewerID || resp.Header.Get(httpapi.HeaderPrincipalKind) != client.KindServiceAccount ||
		resp.Header.Get(httpapi.HeaderPrincipalName) != "dashboard" || resp.Header.Get(httpapi.HeaderKeyID) != s.ViewerKeyID ||
		resp.Header.Get(httpapi.HeaderWorkspace) != s.DefaultWorkspace {
		t.Errorf("identity headers = %v; want principal %s, key %s, workspace %s", resp.Header, s.ViewerID, s.ViewerKeyID, s.DefaultWorkspace)
	}
	// Any method: every method the OpenAPI document lists for both paths.
	for _, m := range []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"} {
		for _, tt := range []struct {
			url  string
			want int
		}{{u, 200}, {s.URL + "/api/v1/forward-auth/metrics/ingest", 400}} {
			req, _ := http.NewRequest(m, tt.url, nil)
			req.Header.Set("X-API-Key", s.ReaderKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s = %d; want %d", m, tt.url, resp.StatusCode, tt.want)
			}
		}
	}
}

// TestForwardAuthWorkspace: the workspace is the operator's (the proxy's
// URL); a caller's workspace header may only pick one the operator listed
// in client_workspaces, and is otherwise refused.
func TestForwardAuthWorkspace(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testForwardAuthWorkspace)
}

func testForwardAuthWorkspace(t *testing.T) {
	s := signettest.Start(t, signettest.Options{})
	// sandboxKey holds metrics:write only in the other workspace.
	sb := s.ServiceAccount(t, "sandbox-writer", "role_edit", s.OtherWorkspace)
	sandboxKey, other, def := sb.APIKey.Key, s.OtherWorkspace, s.DefaultWorkspace
	base := s.URL + "/api/v1/forward-auth?permission=metrics:write"
	const notAllowed = "workspace_not_allowed"
	tests := []struct {
		name   string
		url    string
		hdr    []string
		status int
		reason string
		ws     string // the X-Signet-Workspace answered, when 200 or permission_denied
	}{
		// Protected for the default workspace (no workspace in the URL).
		{"sandbox key, no header", base, []string{"X-API-Key", sandboxKey}, 403, client.ReasonPermissionDenied, def},
		{"sandbox key, X-Workspace-Id spoofed", base, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 403, notAllowed, ""},
		{"sandbox key, X-Bigeye-Workspace-Id spoofed", base, []string{"X-API-Key", sandboxKey, "X-Bigeye-Workspace-Id", other}, 403, notAllowed, ""},
		{"sandbox key, X-Signet-Workspace spoofed (ignored)", base, []string{"X-API-Key", sandboxKey, "X-Signet-Workspace", other}, 403, client.ReasonPermissionDenied, def},
		{"sandbox key, spoofed on a second header line", base, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", def, "X-Workspace-Id", other}, 403, notAllowed, ""},
		{"reader, the protected workspace named", base, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def}, 200, "", def},
		{"reader, another workspace named: refused, not replaced", base, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", other}, 403, notAllowed, ""},
		{"reader, two different workspaces named", base, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def, "X-Bigeye-Workspace-Id", other}, 403, notAllowed, ""},

		// Protected for the other workspace, fixed by the operator.
		{"fixed: sandbox key", base + "&workspace=" + other, []string{"X-API-Key", sandboxKey}, 200, "", other},
		{"fixed: reader", base + "&workspace=" + other, []string{"X-API-Key", s.ReaderKey}, 403, client.ReasonPermissionDenied, other},
		{"fixed: reader names the default", base + "&workspace=" + other, []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", def}, 403, notAllowed, ""},

		// The operator lets callers narrow to the other workspace.
		{"narrowing allowed", base + "&client_workspaces=" + other, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 200, "", other},
		{"narrowing allowed, Bigeye header", base + "&client_workspaces=" + other, []string{"X-API-Key", sandboxKey, "X-Bigeye-Workspace-Id", other}, 200, "", other},
		{"narrowing allowed, nothing named", base + "&client_workspaces=" + other, []string{"X-API-Key", sandboxKey}, 403, client.ReasonPermissionDenied, def},
		{"narrowing to one not listed", base + "&client_workspaces=" + other, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", "ws_unlisted"}, 403, notAllowed, ""},
		{"narrowing, list of two", base + "&client_workspaces=ws_x,%20" + other, []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 200, "", other},
		{"any workspace", base + "&client_workspaces=*", []string{"X-API-Key", sandboxKey, "X-Workspace-Id", other}, 200, "", other},
		{"any workspace, reader in the other", base + "&client_workspaces=*", []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", other}, 403, client.ReasonPermissionDenied, other},

		// A workspace that does not exist, the operator's or the client's pick.
		{"fixed to a workspace that does not exist", base + "&workspace=ws_missing", []string{"X-API-Key", s.ReaderKey}, 403, client.ReasonWorkspaceNotFound, "ws_missing"},
		{"any workspace, picks one that does not exist", base + "&client_workspaces=*", []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", "ws_missing"}, 403, client.ReasonWorkspaceNotFound, "ws_missing"},

		// A permission no domain defines.
		{"unknown permission", s.URL + "/api/v1/forward-auth?permission=metricz:write", []string{"X-API-Key", s.ReaderKey}, 403, client.ReasonUnknownPermission, def},
	}
	for _, tt := range tests {
		resp := forwardGet(t, tt.url, tt.hdr...)
		if resp.StatusCode != tt.status || resp.Header.Get(httpapi.HeaderReason) != tt.reason || resp.Header.Get(httpapi.HeaderWorkspace) != tt.ws {
			t.Errorf("%s: forward-auth = %d (reason %q, workspace %q); want %d (%q, %q)", tt.name, resp.StatusCode,
				resp.Header.Get(httpapi.HeaderReason), resp.Header.Get(httpapi.HeaderWorkspace), tt.status, tt.reason, tt.ws)
		}
	}
}

// TestForwardAuthClientAddress: the address recorded as a key's last use
// through forward-auth is the one the server's client-address rule decides:
// the proxy itself unless it is a trusted proxy, never a header the client
// sent.
func TestForwardAuthClientAddress(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testForwardAuthClientAddress)
}

func testForwardAuthClientAddress(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"no trusted proxy", nil, "127.0.0.1"},
		{"the proxy is trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "198.51.100.78"},
	} {
		s := signettest.Start(t, signettest.Options{TrustedProxies: tt.trusted})
		sa := s.ServiceAccount(t, "fresh", "role_edit", s.DefaultWorkspace)
		resp := forwardGet(t, s.URL+"/api/v1/forward-auth?permission=metrics:write", "X-API-Key", sa.APIKey.Key,
			"X-Real-IP", "198.51.100.77", "X-Forwarded-For", "203.0.113.1, 198.51.100.78")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: forward-auth = %d; want 200", tt.name, resp.StatusCode)
		}
		if err := s.Uses.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		k, err := s.Admin.GetAPIKey(t.Context(), sa.APIKey.ID)
		if err != nil {
			t.Fatal(err)
		}
		if k.LastUsedIP != tt.want {
			t.Errorf("%s: last_used_ip = %q; want %q", tt.name, k.LastUsedIP, tt.want)
		}
	}
}

// TestForwardAuthSourceRestriction: outside the allowed networks only the
// shared secret opens the endpoint.
func TestForwardAuthSourceRestriction(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testForwardAuthSourceRestriction)
}

func testForwardAuthSourceRestriction(t *testing.T) {
	s := signettest.Start(t, signettest.Options{ForwardAuth: httpapi.ForwardAuthConfig{
		Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Secret: "s3cret-shared-with-the-proxy"}})
	try := func(secret string) int {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/forward-auth?permission=metrics:write", nil)
		req.Header.Set("X-API-Key", s.ReaderKey)
		if secret != "" {
			req.Header.Set(httpapi.HeaderForwardAuthSecret, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := try(""); got != 403 {
		t.Errorf("from loopback, not allowed, no secret: %d; want 403", got)
	}
	if got := try("wrong"); got != 403 {
		t.Errorf("wrong secret: %d; want 403", got)
	}
	if got := try("s3cret-shared-with-the-proxy"); got != 200 {
		t.Errorf("right secret: %d; want 200", got)
	}
}

// typo returns key with its last character changed (never to itself).
func typo(key string) string {
	last := byte('x')
	if key[len(key)-1] == last {
		last = 'y'
	}
	return key[:len(key)-1] + string(last)
}

// The wire reason is the Checker's.
func TestReasonPermissionDenied(t *testing.T) {
	if client.ReasonPermissionDenied != authn.ReasonPermissionDenied {
		t.Errorf("client.ReasonPermissionDenied %q != authn.ReasonPermissionDenied %q", client.ReasonPermissionDenied, authn.ReasonPermissionDenied)
	}
}
