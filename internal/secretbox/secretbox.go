// Package secretbox keeps secrets Signet must read back (webhook signing
// secrets) encrypted at rest, under a key the operator keeps outside the
// database: a copy of the database alone does not reveal them.
//
// A sealed value is "v1.<key id>.<base64url of nonce and ciphertext>",
// AES-256-GCM under a key derived (HKDF-SHA-256) from the configured key,
// bound to a context string (what the secret belongs to) as additional
// data, so that a sealed value copied to another row does not open. The
// key id names the key that sealed a value, so that a replica started with
// another key says so instead of failing obscurely.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of the configured key, in bytes.
const KeySize = 32

// Box seals and opens values under one key.
type Box struct {
	aead  cipher.AEAD
	keyID string
}

// New returns a Box for a key of KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: the key must be %d bytes, not %d", KeySize, len(key))
	}
	k, err := hkdf.Key(sha256.New, key, nil, "signet secretbox v1 encryption", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	id, err := hkdf.Key(sha256.New, key, nil, "signet secretbox v1 key id", 6)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, keyID: hex.EncodeToString(id)}, nil
}

// KeyID names the key, without revealing it.
func (b *Box) KeyID() string { return b.keyID }

// Seal encrypts plaintext bound to context.
func (b *Box) Seal(plaintext []byte, context string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	ct := b.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return "v1." + b.keyID + "." + base64.RawURLEncoding.EncodeToString(ct)
}

// ErrWrongKey is returned by Open for a value another key sealed.
var ErrWrongKey = errors.New("secretbox: the value was sealed with another key")

// Open decrypts a value Seal returned for the same context.
func (b *Box) Open(sealed, context string) ([]byte, error) {
	parts := strings.Split(sealed, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, errors.New("secretbox: not a sealed value")
	}
	if parts[1] != b.keyID {
		return nil, fmt.Errorf("%w (key id %s; this process has %s)", ErrWrongKey, parts[1], b.keyID)
	}
	ct, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(ct) < b.aead.NonceSize() {
		return nil, errors.New("secretbox: the sealed value is damaged")
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, ct[:n], ct[n:], []byte(context))
	if err != nil {
		return nil, errors.New("secretbox: the sealed value does not open (damaged, or sealed for something else)")
	}
	return pt, nil
}

// LoadKeyFile reads a key file: KeySize random bytes, hex-encoded (64
// characters, surrounding white space ignored). With create, a missing
// file is created with a new random key, readable by its owner only.
func LoadKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		key := make([]byte, KeySize)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			// Another process created it first: use its key.
			return LoadKeyFile(path, false)
		}
		if err != nil {
			return nil, fmt.Errorf("creating the secret key file: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("writing the secret key file: %w", werr)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the secret key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("the secret key file %s must hold %d hex characters (%d random bytes), e.g. from: openssl rand -hex %d", path, 2*KeySize, KeySize, KeySize)
	}
	return key, nil
}
