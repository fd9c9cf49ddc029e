package httpapi_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/signettest"
)

// nopWriter is a ResponseWriter that keeps the headers and discards the
// rest, so that a benchmark measures the handler, not a recorder.
type nopWriter struct {
	h      http.Header
	status int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkServed measures each verification route, and GET /api/v1/me,
// as served — the whole handler signet serve runs, edge included, in
// process without the network — beside a bare handler doing one SHA-256
// and one map lookup: the per-request cost and allocations Signet adds.
func BenchmarkServed(b *testing.B) {
	{ // benchmarks run on SQLite (testdb): the cached path touches no storage
		s := signettest.Start(b, signettest.Options{})
		key := s.ReaderKey
		known := map[[32]byte]string{sha256.Sum256([]byte(key)): "sa_reader"}
		bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := known[sha256.Sum256([]byte(r.Header.Get("X-API-Key")))]
			if !ok {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"allowed":true,"principal":{"id":"`+id+`"}}`)
		})
		checkBody := `{"key":"` + key + `","permission":"metrics:write"}`
		// A key with a network allowlist, checked with the caller's
		// client_ip: the allowlist costs no allocation.
		limited := s.ServiceAccount(b, "limited", "role_edit", s.DefaultWorkspace)
		allow := []string{"192.0.2.0/24", "10.0.0.0/8"}
		if _, err := s.Admin.UpdateAPIKey(b.Context(), limited.APIKey.ID, client.UpdateAPIKeyRequest{AllowedNetworks: &allow}); err != nil {
			b.Fatal(err)
		}
		checkFromBody := `{"key":"` + limited.APIKey.Key + `","permission":"metrics:write","client_ip":"10.1.2.3"}`
		for _, tc := range []struct {
			name   string
			h      http.Handler
			method string
			path   string
			body   string
			hdr    http.Header
			want   int
		}{
			{"bare", bare, "GET", "/verify", "", http.Header{"X-Api-Key": {key}}, 0},
			{"verify", s.Handler, "GET", "/api/v1/personal-api-keys/verify", "", http.Header{"X-Api-Key": {key}}, 204},
			{"check", s.Handler, "POST", "/api/v1/check", checkBody, http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}, 200},
			{"check-client-ip", s.Handler, "POST", "/api/v1/check", checkFromBody, http.Header{"Authorization": {"Bearer " + s.CheckerKey}, "Content-Type": {"application/json"}}, 200},
			{"forward-auth", s.Handler, "GET", "/api/v1/forward-auth?permission=metrics:write", "", http.Header{"X-Api-Key": {key}}, 200},
			{"me", s.Handler, "GET", "/api/v1/me", "", http.Header{"X-Api-Key": {key}}, 200},
		} {
			b.Run(tc.name, func(b *testing.B) {
				r0 := httptest.NewRequest(tc.method, tc.path, nil)
				r0.RemoteAddr = "127.0.0.1:40000"
				r0.Header = tc.hdr
				var body strings.Reader
				w := &nopWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					// What net/http hands a handler is outside this
					// measure: a shallow copy of one request stands for it.
					r := *r0
					r.Body = http.NoBody
					if tc.body != "" {
						body.Reset(tc.body)
						r.Body, r.ContentLength = io.NopCloser(&body), int64(len(tc.body))
					}
					clear(w.h)
					w.status = 0
					tc.h.ServeHTTP(w, &r)
					if w.status != tc.want {
						b.Fatalf("%s answered %d; want %d", tc.name, w.status, tc.want)
					}
				}
			})
		}
	}
}

// BenchmarkIdempotencyKey measures what an Idempotency-Key adds to a
// create (POST /api/v1/groups, as served, on SQLite): two more write
// transactions, one before and one after, and the sealing of the answer.
func BenchmarkIdempotencyKey(b *testing.B) {
	s := signettest.Start(b, signettest.Options{})
	admin := s.ServiceAccount(b, "bench-admin", "role_admin", "*").APIKey.Key
	n := 0 // every request is a new create, across runs too
	for _, withKey := range []bool{false, true} {
		name := "without"
		if withKey {
			name = "with"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				n++
				i := n
				body := `{"name":"bench-` + strconv.Itoa(i) + `"}`
				r := httptest.NewRequest("POST", "/api/v1/groups", strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+admin)
				r.Header.Set("Content-Type", "application/json")
				if withKey {
					r.Header.Set("Idempotency-Key", fmt.Sprintf("bench-idempotency-%020d", i))
				}
				w := &nopWriter{h: http.Header{}}
				s.Handler.ServeHTTP(w, r)
				if w.status != http.StatusCreated {
					b.Fatalf("create = %d", w.status)
				}
			}
		})
	}
}
