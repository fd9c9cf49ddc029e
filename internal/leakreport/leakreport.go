// Package leakreport authenticates leak reports in the secret scanning
// partner format: a secret scanner that found strings matching Signet's key
// pattern in public POSTs them, signing the raw body with ECDSA P-256 over
// SHA-256 and naming the signing key in a header. Keys checks the
// signature against public keys configured in a file or fetched from a URL
// (in the format of the scanner's public keys endpoint). It never sees a
// reported token: parsing the report and acting on it are the caller's.
package leakreport

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	signet "github.com/signetdev/signet"
)

// The headers of a report: the identifier of the key that signed it, and
// the signature (base64 of an ASN.1 ECDSA signature of the raw body).
// GitHub is the sender that named them.
const (
	HeaderKeyID     = "Github-Public-Key-Identifier"
	HeaderSignature = "Github-Public-Key-Signature"
)

// Defaults of Options.
const (
	// DefaultMinRefresh is how often, at most, the keys are fetched again
	// for a report signed by a key not among them: an unknown identifier
	// costs nothing more until then, whoever sends it.
	DefaultMinRefresh = 5 * time.Minute
	// DefaultMaxAge is how long fetched keys are used before the next
	// report fetches them again (keeping them if that fails).
	DefaultMaxAge = time.Hour
	// fetchTimeout bounds one fetch of the keys.
	fetchTimeout = 10 * time.Second
	// maxKeysDocument bounds the keys document read.
	maxKeysDocument = 1 << 20
	// maxKeyIDLen bounds the key identifier header considered.
	maxKeyIDLen = 256
)

// Options configure Keys. At least one of PEM and URL is required.
type Options struct {
	// PEM is the content of a file of public keys: PEM blocks of type
	// PUBLIC KEY (ECDSA P-256), or the JSON document of a public keys
	// endpoint. A PEM block's identifier is its Key-Identifier header if
	// it has one, else the hex SHA-256 of the block as PEM text (the
	// sender's identifiers are made that way).
	PEM []byte
	// URL is a public keys endpoint answering
	// {"public_keys":[{"key_identifier":…,"key":"-----BEGIN PUBLIC KEY-----…","is_current":…}]}.
	// Keys talks to no other URL: redirects are refused.
	URL string
	// Client fetches URL; nil means a client of its own with a 10 s
	// timeout. Its redirect policy is replaced.
	Client *http.Client
	// MinRefresh and MaxAge: see DefaultMinRefresh and DefaultMaxAge.
	MinRefresh, MaxAge time.Duration
	Now                func() time.Time
	Logger             *slog.Logger
}

// Keys are the public keys a report may be signed with. Safe for
// concurrent use.
type Keys struct {
	static     map[string]*ecdsa.PublicKey // from Options.PEM; immutable
	url        string
	client     *http.Client
	minRefresh time.Duration
	maxAge     time.Duration
	now        func() time.Time
	log        *slog.Logger

	// fetching serialises fetches: concurrent reports of an unknown key
	// wait for one fetch instead of each making one.
	fetching sync.Mutex
	// mu guards the fetched state below.
	mu          sync.Mutex
	fetched     map[string]*ecdsa.PublicKey
	fetchedAt   time.Time // of the last successful fetch; zero before
	lastAttempt time.Time
	etag        string
}

// New returns the keys opts configure. It fails when the PEM content holds
// no usable key, or the URL is not an absolute http(s) URL.
func New(opts Options) (*Keys, error) {
	k := &Keys{url: opts.URL, client: opts.Client, minRefresh: opts.MinRefresh, maxAge: opts.MaxAge, now: opts.Now, log: opts.Logger}
	if len(opts.PEM) == 0 && opts.URL == "" {
		return nil, errors.New("leakreport: configure public keys (a PEM file) or the URL of a public keys endpoint")
	}
	if len(opts.PEM) > 0 {
		keys, err := ParseKeyFile(opts.PEM)
		if err != nil {
			return nil, err
		}
		k.static = keys
	}
	if k.url != "" {
		u, err := url.Parse(k.url)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("leakreport: the public keys URL must be an absolute http(s) URL")
		}
		c := &http.Client{Timeout: fetchTimeout}
		if k.client != nil {
			c2 := *k.client
			c = &c2
		}
		// Only the configured URL: a redirect elsewhere is refused.
		c.CheckRedirect = func(*http.Request, []*http.Request) error {
			return errors.New("the public keys URL redirected; configure the final URL")
		}
		k.client = c
	}
	if k.minRefresh <= 0 {
		k.minRefresh = DefaultMinRefresh
	}
	if k.maxAge <= 0 {
		k.maxAge = DefaultMaxAge
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k, nil
}

// Errors of Verify. They carry no part of the request.
var (
	errNoHeaders    = signet.Errorf(signet.EUNAUTHENTICATED, "a leak report must be signed: send the headers %s and %s", HeaderKeyID, HeaderSignature)
	errUnknownKey   = signet.Errorf(signet.EUNAUTHENTICATED, "the report is signed with an unknown key (%s)", HeaderKeyID)
	errBadSignature = signet.Errorf(signet.EUNAUTHENTICATED, "the report's signature (%s) does not verify", HeaderSignature)
	errKeysDown     = signet.Errorf(signet.EUNAVAILABLE, "the public keys to verify the report could not be fetched; try again later")
)

// Verify checks that signature (base64 of an ASN.1 ECDSA signature) is the
// signature of body by the key keyID names. It returns an EUNAUTHENTICATED
// error when the headers are missing, the key is unknown or the signature
// does not verify, and EUNAVAILABLE when the key is unknown and the keys
// could not be fetched.
func (k *Keys) Verify(ctx context.Context, keyID, signature string, body []byte) error {
	if keyID == "" || signature == "" {
		return errNoHeaders
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		if sig, err = base64.RawStdEncoding.DecodeString(signature); err != nil {
			return errBadSignature
		}
	}
	if len(keyID) > maxKeyIDLen {
		return errUnknownKey
	}
	pub, err := k.key(ctx, keyID)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return errBadSignature
	}
	return nil
}

// key returns the public key id names, fetching the keys when id is
// unknown or the fetched keys are old (at most once per minRefresh).
func (k *Keys) key(ctx context.Context, id string) (*ecdsa.PublicKey, error) {
	if pub := k.static[id]; pub != nil {
		return pub, nil
	}
	if k.url == "" {
		return nil, errUnknownKey
	}
	if pub, fresh := k.cached(id); pub != nil && fresh {
		return pub, nil
	}
	k.fetching.Lock()
	defer k.fetching.Unlock()
	// Another report may have fetched them while this one waited.
	pub, fresh := k.cached(id)
	if pub != nil && fresh {
		return pub, nil
	}
	k.mu.Lock()
	now := k.now()
	tooSoon := !k.lastAttempt.IsZero() && now.Sub(k.lastAttempt) < k.minRefresh
	everFetched := !k.fetchedAt.IsZero()
	if !tooSoon {
		k.lastAttempt = now
	}
	etag := k.etag
	k.mu.Unlock()
	if tooSoon {
		switch {
		case pub != nil:
			return pub, nil // old, but the newest there is
		case !everFetched:
			return nil, errKeysDown
		}
		return nil, errUnknownKey
	}
	keys, newTag, err := k.fetch(ctx, etag)
	if err != nil {
		k.log.WarnContext(ctx, "fetching the public keys of leak reports failed", "url", Redact(k.url), "err", err)
		if pub != nil {
			return pub, nil // keep using the keys fetched before
		}
		return nil, errKeysDown
	}
	k.mu.Lock()
	if keys != nil { // nil: not modified since the last fetch
		k.fetched, k.etag = keys, newTag
	}
	k.fetchedAt = now
	pub = k.fetched[id]
	k.mu.Unlock()
	if pub == nil {
		return nil, errUnknownKey
	}
	return pub, nil
}

// cached returns the fetched key id names, and whether the fetched keys
// are younger than maxAge.
func (k *Keys) cached(id string) (*ecdsa.PublicKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetched[id], !k.fetchedAt.IsZero() && k.now().Sub(k.fetchedAt) < k.maxAge
}

// fetch gets the keys document from the URL, conditionally on etag: it
// returns nil keys when the document has not changed.
func (k *Keys) fetch(ctx context.Context, etag string) (map[string]*ecdsa.PublicKey, string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		// Without the URL, which the log names (redacted).
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return nil, etag, nil
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysDocument+1))
	if err != nil {
		return nil, "", err
	}
	if len(body) > maxKeysDocument {
		return nil, "", fmt.Errorf("the keys document is larger than %d bytes", maxKeysDocument)
	}
	keys, err := ParseKeysDocument(body)
	if err != nil {
		return nil, "", err
	}
	return keys, resp.Header.Get("ETag"), nil
}

// Redact returns a URL fit for the log: without a password in its user
// information or its query (which may carry a token).
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.Redacted()
}

// keysDocument is the JSON of a public keys endpoint.
type keysDocument struct {
	PublicKeys []struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	} `json:"public_keys"`
}

// ParseKeysDocument parses the JSON document of a public keys endpoint
// into keys by identifier. Entries that are not ECDSA P-256 public keys
// are skipped; a document without any usable key is an error.
func ParseKeysDocument(data []byte) (map[string]*ecdsa.PublicKey, error) {
	var doc keysDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("leakreport: the public keys document is not valid JSON: %w", err)
	}
	keys := make(map[string]*ecdsa.PublicKey)
	for _, e := range doc.PublicKeys {
		block, _ := pem.Decode([]byte(e.Key))
		if e.KeyIdentifier == "" || block == nil || block.Type != "PUBLIC KEY" {
			continue
		}
		pub, err := parsePublicKey(block.Bytes)
		if err != nil {
			continue
		}
		keys[e.KeyIdentifier] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New(`leakreport: the public keys document holds no ECDSA P-256 key; want {"public_keys":[{"key_identifier":"…","key":"-----BEGIN PUBLIC KEY-----…"}]}`)
	}
	return keys, nil
}

// ParseKeyFile parses the content of a public keys file: the JSON
// document of a public keys endpoint, or PEM blocks of type PUBLIC KEY,
// each identified by its Key-Identifier header, else by the hex SHA-256
// of the block as PEM text.
func ParseKeyFile(data []byte) (map[string]*ecdsa.PublicKey, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return ParseKeysDocument(t)
	}
	keys := make(map[string]*ecdsa.PublicKey)
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("leakreport: the public keys file holds a %q block; want PUBLIC KEY blocks only", block.Type)
		}
		pub, err := parsePublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		id := block.Headers["Key-Identifier"]
		if id == "" {
			id = KeyIdentifier(block.Bytes)
		}
		keys[id] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("leakreport: the public keys file holds no PEM PUBLIC KEY block")
	}
	return keys, nil
}

// KeyIdentifier returns the identifier of a public key given as DER
// (SubjectPublicKeyInfo): the hex SHA-256 of its PEM text.
func KeyIdentifier(der []byte) string {
	sum := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(sum[:])
}

func parsePublicKey(der []byte) (*ecdsa.PublicKey, error) {
	pk, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("leakreport: a public key does not parse: %w", err)
	}
	pub, ok := pk.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("leakreport: a public key is not an ECDSA P-256 key")
	}
	return pub, nil
}
