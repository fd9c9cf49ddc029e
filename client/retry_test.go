package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestRetries: what is sent again after a 503, with which Idempotency-Key,
// and what is not.
func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		retries   int
		failFirst int // answers of 503 before a 200
		wantSent  int
		wantErr   bool
	}{
		{"POST retried with one key", "POST", 2, 2, 3, false},
		{"POST gives up after its retries", "POST", 2, 5, 3, true},
		{"GET retried", "GET", 2, 1, 2, false},
		{"PUT retried", "PUT", 2, 1, 2, false},
		{"DELETE not retried", "DELETE", 2, 1, 1, true},
		{"PATCH not retried", "PATCH", 2, 1, 1, true},
		{"WithRetries(0)", "POST", 0, 1, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var keys []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				keys = append(keys, r.Header.Get(HeaderIdempotencyKey))
				if len(keys) <= tc.failFirst {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusServiceUnavailable)
					w.Write([]byte(`{"error":{"code":"unavailable","message":"Try again."}}`))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			c, err := New(srv.URL, WithRetries(tc.retries))
			if err != nil {
				t.Fatal(err)
			}
			c.backoff = func(int) time.Duration { return time.Millisecond }
			var body any
			if tc.method != "GET" && tc.method != "DELETE" {
				body = map[string]string{"name": "x"}
			}
			err = c.do(context.Background(), tc.method, "/api/v1/x", nil, body, nil)
			if (err != nil) != tc.wantErr {
				t.Errorf("do = %v; want error %v", err, tc.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(keys) != tc.wantSent {
				t.Errorf("sent %d times; want %d", len(keys), tc.wantSent)
			}
			for _, k := range keys {
				if tc.method == "POST" && (len(k) != 36 || k != keys[0]) {
					t.Errorf("Idempotency-Keys %q; want one UUID on every attempt", keys)
				}
				if tc.method != "POST" && k != "" {
					t.Errorf("%s sent Idempotency-Key %q", tc.method, k)
				}
			}
		})
	}
}

// TestIdempotencyKeysDiffer: every call has its own key.
func TestIdempotencyKeysDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := newIdempotencyKey()
		if seen[k] || len(k) != 36 || k[14] != '4' {
			t.Fatalf("key %q repeated or not a version 4 UUID", k)
		}
		seen[k] = true
	}
}
