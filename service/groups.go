package service

import (
	"context"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// CreateGroup creates a group. Needs groups:write. Returns EINVALID,
// ECONFLICT for a duplicate name, EFORBIDDEN.
func (s *Service) CreateGroup(ctx context.Context, a *signet.Actor, in GroupInput) (*signet.Group, error) {
	var out *signet.Group
	err := s.mutate(ctx, a, "group.create", func(o *op) error {
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		name, err := validateName("group", in.Name)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		g := &signet.Group{ID: id.New(id.Group), Name: name, Description: desc, CreatedAt: o.now, UpdatedAt: o.now}
		o.target("group", g.ID, name)
		if err := o.tx.CreateGroup(ctx, g); err != nil {
			return withField("name", conflict(err, "a group named %q already exists", name))
		}
		o.detail("description", desc)
		out = g
		return nil
	})
	return out, err
}

// ListGroups lists groups. Needs groups:read.
func (s *Service) ListGroups(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.Group, string, error) {
	var out []*signet.Group
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("groups:read", ""); err != nil {
			return err
		}
		p, err := validatePage(p)
		if err != nil {
			return err
		}
		out, next, err = o.tx.ListGroups(ctx, p)
		return err
	})
	return out, next, err
}

// GetGroup returns a group with its members and grants. Needs groups:read.
// Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetGroup(ctx context.Context, a *signet.Actor, groupID string) (*GroupDetail, error) {
	var out *GroupDetail
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("groups:read", ""); err != nil {
			return err
		}
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		members, err := o.tx.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return err
		}
		grants, err := o.grantsOf(signet.SubjectGroup, g.ID)
		if err != nil {
			return err
		}
		out = &GroupDetail{Group: g, Members: members, Grants: grants}
		return nil
	})
	return out, err
}

// UpdateGroup renames a group or changes its description. Needs
// groups:write. The Admins group cannot be renamed. Returns EINVALID,
// ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) UpdateGroup(ctx context.Context, a *signet.Actor, groupID string, up GroupUpdate) (*signet.Group, error) {
	var out *signet.Group
	err := s.mutate(ctx, a, "group.update", func(o *op) error {
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		o.target("group", g.ID, g.Name)
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		if up.Name != nil {
			name, err := validateName("group", *up.Name)
			if err != nil {
				return err
			}
			if name != g.Name {
				if g.Protected {
					return signet.Errorf(signet.ECONFLICT, "the %s group is protected and cannot be renamed", g.Name)
				}
				o.change("name", g.Name, name)
				g.Name = name
			}
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			if desc != g.Description {
				o.change("description", g.Description, desc)
				g.Description = desc
			}
		}
		out = g
		if o.event.Details == nil {
			o.noEvent = true // nothing changed
			return nil
		}
		g.UpdatedAt = o.now
		if err := o.tx.UpdateGroup(ctx, g); err != nil {
			return withField("name", conflict(err, "a group named %q already exists", g.Name))
		}
		return nil
	})
	return out, err
}

// DeleteGroup deletes a group, its memberships and its grants. Needs
// groups:write, and the actor must cover what the group's grants give.
// The protected Admins group cannot be deleted. Returns
// ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) DeleteGroup(ctx context.Context, a *signet.Actor, groupID string) error {
	return s.mutate(ctx, a, "group.delete", func(o *op) error {
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		o.target("group", g.ID, g.Name)
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		if g.Protected {
			return signet.Errorf(signet.ECONFLICT, "the %s group is protected and cannot be deleted", g.Name)
		}
		// Deleting a group takes its grants from every member: bounded
		// like granting them.
		grants, err := o.grantsOf(signet.SubjectGroup, g.ID)
		if err != nil {
			return err
		}
		if err := o.checkTakesGrantsWithin(grants, "deleting group "+quote(g.Name)); err != nil {
			return err
		}
		return notFound(o.tx.DeleteGroup(ctx, g.ID), "group %q not found", groupID)
	})
}

// AddGroupMember adds a user to a group. Needs groups:write, and the
// group's grants must be covered by the actor's own access (no
// escalation). Returns ENOTFOUND, ECONFLICT if already a member,
// EFORBIDDEN.
func (s *Service) AddGroupMember(ctx context.Context, a *signet.Actor, groupID, userID string) error {
	return s.mutate(ctx, a, "group.member_add", func(o *op) error {
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		o.target("group", g.ID, g.Name)
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		u, err := o.liveUser(userID)
		if err != nil {
			return err
		}
		o.detail("user_id", u.ID)
		o.detail("user_name", u.Name)
		return o.addMember(g, u)
	})
}

// addMember is the one place a user joins a group: groups:write and no
// escalation through the group's grants.
func (o *op) addMember(g *signet.Group, u *signet.User) error {
	if err := o.authorise("groups:write", ""); err != nil {
		return err
	}
	if err := o.checkGroupGrantsWithin(g, "adding a member to group "+quote(g.Name)); err != nil {
		return err
	}
	m := signet.GroupMember{GroupID: g.ID, UserID: u.ID, AddedAt: o.now, AddedBy: o.actorID()}
	if err := o.tx.AddGroupMember(o.ctx, m); err != nil {
		return conflict(err, "%s is already a member of group %q", quote(u.Name), g.Name)
	}
	return nil
}

// RemoveGroupMember removes a user from a group. Needs groups:write, and
// the actor must cover the user's access. The last active member of Admins
// cannot be removed. Returns ENOTFOUND (also
// when the user is not a member), ECONFLICT, EFORBIDDEN.
func (s *Service) RemoveGroupMember(ctx context.Context, a *signet.Actor, groupID, userID string) error {
	return s.mutate(ctx, a, "group.member_remove", func(o *op) error {
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		o.target("group", g.ID, g.Name)
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		o.detail("user_id", userID)
		u, err := o.tx.GetUser(ctx, userID)
		if err != nil {
			return notFound(err, "user %q is not a member of group %q", userID, g.Name)
		}
		o.detail("user_name", u.Name)
		return o.removeMember(g, u)
	})
}

// checkGroupGrantsWithin refuses what would give someone group g's
// grants unless the actor holds all they give (no escalation); what
// describes the change for the refusal.
func (o *op) checkGroupGrantsWithin(g *signet.Group, what string) error {
	grants, err := o.grantsOf(signet.SubjectGroup, g.ID)
	if err != nil {
		return err
	}
	gained, err := o.accessOfGrants(grants)
	if err != nil {
		return err
	}
	return o.checkNoEscalation(&gained, what)
}

// removeMember is the one place a user leaves a group: the Admins group
// keeps an active member, and taking a user out of a group is bounded like
// adding one — the actor must cover the user's access, so nobody removes a
// member who holds more than they do (an administrator from Admins).
func (o *op) removeMember(g *signet.Group, u *signet.User) error {
	if g.ID == signet.AdminsGroupID {
		if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
			return err
		}
	}
	if err := o.checkActsWithin(u, "removing "+quote(u.Name)+" from group "+quote(g.Name)); err != nil {
		return err
	}
	err := o.tx.RemoveGroupMember(o.ctx, g.ID, u.ID)
	return notFound(err, "user %q is not a member of group %q", u.ID, g.Name)
}

// ensureAdminsKeepsActiveMember refuses a change that would leave the
// Admins group without an active member, were user userID to leave it or
// stop being active: nobody could administer Signet any more.
func (o *op) ensureAdminsKeepsActiveMember(userID string) error {
	members, err := o.tx.ListGroupMembers(o.ctx, signet.AdminsGroupID)
	if err != nil {
		return err
	}
	var isActiveMember bool
	var others int
	var name string
	for _, m := range members {
		if m.Status != signet.StatusActive {
			continue
		}
		if m.ID == userID {
			isActiveMember = true
			name = m.Name
		} else {
			others++
		}
	}
	if isActiveMember && others == 0 {
		return signet.Errorf(signet.ECONFLICT, "%s is the last active member of the Admins group; make another user an active administrator first", quote(name))
	}
	return nil
}

// grantsOf returns every grant whose subject is the given group or user.
func (o *op) grantsOf(subjectType, subjectID string) ([]*signet.Grant, error) {
	return allPages(func(p signet.Page) ([]*signet.Grant, string, error) {
		return o.tx.ListGrants(o.ctx, signet.GrantFilter{SubjectType: subjectType, SubjectID: subjectID, Page: p})
	})
}
