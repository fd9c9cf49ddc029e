package signet

import "strconv"

// ReasonWorkspaceNotAllowed is the Reason of the error EdgeWorkspace.Decide
// returns when a caller names a workspace the operator did not let it
// choose.
const ReasonWorkspaceNotAllowed = "workspace_not_allowed"

// AnyWorkspace in EdgeWorkspace.ClientMayChoose lets the caller choose any
// workspace.
const AnyWorkspace = "*"

// EdgeWorkspace decides the workspace in which the edge in front of a
// protected service (forward-auth behind a reverse proxy, the signetauth
// middleware) checks a caller's permission. The operator decides it, never
// the caller: a reverse proxy passes the client's headers on, so a
// workspace header may have been written by anyone.
//
//   - Fixed is the workspace the operator configured the service with (the
//     proxy's forward-auth URL, the middleware's configuration). It is
//     checked unless the caller picks another that ClientMayChoose allows.
//   - A caller may name a workspace (X-Workspace-Id, X-Bigeye-Workspace-Id)
//     only to pick one of ClientMayChoose ("*": any); naming Fixed itself is
//     harmless. Any other workspace is refused, never replaced: the service
//     behind the edge may act in the workspace its caller named, so checking
//     one while the request names another is exactly the confusion that
//     must not pass.
//
// The service behind the edge must act in the workspace Decide returned
// (forward-auth's X-Signet-Workspace, signetauth's Principal.Workspace).
type EdgeWorkspace struct {
	// Fixed is the operator's workspace id. Resolve an unset one to the
	// default workspace's id before deciding: an empty Fixed is returned
	// as is (the checker then uses the default workspace), but no caller's
	// workspace equals it.
	Fixed string
	// ClientMayChoose lists the workspace ids a caller may pick instead of
	// Fixed; AnyWorkspace allows every one. Empty: none.
	ClientMayChoose []string
}

// Decide returns the workspace to check a caller in, given the workspaces
// its request names (one value per header line; empty values are ignored).
// It returns an EFORBIDDEN error with Reason ReasonWorkspaceNotAllowed when
// the request names a workspace other than Fixed that ClientMayChoose does
// not allow, or names two different workspaces.
func (e EdgeWorkspace) Decide(requested ...string) (string, error) {
	var want string
	for _, r := range requested {
		if r == "" {
			continue
		}
		if want != "" && r != want {
			return "", &Error{Code: EFORBIDDEN, Reason: ReasonWorkspaceNotAllowed,
				Message: "the request names two different workspaces (X-Workspace-Id, X-Bigeye-Workspace-Id)"}
		}
		want = r
	}
	switch {
	case want == "":
		return e.Fixed, nil
	case want == e.Fixed || e.mayChoose(want):
		return want, nil
	}
	fixed := e.Fixed
	if fixed == "" {
		fixed = "the default workspace"
	}
	return "", &Error{Code: EFORBIDDEN, Reason: ReasonWorkspaceNotAllowed,
		Message: "the request names workspace " + quoteWorkspace(want) + ", but this service checks callers in " + fixed +
			" and its operator does not let callers choose another; send no workspace header, or ask the operator to allow this one"}
}

func (e EdgeWorkspace) mayChoose(ws string) bool {
	for _, c := range e.ClientMayChoose {
		if c == AnyWorkspace || c == ws {
			return true
		}
	}
	return false
}

// quoteWorkspace quotes a caller-supplied workspace for a message, cut to
// a sane length.
func quoteWorkspace(ws string) string {
	if len(ws) > 64 {
		ws = ws[:64] + "…"
	}
	return strconv.Quote(ws)
}
