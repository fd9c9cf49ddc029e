package service

import (
	"context"
	"slices"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// errSAPassword is the refusal of any attempt to give a service account a
// password.
var errSAPassword = signet.Errorf(signet.EINVALID, "service accounts have no password; they authenticate with API keys only")

// CreateServiceAccount creates a service account with optional grants,
// group memberships and a first API key, whose secret is returned once in
// the result. Needs service_accounts:write; grants and groups follow the
// rules of CreateGrant and AddGroupMember (grants:write, groups:write, no
// escalation). Returns EINVALID, ENOTFOUND for an unknown role, workspace
// or group, ECONFLICT for a duplicate name, EFORBIDDEN.
func (s *Service) CreateServiceAccount(ctx context.Context, a *signet.Actor, in CreateServiceAccountInput) (*CreatedServiceAccount, error) {
	var out *CreatedServiceAccount
	err := s.mutate(ctx, a, "service_account.create", func(o *op) error {
		o.target("service_account", "", strings.TrimSpace(in.Name))
		if err := o.authorise("service_accounts:write", ""); err != nil {
			return err
		}
		name, err := validateName("service account", in.Name)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		o.target("service_account", "", name)
		if err := signet.ValidateLabels("labels", in.Labels); err != nil {
			return err
		}
		if err := o.validateOwner(in.OwnerType, in.OwnerID); err != nil {
			return err
		}
		if err := o.checkServiceAccountNameFree(name, ""); err != nil {
			return err
		}
		if err := o.checkServiceAccountNameNotConfusable(name, ""); err != nil {
			return err
		}
		u := &signet.User{
			ID:          id.New(id.ServiceAccount),
			Kind:        signet.KindServiceAccount,
			Name:        name,
			Description: desc,
			Status:      signet.StatusActive,
			CreatedAt:   o.now,
			CreatedBy:   o.actorID(),
			UpdatedAt:   o.now,
			Labels:      cloneLabels(in.Labels),
			OwnerType:   in.OwnerType,
			OwnerID:     in.OwnerID,
		}
		if err := o.tx.CreateUser(ctx, u); err != nil {
			return withField("name", conflict(err, "a service account named %q already exists", name))
		}
		o.target("service_account", u.ID, u.Name)
		o.detail("description", desc)
		if len(u.Labels) > 0 {
			o.detail("labels", u.Labels)
		}
		if u.OwnerID != "" {
			o.detail("owner", ownerDetail(u.OwnerType, u.OwnerID))
		}
		if err := o.grantAndJoin(u, in.Grants, in.GroupIDs); err != nil {
			return err
		}
		out = &CreatedServiceAccount{User: u}
		if in.Key != nil {
			k, err := o.createKey(u, *in.Key)
			if err != nil {
				return prefixField("key.", err)
			}
			out.Key = k
			o.detail("key_id", k.Key.ID)
			o.detail("key_name", k.Key.Name)
			// The key is audited like any other key creation, so that a
			// search for api_key.create finds every key.
			o.alsoRecord("api_key.create", func() { o.recordKey(u, k.Key) })
		}
		return nil
	})
	return out, err
}

// grantAndJoin gives a new user its initial grants and group memberships,
// by the same rules as CreateGrant and AddGroupMember, and records them in
// the audit event.
func (o *op) grantAndJoin(u *signet.User, grants []GrantSpec, groupIDs []string) error {
	var granted []any
	for _, spec := range grants {
		g, err := o.grant(signet.SubjectUser, u.ID, u.Name, spec)
		if err != nil {
			return err
		}
		granted = append(granted, map[string]any{"grant_id": g.ID, "role_id": g.RoleID, "workspace_id": g.WorkspaceID})
	}
	var joined []any
	for _, gid := range dedupe(groupIDs) {
		g, err := o.tx.GetGroup(o.ctx, gid)
		if err != nil {
			return notFound(err, "group %q not found", gid)
		}
		if err := o.addMember(g, u); err != nil {
			return err
		}
		joined = append(joined, g.ID)
	}
	if len(granted) > 0 {
		o.detail("grants", granted)
	}
	if len(joined) > 0 {
		o.detail("groups", joined)
	}
	return nil
}

// checkServiceAccountNameFree is the uniqueness rule for service account
// names (case-insensitive, among non-deleted accounts), checked before
// storage so the message is exact; storage enforces it too. exceptID is
// the account being renamed.
func (o *op) checkServiceAccountNameFree(name, exceptID string) error {
	other, err := o.tx.GetServiceAccountByName(o.ctx, name)
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		return nil
	case err != nil:
		return err
	case other.ID == exceptID:
		return nil
	}
	return signet.FieldErrorf("name", signet.ECONFLICT, "a service account named %q already exists", other.Name)
}

// checkEmailFree is the uniqueness rule for emails (case-insensitive,
// among non-deleted humans).
func (o *op) checkEmailFree(email, exceptID string) error {
	other, err := o.tx.GetUserByEmail(o.ctx, email)
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		return nil
	case err != nil:
		return err
	case other.ID == exceptID:
		return nil
	}
	return signet.FieldErrorf("email", signet.ECONFLICT, "a user with email %q already exists", email)
}

// CreateHuman creates a human user. The password is optional (a user
// without one cannot sign in until it is set). Needs users:write; grants
// and groups as in CreateServiceAccount. Returns EINVALID, ENOTFOUND,
// ECONFLICT for a taken email, EFORBIDDEN.
func (s *Service) CreateHuman(ctx context.Context, a *signet.Actor, in CreateHumanInput) (*signet.User, error) {
	hash, err := s.prehash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var out *signet.User
	err = s.mutate(ctx, a, "user.create", func(o *op) error {
		u, err := o.createHuman(in, hash, nil)
		out = u
		return err
	})
	return out, err
}

// createHuman is the one place a human is created: by an administrator,
// by the first-admin setup and by `signet admin create`. hash is the
// bcrypt hash of in.Password computed outside the transaction (see
// prehash); extraGroups are joined besides in.GroupIDs.
func (o *op) createHuman(in CreateHumanInput, hash string, extraGroups []string) (*signet.User, error) {
	o.target("user", "", strings.TrimSpace(in.Name))
	if err := o.authorise("users:write", ""); err != nil {
		return nil, err
	}
	name, err := validateName("user", in.Name)
	if err != nil {
		return nil, err
	}
	email, err := validateEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if in.Password != "" {
		if err := validatePassword(in.Password); err != nil {
			return nil, err
		}
	}
	o.target("user", "", name)
	if err := o.checkEmailFree(email, ""); err != nil {
		return nil, err
	}
	u := &signet.User{
		ID:           id.New(id.User),
		Kind:         signet.KindHuman,
		Name:         name,
		Email:        email,
		PasswordHash: hash,
		Status:       signet.StatusActive,
		CreatedAt:    o.now,
		CreatedBy:    o.actorID(),
		UpdatedAt:    o.now,
	}
	if err := o.tx.CreateUser(o.ctx, u); err != nil {
		return nil, withField("email", conflict(err, "a user with email %q already exists", email))
	}
	o.target("user", u.ID, u.Name)
	o.detail("email", u.Email)
	if err := o.grantAndJoin(u, in.Grants, append(slices.Clone(in.GroupIDs), extraGroups...)); err != nil {
		return nil, err
	}
	c := *u
	c.PasswordHash = ""
	return &c, nil
}

// ListUsers lists non-deleted users. Humans need users:read and service
// accounts service_accounts:read; with Kind "" an actor holding only one
// of the two sees only that kind. Returns EINVALID, EFORBIDDEN.
func (s *Service) ListUsers(ctx context.Context, a *signet.Actor, f signet.UserFilter) ([]*signet.User, string, error) {
	var out []*signet.User
	var next string
	err := s.view(ctx, a, func(o *op) error {
		humans := o.access.Can("users:read", "")
		sas := o.access.Can("service_accounts:read", "")
		switch f.Kind {
		case "":
			switch {
			case humans && sas:
			case humans:
				f.Kind = signet.KindHuman
			case sas:
				f.Kind = signet.KindServiceAccount
			default:
				return forbidden("", "users:read", "service_accounts:read")
			}
		case signet.KindHuman:
			if !humans {
				return forbidden("", "users:read")
			}
		case signet.KindServiceAccount:
			if !sas {
				return forbidden("", "service_accounts:read")
			}
		default:
			return signet.Errorf(signet.EINVALID, "kind must be %q or %q", signet.KindHuman, signet.KindServiceAccount)
		}
		if err := signet.ValidateLabels("label", f.Labels); err != nil {
			return err
		}
		switch f.Status {
		case "", signet.StatusActive, signet.StatusDisabled:
		default:
			return signet.Errorf(signet.EINVALID, "status must be %q or %q", signet.StatusActive, signet.StatusDisabled)
		}
		var err error
		if f.Page, err = validatePage(f.Page); err != nil {
			return err
		}
		out, next, err = o.tx.ListUsers(ctx, f)
		for _, u := range out {
			u.PasswordHash = ""
		}
		return err
	})
	return out, next, err
}

// liveUser returns a non-deleted user; deleted users are ENOTFOUND to
// every operation but the audit trail.
func (o *op) liveUser(userID string) (*signet.User, error) {
	u, err := o.tx.GetUser(o.ctx, userID)
	if err != nil {
		return nil, notFound(err, "%s %q not found", idNoun(userID), userID)
	}
	if u.Status == signet.StatusDeleted {
		return nil, signet.Errorf(signet.ENOTFOUND, "%s %q not found", userNoun(u), userID)
	}
	return u, nil
}

// idNoun names, for messages, the kind of user an id that was not found
// would have been: "service account" for an sa_ id, else "user".
func idNoun(userID string) string {
	if strings.HasPrefix(userID, id.ServiceAccount) {
		return "service account"
	}
	return "user"
}

// userPerm returns the permission for acting on u: service_accounts:… for
// service accounts, users:… for humans.
func userPerm(u *signet.User, action string) string {
	if u.IsServiceAccount() {
		return "service_accounts:" + action
	}
	return "users:" + action
}

// userTargetType is the audit target type of u.
func userTargetType(u *signet.User) string {
	if u.IsServiceAccount() {
		return "service_account"
	}
	return "user"
}

// userNoun names u's kind in messages: "service account" or "user".
func userNoun(u *signet.User) string {
	if u.IsServiceAccount() {
		return "service account"
	}
	return "user"
}

// userAction is the audit action verb for u, e.g. "service_account.update".
func userAction(u *signet.User, verb string) string { return userTargetType(u) + "." + verb }

// GetUser returns a user with its groups and direct grants. Users may
// always read themselves (but not with a scoped key, see op.self); otherwise it needs users:read (humans) or
// service_accounts:read. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetUser(ctx context.Context, a *signet.Actor, userID string) (*UserDetail, error) {
	var out *UserDetail
	err := s.view(ctx, a, func(o *op) error {
		self := o.self(userID)
		if !self {
			if err := o.authoriseAny("", "users:read", "service_accounts:read"); err != nil {
				return err
			}
		}
		u, err := o.liveUser(userID)
		if err != nil {
			return err
		}
		if !self {
			if err := o.authorise(userPerm(u, "read"), ""); err != nil {
				return err
			}
		}
		d, err := o.userDetail(u)
		out = d
		return err
	})
	return out, err
}

func (o *op) userDetail(u *signet.User) (*UserDetail, error) {
	groups, err := o.tx.ListUserGroups(o.ctx, u.ID)
	if err != nil {
		return nil, err
	}
	grants, err := o.grantsOf(signet.SubjectUser, u.ID)
	if err != nil {
		return nil, err
	}
	c := *u
	c.PasswordHash = ""
	return &UserDetail{User: &c, Groups: groups, Grants: grants}, nil
}

// UpdateUser renames a user or changes its description, or a human's email
// or password. It needs service_accounts:write or users:write, and the
// actor must cover the user's access (see userForWrite), except that
// humans may update their own name and description — signed in or with an
// unscoped key.
//
// A human's own email and password are credentials: changing them needs
// the current password and is refused to API keys, whatever their scopes,
// so a leaked key or an unattended session cannot lock the owner out.
// Another human's email or password may be set by an administrator acting
// through users:write and covering that human's access. A changed email
// or password ends the user's sessions (but the session making the change,
// when it is the user's own). A password for a service account is refused.
// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN, ERATELIMITED.
func (s *Service) UpdateUser(ctx context.Context, a *signet.Actor, userID string, up UserUpdate) (*signet.User, error) {
	var hash string
	if up.Password != nil {
		var err error
		if hash, err = s.prehash(ctx, *up.Password); err != nil {
			return nil, err
		}
	}
	ownCredentials := (up.Email != nil || up.Password != nil) && a != nil && !a.System && a.UserID == userID
	// The current password is checked before the transaction: bcrypt is
	// slow on purpose, and writers are serialised.
	var proof passwordProof
	if ownCredentials && a.KeyID == "" && up.CurrentPassword != nil && *up.CurrentPassword != "" {
		var err error
		if proof, err = s.proveCurrentPassword(ctx, userID, *up.CurrentPassword); err != nil {
			return nil, err
		}
	}
	var out *signet.User
	err := s.mutate(ctx, a, "user.update", func(o *op) error {
		u, err := o.userForWrite(userID, "update", true)
		if err != nil {
			return err
		}
		if up.Name != nil {
			name, err := validateName(userNoun(u), *up.Name)
			if err != nil {
				return err
			}
			if name != u.Name {
				if u.IsServiceAccount() {
					if err := o.checkServiceAccountNameFree(name, u.ID); err != nil {
						return err
					}
					if err := o.checkServiceAccountNameNotConfusable(name, u.ID); err != nil {
						return err
					}
				}
				o.change("name", u.Name, name)
				u.Name = name
			}
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			if desc != u.Description {
				o.change("description", u.Description, desc)
				u.Description = desc
			}
		}
		if err := o.updateLabelsAndOwner(u, up); err != nil {
			return err
		}
		var credentialsChanged bool
		if up.Email != nil {
			if u.IsServiceAccount() {
				return signet.Errorf(signet.EINVALID, "service accounts have no email")
			}
			email, err := validateEmail(*up.Email)
			if err != nil {
				return err
			}
			if email != u.Email {
				if ownCredentials {
					if err := o.checkOwnCredentialChange(up, proof, u); err != nil {
						return err
					}
				}
				if err := o.checkEmailFree(email, u.ID); err != nil {
					return err
				}
				o.change("email", u.Email, email)
				u.Email = email
				credentialsChanged = true
			}
		}
		if up.Password != nil {
			if u.IsServiceAccount() {
				return errSAPassword
			}
			if err := validatePassword(*up.Password); err != nil {
				return err
			}
			if ownCredentials {
				if err := o.checkOwnCredentialChange(up, proof, u); err != nil {
					return err
				}
			}
			u.PasswordHash = hash
			o.detail("password_changed", true)
			credentialsChanged = true
		}
		c := *u
		c.PasswordHash = ""
		out = &c
		if o.event.Details == nil {
			o.noEvent = true // nothing changed
			return nil
		}
		u.UpdatedAt = o.now
		out.UpdatedAt = o.now
		if err := o.tx.UpdateUser(ctx, u); err != nil {
			if u.IsServiceAccount() {
				return withField("name", conflict(err, "a service account named %q already exists", u.Name))
			}
			return withField("email", conflict(err, "a user with email %q already exists", u.Email))
		}
		if credentialsChanged {
			ended, err := o.endSessionsExcept(u.ID, a.SessionID)
			if err != nil {
				return err
			}
			if ended > 0 {
				o.detail("sessions_ended", ended)
			}
		}
		return nil
	})
	return out, err
}

// checkOwnCredentialChange is the rule for changing one's own email or
// password: never with an API key, always with the current password,
// proved before the transaction against the hash that is still stored.
func (o *op) checkOwnCredentialChange(up UserUpdate, proof passwordProof, u *signet.User) error {
	if o.usesKey() {
		return signet.Errorf(signet.EFORBIDDEN, "an API key cannot change its owner's email or password; sign in to Signet and change them under Settings → Account")
	}
	if up.CurrentPassword == nil || *up.CurrentPassword == "" {
		return signet.FieldErrorf("current_password", signet.EINVALID, "current_password is required to change your own email or password")
	}
	if !proof.matches(u) {
		return &signet.Error{Code: signet.EFORBIDDEN, Reason: "current_password_incorrect", Field: "current_password", Message: "the current password is not correct"}
	}
	return nil
}

// endSessionsExcept ends every live session of a user but keep (the
// session making the change, if any) and returns how many it ended.
func (o *op) endSessionsExcept(userID, keep string) (int, error) {
	live, err := o.tx.ListUserSessions(o.ctx, userID, o.now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ses := range live {
		if ses.ID == keep || ses.RevokedAt != nil {
			continue
		}
		if err := o.tx.RevokeSession(o.ctx, ses.ID, o.now); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// userForWrite loads a non-deleted user for a change and authorises it:
// service_accounts:write or users:write, and the actor must cover every
// permission the user holds — taking away or changing a principal is
// bounded like granting, so nobody can disable, delete, rename or reset
// someone with more access than their own. When allowSelf is set, a human
// acting on its own account (see op.self) needs neither. It names the
// audit action and target after the user first, so that a refusal is
// recorded against the right target, e.g. a denied
// "service_account.update".
func (o *op) userForWrite(userID, verb string, allowSelf bool) (*signet.User, error) {
	u, err := o.liveUser(userID)
	if err != nil {
		return nil, err
	}
	o.event.Action = userAction(u, verb)
	o.target(userTargetType(u), u.ID, u.Name)
	if allowSelf && o.self(u.ID) && !u.IsServiceAccount() {
		return u, nil
	}
	if err := o.authorise(userPerm(u, "write"), ""); err != nil {
		return nil, err
	}
	if err := o.checkActsWithin(u, verbing(verb)+" "+userNoun(u)+" "+quote(u.Name)); err != nil {
		return nil, err
	}
	return u, nil
}

// verbing names a user action for messages: "disable" -> "disabling".
func verbing(verb string) string {
	switch verb {
	case "update":
		return "changing"
	case "disable":
		return "disabling"
	case "enable":
		return "enabling"
	case "delete":
		return "deleting"
	}
	return verb
}

// checkActsWithin refuses acting on user u — changing, disabling,
// enabling, deleting it, or taking it out of a group — when u holds
// permissions the actor does not: the no-escalation rule applied to
// taking away. u's access counts whatever its status, so re-enabling a
// disabled administrator is bounded too.
func (o *op) checkActsWithin(u *signet.User, what string) error {
	theirs, err := grantedAccessOf(o.ctx, o.tx, o.cat, u)
	if err != nil {
		return err
	}
	if o.access.Covers(&theirs) {
		return nil
	}
	miss := missing(&o.access, &theirs)
	return signet.Errorf(signet.EFORBIDDEN, "%s: they hold permissions you do not hold yourself (%s), and only someone holding all of them may do that", what, strings.Join(miss, ", "))
}

// SetUserStatus disables or enables a user. Disabling stops its keys
// (through the verification caches, told by onChange) and revokes a
// human's UI sessions. The last active member of Admins cannot be
// disabled. Needs service_accounts:write or users:write. Setting the
// current status again changes nothing and is not audited. Returns
// EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) SetUserStatus(ctx context.Context, a *signet.Actor, userID, status string) (*signet.User, error) {
	var out *signet.User
	err := s.mutate(ctx, a, "user.set_status", func(o *op) error {
		verb := "disable"
		if status == signet.StatusActive {
			verb = "enable"
		}
		u, err := o.userForWrite(userID, verb, false)
		if err != nil {
			return err
		}
		if status != signet.StatusActive && status != signet.StatusDisabled {
			return signet.Errorf(signet.EINVALID, "status must be %q or %q", signet.StatusActive, signet.StatusDisabled)
		}
		c := *u
		c.PasswordHash = ""
		out = &c
		if u.Status == status {
			o.noEvent = true
			return nil
		}
		if status == signet.StatusDisabled {
			if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
				return err
			}
			if err := o.tx.RevokeUserSessions(ctx, u.ID, o.now); err != nil {
				return err
			}
		}
		o.change("status", u.Status, status)
		u.Status = status
		u.UpdatedAt = o.now
		out.Status, out.UpdatedAt = u.Status, u.UpdatedAt
		return o.tx.UpdateUser(ctx, u)
	})
	return out, err
}

// DeleteUser deletes a user softly: it stays in storage (its keys and the
// audit trail refer to it) with status deleted, its keys are revoked with
// reason "owner deleted", its sessions revoked, and its memberships and
// direct grants removed. A deleted service account's name is free again.
// The last active member of Admins cannot be deleted. Needs
// service_accounts:write or users:write. Returns ENOTFOUND, ECONFLICT,
// EFORBIDDEN.
func (s *Service) DeleteUser(ctx context.Context, a *signet.Actor, userID string) error {
	return s.mutate(ctx, a, "user.delete", func(o *op) error {
		u, err := o.userForWrite(userID, "delete", false)
		if err != nil {
			return err
		}
		if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
			return err
		}
		revoked, err := o.tx.RevokeUserAPIKeys(ctx, u.ID, o.now, o.actorID(), "owner deleted")
		if err != nil {
			return err
		}
		if err := o.tx.RevokeUserSessions(ctx, u.ID, o.now); err != nil {
			return err
		}
		if err := o.tx.DeleteUserClientKeys(ctx, u.ID); err != nil {
			return err
		}
		if err := o.tx.RemoveUserFromAllGroups(ctx, u.ID); err != nil {
			return err
		}
		if err := o.tx.DeleteUserGrants(ctx, u.ID); err != nil {
			return err
		}
		if len(revoked) > 0 {
			o.detail("revoked_keys", revoked)
		}
		o.change("status", u.Status, signet.StatusDeleted)
		u.Status = signet.StatusDeleted
		now := o.now
		u.DeletedAt = &now
		u.UpdatedAt = now
		return o.tx.UpdateUser(ctx, u)
	})
}

// SetUserGroups makes a user's memberships exactly groupIDs. Each group
// joined follows AddGroupMember's rules (groups:write, no escalation),
// each left RemoveGroupMember's (the last active member of Admins stays).
// Returns ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) SetUserGroups(ctx context.Context, a *signet.Actor, userID string, groupIDs []string) (*UserDetail, error) {
	var out *UserDetail
	err := s.mutate(ctx, a, "user.groups_set", func(o *op) error {
		u, err := o.liveUser(userID)
		if err != nil {
			return err
		}
		o.event.Action = userAction(u, "groups_set")
		o.target(userTargetType(u), u.ID, u.Name)
		if err := o.authorise("groups:write", ""); err != nil {
			return err
		}
		current, err := o.tx.ListUserGroups(ctx, u.ID)
		if err != nil {
			return err
		}
		want := dedupe(groupIDs)
		var added, removed []any
		for _, g := range current {
			if !slices.Contains(want, g.ID) {
				if err := o.removeMember(g, u); err != nil {
					return err
				}
				removed = append(removed, g.ID)
			}
		}
		for _, gid := range want {
			if slices.ContainsFunc(current, func(g *signet.Group) bool { return g.ID == gid }) {
				continue
			}
			g, err := o.tx.GetGroup(ctx, gid)
			if err != nil {
				return notFound(err, "group %q not found", gid)
			}
			if err := o.addMember(g, u); err != nil {
				return err
			}
			added = append(added, g.ID)
		}
		if len(added)+len(removed) == 0 {
			o.noEvent = true
		}
		o.detail("added", added)
		o.detail("removed", removed)
		out, err = o.userDetail(u)
		return err
	})
	return out, err
}
