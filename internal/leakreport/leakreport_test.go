package leakreport_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/leakreport"
)

// signer is a key pair of a reporter, made in the test.
type signer struct {
	priv *ecdsa.PrivateKey
	pem  string
	id   string
}

func newSigner(t testing.TB) signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return signer{priv: priv, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), id: leakreport.KeyIdentifier(der)}
}

func (s signer) sign(t testing.TB, body []byte) string {
	t.Helper()
	d := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// keysDoc is the JSON of a public keys endpoint holding signers.
func keysDoc(signers ...signer) []byte {
	type entry struct {
		ID      string `json:"key_identifier"`
		Key     string `json:"key"`
		Current bool   `json:"is_current"`
	}
	var doc struct {
		Keys []entry `json:"public_keys"`
	}
	for i, s := range signers {
		doc.Keys = append(doc.Keys, entry{s.id, s.pem, i == len(signers)-1})
	}
	b, _ := json.Marshal(doc)
	return b
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := signet.ErrorCode(err); got != want {
		t.Errorf("%s = %v (code %q); want code %q", what, err, got, want)
	}
}

// TestKeyIdentifier checks that the identifier of a key is the hex SHA-256
// of its PEM text, as the sender's published identifiers are: this is the
// documented example key of the secret scanning partner format and its
// identifier.
func TestKeyIdentifier(t *testing.T) {
	t.Parallel()
	der, err := base64.StdEncoding.DecodeString("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUqkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==")
	if err != nil {
		t.Fatal(err)
	}
	const want = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a"
	if got := leakreport.KeyIdentifier(der); got != want {
		t.Errorf("KeyIdentifier(example key) = %s; want %s", got, want)
	}
}

// TestVerifyConfiguredKeys checks signatures against keys from a file.
func TestVerifyConfiguredKeys(t *testing.T) {
	t.Parallel()
	a, b, stranger := newSigner(t), newSigner(t), newSigner(t)
	// b's block names its identifier in a header.
	bBlock, _ := pem.Decode([]byte(b.pem))
	bBlock.Headers = map[string]string{"Key-Identifier": "key-b"}
	file := a.pem + string(pem.EncodeToMemory(bBlock))
	keys, err := leakreport.New(leakreport.Options{PEM: []byte(file)})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`[{"token":"x","type":"signet_api_key","url":"","source":"content"}]`)
	tests := []struct {
		name       string
		id, sig    string
		body       []byte
		want       string
		wantsValid bool
	}{
		{"signed by a", a.id, a.sign(t, body), body, "", true},
		{"signed by b, named by its header", "key-b", b.sign(t, body), body, "", true},
		{"b's computed identifier is not its name", b.id, b.sign(t, body), body, signet.EUNAUTHENTICATED, false},
		{"body changed after signing", a.id, a.sign(t, body), append([]byte(" "), body...), signet.EUNAUTHENTICATED, false},
		{"signed by a, named as b", "key-b", a.sign(t, body), body, signet.EUNAUTHENTICATED, false},
		{"signed by a stranger", stranger.id, stranger.sign(t, body), body, signet.EUNAUTHENTICATED, false},
		{"a stranger claiming a's identifier", a.id, stranger.sign(t, body), body, signet.EUNAUTHENTICATED, false},
		{"no identifier", "", a.sign(t, body), body, signet.EUNAUTHENTICATED, false},
		{"no signature", a.id, "", body, signet.EUNAUTHENTICATED, false},
		{"signature not base64", a.id, "%%%", body, signet.EUNAUTHENTICATED, false},
		{"signature not ASN.1", a.id, base64.StdEncoding.EncodeToString([]byte("not a signature")), body, signet.EUNAUTHENTICATED, false},
		{"signature without padding", a.id, strings.TrimRight(a.sign(t, body), "="), body, "", true},
		{"identifier too long", strings.Repeat("a", 1000), a.sign(t, body), body, signet.EUNAUTHENTICATED, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := keys.Verify(context.Background(), tt.id, tt.sig, tt.body)
			wantCode(t, "Verify", err, tt.want)
		})
	}
}

func TestParseKeyFile(t *testing.T) {
	t.Parallel()
	a := newSigner(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	tests := []struct {
		name    string
		file    string
		wantIDs []string
	}{
		{"one PEM key", a.pem, []string{a.id}},
		{"the keys document", string(keysDoc(a)), []string{a.id}},
		{"empty", "", nil},
		{"not PEM", "hello", nil},
		{"a private key block", pemOf("EC PRIVATE KEY", []byte("x")), nil},
		{"a P-384 key", pemOf("PUBLIC KEY", p384DER), nil},
		{"an RSA key", pemOf("PUBLIC KEY", rsaDER), nil},
		{"junk DER", pemOf("PUBLIC KEY", []byte("junk")), nil},
		{"a document without usable keys", `{"public_keys":[{"key_identifier":"x","key":"junk"}]}`, nil},
		{"a document of another shape", `{"keys":[]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := leakreport.ParseKeyFile([]byte(tt.file))
			if tt.wantIDs == nil {
				if err == nil {
					t.Fatalf("ParseKeyFile = %d keys; want an error", len(keys))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyFile: %v", err)
			}
			for _, id := range tt.wantIDs {
				if keys[id] == nil {
					t.Errorf("ParseKeyFile has no key %s; has %v", id, keys)
				}
			}
		})
	}
	if _, err := leakreport.New(leakreport.Options{}); err == nil {
		t.Error("New without keys or URL succeeded; want an error")
	}
	if _, err := leakreport.New(leakreport.Options{URL: "ftp://example.com/keys"}); err == nil {
		t.Error("New with an ftp URL succeeded; want an error")
	}
}

// keyServer is a public keys endpoint whose keys the test changes, which
// counts its requests and answers conditional requests.
type keyServer struct {
	*httptest.Server
	mu       sync.Mutex
	doc      []byte
	fail     bool
	requests atomic.Int32
	notMod   atomic.Int32
}

func newKeyServer(t *testing.T, signers ...signer) *keyServer {
	ks := &keyServer{doc: keysDoc(signers...)}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.requests.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		if ks.fail {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		sum := sha256.Sum256(ks.doc)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:8]) + `"`
		if r.Header.Get("If-None-Match") == etag {
			ks.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(ks.doc)
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) set(doc []byte, fail bool) {
	ks.mu.Lock()
	ks.doc, ks.fail = doc, fail
	ks.mu.Unlock()
}

// clock is a test's time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestFetchedKeys checks the keys fetched from a URL: fetched on the first
// report, cached, fetched again for an unknown identifier at most once per
// MinRefresh, kept when a fetch fails, and revalidated with ETags.
func TestFetchedKeys(t *testing.T) {
	t.Parallel()
	old, rotated, stranger := newSigner(t), newSigner(t), newSigner(t)
	ks := newKeyServer(t, old)
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	keys, err := leakreport.New(leakreport.Options{URL: ks.URL, Now: clk.Now, MinRefresh: time.Minute, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := []byte(`[]`)
	verify := func(s signer) error { return keys.Verify(ctx, s.id, s.sign(t, body), body) }
	step := func(what string, err error, code string, requests int32) {
		t.Helper()
		wantCode(t, what, err, code)
		if got := ks.requests.Load(); got != requests {
			t.Errorf("%s: %d requests to the keys URL in all; want %d", what, got, requests)
		}
	}

	step("first report", verify(old), "", 1)
	step("second report: cached", verify(old), "", 1)
	step("unknown key right after the first fetch: no fetch", verify(stranger), signet.EUNAUTHENTICATED, 1)
	clk.advance(time.Minute)
	step("unknown key after MinRefresh: one fetch", verify(stranger), signet.EUNAUTHENTICATED, 2)
	step("unknown key again at once: no fetch", verify(stranger), signet.EUNAUTHENTICATED, 2)
	step("known key meanwhile: cached", verify(old), "", 2)

	// The sender rotates its key.
	ks.set(keysDoc(old, rotated), false)
	step("rotated key within MinRefresh: not fetched yet", verify(rotated), signet.EUNAUTHENTICATED, 2)
	clk.advance(time.Minute)
	step("rotated key after MinRefresh: fetched", verify(rotated), "", 3)

	// Old keys are refetched after MaxAge; unchanged, the answer is 304.
	clk.advance(time.Hour)
	notMod := ks.notMod.Load()
	step("after MaxAge: revalidated", verify(old), "", 4)
	if ks.notMod.Load() != notMod+1 {
		t.Errorf("revalidation after MaxAge was not answered 304 (a conditional request)")
	}

	// The endpoint fails: known keys keep working, unknown ones are
	// unavailable (the sender retries), and fetches stay bounded.
	ks.set(nil, true)
	clk.advance(2 * time.Hour)
	step("endpoint down, known (old) key: kept", verify(old), "", 5)
	step("endpoint down, unknown key within MinRefresh: unknown", verify(stranger), signet.EUNAUTHENTICATED, 5)
	clk.advance(time.Minute)
	step("endpoint down, unknown key after MinRefresh: unavailable", verify(stranger), signet.EUNAVAILABLE, 6)
}

// TestFetchedKeysFirstFetchFails checks that a failing first fetch is
// unavailable, not unknown, and retried only after MinRefresh.
func TestFetchedKeysFirstFetchFails(t *testing.T) {
	t.Parallel()
	a := newSigner(t)
	ks := newKeyServer(t, a)
	ks.set(nil, true)
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	keys, err := leakreport.New(leakreport.Options{URL: ks.URL, Now: clk.Now, MinRefresh: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`[]`)
	ctx := context.Background()
	wantCode(t, "first fetch fails", keys.Verify(ctx, a.id, a.sign(t, body), body), signet.EUNAVAILABLE)
	wantCode(t, "again at once", keys.Verify(ctx, a.id, a.sign(t, body), body), signet.EUNAVAILABLE)
	if ks.requests.Load() != 1 {
		t.Errorf("%d fetches; want 1", ks.requests.Load())
	}
	ks.set(keysDoc(a), false)
	clk.advance(time.Minute)
	wantCode(t, "after MinRefresh", keys.Verify(ctx, a.id, a.sign(t, body), body), "")
}

// TestFetchedKeysOnlyTheConfiguredURL checks that a redirect is not
// followed: the fetcher talks only to the configured URL.
func TestFetchedKeysOnlyTheConfiguredURL(t *testing.T) {
	t.Parallel()
	a := newSigner(t)
	elsewhere := newKeyServer(t, a)
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	keys, err := leakreport.New(leakreport.Options{URL: redirect.URL})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`[]`)
	wantCode(t, "Verify with a redirecting keys URL", keys.Verify(context.Background(), a.id, a.sign(t, body), body), signet.EUNAVAILABLE)
	if n := elsewhere.requests.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests; want 0", n)
	}
}

// TestConfiguredAndFetchedKeys checks that keys from a file and from a URL
// are both accepted.
func TestConfiguredAndFetchedKeys(t *testing.T) {
	t.Parallel()
	filed, fetched := newSigner(t), newSigner(t)
	ks := newKeyServer(t, fetched)
	keys, err := leakreport.New(leakreport.Options{PEM: []byte(filed.pem), URL: ks.URL})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`[]`)
	for _, s := range []signer{filed, fetched} {
		wantCode(t, "Verify", keys.Verify(context.Background(), s.id, s.sign(t, body), body), "")
	}
	if ks.requests.Load() != 1 {
		t.Errorf("%d fetches; want 1 (the file's key needs none)", ks.requests.Load())
	}
}

// FuzzParseKeyFile feeds the keys file and document parser arbitrary
// input: it must not panic, and what it accepts must be P-256 keys.
func FuzzParseKeyFile(f *testing.F) {
	s := newSigner(f)
	f.Add([]byte(s.pem))
	f.Add(keysDoc(s))
	f.Add([]byte(`{"public_keys":[{"key_identifier":"x","key":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nKey-Identifier: x\n\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := leakreport.ParseKeyFile(data)
		if err != nil {
			return
		}
		for id, k := range keys {
			if k == nil || k.Curve != elliptic.P256() {
				t.Errorf("key %q = %v; want a P-256 key", id, k)
			}
		}
	})
}
