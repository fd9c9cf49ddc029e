package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/signetdev/signet/client"
)

// decodeCheck decodes the body of POST /api/v1/check. The usual body — one
// check, {"key":"…","permission":"…"[,"workspace":"…"][,"client_ip":"…"]}
// with plain strings
// — is read by a small scanner that allocates only the strings; anything
// else (a batch, escapes, another spelling of a field, a repeated field, a
// malformed body) goes to decodeBody, which decides exactly as for every
// other route, errors included. FuzzDecodeCheck holds the scanner to
// encoding/json: whatever it accepts, the strict decoder decodes the same.
//
// The request is returned by value so that, on the fast path, it stays on
// the caller's stack.
func decodeCheck(r *http.Request) (client.CheckRequest, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > maxFastCheckBody ||
		r.Header.Get("Content-Type") != "application/json" {
		return decodeCheckStrictly(r)
	}
	buf := checkBodies.Get().(*[]byte)
	defer checkBodies.Put(buf)
	b := (*buf)[:r.ContentLength]
	if n, err := io.ReadFull(r.Body, b); err != nil {
		// Shorter than announced, or over the limit: the strict path
		// reports it in its words.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b[:n]), r.Body))
		return decodeCheckStrictly(r)
	}
	var in client.CheckRequest
	if extra, _ := r.Body.Read((*buf)[len(b) : len(b)+1]); extra > 0 || !scanCheck(b, &in) {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b[:len(b)+extra]), r.Body))
		return decodeCheckStrictly(r)
	}
	return in, nil
}

func decodeCheckStrictly(r *http.Request) (client.CheckRequest, error) {
	in := new(client.CheckRequest)
	err := decodeBody(r, in, true)
	return *in, err
}

// maxFastCheckBody bounds the bodies the scanner reads (a key is 74 bytes).
const maxFastCheckBody = 1024

// checkBodies holds buffers of one byte more than maxFastCheckBody: the
// extra byte is where decodeCheck looks for more than was announced.
var checkBodies = sync.Pool{New: func() any { b := make([]byte, maxFastCheckBody+1); return &b }}

// scanCheck reads b as one JSON object whose members are "key",
// "permission", "workspace" and "client_ip", each at most once, each a string without
// escapes or control characters, and reports whether b is exactly that.
func scanCheck(b []byte, in *client.CheckRequest) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	var seen [4]bool
	for first := true; ; first = false {
		if i < len(b) && b[i] == '}' && first {
			break
		}
		name, j, ok := scanString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		value, j, ok := scanString(b, skipSpace(b, i+1))
		if !ok {
			return false
		}
		var field *string
		var k int
		switch string(name) {
		case "key":
			field, k = &in.Key, 0
		case "permission":
			field, k = &in.Permission, 1
		case "workspace":
			field, k = &in.Workspace, 2
		case "client_ip":
			field, k = &in.ClientIP, 3
		default:
			return false
		}
		if seen[k] {
			return false
		}
		seen[k] = true
		*field = string(value)
		i = skipSpace(b, j)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return false
	}
	return skipSpace(b, i+1) == len(b)
}

// scanString reads a JSON string at b[i] without escapes or control
// characters, in valid UTF-8, and returns its contents and the index
// after it.
func scanString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, j, false
		}
	}
	return nil, len(b), false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
