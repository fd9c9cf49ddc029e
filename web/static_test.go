package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/web"
)

// rawGet fetches path with the given request headers, without the client's
// transparent gzip (an explicit Accept-Encoding turns it off).
func rawGet(t *testing.T, e *env, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

var staticLinkRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// TestStaticFiles: pages link to hashed static URLs that browsers keep
// for a year; the plain URLs still answer, revalidated with a strong ETag
// (304); CSS, JavaScript and SVG are gzipped for clients that accept it,
// pages never; /favicon.ico answers.
func TestStaticFiles(t *testing.T) { t.Parallel(); testdb.ForEach(t, testStaticFiles) }

func testStaticFiles(t *testing.T) {
	e := newEnv(t)
	_, page := rawGet(t, e, "/login")
	links := staticLinkRE.FindAllStringSubmatch(string(page), -1)
	want := map[string]string{"app.css": "text/css", "app.js": "text/javascript", "favicon.svg": "image/svg+xml"}
	if len(links) != len(want) {
		t.Fatalf("the login page links %d static files (%v); want %d", len(links), links, len(want))
	}
	if !strings.Contains(string(page), `<link rel="icon" href="/static/favicon.`) {
		t.Errorf("the layout links no icon")
	}
	for _, l := range links {
		url := l[1]
		plain := regexp.MustCompile(`\.[0-9a-f]{12}\.`).ReplaceAllString(strings.TrimPrefix(url, "/static/"), ".")
		ctype, ok := want[plain]
		if !ok || plain == strings.TrimPrefix(url, "/static/") {
			t.Errorf("link %s: not a hashed name of a known file", url)
			continue
		}
		src, err := os.ReadFile("static/" + plain)
		if err != nil {
			t.Fatal(err)
		}
		if got := "/static/" + web.NewAssetName(plain, src); got != url {
			t.Errorf("link %s; want %s, the hash of the file's content", url, got)
		}

		resp, body := rawGet(t, e, url)
		if resp.StatusCode != 200 || !bytes.Equal(body, src) || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d, %s, %d bytes; want 200, %s, the file", url, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), ctype)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control = %q; want a year, immutable", url, cc)
		}
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s without gzip: Content-Encoding %q", url, resp.Header.Get("Content-Encoding"))
		}

		// gzip, when accepted.
		resp, body = rawGet(t, e, url, "Accept-Encoding", "br;q=1, gzip;q=0.8")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s accepting gzip: Content-Encoding %q, Vary %q; want gzip, Accept-Encoding", url, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		} else if zr, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
			t.Errorf("GET %s: not gzip: %v", url, err)
		} else if un, _ := io.ReadAll(zr); !bytes.Equal(un, src) {
			t.Errorf("GET %s: the gzipped body is not the file", url)
		}
		if resp, _ := rawGet(t, e, url, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s with gzip;q=0: gzipped", url)
		}

		// The plain URL: no-cache, an ETag, 304 for it (per encoding).
		purl := "/static/" + plain
		resp, body = rawGet(t, e, purl)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || !bytes.Equal(body, src) || resp.Header.Get("Cache-Control") != "no-cache" || !regexp.MustCompile(`^"[0-9a-f]{12}"$`).MatchString(etag) {
			t.Errorf("GET %s = %d, Cache-Control %q, ETag %q; want 200, no-cache, a strong ETag", purl, resp.StatusCode, resp.Header.Get("Cache-Control"), etag)
		}
		if resp, body := rawGet(t, e, purl, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET %s If-None-Match its ETag = %d, %d bytes; want 304, none", purl, resp.StatusCode, len(body))
		}
		if resp, _ := rawGet(t, e, purl, "If-None-Match", `"000000000000"`); resp.StatusCode != 200 {
			t.Errorf("GET %s If-None-Match another ETag = %d; want 200", purl, resp.StatusCode)
		}
		resp, _ = rawGet(t, e, purl, "Accept-Encoding", "gzip")
		gzTag := resp.Header.Get("ETag")
		if gzTag == etag || gzTag == "" {
			t.Errorf("GET %s gzipped: ETag %q; want one of its own, not %q", purl, gzTag, etag)
		}
		if resp, _ := rawGet(t, e, purl, "Accept-Encoding", "gzip", "If-None-Match", gzTag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s gzipped, If-None-Match its ETag = %d; want 304", purl, resp.StatusCode)
		}
	}

	if resp, _ := rawGet(t, e, "/static/nope.css"); resp.StatusCode != 404 {
		t.Errorf("GET /static/nope.css = %d; want 404", resp.StatusCode)
	}
	if resp, _ := rawGet(t, e, "/static/"); resp.StatusCode != 404 {
		t.Errorf("GET /static/ = %d; want 404 (no listing)", resp.StatusCode)
	}
	resp, body := rawGet(t, e, "/favicon.ico")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(body, []byte("<svg")) {
		t.Errorf("GET /favicon.ico = %d, %s; want 200, the SVG icon", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Pages are never compressed (BREACH), signed in or not.
	b := e.browser()
	b.login(adminEmail, adminPassword)
	for _, p := range []string{"/login", "/settings/users", "/settings/api-keys", "/nope"} {
		req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ce := resp.Header.Get("Content-Encoding"); ce != "" || resp.Uncompressed {
			t.Errorf("GET %s: Content-Encoding %q; pages must not be compressed", p, ce)
		}
	}
}

// TestStaticHashedNames: the hashed name follows the content and only
// the content.
func TestStaticHashedNames(t *testing.T) {
	a := web.NewAssetName("app.css", []byte("body { color: red }"))
	b := web.NewAssetName("app.css", []byte("body { color: blue }"))
	if a == b || !regexp.MustCompile(`^app\.[0-9a-f]{12}\.css$`).MatchString(a) {
		t.Errorf("hashed names %q, %q; want app.<12 hex>.css, different for different content", a, b)
	}
	if again := web.NewAssetName("app.css", []byte("body { color: red }")); again != a {
		t.Errorf("hashed name of the same content = %q, then %q", a, again)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false}, {"gzip", true}, {"gzip, deflate, br", true}, {"br, GZIP;q=0.5", true},
		{"gzip;q=0", false}, {"gzip; q=0.0", false}, {"identity", false}, {"*", true}, {"*;q=0", false},
		{"*, gzip;q=0", false}, {"deflate, x-gzip", true}, {"gzipx", false},
	} {
		if got := web.AcceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", tt.header, got, tt.want)
		}
	}
}
