package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
)

// KeyVerifier verifies API keys presented by the callers of the services
// behind Signet, for the check and forward-auth endpoints.
// *authn.Verifier implements it.
type KeyVerifier interface {
	VerifyKey(ctx context.Context, raw, ip string) (*authn.Verified, error)
}

// accessAuthenticator is implemented by authenticators that also return
// the caller's cached access (authn.Authenticator), so that the check
// endpoint can authorise the asking service without a database query.
type accessAuthenticator interface {
	AuthenticateWithAccess(r *http.Request) (*authn.Verified, error)
}

// ForwardAuthConfig says who may call the forward-auth endpoint: a
// reverse proxy on one of Networks, or one that sends Secret in the
// X-Signet-Forward-Auth-Secret header.
type ForwardAuthConfig struct {
	// Networks are the source networks allowed without the secret. Nil
	// means loopback only (127.0.0.0/8 and ::1).
	Networks []netip.Prefix
	// Secret, if not empty, admits a request from anywhere that carries
	// it in X-Signet-Forward-Auth-Secret.
	Secret string
}

// DefaultForwardAuthNetworks is the default of ForwardAuthConfig.Networks.
var DefaultForwardAuthNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Headers of the forward-auth endpoint. Of these it reads only
// HeaderForwardAuthSecret; the others are its answer, which the proxy
// passes on to the protected service. (It never reads a permission or
// workspace from a header: proxies pass the client's headers on.)
const (
	HeaderForwardAuthSecret = "X-Signet-Forward-Auth-Secret"
	// HeaderWorkspace names the workspace the permission was checked in:
	// the one the protected service must act in.
	HeaderWorkspace     = "X-Signet-Workspace"
	HeaderPrincipalID   = "X-Signet-Principal-Id"
	HeaderPrincipalKind = "X-Signet-Principal-Kind"
	HeaderPrincipalName = "X-Signet-Principal-Name"
	HeaderKeyID         = "X-Signet-Key-Id"
	HeaderReason        = "X-Signet-Reason"
)

// permCheck is the permission the asking service needs for the check API.
const permCheck = "signet:check"

var errNoVerifier = signet.Errorf(signet.EUNAVAILABLE, "key verification is not configured on this server")

// defaultWorkspace returns the default workspace's id, loaded once (it
// never changes: see service.DefaultWorkspaceID).
func (s *server) defaultWorkspace(ctx context.Context) (string, error) {
	if p := s.defaultWS.Load(); p != nil {
		return *p, nil
	}
	id, err := s.svc.DefaultWorkspaceID(ctx)
	if err != nil {
		return "", err
	}
	s.defaultWS.Store(&id)
	return id, nil
}

// check answers POST /api/v1/check: may the holder of a key do a
// permission in a workspace? The asking service authenticated with its own
// key (the route's authentication); it needs signet:check organisation-wide
// or in the workspace of every check. Denials of the checked keys are
// results (200), never errors: 401 and 403 are only ever about the asking
// service's own credential.
//
// Unlike forward-auth, the workspace here is named per check by the asking
// service (the check's workspace, else this request's X-Workspace-Id, else
// the default): the asking service is trusted with the question. It must
// therefore decide the workspace itself, and not pass its own caller's
// workspace header through unchecked (signetauth decides with
// signet.EdgeWorkspace).
func (s *server) check(w http.ResponseWriter, r *http.Request) error {
	if s.verifier == nil {
		return errNoVerifier
	}
	asker, _ := r.Context().Value(verifiedKey{}).(*authn.Verified)
	if asker == nil || asker.Access == nil {
		return signet.Errorf(signet.EFORBIDDEN, "the check API takes a service's API key holding %s, not a password", permCheck)
	}
	var in client.CheckRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	single := in.Checks == nil
	checks := in.Checks
	if single {
		if in.Key == "" || in.Permission == "" {
			return signet.Errorf(signet.EINVALID, "key and permission are required (or checks, a list of them)")
		}
		checks = []client.Check{{Key: in.Key, Permission: in.Permission, Workspace: in.Workspace}}
	} else {
		if in.Key != "" || in.Permission != "" || in.Workspace != "" {
			return badRequest("send either key and permission, or checks, not both")
		}
		if len(checks) == 0 || len(checks) > client.MaxChecks {
			return signet.Errorf(signet.EINVALID, "checks must hold 1 to %d checks", client.MaxChecks)
		}
	}
	headerWS, err := workspaceID(r)
	if err != nil {
		return err
	}
	ip := signet.RequestInfoFrom(r.Context()).IP
	results := make([]client.CheckResult, len(checks))
	for i, c := range checks {
		if c.Key == "" || c.Permission == "" {
			return signet.Errorf(signet.EINVALID, "checks[%d]: key and permission are required", i)
		}
		if _, _, ok := signet.SplitPermission(c.Permission); !ok {
			return signet.Errorf(signet.EINVALID, "permission %q is not of the form domain:action", c.Permission)
		}
		ws := c.Workspace
		if ws == "" {
			ws = headerWS
		}
		if ws == "" {
			if ws, err = s.defaultWorkspace(r.Context()); err != nil {
				return err
			}
		}
		if !asker.Access.Can(permCheck, ws) {
			return signet.Errorf(signet.EFORBIDDEN, "this key may not use the check API in workspace %q: it needs %s", ws, permCheck)
		}
		if results[i], err = s.checkOne(r.Context(), c.Key, c.Permission, ws, ip); err != nil {
			return err
		}
	}
	if single {
		writeJSON(w, http.StatusOK, results[0])
	} else {
		writeJSON(w, http.StatusOK, client.CheckBatchResponse{Results: results})
	}
	return nil
}

// checkOne verifies one key and permission. Only a failure of storage is
// an error.
func (s *server) checkOne(ctx context.Context, key, perm, ws, ip string) (client.CheckResult, error) {
	res := client.CheckResult{Workspace: ws}
	v, err := s.verifier.VerifyKey(ctx, key, ip)
	if err != nil {
		if signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
			return res, err
		}
		res.Reason = signet.ErrorReason(err)
		return res, nil
	}
	res.Principal = &client.Principal{ID: v.Actor.UserID, Kind: v.Actor.Kind, Name: v.Actor.Name}
	res.KeyID = v.Actor.KeyID
	if res.Allowed = v.Access.Can(perm, ws); !res.Allowed {
		res.Reason = client.ReasonPermissionDenied
	}
	return res, nil
}

// forwardAuth answers a reverse proxy's sub-request (nginx auth_request,
// Traefik ForwardAuth, Caddy forward_auth, Envoy ext_authz over HTTP with
// path_override), any method: 200 with identity headers when the original
// request's API key verifies and holds the permission, 401 when it carries
// no valid key, 403 when the key lacks the permission, when the request
// names a workspace the operator does not let callers choose (or the proxy
// may not ask).
//
// Everything the operator decides comes from the query string of the URL
// the proxy is configured with — never from a header, because proxies pass
// the client's headers on: permission, workspace, client_workspaces. The
// workspace is decided by signet.EdgeWorkspace.
func (s *server) forwardAuth(w http.ResponseWriter, r *http.Request) error {
	if s.verifier == nil {
		return errNoVerifier
	}
	if !s.forwardAllowed(r) {
		return signet.Errorf(signet.EFORBIDDEN, "forward-auth is not open to this address: configure --forward-auth-networks or --forward-auth-secret")
	}
	if r.URL.Path != forwardAuthPath {
		// Envoy's path_prefix appends the client's path and query string:
		// the query would be the client's, not the operator's.
		return signet.Errorf(signet.EBADREQUEST, "forward-auth must be called at exactly %s?permission=…: a path after it means the proxy appended the client's path and query string, which must not decide the permission or workspace (Envoy: use path_override, not path_prefix)", forwardAuthPath)
	}
	q := r.URL.Query()
	perm := strings.TrimSpace(q.Get("permission"))
	if perm != "" {
		if _, _, ok := signet.SplitPermission(perm); !ok {
			return signet.Errorf(signet.EINVALID, "permission %q is not of the form domain:action", perm)
		}
	}
	edge := signet.EdgeWorkspace{Fixed: strings.TrimSpace(q.Get("workspace")), ClientMayChoose: splitList(q.Get("client_workspaces"))}
	if edge.Fixed == "" {
		var err error
		if edge.Fixed, err = s.defaultWorkspace(r.Context()); err != nil {
			return err
		}
	}
	h := w.Header()
	ws, err := edge.Decide(callerWorkspaces(r)...)
	if err != nil {
		h.Set(HeaderReason, signet.ErrorReason(err))
		return err
	}
	c, ok := authn.ParseCredential(r.Header)
	if !ok || c.Kind != authn.CredentialKey {
		h.Set(HeaderReason, "missing_key")
		return signet.Errorf(signet.EUNAUTHENTICATED, "an API key is required: Authorization: Bearer <key>, Authorization: apikey <key> or X-API-Key: <key>")
	}
	// The client's address is the one the HTTP edge decided: the proxy
	// (the TCP peer), or with --trusted-proxies covering the proxy, the
	// address its X-Forwarded-For names.
	v, err := s.verifier.VerifyKey(r.Context(), c.Key, signet.RequestInfoFrom(r.Context()).IP)
	if err != nil {
		if signet.ErrorCode(err) == signet.EUNAUTHENTICATED {
			h.Set(HeaderReason, signet.ErrorReason(err))
		}
		return err
	}
	h.Set(HeaderPrincipalID, v.Actor.UserID)
	h.Set(HeaderPrincipalKind, v.Actor.Kind)
	h.Set(HeaderPrincipalName, headerSafe(v.Actor.Name))
	h.Set(HeaderKeyID, v.Actor.KeyID)
	h.Set(HeaderWorkspace, ws)
	if perm != "" && !v.Access.Can(perm, ws) {
		h.Set(HeaderReason, client.ReasonPermissionDenied)
		return &signet.Error{Code: signet.EFORBIDDEN, Reason: client.ReasonPermissionDenied,
			Message: "the API key does not hold " + perm + " in workspace " + ws}
	}
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// forwardAuthPath is the one path forward-auth answers at.
const forwardAuthPath = "/api/v1/forward-auth"

// callerWorkspaces returns the workspaces the original request names in
// its headers, every line of each, for signet.EdgeWorkspace to decide on.
func callerWorkspaces(r *http.Request) []string {
	a, b := r.Header["X-Workspace-Id"], r.Header["X-Bigeye-Workspace-Id"]
	if len(b) == 0 {
		return a
	}
	return append(append(make([]string, 0, len(a)+len(b)), a...), b...)
}

// splitList splits a comma-separated query parameter, dropping empty
// items.
func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// forwardAllowed reports whether r comes from an allowed network or
// carries the shared secret. The network is that of the TCP peer, never a
// forwarded header.
func (s *server) forwardAllowed(r *http.Request) bool {
	if s.forward.Secret != "" {
		if got := r.Header.Get(HeaderForwardAuthSecret); got != "" &&
			subtle.ConstantTimeCompare([]byte(got), []byte(s.forward.Secret)) == 1 {
			return true
		}
	}
	ip := s.clientAddr.Peer(r)
	if !ip.IsValid() {
		return false
	}
	for _, n := range s.forward.Networks {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// headerSafe drops control characters from a value bound for a header.
func headerSafe(v string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, v)
}
