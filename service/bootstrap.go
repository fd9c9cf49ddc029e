package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// settingSetupToken is the settings key holding the hex SHA-256 of the
// pending setup token; the token itself is never stored.
const settingSetupToken = "setup_token_sha256"

// Fixed ids of the default groups, so that every installation agrees.
const (
	DefaultManageGroupID = "grp_default_manage"
	DefaultEditGroupID   = "grp_default_edit"
	DefaultViewGroupID   = "grp_default_view"
)

// builtInRoles are created by Bootstrap. Their permission sets are those
// of their bases (see signet.Catalogue.BasePermissions).
var builtInRoles = []signet.Role{
	{ID: signet.RoleAdminID, Name: "Admin", Base: signet.BaseAdmin, Description: "Every permission, organisation-wide and in every workspace."},
	{ID: signet.RoleManageID, Name: "Manage", Base: signet.BaseManage, Description: "Read everything, change content and assign roles within a workspace."},
	{ID: signet.RoleEditID, Name: "Edit", Base: signet.BaseEdit, Description: "Read everything and change content within a workspace."},
	{ID: signet.RoleViewID, Name: "View", Base: signet.BaseView, Description: "Read everything within a workspace."},
}

// defaultGroups are created with the default workspace, each granted its
// role there.
var defaultGroups = []struct{ id, name, roleID, desc string }{
	{DefaultManageGroupID, "Default Manage", signet.RoleManageID, "Manage the default workspace."},
	{DefaultEditGroupID, "Default Edit", signet.RoleEditID, "Edit in the default workspace."},
	{DefaultViewGroupID, "Default View", signet.RoleViewID, "View the default workspace."},
}

// Bootstrap creates the defaults on an empty database (default workspace,
// built-in roles, Admins and Default Manage/Edit/View groups with their
// grants) and is a no-op on later starts, except that missing built-in
// roles and the Admins group are restored. While no administrator exists
// (see administratorExists) it returns a new one-time setup token (only
// its hash is stored; each call replaces the previous token); otherwise ""
// — and any token left over is voided.
func (s *Service) Bootstrap(ctx context.Context) (setupToken string, err error) {
	err = s.mutate(ctx, signet.SystemActor, "system.bootstrap", func(o *op) error {
		setupToken = ""
		created, err := o.ensureDefaults()
		if err != nil {
			return err
		}
		admins, err := o.administratorExists()
		if err != nil {
			return err
		}
		if admins {
			if err := o.tx.DeleteSetting(ctx, settingSetupToken); err != nil && signet.ErrorCode(err) != signet.ENOTFOUND {
				return err
			}
		} else {
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				return signet.Internal("service.Bootstrap", err)
			}
			setupToken = base64.RawURLEncoding.EncodeToString(b[:])
			if err := o.tx.PutSetting(ctx, settingSetupToken, hashToken(setupToken)); err != nil {
				return err
			}
			o.detail("setup_token_issued", true)
		}
		if len(created) == 0 && admins {
			o.noEvent = true
			return nil
		}
		o.target("system", "", "signet")
		if len(created) > 0 {
			o.detail("created", created)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return setupToken, nil
}

// administratorExists reports whether any user that is not deleted —
// human or service account, active or disabled — holds the Admin role,
// directly or through a group. While one does, the setup link, which makes
// whoever opens it an administrator, must not exist.
func (o *op) administratorExists() (bool, error) {
	grants, err := allPages(func(p signet.Page) ([]*signet.Grant, string, error) {
		return o.tx.ListGrants(o.ctx, signet.GrantFilter{RoleID: signet.RoleAdminID, Page: p})
	})
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		var users []*signet.User
		switch g.SubjectType {
		case signet.SubjectUser:
			u, err := o.tx.GetUser(o.ctx, g.SubjectID)
			if signet.ErrorCode(err) == signet.ENOTFOUND {
				continue
			} else if err != nil {
				return false, err
			}
			users = []*signet.User{u}
		case signet.SubjectGroup:
			if users, err = o.tx.ListGroupMembers(o.ctx, g.SubjectID); err != nil {
				return false, err
			}
		}
		for _, u := range users {
			if u.Status != signet.StatusDeleted {
				return true, nil
			}
		}
	}
	return false, nil
}

// ensureDefaults creates whatever of the defaults is missing and returns
// the ids of what it created.
func (o *op) ensureDefaults() ([]any, error) {
	var created []any
	for _, r := range builtInRoles {
		_, err := o.tx.GetRole(o.ctx, r.ID)
		if signet.ErrorCode(err) != signet.ENOTFOUND {
			if err != nil {
				return nil, err
			}
			continue
		}
		r.BuiltIn, r.CreatedAt, r.UpdatedAt, r.Permissions = true, o.now, o.now, []string{}
		if err := o.tx.CreateRole(o.ctx, &r); err != nil {
			return nil, err
		}
		created = append(created, r.ID)
	}
	if _, err := o.tx.GetGroup(o.ctx, signet.AdminsGroupID); signet.ErrorCode(err) == signet.ENOTFOUND {
		g := &signet.Group{ID: signet.AdminsGroupID, Name: "Admins", Description: "Administrators: every permission.", Protected: true, CreatedAt: o.now, UpdatedAt: o.now}
		if err := o.tx.CreateGroup(o.ctx, g); err != nil {
			return nil, err
		}
		if err := o.systemGrant(g.ID, signet.RoleAdminID, ""); err != nil {
			return nil, err
		}
		created = append(created, g.ID)
	} else if err != nil {
		return nil, err
	}
	// The default workspace and its groups exist from the first start on;
	// if an administrator later deletes a default group, it stays deleted.
	_, err := o.tx.GetDefaultWorkspace(o.ctx)
	if signet.ErrorCode(err) != signet.ENOTFOUND {
		return created, err
	}
	w := &signet.Workspace{ID: id.New(id.Workspace), Name: "Default", Description: "The default workspace.", IsDefault: true, CreatedAt: o.now, UpdatedAt: o.now}
	if err := o.tx.CreateWorkspace(o.ctx, w); err != nil {
		return nil, err
	}
	created = append(created, w.ID)
	for _, dg := range defaultGroups {
		g := &signet.Group{ID: dg.id, Name: dg.name, Description: dg.desc, CreatedAt: o.now, UpdatedAt: o.now}
		if err := o.tx.CreateGroup(o.ctx, g); err != nil {
			return nil, err
		}
		if err := o.systemGrant(g.ID, dg.roleID, w.ID); err != nil {
			return nil, err
		}
		created = append(created, g.ID)
	}
	return created, nil
}

func (o *op) systemGrant(groupID, roleID, wsID string) error {
	return o.tx.CreateGrant(o.ctx, &signet.Grant{
		ID: id.New(id.Grant), SubjectType: signet.SubjectGroup, SubjectID: groupID,
		RoleID: roleID, WorkspaceID: wsID, CreatedAt: o.now,
	})
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// errSetupToken is the one answer to a wrong, used or expired setup token.
var errSetupToken = signet.Errorf(signet.EUNAUTHENTICATED, "this setup link is invalid or has already been used; restart Signet for a new one, or use `signet admin create`")

// CompleteSetup consumes the setup token and creates the first
// administrator (a human in the Admins group), with a required password.
// The token is single-use and refused once any administrator exists.
// Attempts count against the source IP in the password throttle (see
// passwords.go), and the token is checked before the new password is
// hashed, so the link cannot be used to burn CPU. Returns
// EUNAUTHENTICATED for a wrong or used token, EINVALID for bad input,
// ERATELIMITED.
func (s *Service) CompleteSetup(ctx context.Context, token string, in CreateHumanInput) (*signet.User, error) {
	keys := []string{"ip:" + signet.RequestInfoFrom(ctx).IP}
	if wait := s.throttle.reserve(s.now(), keys...); wait > 0 {
		return nil, errThrottled(wait)
	}
	if err := s.checkSetupToken(ctx, token); err != nil {
		if signet.ErrorCode(err) != signet.EUNAUTHENTICATED {
			s.throttle.release(keys...)
		}
		return nil, err
	}
	s.throttle.release(keys...)
	if in.Password == "" {
		// Without a password the first administrator could never sign in.
		return nil, signet.Errorf(signet.EINVALID, "password is required")
	}
	hash, err := s.prehash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var out *signet.User
	err = s.mutate(ctx, signet.SystemActor, "setup.complete", func(o *op) error {
		if err := o.checkSetupToken(token); err != nil {
			return err
		}
		u, err := o.createHuman(in, hash, []string{signet.AdminsGroupID})
		if err != nil {
			return err
		}
		if err := o.tx.DeleteSetting(ctx, settingSetupToken); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// checkSetupToken checks a setup token in a read transaction of its own.
func (s *Service) checkSetupToken(ctx context.Context, token string) error {
	return s.view(ctx, signet.SystemActor, func(o *op) error { return o.checkSetupToken(token) })
}

// checkSetupToken is the one rule for the setup link: no administrator
// exists, and token is the pending one.
func (o *op) checkSetupToken(token string) error {
	admins, err := o.administratorExists()
	if err != nil {
		return err
	}
	if admins {
		return errSetupToken
	}
	stored, err := o.tx.GetSetting(o.ctx, settingSetupToken)
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return errSetupToken
	} else if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(stored)) != 1 {
		return errSetupToken
	}
	return nil
}

// SetupPending reports whether the first-admin setup has not happened yet:
// no administrator exists.
func (s *Service) SetupPending(ctx context.Context) (bool, error) {
	var pending bool
	err := s.view(ctx, signet.SystemActor, func(o *op) error {
		admins, err := o.administratorExists()
		pending = !admins
		return err
	})
	return pending, err
}

// CreateAdmin creates an administrator offline (signet admin create), as
// the system actor, with a required password; it also consumes any
// pending setup token. Returns EINVALID, ECONFLICT if the email is taken.
func (s *Service) CreateAdmin(ctx context.Context, in CreateHumanInput) (*signet.User, error) {
	if in.Password == "" {
		return nil, signet.Errorf(signet.EINVALID, "password is required")
	}
	hash, err := s.prehash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var out *signet.User
	err = s.mutate(ctx, signet.SystemActor, "user.create", func(o *op) error {
		u, err := o.createHuman(in, hash, []string{signet.AdminsGroupID})
		if err != nil {
			return err
		}
		o.detail("admin", true)
		if err := o.tx.DeleteSetting(ctx, settingSetupToken); err != nil && signet.ErrorCode(err) != signet.ENOTFOUND {
			return err
		}
		out = u
		return nil
	})
	return out, err
}
