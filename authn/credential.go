package authn

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// headerAPIKey is X-API-Key as net/http stores it (canonical form).
const headerAPIKey = "X-Api-Key"

// Credential kinds.
const (
	CredentialNone  = ""
	CredentialKey   = "key"
	CredentialBasic = "basic"
)

// Credential is what a request presented. It holds secrets: never log it.
type Credential struct {
	Kind     string
	Key      string // CredentialKey
	Login    string // CredentialBasic
	Password string // CredentialBasic
}

// ParseCredential reads a credential from request headers:
//
//	Authorization: Bearer <key>
//	Authorization: apikey <key>      (Bigeye's scheme; scheme word case-insensitive)
//	Authorization: Basic <base64(email:password)>
//	X-API-Key: <key>
//
// It returns a zero Credential when none is present and ok=false when a
// header is present but malformed. Presenting both Authorization and
// X-API-Key is malformed: which one counts would be ambiguous.
func ParseCredential(h http.Header) (c Credential, ok bool) {
	// By their canonical names: Values would canonicalise "X-API-Key"
	// again, an allocation on every request.
	auth := h["Authorization"]
	xkey := h[headerAPIKey]
	if len(auth) > 1 || len(xkey) > 1 || (len(auth) == 1 && len(xkey) == 1) {
		return Credential{}, false
	}
	if len(xkey) == 1 {
		k := strings.TrimSpace(xkey[0])
		if k == "" {
			return Credential{}, false
		}
		return Credential{Kind: CredentialKey, Key: k}, true
	}
	if len(auth) == 0 {
		return Credential{}, true
	}
	scheme, rest, found := strings.Cut(strings.TrimSpace(auth[0]), " ")
	if !found {
		return Credential{}, false
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return Credential{}, false
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "apikey"):
		return Credential{Kind: CredentialKey, Key: rest}, true
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return Credential{}, false
		}
		login, password, found := strings.Cut(string(raw), ":")
		if !found || login == "" {
			return Credential{}, false
		}
		return Credential{Kind: CredentialBasic, Login: login, Password: password}, true
	}
	return Credential{}, false
}
