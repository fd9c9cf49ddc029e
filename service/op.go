package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// op is one operation in progress: its transaction, who acts, what they may
// do (computed inside this transaction, never from a cache) and, for a
// mutation, the audit event that commits with the change.
type op struct {
	ctx   context.Context
	tx    store.Tx
	actor *signet.Actor
	// user is the actor's stored user; nil for the system actor, or when
	// the actor's user no longer exists.
	user   *signet.User
	cat    *signet.Catalogue
	access signet.Access
	// now is read once so that every timestamp of an operation agrees.
	now time.Time
	// event is the audit event of a mutation; nil in read operations.
	event *signet.AuditEvent
	// also holds further events of the mutation (alsoRecord), appended
	// after event in the same transaction.
	also []*signet.AuditEvent
	// noEvent is set by a mutation that turned out to change nothing (an
	// idempotent repeat), so that nothing is audited.
	noEvent bool
	// scoped is set when the actor uses an API key narrowed by scopes:
	// such a key may do only what its scopes allow, so none of the
	// shortcuts users have over their own account applies (see self).
	scoped bool
}

// mutate runs fn in a write transaction as actor a and appends the audit
// event fn filled in, in the same transaction. After a commit it tells
// caches that something changed. When fn refuses with EFORBIDDEN, or fails
// unexpectedly (EINTERNAL), the transaction rolls back and a "denied" or
// "error" event is recorded in a transaction of its own, so that refused
// and failed attempts leave a trace; repeated refusals are aggregated (see
// DeniedAggregator). Invalid input, conflicts and unknown
// targets record nothing: nothing was attempted against the data.
func (s *Service) mutate(ctx context.Context, a *signet.Actor, action string, fn func(o *op) error) error {
	// last is the event of the last attempt; Write may retry fn.
	var last *signet.AuditEvent
	err := s.store.Write(ctx, func(tx store.Tx) error {
		last = nil
		o, err := s.begin(ctx, tx, a)
		if err != nil {
			return err
		}
		o.event = s.newEvent(ctx, a, action, o.now)
		if o.user != nil {
			// The actor's name as stored now, in this transaction: the
			// name at the time of the event, whatever the caller cached.
			o.event.ActorName = o.user.Name
		}
		last = o.event
		if err := fn(o); err != nil {
			return err
		}
		if o.noEvent {
			return nil
		}
		o.event.Outcome = signet.OutcomeSuccess
		if err := tx.AppendAuditEvent(ctx, o.event); err != nil {
			return err
		}
		for _, ev := range o.also {
			ev.Outcome = signet.OutcomeSuccess
			if err := tx.AppendAuditEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.onChange()
		s.nudgeWebhooks()
		return nil
	}
	if last != nil {
		switch signet.ErrorCode(err) {
		case signet.EFORBIDDEN:
			// The first refusal of a run is recorded now, repeats are
			// counted and written later as one event (see denied.go).
			if s.denied.admit(last, s.now(), signet.ErrorMessage(err)) {
				s.recordFailed(ctx, last, signet.OutcomeDenied, err)
			}
		case signet.EINTERNAL:
			// An unexpected failure (a bug, a storage fault) of an attempted
			// change is recorded too, when storage still takes writes; a
			// caller that went away is not a failure of the change.
			if ctx.Err() == nil {
				s.recordFailed(ctx, last, signet.OutcomeError, err)
			}
		}
	}
	return err
}

// recordFailed appends an event with outcome "denied" or "error"
// describing a mutation that did not happen. A failure to record it is
// logged, not returned: the caller's error is the refusal or failure.
func (s *Service) recordFailed(ctx context.Context, e *signet.AuditEvent, outcome string, cause error) {
	d := *e
	d.ID = id.New(id.AuditEvent)
	d.Time = s.now()
	d.Outcome = outcome
	// The details of the attempted change are dropped: they described a
	// change that did not happen. The caller-safe message says why
	// ("Internal error." for an unexpected failure).
	d.Details = map[string]any{"error": signet.ErrorMessage(cause)}
	err := s.store.Write(ctx, func(tx store.Tx) error {
		ev := d
		return tx.AppendAuditEvent(ctx, &ev)
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "recording a failed attempt failed", "action", d.Action, "outcome", outcome, "actor_id", d.ActorID, "err", err)
	}
}

// view runs fn in a read transaction as actor a.
func (s *Service) view(ctx context.Context, a *signet.Actor, fn func(o *op) error) error {
	return s.store.Read(ctx, func(tx store.Tx) error {
		o, err := s.begin(ctx, tx, a)
		if err != nil {
			return err
		}
		return fn(o)
	})
}

// begin loads the catalogue and the actor's access inside tx.
func (s *Service) begin(ctx context.Context, tx store.Tx, a *signet.Actor) (*op, error) {
	if a == nil {
		return nil, signet.Errorf(signet.EUNAUTHENTICATED, "authentication required: send an API key or sign in")
	}
	o := &op{ctx: ctx, tx: tx, actor: a, now: s.now()}
	cat, err := loadCatalogue(ctx, tx)
	if err != nil {
		return nil, err
	}
	o.cat = cat
	if a.System {
		o.access = signet.Access{Org: signet.PermSet{All: true}}
		return o, nil
	}
	u, err := tx.GetUser(ctx, a.UserID)
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		// An actor whose user vanished holds nothing: deny by default.
		return o, nil
	case err != nil:
		return nil, err
	}
	o.user = u
	if u.Status != signet.StatusActive {
		return o, nil
	}
	scopes := a.KeyScopes
	o.scoped = len(scopes) > 0
	if a.KeyID != "" {
		// The key is checked again here, so that a key revoked or expired
		// since authentication (or a stale cache upstream) grants nothing.
		k, err := tx.GetAPIKey(ctx, a.KeyID)
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
			return o, nil
		case err != nil:
			return nil, err
		}
		if k.OwnerID != u.ID || k.Status(o.now) != signet.KeyStatusActive {
			return o, nil
		}
		acc, err := o.accessOfUser(u)
		if err != nil {
			return nil, err
		}
		// Stored scopes are the truth; the actor's are applied too, so the
		// result is never wider than either.
		o.access = acc.Narrow(k.Scopes).Narrow(scopes)
		o.scoped = o.scoped || len(k.Scopes) > 0
		return o, nil
	}
	acc, err := o.accessOfUser(u)
	if err != nil {
		return nil, err
	}
	o.access = acc.Narrow(scopes)
	return o, nil
}

// loadCatalogue returns the catalogue of Signet's permissions and those of
// the registered domains.
func loadCatalogue(ctx context.Context, tx store.Tx) (*signet.Catalogue, error) {
	domains, err := tx.ListPermissionDomains(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(domains))
	for i, d := range domains {
		names[i] = d.Name
	}
	return signet.NewCatalogue(names), nil
}

// accessOfUser is the one place a user's access is computed: the union of
// every grant reaching the user; nothing for a disabled or deleted user.
func (o *op) accessOfUser(u *signet.User) (signet.Access, error) {
	return accessOf(o.ctx, o.tx, o.cat, u)
}

func accessOf(ctx context.Context, tx store.Tx, cat *signet.Catalogue, u *signet.User) (signet.Access, error) {
	if u.Status != signet.StatusActive {
		return signet.Access{}, nil
	}
	return grantedAccessOf(ctx, tx, cat, u)
}

// grantedAccessOf is what u's grants give, whatever u's status: what
// disabling u takes away, or enabling it gives back.
func grantedAccessOf(ctx context.Context, tx store.Tx, cat *signet.Catalogue, u *signet.User) (signet.Access, error) {
	grants, err := tx.GrantsReaching(ctx, u.ID)
	if err != nil {
		return signet.Access{}, err
	}
	return cat.ComputeAccess(grants), nil
}

// newEvent returns an audit event of action by a, with the request's
// provenance from ctx.
func (s *Service) newEvent(ctx context.Context, a *signet.Actor, action string, now time.Time) *signet.AuditEvent {
	ri := signet.RequestInfoFrom(ctx)
	e := &signet.AuditEvent{
		ID:        id.New(id.AuditEvent),
		Time:      now,
		Action:    action,
		IP:        ri.IP,
		UserAgent: ri.UserAgent,
		RequestID: ri.RequestID,
	}
	if a != nil {
		e.ActorID = a.UserID
		e.ActorKind = a.Kind
		if a.System {
			e.ActorKind = "system"
		}
		e.ActorName = a.Name
		e.KeyID = a.KeyID
		e.SessionID = a.SessionID
	}
	return e
}

// target records what the mutation acts on.
func (o *op) target(typ, id, name string) {
	if o.event == nil {
		return
	}
	o.event.TargetType, o.event.TargetID, o.event.TargetName = typ, id, name
}

// alsoRecord records a further event of the mutation, with action, from
// the same actor and request, committed after the mutation's own event
// in the same transaction: build fills it in with target and detail, as
// for the first (a key created with its service account is an
// api_key.create like any other).
func (o *op) alsoRecord(action string, build func()) {
	if o.event == nil {
		return
	}
	first := o.event
	ev := *first
	ev.ID = id.New(id.AuditEvent)
	ev.Action = action
	ev.TargetType, ev.TargetID, ev.TargetName, ev.Details = "", "", "", nil
	o.event = &ev
	defer func() { o.event = first }()
	build()
	o.also = append(o.also, &ev)
}

// detail records one detail of the mutation. Never pass a secret.
func (o *op) detail(key string, value any) {
	if o.event == nil {
		return
	}
	if o.event.Details == nil {
		o.event.Details = make(map[string]any)
	}
	o.event.Details[key] = value
}

// change records a changed field as {"old": …, "new": …}.
func (o *op) change(field string, old, new any) {
	o.detail(field, map[string]any{"old": old, "new": new})
}

// self reports whether the actor acts on its own account userID with the
// whole of its owner's authority: signed in, or with an unscoped key. Users
// may read and edit their own profile and keys without holding users:* or
// api_keys:* permissions; a scoped key may not, because scopes bind every
// call made with the key, self-service included.
func (o *op) self(userID string) bool {
	return !o.actor.System && o.actor.UserID == userID && !o.scoped
}

// usesKey reports whether the actor authenticated with an API key.
func (o *op) usesKey() bool { return o.actor.KeyID != "" }

// actorID is the id recorded as creator or revoker: the user, or "" for
// the system actor.
func (o *op) actorID() string { return o.actor.UserID }

// authorise is the one permission check: p in workspace ws, where ws == ""
// means an organisation-level resource (only organisation-wide grants
// count).
func (o *op) authorise(p, ws string) error {
	if o.access.Can(p, ws) {
		return nil
	}
	return forbidden(ws, p)
}

// authoriseAny passes when the actor holds any of perms in ws.
func (o *op) authoriseAny(ws string, perms ...string) error {
	for _, p := range perms {
		if o.access.Can(p, ws) {
			return nil
		}
	}
	return forbidden(ws, perms...)
}

func forbidden(ws string, perms ...string) error {
	where := "organisation-wide"
	if ws != "" {
		where = fmt.Sprintf("in workspace %q", ws)
	}
	quoted := make([]string, len(perms))
	for i, p := range perms {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	if len(perms) == 1 {
		return signet.Errorf(signet.EFORBIDDEN, "you need the permission %s %s", quoted[0], where)
	}
	return signet.Errorf(signet.EFORBIDDEN, "you need one of the permissions %s %s", strings.Join(quoted, " or "), where)
}

// checkNoEscalation is the no-escalation rule: what is handed out (gained)
// must be covered by the actor's own access. what names the action for the
// message, e.g. `granting role "Admin"`.
func (o *op) checkNoEscalation(gained *signet.Access, what string) error {
	if o.access.Covers(gained) {
		return nil
	}
	miss := missing(&o.access, gained)
	return signet.Errorf(signet.EFORBIDDEN, "%s would give permissions you do not hold yourself: %s", what, strings.Join(miss, ", "))
}

// checkTakesWithin is the no-escalation rule applied to taking away: what
// a change removes from others (lost) must be covered by the actor's own
// access, so nobody removes a grant, or a group holding it, that they
// could not have given.
func (o *op) checkTakesWithin(lost *signet.Access, what string) error {
	if o.access.Covers(lost) {
		return nil
	}
	miss := missing(&o.access, lost)
	return signet.Errorf(signet.EFORBIDDEN, "%s would take away permissions you do not hold yourself: %s", what, strings.Join(miss, ", "))
}

// checkTakesGrantsWithin is checkTakesWithin for what a set of grants
// gives (a group's, a workspace's, one grant).
func (o *op) checkTakesGrantsWithin(grants []*signet.Grant, what string) error {
	lost, err := o.accessOfGrants(grants)
	if err != nil {
		return err
	}
	return o.checkTakesWithin(&lost, what)
}

// missing lists (at most a few of) the permissions of want that have does
// not cover, for error messages.
func missing(have, want *signet.Access) []string {
	const max = 5
	var out []string
	add := func(mine, theirs signet.PermSet, where string) {
		if theirs.All && !mine.All {
			out = append(out, "every permission"+where)
			return
		}
		for _, p := range theirs.List() {
			if !mine.Has(p) {
				out = append(out, p+where)
			}
		}
	}
	add(have.Org, want.Org, " (organisation-wide)")
	for ws, perms := range want.Workspaces {
		add(have.In(ws), perms, fmt.Sprintf(" (in workspace %s)", ws))
	}
	if len(out) > max {
		out = append(out[:max], "…")
	}
	return out
}

// accessOfGrants computes what a set of grants gives, e.g. the access a
// new grant or a group membership would add.
func (o *op) accessOfGrants(grants []*signet.Grant) (signet.Access, error) {
	var gr []signet.GrantedRole
	for _, g := range grants {
		r, err := o.tx.GetRole(o.ctx, g.RoleID)
		if err != nil {
			return signet.Access{}, err
		}
		gr = append(gr, signet.GrantedRole{Grant: *g, Role: *r})
	}
	return o.cat.ComputeAccess(gr), nil
}

// allPages collects every page of a storage list.
func allPages[T any](fetch func(p signet.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := signet.Page{Limit: signet.MaxPageSize}
	for {
		items, next, err := fetch(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" || len(items) == 0 {
			return out, nil
		}
		p.Cursor = next
	}
}

// notFound replaces the message of an ENOTFOUND error by a caller-facing
// one; other errors pass through.
func notFound(err error, format string, args ...any) error {
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return &signet.Error{Code: signet.ENOTFOUND, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
}

// conflict replaces the message of an ECONFLICT error by a caller-facing
// one; other errors pass through.
func conflict(err error, format string, args ...any) error {
	if signet.ErrorCode(err) == signet.ECONFLICT {
		return &signet.Error{Code: signet.ECONFLICT, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
}
