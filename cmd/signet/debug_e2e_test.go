package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
)

// TestServeRequestMetricsAndProfiler: signet serve counts requests by
// route and code in /metrics, and with --debug-addr serves Go's profiler
// on that address only.
func TestServeRequestMetricsAndProfiler(t *testing.T) {
	testdb.ForEach(t, testServeRequestMetricsAndProfiler)
}

func testServeRequestMetricsAndProfiler(t *testing.T) {
	s := startServer(t, "--debug-addr", "127.0.0.1:0")
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get(s.url + "/api/v1/me") // 401
	get(s.url + "/healthz")
	code, body := get(s.url + "/metrics")
	for _, want := range []string{
		`signet_http_requests_total{code="401",route="GET /api/v1/me"} 1`,
		`signet_http_requests_total{code="200",route="GET /healthz"} 1`,
		`signet_http_request_duration_seconds_bucket{route="GET /api/v1/me"`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics = %d, lacks %s", code, want)
		}
	}
	// The profiler is on its own listener, not the main one.
	var debugAddr string
	for _, line := range strings.Split(s.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "profiler listening" {
			debugAddr, _ = rec["addr"].(string)
		}
	}
	if debugAddr == "" {
		t.Fatalf("no 'profiler listening' line in the log:\n%s", s.logs.String())
	}
	if code, body := get("http://" + debugAddr + "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("GET /debug/pprof/ on --debug-addr = %d; want the profiler's index", code)
	}
	if code, _ := get(s.url + "/debug/pprof/"); code == 200 {
		t.Errorf("the profiler answers on the main listener")
	}
}
