package authn

import (
	"net/http"
	"strings"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/apikey"
)

// Authenticator turns a request's credential into an actor.
type Authenticator struct {
	verifier *Verifier
	backend  Backend
	basic    *basicCache
	failures *FailureAggregator // nil: failures are not audited
	// allowBasic accepts HTTP Basic (email and password) on the API; off
	// by default, see AllowBasic.
	allowBasic bool
}

// AllowBasic makes the Authenticator accept HTTP Basic credentials (a
// human's email and password) besides API keys. It is off by default:
// a password sent with every request of a script is a password stored in
// the script, every request then pays (or caches) a bcrypt check, and
// API keys are scoped, revocable and audited per key. The operator turns
// it on with signet serve --api-basic-auth. Call it before serving.
func (a *Authenticator) AllowBasic(on bool) { a.allowBasic = on }

// AuditFailures makes the Authenticator report every failed authentication
// (EUNAUTHENTICATED) to g, which aggregates them into audit events. Call it
// before serving.
func (a *Authenticator) AuditFailures(g *FailureAggregator) { a.failures = g }

// NewAuthenticator returns an Authenticator verifying keys with v and
// passwords with b.
func NewAuthenticator(v *Verifier, b Backend) *Authenticator {
	return &Authenticator{verifier: v, backend: b, basic: newBasicCache()}
}

var errMalformed = unauthenticated(ReasonMalformed,
	"the credential is malformed: send 'Authorization: Bearer <key>', 'Authorization: apikey <key>', 'X-API-Key: <key>' or HTTP Basic")

var errBasicDisabled = unauthenticated(ReasonBasicDisabled,
	"HTTP Basic authentication (email and password) is turned off on this server: send an API key ('Authorization: Bearer <key>'); create one in the web UI under Settings → API keys, or with 'signet login'")

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
	v, err := a.authenticate(r)
	if err != nil && a.failures != nil && signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
		a.failures.Record(failureOf(r, err))
	}
	return v, err
}

// maxLoginLen bounds the login kept in a failure event.
const maxLoginLen = 100

// failureOf describes a failed authentication without its secret: the key
// id when the presented key has the shape of a key, the login of HTTP
// Basic, or a fingerprint of the presented value.
func failureOf(r *http.Request, err error) Failure {
	ri := signet.RequestInfoFrom(r.Context())
	f := Failure{Reason: signet.ErrorReason(err), IP: ClientIP(r), UserAgent: ri.UserAgent, RequestID: ri.RequestID}
	c, ok := ParseCredential(r.Header)
	switch {
	case !ok:
		f.Credential = "malformed"
		v := strings.Join(append(r.Header.Values("Authorization"), r.Header[headerAPIKey]...), "\n")
		f.Fingerprint = Fingerprint(v)
	case c.Kind == CredentialKey:
		f.Credential = "api_key"
		if id, ok := apikey.ParsedID(c.Key); ok {
			f.KeyID = id
		} else {
			f.Fingerprint = Fingerprint(c.Key)
		}
	case c.Kind == CredentialBasic:
		f.Credential = "basic"
		login := strings.TrimSpace(c.Login)
		if utf8.RuneCountInString(login) > maxLoginLen {
			login = string([]rune(login)[:maxLoginLen])
		}
		f.Login = login
	}
	return f
}

func (a *Authenticator) authenticate(r *http.Request) (*Verified, error) {
	c, ok := ParseCredential(r.Header)
	if !ok {
		return nil, errMalformed
	}
	switch c.Kind {
	case CredentialKey:
		return a.verifier.VerifyKey(r.Context(), c.Key, ClientIP(r))
	case CredentialBasic:
		if !a.allowBasic {
			return nil, errBasicDisabled
		}
		actor, err := a.verifyPassword(r.Context(), c.Login, c.Password)
		if err != nil {
			return nil, err
		}
		return &Verified{Actor: actor}, nil
	}
	return nil, nil
}

// ClientIP returns the caller's address as the HTTP layer decided it
// (httpedge.ClientAddr, through signet.RequestInfo): the one client-address
// rule of the server. "" outside a request served by Signet's handlers.
func ClientIP(r *http.Request) string {
	return signet.RequestInfoFrom(r.Context()).IP
}
