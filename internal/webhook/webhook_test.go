package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestSignaturesVerifyWithTheSpecificationsLibrary: what Signet sends is
// what a receiver using the Standard Webhooks library accepts — with the
// secret as Signet showed it, during a rotation with either secret, and
// not with another secret or another payload.
func TestSignaturesVerifyWithTheSpecificationsLibrary(t *testing.T) {
	oldKey, oldText := NewSecret()
	newKey, newText := NewSecret()
	_, otherText := NewSecret()
	payload := []byte(`{"type":"api_key.created","timestamp":"2026-12-01T12:00:00Z","data":{"id":"key_1"}}`)
	at := time.Now()
	tests := []struct {
		name     string
		signWith []Secret
		verify   string
		payload  []byte
		ok       bool
	}{
		{"one secret", []Secret{oldKey}, oldText, payload, true},
		{"rotation: the old secret verifies", []Secret{oldKey, newKey}, oldText, payload, true},
		{"rotation: the new secret verifies", []Secret{oldKey, newKey}, newText, payload, true},
		{"another secret", []Secret{oldKey, newKey}, otherText, payload, false},
		{"another payload", []Secret{oldKey}, oldText, append([]byte(nil), strings.Replace(string(payload), "key_1", "key_2", 1)...), false},
	}
	for _, tc := range tests {
		h := http.Header{}
		SetHeaders(h, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", at, payload, tc.signWith...)
		wh, err := standardwebhooks.NewWebhook(tc.verify)
		if err != nil {
			t.Fatal(err)
		}
		err = wh.Verify(tc.payload, h)
		if (err == nil) != tc.ok {
			t.Errorf("%s: the library's Verify = %v; want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestSignMatchesTheSpecificationsExample holds Sign to the library's own
// signature for fixed inputs, byte for byte.
func TestSignMatchesTheSpecificationsExample(t *testing.T) {
	const text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	s, err := ParseSecret(text)
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := standardwebhooks.NewWebhook(text)
	at := time.Unix(1614265330, 0)
	payload := []byte(`{"test": 2432232314}`)
	want, _ := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, payload)
	if got := Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, payload, s); got != want {
		t.Errorf("Sign = %q; the library signs %q", got, want)
	}
}

func TestParseSecret(t *testing.T) {
	_, good := NewSecret()
	tests := []struct {
		in string
		ok bool
	}{
		{good, true},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true},
		{strings.TrimPrefix(good, SecretPrefix), false}, // no prefix
		{"whsec_not base64!", false},
		{"whsec_" + "c2hvcnQ=", false}, // 5 bytes
		{"", false},
	}
	for _, tc := range tests {
		s, err := ParseSecret(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSecret(%q) = %v; want ok %v", tc.in, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), tc.in) && tc.in != "" {
			t.Errorf("ParseSecret(%q): the error repeats the secret: %v", tc.in, err)
		}
		if fmt.Sprint(s) != "whsec_(redacted)" {
			t.Errorf("a Secret prints as %q", fmt.Sprint(s))
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/signet", false, true},
		{"http://hooks.example.com:8080/x?y=1", false, true},
		{"ftp://hooks.example.com/", false, false},
		{"https://user:pass@hooks.example.com/", false, false},
		{"https:///nohost", false, false},
		{"https://hooks.example.com/#frag", false, false},
		{"http://127.0.0.1:9000/", false, false},
		{"http://[::1]/", false, false},
		{"http://169.254.169.254/latest/meta-data/", false, false},
		{"http://10.1.2.3/", false, false},
		{"http://[::ffff:10.1.2.3]/", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://0.0.0.0/", false, false},
		{"http://10.1.2.3/", true, true},
		{"http://127.0.0.1:9000/", true, true},
		{"http://8.8.8.8/", false, true},
	}
	for _, tc := range tests {
		err := Guard{AllowPrivate: tc.allowPrivate}.CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, allow private %v) = %v; want ok %v", tc.url, tc.allowPrivate, err, tc.ok)
		}
	}
}

// TestClientRefusesPrivateAddressesAfterResolution: the guard is applied
// to the address connected to, so a name resolving to loopback is refused
// like the literal address; allowed, the same delivery goes through.
func TestClientRefusesPrivateAddressesAfterResolution(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/hook"
	for _, target := range []string{srv.URL + "/hook", byName} {
		_, err := Guard{}.Client().Post(target, "application/json", strings.NewReader("{}"))
		if !errors.Is(err, ErrRefusedAddress) {
			t.Errorf("POST %s with the default guard = %v; want ErrRefusedAddress", target, err)
		}
		resp, err := Guard{AllowPrivate: true}.Client().Post(target, "application/json", strings.NewReader("{}"))
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Errorf("POST %s with private receivers allowed = %v, %v; want 204", target, resp, err)
		} else {
			ReadResponse(resp)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the receiver was reached %d times; want 2 (only when allowed)", n)
	}
}

// TestClientFollowsNoRedirect: a receiver's 3xx is its answer; the
// delivery does not go where it points.
func TestClientFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	resp, err := Guard{AllowPrivate: true}.Client().Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	ReadResponse(resp)
	if resp.StatusCode != http.StatusTemporaryRedirect || elsewhere.Load() != 0 {
		t.Errorf("a redirecting receiver: status %d, the redirect's target reached %d times; want 307 and 0", resp.StatusCode, elsewhere.Load())
	}
}

// TestClientTimesOut: a receiver that never answers ends the delivery
// at the guard's timeout.
func TestClientTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	_, err := Guard{AllowPrivate: true, Timeout: 50 * time.Millisecond}.Client().Post(srv.URL, "application/json", strings.NewReader("{}"))
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a receiver that hangs: %v; want a timeout", err)
	}
}

func TestReadResponseBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	defer srv.Close()
	resp, err := Guard{AllowPrivate: true}.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if b := ReadResponse(resp); len(b) != MaxResponseBody {
		t.Errorf("ReadResponse kept %d bytes; want %d", len(b), MaxResponseBody)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range tests {
		resp := &http.Response{Header: http.Header{}}
		if tc.v != "" {
			resp.Header.Set("Retry-After", tc.v)
		}
		got, ok := RetryAfter(resp, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
