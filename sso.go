package signet

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Single sign-on: people sign in with the company's OpenID Connect
// identity provider. An administrator configures providers; each maps
// values of one ID-token claim (e.g. "groups") to Signet groups, applied at
// every sign-in. Signet links a provider's subject to one user the first
// time it signs in (matched by verified email), and creates users just in
// time only when the provider allows it.

// OIDCProvider is an OpenID Connect identity provider people sign in with.
type OIDCProvider struct {
	ID string
	// Name is shown on the login page ("Sign in with Name").
	Name string
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer   string
	ClientID string
	// ClientSecret is sealed at rest (see service); it is never returned
	// by the API, shown in the UI, logged or audited.
	ClientSecret string
	// Scopes are requested besides "openid" (default: email, profile).
	Scopes []string
	// AllowedDomains, when not empty, are the only email domains that may
	// sign in (compared case-insensitively).
	AllowedDomains []string
	// JITCreate creates a user at the first sign-in of someone unknown;
	// otherwise only existing users (by verified email) may sign in.
	JITCreate bool
	// GroupsClaim names the ID-token claim holding the user's IdP groups
	// ("" turns group mapping off).
	GroupsClaim string
	// GroupMappings map claim values to Signet groups.
	GroupMappings []GroupMapping
	Enabled       bool
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
}

// GroupMapping makes everyone whose groups claim holds Value a member of
// GroupID, and removes members of GroupID whose claim does not hold it, at
// each sign-in through the provider. A user is a member of a mapped group
// when any of the group's mappings matches.
type GroupMapping struct {
	Value   string
	GroupID string
}

// UserIdentity links a provider's subject (the ID token's "sub") to a
// Signet user.
type UserIdentity struct {
	ProviderID  string
	Subject     string
	UserID      string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// SSOLoginState is an authorisation request in progress: single-use,
// short-lived, bound to the browser that started it.
type SSOLoginState struct {
	// StateHash is the SHA-256 of the state parameter.
	StateHash [32]byte
	// BrowserHash is the SHA-256 of the cookie set on the browser that
	// started the sign-in.
	BrowserHash [32]byte
	ProviderID  string
	// Nonce and Verifier (PKCE) are sealed at rest (see service).
	Nonce     string
	Verifier  string
	Next      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PasswordLogin is the organisation's password sign-in setting.
type PasswordLogin struct {
	// Disabled turns password sign-in (UI, signet login, HTTP Basic) off
	// for everyone but BreakGlassUserID.
	Disabled bool
	// BreakGlassUserID is the administrator who keeps password sign-in
	// when it is off; required then.
	BreakGlassUserID string
}

// Limits of provider configuration.
const (
	MaxProviderNameLen = 60
	MaxURLLen          = 2048
	MaxGroupMappings   = 200
	MaxAllowedDomains  = 50
	MaxScopes          = 20
)

// ValidateIssuer checks an issuer URL: absolute https (http only for
// localhost and loopback addresses, for tests and development), no query
// or fragment.
func ValidateIssuer(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if s == "" || len(s) > MaxURLLen || err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", FieldErrorf("issuer", EINVALID, "the issuer must be an absolute URL such as https://login.example.com, without query or fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return "", FieldErrorf("issuer", EINVALID, "the issuer must use https (http is accepted for localhost only)")
		}
	default:
		return "", FieldErrorf("issuer", EINVALID, "the issuer must use https")
	}
	return s, nil
}

// NormaliseDomains trims, lower-cases, sorts and de-duplicates email
// domains, refusing anything that is not a plain domain name.
func NormaliseDomains(in []string) ([]string, error) {
	if len(in) > MaxAllowedDomains {
		return nil, FieldErrorf("allowed_domains", EINVALID, "at most %d allowed domains", MaxAllowedDomains)
	}
	out := make([]string, 0, len(in))
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d == "" {
			continue
		}
		if len(d) > 253 || strings.ContainsFunc(d, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.')
		}) || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return nil, FieldErrorf("allowed_domains", EINVALID, "%q is not an email domain such as example.com", d)
		}
		out = append(out, d)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// EmailDomainAllowed reports whether email's domain is one of domains
// (every domain when there are none).
func EmailDomainAllowed(email string, domains []string) bool {
	if len(domains) == 0 {
		return true
	}
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return false
	}
	return slices.Contains(domains, strings.ToLower(email[i+1:]))
}
