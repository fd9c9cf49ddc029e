package service

import (
	"context"
	"maps"
	"slices"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// SCIM provisioning of groups (RFC 7643 §4.2), called by package scim.
// The identity provider manages which people belong to a group; what a
// group may do stays Signet's: an administrator grants it roles. So the
// provider's key (scim:write) may create, rename and delete groups and set
// their human members, but:
//   - SCIM members are people (SCIM Users). Service accounts in a group are
//     Signet's own: SCIM never lists, replaces or removes them.
//   - The protected Admins group is not the provider's to change: one
//     scim:write key must not be able to make anyone an administrator, as
//     sign-in group mapping reaches Admins only when an administrator maps
//     it explicitly.
// Each membership change is audited as group.member_add or
// group.member_remove with details.via "scim", beside the group.create,
// group.update or group.delete of the request.

// SCIMGroup is a group as SCIM shows it: its human members only.
type SCIMGroup struct {
	Group   *signet.Group
	Members []*signet.User
}

// SCIMGroupFilter selects groups as SCIM filters do; zero fields do not
// filter, and the fields set must all match.
type SCIMGroupFilter struct {
	ID string
	// DisplayName is compared case-insensitively, as group names are
	// unique that way.
	DisplayName string
	ExternalID  string
	// MemberID keeps the groups this person belongs to.
	MemberID string
}

// SCIMGroupChange is a SCIM write to a group: nil fields are left alone.
// Members, when not nil, replaces the group's human members; Add and
// Remove then change them (adding a member twice or removing a
// non-member is not an error: providers repeat themselves).
type SCIMGroupChange struct {
	DisplayName *string
	ExternalID  *string
	Members     *[]string
	Add, Remove []string
}

// MaxSCIMGroupMembers bounds the members one SCIM request may name.
const MaxSCIMGroupMembers = 10000

// SCIMListGroups lists groups matching f, from the 1-based startIndex,
// at most count, and the total number matching. withMembers false leaves
// Members nil (a provider asks excludedAttributes=members on large
// groups). Returns EFORBIDDEN.
func (s *Service) SCIMListGroups(ctx context.Context, a *signet.Actor, f SCIMGroupFilter, startIndex, count int, withMembers bool) ([]*SCIMGroup, int, error) {
	var out []*SCIMGroup
	var total int
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		var cands []*signet.Group
		var err error
		switch {
		case f.ID != "":
			g, err := o.tx.GetGroup(ctx, f.ID)
			if err != nil && signet.ErrorCode(err) != signet.ENOTFOUND {
				return err
			}
			if err == nil {
				cands = []*signet.Group{g}
			}
		case f.MemberID != "":
			cands, err = o.tx.ListUserGroups(ctx, f.MemberID)
		default:
			cands, err = allPages(func(p signet.Page) ([]*signet.Group, string, error) { return o.tx.ListGroups(ctx, p) })
		}
		if err != nil {
			return err
		}
		var match []*signet.Group
		for _, g := range cands {
			if (f.DisplayName == "" || strings.EqualFold(g.Name, strings.TrimSpace(f.DisplayName))) &&
				(f.ExternalID == "" || g.ExternalID == f.ExternalID) {
				match = append(match, g)
			}
		}
		if f.MemberID != "" && f.ID != "" && len(match) > 0 {
			mine, err := o.tx.ListUserGroups(ctx, f.MemberID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(mine, func(g *signet.Group) bool { return g.ID == f.ID }) {
				match = nil
			}
		}
		total = len(match)
		for _, g := range pageOf(match, startIndex, count) {
			sg := &SCIMGroup{Group: g}
			if withMembers {
				if sg.Members, err = o.scimGroupMembers(g.ID); err != nil {
					return err
				}
			}
			out = append(out, sg)
		}
		return nil
	})
	return out, total, err
}

// SCIMGetGroup returns one group. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) SCIMGetGroup(ctx context.Context, a *signet.Actor, groupID string, withMembers bool) (*SCIMGroup, error) {
	var out *SCIMGroup
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		g, err := o.tx.GetGroup(ctx, groupID)
		if err != nil {
			return notFound(err, "group %q not found", groupID)
		}
		out = &SCIMGroup{Group: g}
		if withMembers {
			out.Members, err = o.scimGroupMembers(g.ID)
		}
		return err
	})
	return out, err
}

// SCIMCreateGroup creates a group with the given human members. Audited
// as "group.create" and a "group.member_add" per member. Returns
// EINVALID (no name, or a member who is not a person in Signet),
// ECONFLICT (the name is taken), EFORBIDDEN.
func (s *Service) SCIMCreateGroup(ctx context.Context, a *signet.Actor, ch SCIMGroupChange) (*SCIMGroup, error) {
	var out *SCIMGroup
	err := s.mutate(ctx, a, "group.create", func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		if ch.DisplayName == nil {
			return signet.FieldErrorf("displayName", signet.EINVALID, "displayName (the group's name) is required")
		}
		name, err := checkName("group", *ch.DisplayName)
		if err != nil {
			return withField("displayName", err)
		}
		extID, err := checkExternalID(ch.ExternalID)
		if err != nil {
			return err
		}
		g := &signet.Group{ID: id.New(id.Group), Name: name, ExternalID: extID, CreatedAt: o.now, UpdatedAt: o.now}
		o.target("group", g.ID, name)
		o.detail("via", "scim")
		if extID != "" {
			o.detail("external_id", extID)
		}
		if err := o.tx.CreateGroup(ctx, g); err != nil {
			return withField("displayName", conflict(err, "a group named %q already exists", name))
		}
		if ch.Members == nil {
			ch.Members = &[]string{}
		}
		out, err = o.scimApplyMembers(g, ch)
		return err
	})
	return out, err
}

// SCIMUpdateGroup renames a group, changes its external id or its human
// members. Audited as "group.update" (with members_added and
// members_removed) and a "group.member_add" or "group.member_remove" per
// member; nothing when nothing changes. Returns EINVALID, ENOTFOUND,
// ECONFLICT (the name is taken), EFORBIDDEN (the Admins group).
func (s *Service) SCIMUpdateGroup(ctx context.Context, a *signet.Actor, groupID string, ch SCIMGroupChange) (*SCIMGroup, error) {
	var out *SCIMGroup
	err := s.mutate(ctx, a, "group.update", func(o *op) error {
		g, err := o.scimWritableGroup(groupID)
		if err != nil {
			return err
		}
		changed := false
		if ch.DisplayName != nil {
			name, err := checkName("group", *ch.DisplayName)
			if err != nil {
				return withField("displayName", err)
			}
			if name != g.Name {
				o.change("name", g.Name, name)
				g.Name, changed = name, true
			}
		}
		if ch.ExternalID != nil {
			extID, err := checkExternalID(ch.ExternalID)
			if err != nil {
				return err
			}
			if extID != g.ExternalID {
				o.change("external_id", g.ExternalID, extID)
				g.ExternalID, changed = extID, true
			}
		}
		if changed {
			g.UpdatedAt = o.now
			if err := o.tx.UpdateGroup(ctx, g); err != nil {
				return withField("displayName", conflict(err, "a group named %q already exists", g.Name))
			}
		}
		out, err = o.scimApplyMembers(g, ch)
		if err != nil {
			return err
		}
		if !changed && len(o.also) == 0 {
			o.noEvent = true
		}
		return nil
	})
	return out, err
}

// SCIMDeleteGroup deletes a group, its memberships and its grants.
// Audited as "group.delete". Returns ENOTFOUND, EFORBIDDEN (the Admins
// group).
func (s *Service) SCIMDeleteGroup(ctx context.Context, a *signet.Actor, groupID string) error {
	return s.mutate(ctx, a, "group.delete", func(o *op) error {
		g, err := o.scimWritableGroup(groupID)
		if err != nil {
			return err
		}
		members, err := o.tx.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return err
		}
		removed := make([]any, 0, len(members))
		for _, m := range members {
			removed = append(removed, m.ID)
		}
		o.detail("members", removed)
		return notFound(o.tx.DeleteGroup(ctx, g.ID), "group %q not found", groupID)
	})
}

// scimWritableGroup returns the group groupID, the target of the change,
// unless SCIM may not change it. Returns ENOTFOUND, EFORBIDDEN.
func (o *op) scimWritableGroup(groupID string) (*signet.Group, error) {
	if err := o.authorise(PermSCIMWrite, ""); err != nil {
		return nil, err
	}
	g, err := o.tx.GetGroup(o.ctx, groupID)
	if err != nil {
		return nil, notFound(err, "group %q not found", groupID)
	}
	o.target("group", g.ID, g.Name)
	o.detail("via", "scim")
	if g.Protected {
		return nil, signet.Errorf(signet.EFORBIDDEN,
			"the %s group is managed in Signet, not by the identity provider: an administrator adds and removes its members", g.Name)
	}
	return g, nil
}

// scimGroupMembers returns the people in group groupID.
func (o *op) scimGroupMembers(groupID string) ([]*signet.User, error) {
	all, err := o.tx.ListGroupMembers(o.ctx, groupID)
	if err != nil {
		return nil, err
	}
	var out []*signet.User
	for _, u := range all {
		if u.Kind == signet.KindHuman {
			out = append(out, u)
		}
	}
	return out, nil
}

// scimApplyMembers makes g's human members what ch says, recording each
// change, and returns the group as it now is.
func (o *op) scimApplyMembers(g *signet.Group, ch SCIMGroupChange) (*SCIMGroup, error) {
	named := len(ch.Add) + len(ch.Remove)
	if ch.Members != nil {
		named += len(*ch.Members)
	}
	if named > MaxSCIMGroupMembers {
		return nil, signet.FieldErrorf("members", signet.EINVALID, "a request may name at most %d members", MaxSCIMGroupMembers)
	}
	current, err := o.scimGroupMembers(g.ID)
	if err != nil {
		return nil, err
	}
	have := map[string]*signet.User{}
	for _, u := range current {
		have[u.ID] = u
	}
	want := map[string]bool{}
	if ch.Members != nil {
		for _, uid := range *ch.Members {
			want[uid] = true
		}
	} else {
		for uid := range have {
			want[uid] = true
		}
	}
	for _, uid := range ch.Add {
		want[uid] = true
	}
	for _, uid := range ch.Remove {
		delete(want, uid)
	}
	var added, removed []any
	for _, uid := range slices.Sorted(maps.Keys(want)) {
		if have[uid] != nil {
			continue
		}
		u, err := o.tx.GetUser(o.ctx, uid)
		if signet.ErrorCode(err) == signet.ENOTFOUND || (err == nil && (u.Kind != signet.KindHuman || u.Status == signet.StatusDeleted)) {
			return nil, signet.FieldErrorf("members", signet.EINVALID, "member %q is not a person in Signet (members are SCIM Users, by id)", uid)
		} else if err != nil {
			return nil, err
		}
		m := signet.GroupMember{GroupID: g.ID, UserID: u.ID, AddedAt: o.now, AddedBy: o.actorID()}
		if err := o.tx.AddGroupMember(o.ctx, m); err != nil {
			return nil, err
		}
		o.scimRecordMember("group.member_add", g, u)
		added = append(added, u.ID)
		have[u.ID] = u
	}
	for _, uid := range slices.Sorted(maps.Keys(have)) {
		if want[uid] {
			continue
		}
		u := have[uid]
		if err := o.tx.RemoveGroupMember(o.ctx, g.ID, uid); err != nil {
			return nil, err
		}
		o.scimRecordMember("group.member_remove", g, u)
		removed = append(removed, uid)
		delete(have, uid)
	}
	if len(added) > 0 {
		o.detail("members_added", added)
	}
	if len(removed) > 0 {
		o.detail("members_removed", removed)
	}
	out := &SCIMGroup{Group: g}
	for _, uid := range slices.Sorted(maps.Keys(have)) {
		c := *have[uid]
		c.PasswordHash = ""
		out.Members = append(out.Members, &c)
	}
	return out, nil
}

// scimRecordMember audits one membership change made by SCIM.
func (o *op) scimRecordMember(action string, g *signet.Group, u *signet.User) {
	o.alsoRecord(action, func() {
		o.target("group", g.ID, g.Name)
		o.detail("user_id", u.ID)
		o.detail("user_name", u.Name)
		o.detail("via", "scim")
	})
}
