package httpedge_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/httpedge"
)

func TestRequestID(t *testing.T) {
	fresh := regexp.MustCompile(`^[0-9a-f]{32}$`)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct {
		name string
		hdr  http.Header
		want string // "" = a fresh id
	}{
		{"none", nil, ""},
		{"sane X-Request-Id", http.Header{"X-Request-Id": {"A-z.0_9"}}, "A-z.0_9"},
		{"X-Request-Id with a space", http.Header{"X-Request-Id": {"a b"}}, ""},
		{"X-Request-Id with a line break", http.Header{"X-Request-Id": {"x\n"}}, ""},
		{"X-Request-Id too long", http.Header{"X-Request-Id": {strings.Repeat("z", 65)}}, ""},
		{"traceparent", http.Header{"Traceparent": {tp}}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"X-Request-Id wins over traceparent", http.Header{"X-Request-Id": {"mine"}, "Traceparent": {tp}}, "mine"},
		{"traceparent all zeros", http.Header{"Traceparent": {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}, ""},
		{"traceparent upper case", http.Header{"Traceparent": {strings.ToUpper(tp)}}, ""},
		{"traceparent version ff", http.Header{"Traceparent": {"ff" + tp[2:]}}, ""},
		{"traceparent short", http.Header{"Traceparent": {tp[:40]}}, ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		var got, inCtx string
		h := httpedge.New(httpedge.Config{}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inCtx = signet.RequestInfoFrom(r.Context()).RequestID
		}))
		req := httptest.NewRequest("GET", "/x", nil)
		for k, v := range tt.hdr {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got = rec.Header().Get("X-Request-Id")
		if got != inCtx {
			t.Errorf("%s: X-Request-Id %q, request info %q; want them equal", tt.name, got, inCtx)
		}
		switch {
		case tt.want == "" && (!fresh.MatchString(got) || seen[got]):
			t.Errorf("%s: request id %q; want a fresh 32-hex-digit id", tt.name, got)
		case tt.want != "" && got != tt.want:
			t.Errorf("%s: request id %q; want %q", tt.name, got, tt.want)
		}
		seen[got] = true
	}
}

type observed struct {
	mu     sync.Mutex
	routes []string
	codes  []int
}

func (o *observed) ObserveRequest(route string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.routes, o.codes = append(o.routes, route), append(o.codes, status)
}

// TestEdge: headers on every answer, the access log (quiet routes at
// debug), the observer, the body limit and panics.
func TestEdge(t *testing.T) {
	var logs bytes.Buffer
	obs := &observed{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		st := httpedge.From(r.Context())
		st.Quiet, st.UserID, st.KeyID = true, "sa_1", "key_1"
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>hi</p>"))
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := httpedge.New(httpedge.Config{
		Logger:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		MaxBodyBytes: 10,
		Observer:     obs,
		Panic: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("rendered"))
		},
	}).Wrap(mux)
	do := func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec
	}
	if rec := do("GET", "/verify", ""); rec.Code != 204 || rec.Header().Get("X-Content-Type-Options") != "nosniff" ||
		rec.Header().Get("Content-Security-Policy") != "" {
		t.Errorf("GET /verify = %d %v; want 204 with nosniff, without the browser's headers", rec.Code, rec.Header())
	}
	if rec := do("GET", "/page", ""); rec.Code != 200 || rec.Header().Get("X-Content-Type-Options") != "nosniff" ||
		rec.Header().Get("Content-Security-Policy") != httpedge.ContentSecurityPolicy || rec.Header().Get("X-Frame-Options") != "DENY" ||
		rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("GET /page = %d %v; want 200 with every security header", rec.Code, rec.Header())
	}
	if rec := do("POST", "/echo", "short"); rec.Code != 200 {
		t.Errorf("POST /echo with a small body = %d; want 200", rec.Code)
	}
	if rec := do("POST", "/echo", "far more than ten bytes"); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /echo over the body limit = %d; want 413", rec.Code)
	}
	if rec := do("GET", "/boom", ""); rec.Code != 500 || rec.Body.String() != "rendered" {
		t.Errorf("GET /boom = %d %q; want the Panic hook's answer", rec.Code, rec.Body.String())
	}
	log := logs.String()
	if strings.Contains(log, `"path":"/verify"`) {
		t.Errorf("a quiet request was logged at info:\n%s", log)
	}
	if !strings.Contains(log, `"path":"/echo"`) || !strings.Contains(log, "panic serving request") || !strings.Contains(log, `"status":500`) {
		t.Errorf("the access log lacks a request, the panic or its status:\n%s", log)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if want := []string{"GET /verify", "GET /page", "POST /echo", "POST /echo", "GET /boom"}; strings.Join(obs.routes, ",") != strings.Join(want, ",") {
		t.Errorf("observed routes %v; want %v", obs.routes, want)
	}
	if want := []int{204, 200, 200, 413, 500}; len(obs.codes) != 5 || obs.codes[0] != want[0] || obs.codes[3] != want[3] || obs.codes[4] != want[4] {
		t.Errorf("observed statuses %v; want %v", obs.codes, want)
	}
}

func TestStatus(t *testing.T) {
	want := map[string]int{
		signet.EBADREQUEST: 400, signet.EMETHOD: 405, signet.ETOOLARGE: 413, signet.EMEDIATYPE: 415,
		signet.EINVALID: 422, signet.EUNAUTHENTICATED: 401, signet.EFORBIDDEN: 403, signet.ENOTFOUND: 404,
		signet.ECONFLICT: 409, signet.ERATELIMITED: 429, signet.EUNAVAILABLE: 503, signet.EINTERNAL: 500,
		"made up": 500,
	}
	for code, want := range want {
		if got := httpedge.Status(code); got != want {
			t.Errorf("Status(%q) = %d; want %d", code, got, want)
		}
	}
	// Every code of the closed set has its own line in the table.
	for _, code := range signet.ErrorCodes {
		if _, ok := want[code]; !ok {
			t.Errorf("error code %q is not in this test's table", code)
		}
	}
}
