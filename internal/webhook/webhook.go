// Package webhook is the sending side of outbound webhooks in the format
// of the Standard Webhooks specification (https://www.standardwebhooks.com):
// whsec_ signing secrets, the webhook-id, webhook-timestamp and
// webhook-signature headers with HMAC-SHA256 "v1," signatures, several
// signatures at once while a secret is rotated — and an HTTP client that
// delivers only to the receivers an operator allows (Guard), so that a
// webhook URL cannot be used to reach the network behind Signet.
//
// Receivers verify with any Standard Webhooks library; the tests verify
// with the specification's own Go library.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery (Standard Webhooks).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret; the rest is base64.
const SecretPrefix = "whsec_"

// secretBytes is the length of the secrets NewSecret makes: the
// specification asks for 24 to 64 bytes.
const secretBytes = 32

// Secret is a signing secret's key. Its String is never the key.
type Secret struct{ key []byte }

// NewSecret returns a new random signing secret and its text form
// (whsec_…), to be shown once to the receiver's operator.
func NewSecret() (Secret, string) {
	key := make([]byte, secretBytes)
	rand.Read(key)
	return Secret{key: key}, SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ParseSecret reads a secret's text form, whsec_ and base64 of 24 to 64
// bytes.
func ParseSecret(s string) (Secret, error) {
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return Secret{}, errors.New("a webhook signing secret starts with " + SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Secret{}, errors.New("a webhook signing secret is " + SecretPrefix + " and base64")
	}
	if len(key) < 24 || len(key) > 64 {
		return Secret{}, errors.New("a webhook signing secret holds 24 to 64 bytes")
	}
	return Secret{key: key}, nil
}

// String hides the key: a secret that reaches a log says only what it is.
func (Secret) String() string { return "whsec_(redacted)" }

// Sign returns the webhook-signature header of a message: one "v1,"
// signature per secret, space-separated. During a rotation's overlap the
// message is signed with the old and the new secret, so that receivers
// holding either verify it.
func Sign(id string, at time.Time, payload []byte, secrets ...Secret) string {
	var b strings.Builder
	content := signedContent(id, at, payload)
	for i, s := range secrets {
		if i > 0 {
			b.WriteByte(' ')
		}
		m := hmac.New(sha256.New, s.key)
		m.Write(content)
		b.WriteString("v1,")
		b.WriteString(base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return b.String()
}

// signedContent is what is signed: "<id>.<unix seconds>.<payload>".
func signedContent(id string, at time.Time, payload []byte) []byte {
	c := make([]byte, 0, len(id)+12+len(payload))
	c = append(c, id...)
	c = append(c, '.')
	c = strconv.AppendInt(c, at.Unix(), 10)
	c = append(c, '.')
	return append(c, payload...)
}

// SetHeaders sets the Standard Webhooks headers of a delivery of message
// id, sent at at, on h.
func SetHeaders(h http.Header, id string, at time.Time, payload []byte, secrets ...Secret) {
	// The specification writes the names in lower case; HTTP/1.1 does not
	// care, and Go canonicalises them on the wire anyway.
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, Sign(id, at, payload, secrets...))
	h.Set("Content-Type", "application/json")
}
