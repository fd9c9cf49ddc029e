// Package apikey generates, formats and parses Signet API keys. It has no
// dependencies beyond the standard library and never touches storage.
//
// A key reads
//
//	sgn_<kind>_<key id>_<secret><checksum>
//
// where kind is "sa" (service account) or "pk" (personal), the key id is a
// 26-character lowercase ULID (public: lists, logs and audit events show it
// as "key_<key id>"), the secret is 36 base62 characters drawn from
// crypto/rand without modulo bias (214 bits), and the checksum is the CRC32
// (IEEE) of everything before it, as 6 base62 characters. Secret scanners
// match a key with Pattern.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"hash/crc32"
	"regexp"
	"sync"
)

// Kinds, as they appear in a key.
const (
	KindServiceAccount = "sa"
	KindPersonal       = "pk"
)

// Prefix begins every key string.
const Prefix = prefix

const (
	prefix      = "sgn_"
	idLen       = 26
	secretLen   = 36
	checksumLen = 6
	// Len is the length of every key.
	Len = len(prefix) + 2 + 1 + idLen + 1 + secretLen + checksumLen
	// IDPrefix turns the key id in a key into the public API id.
	IDPrefix = "key_"
)

// Pattern is the regular expression that matches a Signet API key, for
// secret scanners. It is documented in the README.
const Pattern = `\bsgn_(sa|pk)_[0-9a-hjkmnp-tv-z]{26}_[0-9A-Za-z]{42}\b`

// Regexp is Pattern compiled.
var Regexp = regexp.MustCompile(Pattern)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Errors returned by Parse. They carry no part of the input.
var (
	ErrFormat   = errors.New("apikey: not a Signet API key")
	ErrChecksum = errors.New("apikey: checksum mismatch")
)

// KindOf returns how a stored key kind (signet.KeyKindServiceAccount,
// "service_account", or signet.KeyKindPersonal, "personal") is spelled in
// a key; "" for any other.
func KindOf(stored string) string {
	switch stored {
	case "service_account":
		return KindServiceAccount
	case "personal":
		return KindPersonal
	}
	return ""
}

// Key is a parsed key. Secret is the secret part; keep it out of logs.
// RawID and Secret are substrings of the parsed string, so parsing does
// not allocate.
type Key struct {
	Kind   string // KindServiceAccount or KindPersonal
	RawID  string // the 26-character key id as it appears in the key
	Secret string
}

// ID returns the public id of the key, "key_" + RawID.
func (k Key) ID() string { return IDPrefix + k.RawID }

// Hash returns SHA-256 of the secret: what storage keeps.
func (k Key) Hash() [32]byte { return HashSecret(k.Secret) }

// HashSecret returns SHA-256 of secret. Secrets of the usual length are
// copied to a stack buffer first, which keeps the hot path free of heap
// allocations (converting the string to a slice would escape).
func HashSecret(secret string) [32]byte {
	var buf [secretLen]byte
	if len(secret) == secretLen {
		copy(buf[:], secret)
		return sha256.Sum256(buf[:])
	}
	return sha256.Sum256([]byte(secret))
}

// Matches reports in constant time whether the secret hashes to h.
func (k Key) Matches(h [32]byte) bool {
	got := k.Hash()
	return subtle.ConstantTimeCompare(got[:], h[:]) == 1
}

// Generate returns a new key string of the given kind for the given key id
// (the 26-character lowercase ULID, without "key_"), and its parsed form.
func Generate(kind, rawID string) (string, Key, error) {
	if kind != KindServiceAccount && kind != KindPersonal {
		return "", Key{}, errors.New("apikey: unknown kind " + kind)
	}
	if !validID(rawID) {
		return "", Key{}, errors.New("apikey: key id must be a 26-character lowercase ULID")
	}
	secret, err := randomBase62(secretLen)
	if err != nil {
		return "", Key{}, err
	}
	body := prefix + kind + "_" + rawID + "_" + secret
	s := body + checksum(body)
	return s, Key{Kind: kind, RawID: rawID, Secret: secret}, nil
}

// Parse checks the shape and checksum of s without touching storage, so
// typos and junk are rejected cheaply. It does not allocate for junk.
func Parse(s string) (Key, error) {
	if len(s) != Len || s[:len(prefix)] != prefix {
		return Key{}, ErrFormat
	}
	kind := s[4:6]
	if (kind != KindServiceAccount && kind != KindPersonal) || s[6] != '_' {
		return Key{}, ErrFormat
	}
	id := s[7 : 7+idLen]
	if !validID(id) || s[7+idLen] != '_' {
		return Key{}, ErrFormat
	}
	rest := s[8+idLen:]
	for i := 0; i < len(rest); i++ {
		if !isBase62(rest[i]) {
			return Key{}, ErrFormat
		}
	}
	body := s[:Len-checksumLen]
	if !checksumMatches(body, s[Len-checksumLen:]) {
		return Key{}, ErrChecksum
	}
	return Key{Kind: kind, RawID: id, Secret: rest[:secretLen]}, nil
}

// ParsedID returns the public key id of s if s has the shape of a key,
// whatever its checksum; it is for attributing failures in audit events.
func ParsedID(s string) (string, bool) {
	if len(s) != Len || s[:len(prefix)] != prefix || s[6] != '_' || s[7+idLen] != '_' {
		return "", false
	}
	id := s[7 : 7+idLen]
	if !validID(id) {
		return "", false
	}
	return IDPrefix + id, true
}

// Hint returns the display hint of a key: its prefix and last 4 characters.
func Hint(s string) string {
	if len(s) < 8 {
		return ""
	}
	return s[:7] + "…" + s[len(s)-4:]
}

// validID reports whether id is 26 lowercase Crockford base32 characters
// with a first character of at most '7' (ULIDs fit in 128 bits).
func validID(id string) bool {
	if len(id) != idLen || id[0] > '7' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !isCrockfordLower(id[i]) {
			return false
		}
	}
	return true
}

func isCrockfordLower(c byte) bool {
	switch {
	case c >= '0' && c <= '9':
		return true
	case c >= 'a' && c <= 'z':
		return c != 'i' && c != 'l' && c != 'o' && c != 'u'
	}
	return false
}

func isBase62(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// checksum encodes CRC32 of body as checksumLen base62 digits, most
// significant first.
func checksum(body string) string {
	var b [checksumLen]byte
	v := crc32.ChecksumIEEE([]byte(body))
	for i := checksumLen - 1; i >= 0; i-- {
		b[i] = base62[v%62]
		v /= 62
	}
	return string(b[:])
}

// bodyBuffers recycles the buffer a key's body is copied into for CRC32:
// the standard library's CRC32 makes any slice it is given escape, and a
// pooled buffer keeps parsing free of allocations.
var bodyBuffers = sync.Pool{New: func() any { return new([Len]byte) }}

func checksumMatches(body, sum string) bool {
	buf := bodyBuffers.Get().(*[Len]byte)
	n := copy(buf[:], body)
	v := crc32.ChecksumIEEE(buf[:n])
	bodyBuffers.Put(buf)
	for i := checksumLen - 1; i >= 0; i-- {
		if sum[i] != base62[v%62] {
			return false
		}
		v /= 62
	}
	return true
}

// randomBase62 returns n base62 characters from crypto/rand. Bytes >= 248
// are rejected so that every character is equally likely (248 = 4*62).
func randomBase62(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c >= 248 {
				continue
			}
			out = append(out, base62[c%62])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
