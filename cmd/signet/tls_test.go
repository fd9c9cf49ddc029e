package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testenv"
)

// testCert is a self-signed certificate for 127.0.0.1 and localhost.
type testCert struct {
	cert            *x509.Certificate
	certPEM, keyPEM []byte
}

func newTestCert(t *testing.T, name string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

// writeFile replaces path with data as a renewal tool does (a new file
// renamed over the old), and sets its modification time to mtime: two
// writes within one tick of the file system's clock, of the same size,
// would otherwise look unchanged.
func writeFile(t *testing.T, path string, data []byte, mtime time.Time) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func writePair(t *testing.T, certFile, keyFile string, c testCert, mtime time.Time) {
	t.Helper()
	writeFile(t, keyFile, c.keyPEM, mtime)
	writeFile(t, certFile, c.certPEM, mtime)
}

// TestCertReloader drives the reloader with a fake clock: it looks at the
// files at most once per interval, serves a renewed pair at the first look
// after the change, keeps the previous pair (and says so once) when the
// new files do not load or are missing, and recovers when they are fixed.
func TestCertReloader(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b, c := newTestCert(t, "a"), newTestCert(t, "b"), newTestCert(t, "c")
	mtime := time.Now().Add(-time.Hour)
	next := func() time.Time { mtime = mtime.Add(time.Second); return mtime }
	writePair(t, certFile, keyFile, a, next())

	var logs syncBuffer
	clock := time.Now()
	r, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return clock })
	if err != nil {
		t.Fatalf("newCertReloader = %v", err)
	}
	served := func() string {
		t.Helper()
		cert, err := r.GetCertificate(nil)
		if err != nil || cert == nil || cert.Leaf == nil {
			t.Fatalf("GetCertificate = %v, %v; want a certificate", cert, err)
		}
		return cert.Leaf.Subject.CommonName
	}
	tick := func() { clock = clock.Add(certCheckInterval) }

	steps := []struct {
		name   string
		change func()
		tick   bool
		want   string
		logged string // a fragment the logs must now hold exactly once
	}{
		{"initial pair", func() {}, false, "a", ""},
		{"renewed, not looked at yet", func() { writePair(t, certFile, keyFile, b, next()) }, false, "a", ""},
		{"renewed, looked at", func() {}, true, "b", "TLS certificate reloaded"},
		{"broken certificate", func() { writeFile(t, certFile, []byte("not a certificate"), next()) }, true, "b", "does not load"},
		{"still broken, reported once", func() {}, true, "b", "does not load"},
		{"key of another certificate", func() { writeFile(t, certFile, c.certPEM, next()) }, true, "b", ""},
		{"fixed", func() { writeFile(t, keyFile, c.keyPEM, next()) }, true, "c", ""},
		{"removed", func() { os.Remove(certFile) }, true, "c", "unreadable"},
		{"still removed, reported once", func() {}, true, "c", "unreadable"},
		{"restored", func() { writePair(t, certFile, keyFile, a, next()) }, true, "a", ""},
	}
	for _, s := range steps {
		s.change()
		if s.tick {
			tick()
		}
		if got := served(); got != s.want {
			t.Errorf("%s: served %q; want %q", s.name, got, s.want)
		}
		if s.logged != "" && strings.Count(logs.String(), s.logged) != 1 {
			t.Errorf("%s: logs = %q; want %q once", s.name, logs.String(), s.logged)
		}
	}
	if n := strings.Count(logs.String(), "does not load"); n != 2 {
		t.Errorf("logs = %q; want two failed loads (the broken certificate, the mismatched key)", logs.String())
	}

	if _, err := newCertReloader(filepath.Join(dir, "missing.pem"), keyFile, slog.New(slog.DiscardHandler), time.Now); err == nil {
		t.Errorf("newCertReloader(missing certificate) = nil; want an error")
	}
}

// noRedirects makes a client return redirects instead of following them,
// so that the Set-Cookie of a 303 can be read.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// TestServeTLS serves HTTPS through run() with --tls-cert/--tls-key:
// the default public URL is https, TLS below 1.2 and plain HTTP are
// refused, a renewed certificate is served without a restart, a broken
// renewal keeps the previous one, and the session cookie is Secure.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a, b := newTestCert(t, "signet-a"), newTestCert(t, "signet-b")
	writePair(t, certFile, keyFile, a, time.Now().Add(-time.Minute))
	roots := x509.NewCertPool()
	roots.AddCert(a.cert)
	roots.AddCert(b.cert)
	hc := &http.Client{
		// A new connection, so a new handshake, for every request.
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, DisableKeepAlives: true},
		CheckRedirect: noRedirects,
	}

	s := startServing(t, hc, filepath.Join(dir, "signet.db"), true, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://127.0.0.1:") || !strings.HasPrefix(s.setupURL, s.url+"/setup?") {
		t.Errorf("logged URL %q, setup link %q; want https://127.0.0.1:… for both", s.url, s.setupURL)
	}
	presented := func() string {
		t.Helper()
		resp, err := hc.Get(s.url + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz over TLS: %v", err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	if got := presented(); got != "signet-a" {
		t.Fatalf("certificate presented = %q; want signet-a", got)
	}

	old := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if c, err := tls.Dial("tcp", s.addr, old); err == nil {
		c.Close()
		t.Errorf("a TLS 1.1 handshake succeeded; want it refused")
	}
	if resp, err := http.Get("http://" + s.addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the HTTPS port = %d; want 400", resp.StatusCode)
		}
	}

	writePair(t, certFile, keyFile, b, time.Now())
	testenv.Eventually(t, "the renewed certificate to be presented", func() bool { return presented() == "signet-b" })
	if !strings.Contains(s.logs.String(), `"msg":"TLS certificate reloaded"`) {
		t.Errorf("logs say nothing of the reload: %s", s.logs.String())
	}

	writeFile(t, certFile, []byte("-----BEGIN CERTIFICATE-----\nbroken\n"), time.Now().Add(time.Second))
	// Handshakes are what make the server look at the files.
	testenv.Eventually(t, "the broken renewal to be reported", func() bool {
		return presented() == "signet-b" && strings.Contains(s.logs.String(), "TLS certificate changed but does not load")
	})
	if got := presented(); got != "signet-b" {
		t.Errorf("after a broken renewal, certificate presented = %q; want signet-b, the previous one", got)
	}

	for _, ck := range webLogin(t, hc, s.url, s.setupURL) {
		if !ck.Secure {
			t.Errorf("cookie %s set over TLS = %+v; want Secure", ck.Name, ck)
		}
	}
}

// TestSecureCookieWithHTTPSPublicURL checks that behind a TLS-terminating
// proxy (plain HTTP to Signet, --public-url https://…) the session cookie
// is still Secure.
func TestSecureCookieWithHTTPSPublicURL(t *testing.T) {
	t.Parallel()
	s := startServing(t, nil, filepath.Join(t.TempDir(), "signet.db"), true, "--public-url", "https://signet.example")
	hc := &http.Client{CheckRedirect: noRedirects}
	cookies := webLogin(t, hc, "http://"+s.addr, s.setupURL)
	for _, ck := range cookies {
		if !ck.Secure {
			t.Errorf("cookie %s = %+v; want Secure when the public URL is https", ck.Name, ck)
		}
	}
}

// TestServeTLSFlags checks that --tls-cert and --tls-key go together, and
// that a pair that does not load stops the start.
func TestServeTLSFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "signet.db")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		want     string
	}{
		{"cert without key", []string{"--tls-cert", certFile}, nil, 2, "--tls-cert and --tls-key go together"},
		{"key without cert", nil, map[string]string{"SIGNET_TLS_KEY": certFile}, 2, "--tls-cert and --tls-key go together"},
		{"unloadable pair", []string{"--tls-cert", certFile, "--tls-key", certFile}, nil, 1, "loading the TLS certificate"},
		{"missing files", []string{"--tls-cert", certFile + ".x", "--tls-key", certFile}, nil, 1, "TLS certificate"},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // bounds only a server that wrongly started
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", db}, tc.args...)
		err := run(ctx, args, func(k string) string { return tc.env[k] }, strings.NewReader(""), io.Discard, io.Discard)
		cancel()
		if err == nil || exitCode(err) != tc.wantCode || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: serve = %v (exit %d); want exit %d mentioning %q", tc.name, err, exitCode(err), tc.wantCode, tc.want)
		}
	}
}

// webLogin creates the first administrator with the setup link, signs in
// through the web form, and returns the cookies set by the sign-in page and
// the sign-in response.
func webLogin(t *testing.T, hc *http.Client, base, setupURL string) []*http.Cookie {
	t.Helper()
	su, err := url.Parse(setupURL)
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "admin@example.com", "correct horse battery staple"
	body, _ := json.Marshal(map[string]string{"token": su.Query().Get("token"), "name": "Admin", "email": email, "password": password})
	resp, err := hc.Post(base+"/api/v1/setup", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/setup = %d", resp.StatusCode)
	}

	resp, err = hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	var pre *http.Cookie
	for _, ck := range cookies {
		if ck.Name == "signet_pre" {
			pre = ck
		}
	}
	if pre == nil {
		t.Fatalf("GET /login set no signet_pre cookie: %v", cookies)
	}
	form := url.Values{"csrf": {pre.Value}, "email": {email}, "password": {password}}
	req, err := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: pre.Name, Value: pre.Value})
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session bool
	for _, ck := range resp.Cookies() {
		session = session || ck.Name == "signet_session"
	}
	if resp.StatusCode != http.StatusSeeOther || !session {
		t.Fatalf("POST /login = %d with cookies %v; want 303 setting signet_session", resp.StatusCode, resp.Cookies())
	}
	return append(cookies, resp.Cookies()...)
}
