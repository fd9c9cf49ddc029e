package httpapi

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/httpedge"
)

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

var errNoVerifier = signet.Errorf(signet.EUNAVAILABLE, "key verification is not configured on this server")

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
	if s.checker == nil {
		return errNoVerifier
	}
	in, err := decodeCheck(r)
	if err != nil {
		return err
	}
	headerWS, err := workspaceID(r)
	if err != nil {
		return err
	}
	ip := signet.RequestInfoFrom(r.Context()).IP
	asker := verified(r)
	if in.Checks == nil {
		if in.Key == "" || in.Permission == "" {
			return signet.Errorf(signet.EINVALID, "key and permission are required (or checks, a list of them)")
		}
		a, err := s.checkOne(r, asker, client.Check{Key: in.Key, Permission: in.Permission, Workspace: in.Workspace, ClientIP: in.ClientIP}, headerWS, ip)
		if err != nil {
			return err
		}
		writeCheckAnswer(w, &a)
		return nil
	}
	if in.Key != "" || in.Permission != "" || in.Workspace != "" {
		return badRequest("send either key and permission, or checks, not both")
	}
	if len(in.Checks) == 0 || len(in.Checks) > client.MaxChecks {
		return signet.Errorf(signet.EINVALID, "checks must hold 1 to %d checks", client.MaxChecks)
	}
	results := make([]client.CheckResult, len(in.Checks))
	for i, c := range in.Checks {
		if c.Key == "" || c.Permission == "" {
			return signet.Errorf(signet.EINVALID, "checks[%d]: key and permission are required", i)
		}
		if c.ClientIP == "" {
			c.ClientIP = in.ClientIP
		}
		a, err := s.checkOne(r, asker, c, headerWS, ip)
		if err != nil {
			return err
		}
		results[i] = checkResultJSON(a)
	}
	writeJSON(w, http.StatusOK, client.CheckBatchResponse{Results: results})
	return nil
}

// checkOne answers one check of the asking service (asker): the
// permission's shape, the workspace (the check's, else the request's,
// else the default), whether the asker may ask there, and the answer.
//
// The check's client_ip is the original caller's address as the asking
// service saw it: Signet trusts the asking service for it (the service is
// authenticated and holds signet:check, so it is trusted with the whole
// question), judges the key's network allowlist by it and records it as
// the key's last use. Without it the original caller is unknown: a key
// with an allowlist is refused, and the use is recorded from the asking
// service's own address (ip).
func (s *server) checkOne(r *http.Request, asker *authn.Verified, c client.Check, headerWS, ip string) (authn.Answer, error) {
	if _, _, ok := signet.SplitPermission(c.Permission); !ok {
		return authn.Answer{}, signet.Errorf(signet.EINVALID, "permission %q is not of the form domain:action, such as metrics:write", c.Permission)
	}
	from := ""
	if c.ClientIP != "" {
		var ok bool
		if from, ok = canonicalIP(c.ClientIP); !ok {
			return authn.Answer{}, signet.Errorf(signet.EINVALID, "client_ip %q is not an IP address: send the caller's address, such as 192.0.2.10 or 2001:db8::1, without a port", c.ClientIP)
		}
		ip = from
	}
	ws, err := s.checker.Workspace(r.Context(), firstOf(c.Workspace, headerWS))
	if err != nil {
		return authn.Answer{}, err
	}
	if err := s.checker.MayAsk(asker, ws); err != nil {
		return authn.Answer{}, err
	}
	return s.checker.Check(r.Context(), c.Key, c.Permission, ws, ip, from)
}

// canonicalIP returns the address v in canonical text form (IPv4-mapped
// IPv6 unmapped), v itself when it is already canonical, so that the usual
// case allocates nothing; false for anything but an address (a port, a
// zone, a name).
func canonicalIP(v string) (string, bool) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return "", false
	}
	a = a.Unmap()
	var buf [64]byte
	if b := a.AppendTo(buf[:0]); string(b) != v {
		return string(b), true
	}
	return v, true
}

// checkResultJSON is the wire form of a check's answer.
func checkResultJSON(a authn.Answer) client.CheckResult {
	res := client.CheckResult{Allowed: a.Allowed, Reason: a.Reason, Workspace: a.Workspace}
	if v := a.Verified; v != nil {
		res.Principal = &client.Principal{ID: v.Actor.UserID, Kind: v.Actor.Kind, Name: v.Actor.Name}
		if len(v.Labels) > 0 {
			res.Principal.Labels = make(map[string]string, len(v.Labels))
			for _, l := range v.Labels {
				res.Principal.Labels[l.Name] = l.Value
			}
		}
		res.KeyID = v.Actor.KeyID
	}
	return res
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
	if s.checker == nil {
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
	q, err := s.forwardQueries.parse(r.URL.RawQuery)
	if err != nil {
		return err
	}
	perm := q.permission
	h := w.Header()
	ws, err := s.checker.EdgeWorkspace(r.Context(), q.edge, callerWorkspaces(r)...)
	if err != nil {
		if reason := signet.ErrorReason(err); reason != "" {
			h.Set(HeaderReason, reason)
		}
		return err
	}
	c, ok := authn.ParseCredential(r.Header)
	if !ok || c.Kind != authn.CredentialKey {
		h.Set(HeaderReason, "missing_key")
		return signet.Errorf(signet.EUNAUTHENTICATED, "an API key is required: Authorization: Bearer <key>, Authorization: apikey <key> or X-API-Key: <key>")
	}
	// The client's address is the one the HTTP edge decided: the proxy
	// (the TCP peer), or with --trusted-proxies covering the proxy, the
	// address its X-Forwarded-For names. It is the key's last use either
	// way; but the peer here is always the proxy, never the original
	// caller, so a key's network allowlist judges only an address a
	// trusted proxy named: otherwise the caller is unknown ("") and a key
	// with an allowlist is refused. (Judging the proxy's own address would
	// let anyone behind the proxy use a key allowed from the proxy's
	// network.)
	ip := signet.RequestInfoFrom(r.Context()).IP
	from := ""
	if httpedge.Forwarded(r) {
		from = ip
	}
	a, err := s.checker.Check(r.Context(), c.Key, perm, ws, ip, from)
	if err != nil {
		return err
	}
	if a.Verified == nil {
		h.Set(HeaderReason, a.Reason)
		msg := "the API key is not valid (" + a.Reason + ")"
		switch {
		case a.Reason == authn.ReasonNetworkNotAllowed && from == "":
			msg = "the API key works only from its allowed networks, and the original caller's address is not known: list the proxy in --trusted-proxies and have it append X-Forwarded-For"
		case a.Reason == authn.ReasonNetworkNotAllowed:
			msg = "the API key is not accepted from the original caller's address: it works only from its allowed networks"
		}
		return &signet.Error{Code: signet.EUNAUTHENTICATED, Reason: a.Reason, Message: msg}
	}
	v := a.Verified
	// The identity headers share one backing array: one allocation for
	// all, where Header.Set makes one each (the names are canonical).
	vals := [...]string{v.Actor.UserID, v.Actor.Kind, headerSafe(v.Actor.Name), v.Actor.KeyID, ws}
	one := vals[:]
	h[HeaderPrincipalID] = one[0:1:1]
	h[HeaderPrincipalKind] = one[1:2:2]
	h[HeaderPrincipalName] = one[2:3:3]
	h[HeaderKeyID] = one[3:4:4]
	h[HeaderWorkspace] = one[4:5:5]
	if !a.Allowed {
		h.Set(HeaderReason, a.Reason)
		msg := "the API key does not hold " + perm + " in workspace " + ws
		switch a.Reason {
		case authn.ReasonUnknownPermission:
			msg = "permission " + perm + " does not exist: register its domain or fix the forward-auth URL's ?permission="
		case authn.ReasonWorkspaceNotFound:
			msg = "workspace " + ws + " does not exist: fix the forward-auth URL's ?workspace= (or the workspace the request names)"
		}
		return &signet.Error{Code: signet.EFORBIDDEN, Reason: a.Reason, Message: msg}
	}
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusOK)
	return nil
}

// forwardQuery is what the query string of forward-auth's URL says: the
// operator's permission and workspaces.
type forwardQuery struct {
	permission string
	edge       signet.EdgeWorkspace
}

// forwardQueries remembers the parsed query strings of forward-auth: a
// proxy sends the same one on every request, so it is parsed once. The
// map is replaced, never changed (copy-on-write), so a lookup takes no
// lock and allocates nothing; at most maxForwardQueries are remembered,
// beyond which a query is parsed each time.
type forwardQueries struct {
	m  atomic.Pointer[map[string]*forwardQuery]
	mu sync.Mutex // serialises additions
}

const maxForwardQueries = 64

func (c *forwardQueries) parse(raw string) (*forwardQuery, error) {
	if m := c.m.Load(); m != nil {
		if q := (*m)[raw]; q != nil {
			return q, nil
		}
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("the query string of forward-auth's URL does not parse: %v", err)
	}
	if err := checkQuery(raw, qForward); err != nil {
		return nil, err
	}
	q := &forwardQuery{
		permission: strings.TrimSpace(vals.Get("permission")),
		edge:       signet.EdgeWorkspace{Fixed: strings.TrimSpace(vals.Get("workspace")), ClientMayChoose: splitList(vals.Get("client_workspaces"))},
	}
	if q.permission != "" {
		if _, _, ok := signet.SplitPermission(q.permission); !ok {
			return nil, signet.Errorf(signet.EINVALID, "permission %q is not of the form domain:action, such as metrics:write", q.permission)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := map[string]*forwardQuery{}
	if m := c.m.Load(); m != nil {
		old = *m
	}
	if len(old) < maxForwardQueries {
		next := make(map[string]*forwardQuery, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[raw] = q
		c.m.Store(&next)
	}
	return q, nil
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
	ip := httpedge.Peer(r)
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
