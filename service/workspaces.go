package service

import (
	"context"
	"slices"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// CreateWorkspace creates a workspace. Needs workspaces:write. Returns
// EINVALID, ECONFLICT for a duplicate name, EFORBIDDEN.
func (s *Service) CreateWorkspace(ctx context.Context, a *signet.Actor, in WorkspaceInput) (*signet.Workspace, error) {
	var out *signet.Workspace
	err := s.mutate(ctx, a, "workspace.create", func(o *op) error {
		if err := o.authorise("workspaces:write", ""); err != nil {
			return err
		}
		name, err := validateName("workspace", in.Name)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		w := &signet.Workspace{ID: id.New(id.Workspace), Name: name, Description: desc, CreatedAt: o.now, UpdatedAt: o.now}
		o.target("workspace", w.ID, w.Name)
		o.event.WorkspaceID = w.ID
		if err := o.tx.CreateWorkspace(ctx, w); err != nil {
			return withField("name", conflict(err, "a workspace named %q already exists", name))
		}
		o.detail("description", desc)
		out = w
		return nil
	})
	return out, err
}

// canSeeWorkspace: workspaces:read organisation-wide shows every
// workspace; anyone holding any permission in a workspace sees that one,
// so that users can discover where they may work.
func (o *op) canSeeWorkspace(wsID string) bool {
	if o.access.Can("workspaces:read", "") {
		return true
	}
	perms := o.access.In(wsID)
	return !perms.Empty()
}

// ListWorkspaces lists the workspaces the actor may see (see
// canSeeWorkspace). Returns EINVALID.
func (s *Service) ListWorkspaces(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.Workspace, string, error) {
	var out []*signet.Workspace
	var next string
	err := s.view(ctx, a, func(o *op) error {
		p, err := validatePage(p)
		if err != nil {
			return err
		}
		if o.access.Can("workspaces:read", "") {
			out, next, err = o.tx.ListWorkspaces(ctx, p)
			return err
		}
		// Few workspaces are visible without workspaces:read; filter them
		// all and page in memory, with the last id as the cursor.
		after, err := signet.DecodeCursor(p.Cursor)
		if err != nil {
			return err
		}
		all, err := allPages(func(p signet.Page) ([]*signet.Workspace, string, error) {
			return o.tx.ListWorkspaces(ctx, p)
		})
		if err != nil {
			return err
		}
		visible := slices.DeleteFunc(all, func(w *signet.Workspace) bool {
			return !o.canSeeWorkspace(w.ID) || (after != "" && strings.Compare(w.ID, after) <= 0)
		})
		slices.SortFunc(visible, func(x, y *signet.Workspace) int { return strings.Compare(x.ID, y.ID) })
		if len(visible) > p.Limit {
			visible = visible[:p.Limit]
			next = signet.EncodeCursor(visible[len(visible)-1].ID)
		}
		out = visible
		return nil
	})
	return out, next, err
}

// GetWorkspace returns a workspace the actor may see. Returns ENOTFOUND,
// EFORBIDDEN.
func (s *Service) GetWorkspace(ctx context.Context, a *signet.Actor, wsID string) (*signet.Workspace, error) {
	var out *signet.Workspace
	err := s.view(ctx, a, func(o *op) error {
		if !o.canSeeWorkspace(wsID) {
			return forbidden(wsID, "workspaces:read")
		}
		w, err := o.tx.GetWorkspace(ctx, wsID)
		if err != nil {
			return notFound(err, "workspace %q not found", wsID)
		}
		out = w
		return nil
	})
	return out, err
}

// UpdateWorkspace renames a workspace or changes its description. Needs
// workspaces:write. Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) UpdateWorkspace(ctx context.Context, a *signet.Actor, wsID string, up WorkspaceUpdate) (*signet.Workspace, error) {
	var out *signet.Workspace
	err := s.mutate(ctx, a, "workspace.update", func(o *op) error {
		w, err := o.tx.GetWorkspace(ctx, wsID)
		if err != nil {
			return notFound(err, "workspace %q not found", wsID)
		}
		o.target("workspace", w.ID, w.Name)
		if err := o.authorise("workspaces:write", ""); err != nil {
			return err
		}
		o.event.WorkspaceID = w.ID
		if up.Name != nil {
			name, err := validateName("workspace", *up.Name)
			if err != nil {
				return err
			}
			if name != w.Name {
				o.change("name", w.Name, name)
				w.Name = name
			}
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			if desc != w.Description {
				o.change("description", w.Description, desc)
				w.Description = desc
			}
		}
		out = w
		if o.event.Details == nil {
			o.noEvent = true // nothing changed
			return nil
		}
		w.UpdatedAt = o.now
		return withField("name", conflict(o.tx.UpdateWorkspace(ctx, w), "a workspace named %q already exists", w.Name))
	})
	return out, err
}

// DeleteWorkspace deletes a workspace and the grants in it. Needs
// workspaces:write, and the actor must cover what those grants give. The default workspace cannot be deleted. Returns
// ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) DeleteWorkspace(ctx context.Context, a *signet.Actor, wsID string) error {
	return s.mutate(ctx, a, "workspace.delete", func(o *op) error {
		w, err := o.tx.GetWorkspace(ctx, wsID)
		if err != nil {
			return notFound(err, "workspace %q not found", wsID)
		}
		o.target("workspace", w.ID, w.Name)
		if err := o.authorise("workspaces:write", ""); err != nil {
			return err
		}
		o.event.WorkspaceID = w.ID
		if w.IsDefault {
			return signet.Errorf(signet.ECONFLICT, "the default workspace cannot be deleted")
		}
		// Deleting a workspace deletes the grants in it: bounded like
		// granting them.
		grants, err := allPages(func(p signet.Page) ([]*signet.Grant, string, error) {
			return o.tx.ListGrants(ctx, signet.GrantFilter{WorkspaceID: w.ID, Page: p})
		})
		if err != nil {
			return err
		}
		if err := o.checkTakesGrantsWithin(grants, "deleting workspace "+quote(w.Name)); err != nil {
			return err
		}
		return notFound(o.tx.DeleteWorkspace(ctx, w.ID), "workspace %q not found", wsID)
	})
}

// DefaultWorkspaceID returns the id of the default workspace. It needs no
// actor: the id is not secret, and the check API resolves requests that
// name no workspace to it. The default workspace is created at bootstrap
// and can be neither deleted nor replaced, so callers may cache the id.
func (s *Service) DefaultWorkspaceID(ctx context.Context) (string, error) {
	var id string
	err := s.store.Read(ctx, func(tx store.Tx) error {
		w, err := tx.GetDefaultWorkspace(ctx)
		if err == nil {
			id = w.ID
		}
		return err
	})
	return id, err
}

// checkWorkspaceFilter makes a list filtered on workspace ws (the
// workspace_id parameter, X-Workspace-Id or X-Bigeye-Workspace-Id) answer
// ENOTFOUND naming ws when no such workspace exists, rather than an empty
// list that reads as "nothing here". With history true (the audit trail),
// a workspace that was deleted but still has events counts as known.
func (o *op) checkWorkspaceFilter(ws string, history bool) error {
	if ws == "" {
		return nil
	}
	_, err := o.tx.GetWorkspace(o.ctx, ws)
	if signet.ErrorCode(err) != signet.ENOTFOUND {
		return err
	}
	if history {
		evs, _, err := o.tx.ListAuditEvents(o.ctx, signet.AuditFilter{WorkspaceID: ws, Page: signet.Page{Limit: 1}})
		if err != nil || len(evs) > 0 {
			return err
		}
	}
	return signet.Errorf(signet.ENOTFOUND, "workspace %q not found", ws)
}
