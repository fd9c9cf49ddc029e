package signetauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/signetdev/signet/signetauth"
)

// BenchmarkVerifyToken: a token's first verification — parsing, the
// signature, the claims — and its entry in the cache. With MaxEntries 1
// and two tokens in turn, every verification misses the cache.
func BenchmarkVerifyToken(b *testing.B) {
	for _, kid := range []string{edKid, ecKid} {
		b.Run(map[string]string{edKid: "EdDSA", ecKid: "ES256"}[kid], func(b *testing.B) {
			is := newIssuer(b)
			clk := &clock{t: time.Now()}
			auth := newTokenAuth(b, is, clk, signetauth.Config{MaxEntries: 1})
			tokens := []string{is.mint(b, kid, is.claims(clk.Now())), is.mint(b, kid, with(is.claims(clk.Now()), "jti", "at_2"))}
			if _, err := auth.VerifyToken(b.Context(), tokens[0]); err != nil { // fetches the JWKS
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := auth.VerifyToken(b.Context(), tokens[i%2]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyTokenCached: the same token again — a SHA-256 and a map
// lookup, no signature check.
func BenchmarkVerifyTokenCached(b *testing.B) {
	is := newIssuer(b)
	clk := &clock{t: time.Now()}
	auth := newTokenAuth(b, is, clk, signetauth.Config{})
	token := is.mint(b, edKid, is.claims(clk.Now()))
	if _, err := auth.VerifyToken(b.Context(), token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.VerifyToken(b.Context(), token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequirePermissionToken: the middleware in process for a cached
// token, from the request's headers to the handler.
func BenchmarkRequirePermissionToken(b *testing.B) {
	is := newIssuer(b)
	clk := &clock{t: time.Now()}
	auth := newTokenAuth(b, is, clk, signetauth.Config{})
	token := is.mint(b, edKid, is.claims(clk.Now()))
	h := auth.RequirePermission("billing:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("status %d", w.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
