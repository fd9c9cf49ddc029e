package service

import (
	"context"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// CreateGrant gives a role to a group or a user, in a workspace or
// organisation-wide. It needs grants:write where the grant applies, and the
// role's permissions there must be covered by the actor's own (no
// escalation). The Admin role is organisation-wide only. Returns EINVALID,
// ENOTFOUND for an unknown subject, role or workspace, ECONFLICT for a
// duplicate, EFORBIDDEN.
func (s *Service) CreateGrant(ctx context.Context, a *signet.Actor, in GrantInput) (*signet.Grant, error) {
	var out *signet.Grant
	err := s.mutate(ctx, a, "grant.create", func(o *op) error {
		name, err := o.subjectName(in.SubjectType, in.SubjectID)
		if err != nil {
			return err
		}
		g, err := o.grant(in.SubjectType, in.SubjectID, name, GrantSpec{RoleID: in.RoleID, WorkspaceID: in.WorkspaceID})
		if err != nil {
			return err
		}
		o.target("grant", g.ID, "")
		o.event.WorkspaceID = g.WorkspaceID
		o.detail("subject_type", g.SubjectType)
		o.detail("subject_id", g.SubjectID)
		o.detail("subject_name", name)
		o.detail("role_id", g.RoleID)
		o.grantNames(g)
		out = g
		return nil
	})
	return out, err
}

// subjectName checks that the subject of a grant exists and returns its
// name.
func (o *op) subjectName(typ, subjectID string) (string, error) {
	switch typ {
	case signet.SubjectGroup:
		g, err := o.tx.GetGroup(o.ctx, subjectID)
		if err != nil {
			return "", notFound(err, "group %q not found", subjectID)
		}
		return g.Name, nil
	case signet.SubjectUser:
		u, err := o.liveUser(subjectID)
		if err != nil {
			return "", err
		}
		return u.Name, nil
	}
	return "", signet.Errorf(signet.EINVALID, "subject type must be %q or %q", signet.SubjectGroup, signet.SubjectUser)
}

// grant is the one place a grant is made, whether by CreateGrant or when
// creating a user with roles: it checks the role and workspace, the
// actor's grants:write where the grant applies, and no escalation.
// subjectName is for messages only.
func (o *op) grant(subjectType, subjectID, subjectName string, spec GrantSpec) (*signet.Grant, error) {
	r, err := o.tx.GetRole(o.ctx, spec.RoleID)
	if err != nil {
		return nil, notFound(err, "role %q not found", spec.RoleID)
	}
	ws, err := o.grantWorkspace(r, spec.WorkspaceID)
	if err != nil {
		return nil, err
	}
	spec.WorkspaceID = ws
	if err := o.authorise("grants:write", spec.WorkspaceID); err != nil {
		return nil, err
	}
	g := &signet.Grant{
		ID:          id.New(id.Grant),
		SubjectType: subjectType,
		SubjectID:   subjectID,
		RoleID:      r.ID,
		WorkspaceID: spec.WorkspaceID,
		CreatedAt:   o.now,
		CreatedBy:   o.actorID(),
	}
	gained := o.cat.ComputeAccess([]signet.GrantedRole{{Grant: *g, Role: *r}})
	if err := o.checkNoEscalation(&gained, "granting role "+quote(r.Name)); err != nil {
		return nil, err
	}
	if err := o.tx.CreateGrant(o.ctx, g); err != nil {
		where := "organisation-wide"
		if g.WorkspaceID != "" {
			where = "in workspace " + quote(g.WorkspaceID)
		}
		return nil, conflict(err, "%s already holds role %q %s", quote(subjectName), r.Name, where)
	}
	return g, nil
}

// grantWorkspace is the one rule that decides where a requested grant
// applies: signet.OrganisationWide asks for organisation-wide ("" in
// storage), a workspace id names that workspace, and nothing names the
// default workspace, the least privilege. The Admin role holds every
// permission everywhere, so it is granted organisation-wide only, and only
// when that is asked for explicitly.
func (o *op) grantWorkspace(r *signet.Role, requested string) (string, error) {
	switch requested {
	case signet.OrganisationWide:
		return "", nil
	case "":
		if r.Base == signet.BaseAdmin {
			return "", signet.Errorf(signet.EINVALID, "the %q role is granted organisation-wide only: ask for it explicitly with workspace %q", r.Name, signet.OrganisationWide)
		}
		w, err := o.tx.GetDefaultWorkspace(o.ctx)
		if err != nil {
			return "", err
		}
		return w.ID, nil
	}
	if r.Base == signet.BaseAdmin {
		// An Admin grant holds every permission everywhere whatever
		// workspace it names; naming one would only mislead.
		return "", signet.Errorf(signet.EINVALID, "the %q role is organisation-wide: grant it with workspace %q", r.Name, signet.OrganisationWide)
	}
	if _, err := o.tx.GetWorkspace(o.ctx, requested); err != nil {
		return "", notFound(err, "workspace %q not found", requested)
	}
	return requested, nil
}

// ListGrants lists grants. Filtering by a workspace needs grants:read
// there (or organisation-wide); listing across workspaces needs it
// organisation-wide. Returns EFORBIDDEN.
func (s *Service) ListGrants(ctx context.Context, a *signet.Actor, f signet.GrantFilter) ([]*signet.Grant, string, error) {
	var out []*signet.Grant
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("grants:read", f.WorkspaceID); err != nil {
			return err
		}
		if err := o.checkWorkspaceFilter(f.WorkspaceID, false); err != nil {
			return err
		}
		var err error
		if f.Page, err = validatePage(f.Page); err != nil {
			return err
		}
		out, next, err = o.tx.ListGrants(ctx, f)
		return err
	})
	return out, next, err
}

// DeleteGrant removes a grant. It needs grants:write where the grant
// applies, and the actor must cover what the grant gives and, for a
// user's grant, the user's access (taking away is bounded like granting). The Admins group's Admin grant cannot be deleted. Returns
// ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) DeleteGrant(ctx context.Context, a *signet.Actor, grantID string) error {
	return s.mutate(ctx, a, "grant.delete", func(o *op) error {
		// Without grants:write anywhere, the actor learns nothing, not
		// even whether the grant exists.
		if !o.holdsAnywhere("grants:write") {
			return forbidden("", "grants:write")
		}
		g, err := o.tx.GetGrant(ctx, grantID)
		if err != nil {
			return notFound(err, "grant %q not found", grantID)
		}
		o.target("grant", g.ID, "")
		o.event.WorkspaceID = g.WorkspaceID
		o.detail("subject_type", g.SubjectType)
		o.detail("subject_id", g.SubjectID)
		o.detail("role_id", g.RoleID)
		if name, err := o.subjectName(g.SubjectType, g.SubjectID); err == nil {
			o.detail("subject_name", name)
		}
		o.grantNames(g)
		if err := o.authorise("grants:write", g.WorkspaceID); err != nil {
			return err
		}
		if isAdminsAdminGrant(g) {
			return signet.Errorf(signet.ECONFLICT, "the Admins group's Admin grant cannot be deleted: it is what makes administrators")
		}
		// Taking a grant away is bounded like giving it: the actor must
		// cover what it gives, and, for a user's grant, the user.
		if err := o.checkTakesGrantsWithin([]*signet.Grant{g}, "deleting this grant of role "+quote(o.event.TargetName)); err != nil {
			return err
		}
		if g.SubjectType == signet.SubjectUser {
			if u, err := o.tx.GetUser(ctx, g.SubjectID); err == nil {
				if err := o.checkActsWithin(u, "deleting a grant of "+quote(u.Name)); err != nil {
					return err
				}
			}
		}
		return notFound(o.tx.DeleteGrant(ctx, g.ID), "grant %q not found", grantID)
	})
}

// holdsAnywhere reports whether the actor holds p organisation-wide or in
// any workspace; it decides whether looking a target up is worth it
// before the precise check.
func (o *op) holdsAnywhere(p string) bool {
	if o.access.Org.Has(p) {
		return true
	}
	for _, perms := range o.access.Workspaces {
		if perms.Has(p) {
			return true
		}
	}
	return false
}

func isAdminsAdminGrant(g *signet.Grant) bool {
	return g.SubjectType == signet.SubjectGroup && g.SubjectID == signet.AdminsGroupID &&
		g.RoleID == signet.RoleAdminID && g.WorkspaceID == ""
}

// grantNames records the role's name as the grant's target name (a grant
// has no name of its own) and the workspace's name, as they are now.
func (o *op) grantNames(g *signet.Grant) {
	if r, err := o.tx.GetRole(o.ctx, g.RoleID); err == nil {
		o.event.TargetName = r.Name
		o.detail("role_name", r.Name)
	}
	if g.WorkspaceID != "" {
		if w, err := o.tx.GetWorkspace(o.ctx, g.WorkspaceID); err == nil {
			o.detail("workspace_name", w.Name)
		}
	}
}
