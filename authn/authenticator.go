package authn

import (
	"net"
	"net/http"

	signet "github.com/signetdev/signet"
)

// Authenticator turns a request's credential into an actor.
type Authenticator struct {
	verifier *Verifier
	backend  Backend
	basic    *basicCache
}

// NewAuthenticator returns an Authenticator verifying keys with v and
// passwords with b.
func NewAuthenticator(v *Verifier, b Backend) *Authenticator {
	return &Authenticator{verifier: v, backend: b, basic: newBasicCache()}
}

var errMalformed = unauthenticated(ReasonMalformed,
	"The credential is malformed: send 'Authorization: Bearer <key>', 'Authorization: apikey <key>', 'X-API-Key: <key>' or HTTP Basic.")

// Authenticate reads the request's credential. It returns (nil, nil) when
// the request carries none, and an EUNAUTHENTICATED *signet.Error with a
// Reason when it carries a bad one.
func (a *Authenticator) Authenticate(r *http.Request) (*signet.Actor, error) {
	v, err := a.AuthenticateWithAccess(r)
	if v == nil {
		return nil, err
	}
	return v.Actor, err
}

// AuthenticateWithAccess is Authenticate that also returns the caller's
// cached access for keys (nil Access for HTTP Basic).
func (a *Authenticator) AuthenticateWithAccess(r *http.Request) (*Verified, error) {
	c, ok := ParseCredential(r.Header)
	if !ok {
		return nil, errMalformed
	}
	switch c.Kind {
	case CredentialKey:
		return a.verifier.VerifyKey(r.Context(), c.Key, ClientIP(r))
	case CredentialBasic:
		actor, err := a.verifyPassword(r.Context(), c.Login, c.Password)
		if err != nil {
			return nil, err
		}
		return &Verified{Actor: actor}, nil
	}
	return nil, nil
}

// ClientIP returns the caller's address as the HTTP layer determined it
// (signet.RequestInfo, which honours forwarded headers only when configured
// to), falling back to the host part of r.RemoteAddr.
func ClientIP(r *http.Request) string {
	if ip := signet.RequestInfoFrom(r.Context()).IP; ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
