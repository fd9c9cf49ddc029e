package authn

import (
	"context"
	"sync/atomic"

	signet "github.com/signetdev/signet"
)

// PermCheck is the permission a service needs to ask Signet about other
// callers' keys through the check API, organisation-wide or in the
// workspace it asks about; otherwise Signet would be an open oracle.
const PermCheck = "signet:check"

// ReasonPermissionDenied is the reason of a key that verifies but does not
// hold the permission asked about.
const ReasonPermissionDenied = "permission_denied"

// ReasonUnknownPermission is the reason of a check whose permission is not
// in the catalogue (Signet's own permissions and those of the registered
// domains): a typo, or a domain not registered yet, on the asking
// service's side rather than a key that lacks a permission.
const ReasonUnknownPermission = "unknown_permission"

// ReasonWorkspaceNotFound is the reason of a check in a workspace that does
// not exist: forward-auth configured with one (workspace=), or a client
// picking one among those the operator allows (client_workspaces=*). The
// check API refuses such a workspace as an error instead (MayAsk): there,
// the asking service named it.
const ReasonWorkspaceNotFound = "workspace_not_found"

// Checker answers, for the services behind Signet, "may the holder of this
// key do this permission in this workspace?". The check API, forward-auth
// and (through the check API) signetauth all ask it, so their rules — who
// may ask, which workspace counts, what a denial says — are written once,
// here. Every answer comes from the verification cache. Safe for
// concurrent use.
type Checker struct {
	verifier *Verifier
	// defaultWS loads the default workspace's id (service.DefaultWorkspaceID).
	defaultWS func(context.Context) (string, error)
	// ws is the default workspace's id once loaded: it never changes (it
	// can be neither deleted nor replaced), so it is loaded once.
	ws atomic.Pointer[string]
}

// NewChecker returns a Checker verifying keys with v and finding the
// default workspace with defaultWorkspace (service.DefaultWorkspaceID).
func NewChecker(v *Verifier, defaultWorkspace func(context.Context) (string, error)) *Checker {
	return &Checker{verifier: v, defaultWS: defaultWorkspace}
}

// Answer is the answer to one question.
type Answer struct {
	Allowed bool
	// Reason says why not: invalid_key, revoked, key_disabled, expired,
	// owner_disabled, network_not_allowed or policy_violation (the key does
	// not verify), unknown_permission (it does, and the permission does not
	// exist) or permission_denied (it does, without the permission); ""
	// when allowed.
	Reason string
	// Verified is the checked key and its owner, when the key verifies.
	Verified *Verified
	// Workspace is the workspace the permission was checked in.
	Workspace string
}

// Workspace returns ws, or the default workspace's id when ws is "".
func (c *Checker) Workspace(ctx context.Context, ws string) (string, error) {
	if ws != "" {
		return ws, nil
	}
	if p := c.ws.Load(); p != nil {
		return *p, nil
	}
	id, err := c.defaultWS(ctx)
	if err != nil {
		return "", err
	}
	c.ws.Store(&id)
	return id, nil
}

// MayAsk is the rule for who may use the check API: a service's key
// (asker, with its cached access) holding PermCheck in workspace ws, or
// organisation-wide. A password is not enough: the check API is for
// services — and only about a workspace that exists. Returns EFORBIDDEN,
// ENOTFOUND.
func (c *Checker) MayAsk(asker *Verified, ws string) error {
	if asker == nil || asker.Access == nil {
		return signet.Errorf(signet.EFORBIDDEN, "the check API takes a service's API key holding %s, not a password", PermCheck)
	}
	if !asker.Access.Can(PermCheck, ws) {
		return signet.Errorf(signet.EFORBIDDEN, "this key may not use the check API in workspace %q: it needs %s", ws, PermCheck)
	}
	// A workspace that does not exist is a mistake of the asking service
	// (a typo, a deleted workspace), not an answer about the key: an
	// organisation-wide grant would otherwise allow it there.
	if asker.Known != nil && !asker.Known.HasWorkspace(ws) {
		return signet.Errorf(signet.ENOTFOUND, "workspace %q not found", ws)
	}
	return nil
}

// Check verifies key (presented from ip, recorded as its last use) and
// whether it holds perm in workspace ws ("" for the default workspace;
// perm "" asks only whether the key verifies). from is the original
// caller's address, which a key's network allowlist judges: "" when the
// asker cannot tell, and then a key with an allowlist is refused
// (network_not_allowed). A key that does not verify or lacks the
// permission is an answer, not an error: only a failure to reach storage
// is an error.
func (c *Checker) Check(ctx context.Context, key, perm, ws, ip, from string) (Answer, error) {
	ws, err := c.Workspace(ctx, ws)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Workspace: ws}
	v, err := c.verifier.VerifyKeyFrom(ctx, key, ip, from)
	if err != nil {
		if signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
			return a, err
		}
		a.Reason = signet.ErrorReason(err)
		return a, nil
	}
	a.Verified = v
	switch {
	case perm == "":
		a.Allowed = true
	case v.Known != nil && !v.Known.Catalogue.Has(perm):
		// Even for an administrator, whose access is "everything": a
		// permission that does not exist is nobody's.
		a.Reason = ReasonUnknownPermission
	case v.Known != nil && !v.Known.HasWorkspace(ws):
		// Likewise a workspace that does not exist: an organisation-wide
		// grant would otherwise reach into it.
		a.Reason = ReasonWorkspaceNotFound
	case v.Access.Can(perm, ws):
		a.Allowed = true
	default:
		a.Reason = ReasonPermissionDenied
	}
	return a, nil
}

// EdgeWorkspace decides the workspace a protected service requires — the
// operator's (edge.Fixed, else the default workspace), or one of those it
// lets callers pick (signet.EdgeWorkspace) — from the workspaces the
// caller's request names. Returns EFORBIDDEN with reason
// workspace_not_allowed for a workspace the operator does not allow.
func (c *Checker) EdgeWorkspace(ctx context.Context, edge signet.EdgeWorkspace, requested ...string) (string, error) {
	if edge.Fixed == "" {
		var err error
		if edge.Fixed, err = c.Workspace(ctx, ""); err != nil {
			return "", err
		}
	}
	return edge.Decide(requested...)
}
