package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// HeaderIdempotencyKey is the request header that makes a POST safe to
// retry: the server remembers the first answer for 24 hours.
const HeaderIdempotencyKey = "Idempotency-Key"

// defaultRetries is how many times a request safe to repeat is sent again.
const defaultRetries = 2

// maxRetryAfter bounds how long a 503's Retry-After makes the client wait.
const maxRetryAfter = 10 * time.Second

func defaultBackoff(n int) time.Duration {
	return time.Duration(n*n) * 250 * time.Millisecond // 250 ms, 1 s, 2.25 s
}

// newIdempotencyKey returns a random version 4 UUID.
func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// retriable reports whether req may be sent again without doing its work
// twice.
func retriable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut:
		return true
	case http.MethodPost:
		return req.Header.Get(HeaderIdempotencyKey) != ""
	}
	return false
}

// send sends req — again after a network error or a 503, when it is safe
// to (see WithRetries) — and returns the response with its body read.
func (c *Client) send(req *http.Request) (*http.Response, []byte, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, nil, err
		}
		body = b
	}
	attempts := 1
	if retriable(req) {
		attempts += c.retries
	}
	for n := 1; ; n++ {
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, data, err := c.sendOnce(req)
		last := n >= attempts || req.Context().Err() != nil
		switch {
		case err != nil && !last:
			// The request may or may not have reached the server: that
			// is what the Idempotency-Key is for.
		case err == nil && resp.StatusCode == http.StatusServiceUnavailable && !last:
		default:
			return resp, data, err
		}
		wait := c.backoff(n)
		if resp != nil {
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, maxRetryAfter)
			}
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, nil, err
		}
	}
}

func (c *Client) sendOnce(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	// Responses are small; 16 MiB bounds a misbehaving server.
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("reading response: %w", err)
	}
	return resp, data, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
