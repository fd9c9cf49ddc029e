package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
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
            # Signet's answer names the caller; pass it on (overwriting
            # whatever the client sent under these names).
            auth_request_set $signet_principal_id   $upstream_http_x_signet_principal_id;
            auth_request_set $signet_principal_kind $upstream_http_x_signet_principal_kind;
            auth_request_set $signet_principal_name $upstream_http_x_signet_principal_name;
            auth_request_set $signet_key_id         $upstream_http_x_signet_key_id;
            proxy_set_header X-Signet-Principal-Id   $signet_principal_id;
            proxy_set_header X-Signet-Principal-Kind $signet_principal_kind;
            proxy_set_header X-Signet-Principal-Name $signet_principal_name;
            proxy_set_header X-Signet-Key-Id         $signet_key_id;
            proxy_pass http://{{upstream}};
        }

        location = /_signet_auth {
            internal;
            proxy_pass http://{{signet}}/api/v1/forward-auth?permission=metrics:write;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Original-URI $request_uri;
        }
    }
}
`

// TestNginxForwardAuth runs real nginx with auth_request in front of a
// small upstream that echoes the identity headers, against a real Signet.
func TestNginxForwardAuth(t *testing.T) { testdb.ForEach(t, testNginxForwardAuth) }

func testNginxForwardAuth(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				nginx = p
			}
		}
	}
	if nginx == "" {
		t.Skip("nginx is not installed (Debian: apt-get install -y nginx; .ci/run installs it): skipping the nginx auth_request test")
	}
	ctx := context.Background()
	s := signettest.Start(t, signettest.Options{})
	expiring, err := s.Admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "short-lived", Grants: []client.GrantSpec{{RoleID: "role_edit", WorkspaceID: s.DefaultWorkspace}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k", ExpiresAt: ptr(time.Now().Add(1500 * time.Millisecond))},
	})
	if err != nil {
		t.Fatal(err)
	}

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"X-Signet-Principal-Id", "X-Signet-Principal-Kind", "X-Signet-Principal-Name", "X-Signet-Key-Id"} {
			w.Header().Set("Echo-"+h, r.Header.Get(h))
		}
		io.WriteString(w, "upstream reached")
	}))
	defer upstream.Close()

	dir := t.TempDir()
	port := freePort(t)
	conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", fmt.Sprint(port),
		"{{upstream}}", strings.TrimPrefix(upstream.URL, "http://"),
		"{{signet}}", strings.TrimPrefix(s.URL, "http://")).Replace(nginxConf)
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
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not listen within 10s: %v\n%s\n%s", err, out.String(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}

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
	// who is calling; a client cannot forge the identity headers.
	resp, body := get("Authorization", "Bearer "+s.ReaderKey, "X-Signet-Principal-Id", "forged")
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
	if resp, _ := get("X-API-Key", expiring.APIKey.Key); resp.StatusCode != 200 {
		t.Errorf("key before expiry: %d; want 200", resp.StatusCode)
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
	} {
		resp, body := get(tt.hdr...)
		if resp.StatusCode != tt.want || body == "upstream reached" {
			t.Errorf("%s: nginx answered %d %q; want %d without reaching the upstream", tt.name, resp.StatusCode, body, tt.want)
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
