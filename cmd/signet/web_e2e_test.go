package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
)

// TestServeMountsUIAndAPI checks how "signet serve" splits the URL space:
// the REST API under /api/ and at its health routes, the web UI elsewhere.
func TestServeMountsUIAndAPI(t *testing.T) { t.Parallel(); testdb.ForEach(t, testServeMountsUIAndAPI) }

func testServeMountsUIAndAPI(t *testing.T) {
	s := startServer(t)
	cases := []struct {
		name, path  string
		wantStatus  int
		wantType    string
		wantContent string
	}{
		{"login page", "/login", 200, "text/html", `action="/login"`},
		{"setup page from the logged link", strings.TrimPrefix(s.setupURL, s.url), 200, "text/html", `action="/setup"`},
		{"root leads to sign-in", "/", 200, "text/html", `action="/login"`},
		{"unknown page", "/nope", 404, "text/html", "there is no page at /nope"},
		{"health", "/healthz", 200, "", ""},
		{"API", "/api/v1/openapi.json", 200, "application/json", `"openapi"`},
		{"unknown API route", "/api/v1/nope", 404, "application/json", `"not_found"`},
		{"static", "/static/app.js", 200, "text/javascript", "showModal"},
	}
	for _, c := range cases {
		resp, err := http.Get(s.url + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.wantType) || !strings.Contains(string(body), c.wantContent) {
			t.Errorf("%s: GET %s = %d %s; want %d %s containing %q", c.name, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.wantStatus, c.wantType, c.wantContent)
		}
	}
}
