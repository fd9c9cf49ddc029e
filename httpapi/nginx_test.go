package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// nginxConf is the configuration README.md gives for nginx, with the
// test's paths and ports filled in.
const nginxConf = `daemon off;
master_process off;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path {{dir}}/body;
    proxy_temp_path {{dir}}/proxy;
    fastcgi_temp_path {{dir}}/fastcgi;
    uwsgi_temp_path {{dir}}/uwsgi;
    scgi_temp_path {{dir}}/scgi;

    server {
        listen 127.0.0.1:{{port}};

        location / {
            auth_request /_signet_auth;
            # Signet's answer names the caller and the workspace it was
            # checked in; pass them on (overwriting whatever the client
            # sent under these names).
            auth_request_set $signet_principal_id   $upstream_http_x_signet_principal_id;
            auth_request_set $signet_principal_kind $upstream_http_x_signet_principal_kind;
            auth_request_set $signet_principal_name $upstream_http_x_signet_principal_name;
            auth_request_set $signet_key_id         $upstream_http_x_signet_key_id;
            auth_request_set $signet_workspace      $upstream_http_x_signet_workspace;
            proxy_set_header X-Signet-Principal-Id   $signet_principal_id;
            proxy_set_header X-Signet-Principal-Kind $signet_principal_kind;
            proxy_set_header X-Signet-Principal-Name $signet_principal_name;
            proxy_set_header X-Signet-Key-Id         $signet_key_id;
            proxy_set_header X-Signet-Workspace      $signet_workspace;
            proxy_pass http://{{upstream}};
        }

        location = /_signet_auth {
            internal;
            proxy_pass http://{{signet}}/api/v1/forward-auth?permission=metrics:write;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Original-URI $request_uri;
        }
    }
}
`

// nginxPath returns the nginx binary, or skips the test.
func nginxPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("nginx is not installed (Debian: apt-get install -y nginx; .ci/run installs it): skipping the nginx auth_request test")
	return ""
}

// startNginx runs nginx with nginxConf in front of upstream and Signet at
// signetURL until the test ends, and returns its base URL.
func startNginx(t *testing.T, nginx, upstreamURL, signetURL string) string {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", fmt.Sprint(port),
		"{{upstream}}", strings.TrimPrefix(upstreamURL, "http://"),
		"{{signet}}", strings.TrimPrefix(signetURL, "http://")).Replace(nginxConf)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	})
	deadline := testenv.Deadline(t)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not listen: %v\n%s\n%s", err, out.String(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// echoUpstream is the protected service: it answers with the identity
// headers it received.
func echoUpstream(t *testing.T) *httptest.Server {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"X-Signet-Principal-Id", "X-Signet-Principal-Kind", "X-Signet-Principal-Name", "X-Signet-Key-Id", "X-Signet-Workspace"} {
			w.Header().Set("Echo-"+h, r.Header.Get(h))
		}
		io.WriteString(w, "upstream reached")
	}))
	t.Cleanup(upstream.Close)
	return upstream
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address local, so that nginx's $remote_addr is not the address
// nginx itself uses towards Signet (127.0.0.1).
func clientFrom(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestNginxForwardAuth runs real nginx with auth_request in front of a
// small upstream that echoes the identity headers, against a real Signet.
// Not parallel, nor is the other nginx test: nginx listens on a port
// found free a moment before, which a parallel test's server could take.
func TestNginxForwardAuth(t *testing.T) { testdb.ForEach(t, testNginxForwardAuth) }

func testNginxForwardAuth(t *testing.T) {
	nginx := nginxPath(t)
	ctx := context.Background()
	s := signettest.Start(t, signettest.Options{})
	// sandbox holds metrics:write only in the other workspace.
	sandbox, err := s.Admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "sandbox-writer", Grants: []client.GrantSpec{{RoleID: "role_edit", WorkspaceID: s.OtherWorkspace}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k"},
	})
	if err != nil {
		t.Fatal(err)
	}
	base := startNginx(t, nginx, echoUpstream(t).URL, s.URL)

	get := func(hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/metrics/ingest", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}

	// A valid key holding the permission reaches the upstream, which sees
	// who is calling and in which workspace; a client cannot forge the
	// identity headers.
	resp, body := get("Authorization", "Bearer "+s.ReaderKey, "X-Signet-Principal-Id", "forged", "X-Signet-Workspace", s.OtherWorkspace)
	if resp.StatusCode != 200 || body != "upstream reached" {
		t.Fatalf("valid key: %d %q; want 200 from the upstream", resp.StatusCode, body)
	}
	me, err := s.Client(t, s.ReaderKey).Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Echo-X-Signet-Principal-Id"); got != me.User.ID {
		t.Errorf("upstream saw principal %q; want %q", got, me.User.ID)
	}
	if resp.Header.Get("Echo-X-Signet-Principal-Kind") != "service_account" || resp.Header.Get("Echo-X-Signet-Principal-Name") != "metrics-writer" ||
		resp.Header.Get("Echo-X-Signet-Key-Id") != me.KeyID {
		t.Errorf("upstream saw identity %v; want service_account metrics-writer %s", resp.Header, me.KeyID)
	}
	if got := resp.Header.Get("Echo-X-Signet-Workspace"); got != s.DefaultWorkspace {
		t.Errorf("upstream saw workspace %q; want the checked one, %s", got, s.DefaultWorkspace)
	}
	// A key that expires soon works until it does. How soon starts at
	// 1.5s, and doubles until the machine answers before the expiry (or,
	// slower still, creates the key before its expiry).
	var expiring *client.CreateServiceAccountResponse
	for life := 1500 * time.Millisecond; expiring == nil; life *= 2 {
		if time.Now().After(testenv.Deadline(t)) {
			t.Fatalf("no request answered within %v of creating its key", life/2)
		}
		sa, err := s.Admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
			Name: fmt.Sprintf("short-lived-%d", life.Milliseconds()), Grants: []client.GrantSpec{{RoleID: "role_edit", WorkspaceID: s.DefaultWorkspace}},
			APIKey: &client.CreateAPIKeyRequest{Name: "k", ExpiresAt: ptr(time.Now().Add(life))},
		})
		if client.ErrorCode(err) == signet.EINVALID {
			continue // expires_at was in the past when the server saw it
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := get("X-API-Key", sa.APIKey.Key)
		if time.Now().Before(*sa.APIKey.ExpiresAt) {
			if resp.StatusCode != 200 {
				t.Errorf("key before expiry: %d; want 200", resp.StatusCode)
			}
			expiring = sa
		}
	}

	time.Sleep(time.Until(*expiring.APIKey.ExpiresAt) + 50*time.Millisecond)
	for _, tt := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"missing key", nil, 401},
		{"junk key", []string{"Authorization", "Bearer not-a-key"}, 401},
		{"revoked key", []string{"Authorization", "Bearer " + s.RevokedKey}, 401},
		{"expired key", []string{"X-API-Key", expiring.APIKey.Key}, 401},
		{"disabled owner", []string{"Authorization", "apikey " + s.DisabledKey}, 401},
		{"without the permission", []string{"Authorization", "Bearer " + s.ViewerKey}, 403},
		{"without the permission, asking for a weaker one", []string{"Authorization", "Bearer " + s.ViewerKey, "X-Signet-Permission", "metrics:read"}, 403},
		// The service is protected for the default workspace: a key holding
		// the permission elsewhere cannot choose its workspace by header.
		{"other workspace's key", []string{"X-API-Key", sandbox.APIKey.Key}, 403},
		{"other workspace's key, X-Workspace-Id", []string{"X-API-Key", sandbox.APIKey.Key, "X-Workspace-Id", s.OtherWorkspace}, 403},
		{"other workspace's key, X-Signet-Workspace", []string{"X-API-Key", sandbox.APIKey.Key, "X-Signet-Workspace", s.OtherWorkspace}, 403},
		{"other workspace's key, X-Bigeye-Workspace-Id", []string{"X-API-Key", sandbox.APIKey.Key, "X-Bigeye-Workspace-Id", s.OtherWorkspace}, 403},
		{"valid key naming another workspace", []string{"X-API-Key", s.ReaderKey, "X-Workspace-Id", s.OtherWorkspace}, 403},
	} {
		resp, body := get(tt.hdr...)
		if resp.StatusCode != tt.want || body == "upstream reached" {
			t.Errorf("%s: nginx answered %d %q; want %d without reaching the upstream", tt.name, resp.StatusCode, body, tt.want)
		}
	}
}

// TestNginxClientAddress: the last-used IP of a key used through nginx is
// nginx's own address, unless Signet trusts nginx (--trusted-proxies);
// then the address nginx appended to X-Forwarded-For. What the client
// wrote in X-Forwarded-For or X-Real-IP never counts.
func TestNginxClientAddress(t *testing.T) { testdb.ForEach(t, testNginxClientAddress) }

func testNginxClientAddress(t *testing.T) {
	nginx := nginxPath(t)
	// The client connects from 127.0.0.2; nginx reaches Signet from
	// 127.0.0.1.
	from := clientFrom("127.0.0.2")
	if c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).Dial("tcp", strings.TrimPrefix(echoUpstream(t).URL, "http://")); err != nil {
		t.Skipf("cannot connect from 127.0.0.2 on this machine: %v", err)
	} else {
		c.Close()
	}
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"nginx not trusted", nil, "127.0.0.1"},
		{"nginx trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "127.0.0.2"},
	} {
		s := signettest.Start(t, signettest.Options{TrustedProxies: tt.trusted})
		sa := s.ServiceAccount(t, "through-nginx", "role_edit", s.DefaultWorkspace)
		base := startNginx(t, nginx, echoUpstream(t).URL, s.URL)
		req, _ := http.NewRequest("GET", base+"/metrics/ingest", nil)
		req.Header.Set("X-API-Key", sa.APIKey.Key)
		req.Header.Set("X-Forwarded-For", "198.51.100.66")
		req.Header.Set("X-Real-IP", "198.51.100.67")
		resp, err := from.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: nginx answered %d; want 200", tt.name, resp.StatusCode)
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

func ptr[T any](v T) *T { return &v }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
