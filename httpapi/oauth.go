package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/issuer"
)

// The OAuth 2.0 endpoints speak OAuth's wire format, not the REST API's:
// form-encoded requests, {"error","error_description"} answers (RFC 6749
// §5.2), no caching. The issuer decides everything; these translate.

// oauthParams are the form parameters of the OAuth endpoints; any other
// is refused, so that a misspelt one is never silently ignored.
var oauthParams = map[string]bool{
	"grant_type": true, "scope": true, "audience": true, "resource": true,
	"client_id": true, "client_secret": true, "client_assertion_type": true, "client_assertion": true,
	"subject_token": true, "subject_token_type": true, "requested_token_type": true, "actor_token": true, "actor_token_type": true,
	"token": true, "token_type_hint": true,
}

// repeatable are the parameters that may appear more than once (RFC 8693
// §2.1); every other may appear once (RFC 6749 §3.2).
var repeatable = map[string]bool{"audience": true, "resource": true}

// oauthForm reads an OAuth request's form body.
func oauthForm(r *http.Request) (url.Values, *issuer.Error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, &issuer.Error{Code: "invalid_request", Description: "send the parameters as application/x-www-form-urlencoded"}
	}
	if err := r.ParseForm(); err != nil {
		return nil, &issuer.Error{Code: "invalid_request", Description: "the form cannot be read: " + err.Error()}
	}
	if r.URL.RawQuery != "" {
		return nil, &issuer.Error{Code: "invalid_request", Description: "send the parameters in the body, not in the URL's query"}
	}
	for k, v := range r.PostForm {
		if !oauthParams[k] {
			return nil, &issuer.Error{Code: "invalid_request", Description: "unknown parameter " + k}
		}
		if len(v) > 1 && !repeatable[k] {
			return nil, &issuer.Error{Code: "invalid_request", Description: "parameter " + k + " is repeated: send it once"}
		}
	}
	return r.PostForm, nil
}

// tokenRequest reads the client authentication and parameters common to
// the OAuth endpoints.
func tokenRequest(r *http.Request, f url.Values) (issuer.TokenRequest, *issuer.Error) {
	ri := signet.RequestInfoFrom(r.Context())
	req := issuer.TokenRequest{
		GrantType: f.Get("grant_type"), Scope: f.Get("scope"),
		ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		ClientAssertionType: f.Get("client_assertion_type"), ClientAssertion: f.Get("client_assertion"),
		SubjectToken: f.Get("subject_token"), SubjectTokenType: f.Get("subject_token_type"),
		RequestedTokenType: f.Get("requested_token_type"), ActorToken: f.Get("actor_token"),
		IP: authn.ClientIP(r), UserAgent: ri.UserAgent, RequestID: ri.RequestID,
	}
	req.Audience = append(append(req.Audience, f["audience"]...), f["resource"]...)
	if h := r.Header.Get("Authorization"); h != "" && strings.HasPrefix(strings.ToLower(h), "basic ") {
		id, secret, ok := r.BasicAuth()
		if !ok {
			return req, &issuer.Error{Code: "invalid_client", Description: "the Authorization header is not valid HTTP Basic", Basic: true}
		}
		if req.ClientSecret != "" {
			return req, &issuer.Error{Code: "invalid_request", Description: "authenticate with one method: HTTP Basic or client_secret in the form, not both"}
		}
		// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return req, &issuer.Error{Code: "invalid_client", Description: "the Basic credentials are not form-encoded", Basic: true}
		}
		if req.ClientID != "" && req.ClientID != id {
			return req, &issuer.Error{Code: "invalid_request", Description: "client_id differs from the Basic user name"}
		}
		req.ClientID, req.ClientSecret, req.Basic = id, secret, true
	}
	return req, nil
}

// writeOAuth writes an OAuth answer: never cached (RFC 6749 §5.1).
func writeOAuth(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error","error_description":"Internal error."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

func writeOAuthError(w http.ResponseWriter, e *issuer.Error) {
	if e.Basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="signet", charset="UTF-8"`)
	}
	writeOAuth(w, e.Status(), map[string]string{"error": e.Code, "error_description": e.Description})
}

var errTokensOff = &issuer.Error{Code: "temporarily_unavailable", Description: "this server does not issue tokens", Unavailable: true}

// oauthToken is the token endpoint.
func (s *server) oauthToken(w http.ResponseWriter, r *http.Request) error {
	if s.issuer == nil {
		writeOAuthError(w, errTokensOff)
		return nil
	}
	f, oerr := oauthForm(r)
	if oerr == nil {
		var req issuer.TokenRequest
		if req, oerr = tokenRequest(r, f); oerr == nil {
			var resp *issuer.TokenResponse
			if resp, oerr = s.issuer.Token(r.Context(), req); oerr == nil {
				writeOAuth(w, http.StatusOK, resp)
				return nil
			}
		}
	}
	writeOAuthError(w, oerr)
	return nil
}

// oauthIntrospect is the introspection endpoint (RFC 7662).
func (s *server) oauthIntrospect(w http.ResponseWriter, r *http.Request) error {
	if s.issuer == nil {
		writeOAuthError(w, errTokensOff)
		return nil
	}
	f, oerr := oauthForm(r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return nil
	}
	var bearer string
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		bearer = strings.TrimSpace(h[7:])
	}
	var req issuer.TokenRequest
	if bearer == "" {
		if req, oerr = tokenRequest(r, f); oerr != nil {
			writeOAuthError(w, oerr)
			return nil
		}
	} else {
		req.IP = authn.ClientIP(r)
	}
	if _, oerr := s.issuer.AuthenticateCaller(r.Context(), bearer, req); oerr != nil {
		if bearer != "" && oerr.Code == "invalid_client" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="signet", error="invalid_token"`)
		}
		writeOAuthError(w, oerr)
		return nil
	}
	if f.Get("token") == "" {
		writeOAuthError(w, &issuer.Error{Code: "invalid_request", Description: "token is required: the access token to introspect"})
		return nil
	}
	in, err := s.issuer.Introspect(r.Context(), f.Get("token"))
	if err != nil {
		return err
	}
	writeOAuth(w, http.StatusOK, in)
	return nil
}

// oauthRevoke is the revocation endpoint (RFC 7009).
func (s *server) oauthRevoke(w http.ResponseWriter, r *http.Request) error {
	if s.issuer == nil {
		writeOAuthError(w, errTokensOff)
		return nil
	}
	f, oerr := oauthForm(r)
	if oerr == nil {
		var req issuer.TokenRequest
		if req, oerr = tokenRequest(r, f); oerr == nil {
			if f.Get("token") == "" {
				oerr = &issuer.Error{Code: "invalid_request", Description: "token is required: the access token to revoke"}
			} else if oerr = s.issuer.Revoke(r.Context(), req, f.Get("token")); oerr == nil {
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusOK)
				return nil
			}
		}
	}
	writeOAuthError(w, oerr)
	return nil
}

// jwks serves the published signing keys.
func (s *server) jwks(w http.ResponseWriter, r *http.Request) error {
	if s.issuer == nil {
		return signet.Errorf(signet.ENOTFOUND, "this server does not issue tokens")
	}
	b, err := s.issuer.JWKS(r.Context())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// Verifiers refetch on an unknown kid, so a short cache is enough.
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(b)
	return nil
}

// oauthMetadata serves the authorization server metadata (RFC 8414).
func (s *server) oauthMetadata(w http.ResponseWriter, r *http.Request) error {
	if s.issuer == nil {
		return signet.Errorf(signet.ENOTFOUND, "this server does not issue tokens")
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, s.issuer.Metadata())
	return nil
}
