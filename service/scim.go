package service

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// SCIM provisioning of people (RFC 7643/7644 Users), called by the thin
// handlers of package scim. The caller is the identity provider, through
// a service account's key holding scim:write organisation-wide: it may
// create, change, deactivate and delete humans whatever they hold (the
// provider is the authority on who works here), so grant scim:write only
// to the provider's account. The Admins group still keeps its last
// active member. Every change is audited like the same change made by an
// administrator, with details.via "scim".

// PermSCIMWrite is the permission the provider's key needs.
const PermSCIMWrite = "scim:write"

// scimDisabledReason marks the personal keys a deactivation disabled, so
// that a reactivation enables those and no others.
const scimDisabledReason = "owner deactivated by the identity provider (SCIM)"

// SCIMUser is a person as SCIM shows them, with the service accounts
// they own (for reassignment after a deactivation).
type SCIMUser struct {
	User                 *signet.User
	OwnedServiceAccounts []*signet.User
}

// SCIMUserChange is a SCIM write: nil fields are left alone. UserName is
// the email.
type SCIMUserChange struct {
	UserName   *string
	Name       *string
	Active     *bool
	ExternalID *string
}

// SCIMUserFilter selects people as SCIM filters do; zero fields do not
// filter, and the fields set must all match.
type SCIMUserFilter struct {
	ID string
	// UserName is the email, compared case-insensitively.
	UserName   string
	ExternalID string
}

// SCIMListUsers lists humans matching f, from the 1-based startIndex, at
// most count, and the total number matching. Returns EFORBIDDEN.
func (s *Service) SCIMListUsers(ctx context.Context, a *signet.Actor, f SCIMUserFilter, startIndex, count int) ([]*signet.User, int, error) {
	var out []*signet.User
	var total int
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		all, err := o.scimFindUsers(f)
		if err != nil {
			return err
		}
		total = len(all)
		out = pageOf(all, startIndex, count)
		for i, u := range out {
			c := *u
			c.PasswordHash = ""
			out[i] = &c
		}
		return nil
	})
	return out, total, err
}

// scimFindUsers returns the live humans matching f, through the most
// selective lookup f allows.
func (o *op) scimFindUsers(f SCIMUserFilter) ([]*signet.User, error) {
	one := func(u *signet.User, err error) ([]*signet.User, error) {
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
			return nil, nil
		case err != nil:
			return nil, err
		case u.Kind != signet.KindHuman || u.Status == signet.StatusDeleted:
			return nil, nil
		}
		return []*signet.User{u}, nil
	}
	var cands []*signet.User
	var err error
	switch {
	case f.ID != "":
		cands, err = one(o.tx.GetUser(o.ctx, f.ID))
	case f.UserName != "":
		cands, err = one(o.tx.GetUserByEmail(o.ctx, strings.TrimSpace(f.UserName)))
	default:
		cands, err = allPages(func(p signet.Page) ([]*signet.User, string, error) {
			return o.tx.ListUsers(o.ctx, signet.UserFilter{Kind: signet.KindHuman, ExternalID: f.ExternalID, Page: p})
		})
	}
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, u := range cands {
		if (f.UserName == "" || strings.EqualFold(u.Email, strings.TrimSpace(f.UserName))) &&
			(f.ExternalID == "" || u.ExternalID == f.ExternalID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// pageOf is SCIM's page of all: count items from the 1-based startIndex
// (RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count 0).
func pageOf[T any](all []T, startIndex, count int) []T {
	from := max(startIndex, 1) - 1
	if from >= len(all) {
		return nil
	}
	return all[from:min(len(all), from+max(count, 0))]
}

// SCIMGetUser returns one human. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) SCIMGetUser(ctx context.Context, a *signet.Actor, userID string) (*SCIMUser, error) {
	var out *SCIMUser
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		u, err := o.scimUser(userID)
		if err != nil {
			return err
		}
		out, err = o.scimView(u)
		return err
	})
	return out, err
}

// SCIMCreateUser creates a human without a password (they sign in with
// the provider). Audited as "user.create". Returns EINVALID, ECONFLICT
// (the email is taken), EFORBIDDEN.
func (s *Service) SCIMCreateUser(ctx context.Context, a *signet.Actor, in SCIMUserChange) (*SCIMUser, error) {
	var out *SCIMUser
	err := s.mutate(ctx, a, "user.create", func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		if in.UserName == nil || strings.TrimSpace(*in.UserName) == "" {
			return signet.FieldErrorf("userName", signet.EINVALID, "userName (the person's email) is required")
		}
		email, err := checkEmail(*in.UserName)
		if err != nil {
			return withField("userName", err)
		}
		name := email[:strings.IndexByte(email, '@')]
		if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
			name = *in.Name
		}
		if name, err = checkName("user", name); err != nil {
			return withField("displayName", err)
		}
		if err := o.checkEmailFree(email, ""); err != nil {
			return withField("userName", err)
		}
		extID, err := checkExternalID(in.ExternalID)
		if err != nil {
			return err
		}
		u := &signet.User{ID: id.New(id.User), Kind: signet.KindHuman, Name: name, Email: email, Status: signet.StatusActive,
			CreatedAt: o.now, CreatedBy: o.actorID(), UpdatedAt: o.now, ExternalID: extID}
		if in.Active != nil && !*in.Active {
			u.Status = signet.StatusDisabled
		}
		if err := o.tx.CreateUser(ctx, u); err != nil {
			return withField("userName", conflict(err, "a user with email %q already exists", email))
		}
		o.target("user", u.ID, u.Name)
		o.detail("email", u.Email)
		o.detail("via", "scim")
		if extID != "" {
			o.detail("external_id", extID)
		}
		out = &SCIMUser{User: u}
		return nil
	})
	return out, err
}

// SCIMUpdateUser changes a human's email, name or active state.
// Deactivating ends their sessions and disables their personal keys at
// once (reversibly: reactivating enables the keys it disabled), and
// lists the service accounts they own in the answer and the audit event
// (owned_service_accounts), for reassignment. Audited as "user.update",
// or "user.disable" / "user.enable" when the active state changes;
// nothing when nothing changes. Returns EINVALID, ENOTFOUND, ECONFLICT
// (the email is taken, or the last active member of Admins),
// EFORBIDDEN.
func (s *Service) SCIMUpdateUser(ctx context.Context, a *signet.Actor, userID string, ch SCIMUserChange) (*SCIMUser, error) {
	var out *SCIMUser
	err := s.mutate(ctx, a, "user.update", func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		u, err := o.scimUser(userID)
		if err != nil {
			return err
		}
		o.target("user", u.ID, u.Name)
		o.detail("via", "scim")
		changed := false
		if ch.UserName != nil {
			email, err := checkEmail(*ch.UserName)
			if err != nil {
				return withField("userName", err)
			}
			if !strings.EqualFold(email, u.Email) {
				if err := o.checkEmailFree(email, u.ID); err != nil {
					return withField("userName", err)
				}
			}
			if email != u.Email {
				o.change("email", u.Email, email)
				u.Email, changed = email, true
			}
		}
		if ch.Name != nil && strings.TrimSpace(*ch.Name) != "" {
			name, err := checkName("user", *ch.Name)
			if err != nil {
				return withField("displayName", err)
			}
			if name != u.Name {
				o.change("name", u.Name, name)
				u.Name, changed = name, true
			}
		}
		if ch.ExternalID != nil {
			extID, err := checkExternalID(ch.ExternalID)
			if err != nil {
				return err
			}
			if extID != u.ExternalID {
				o.change("external_id", u.ExternalID, extID)
				u.ExternalID, changed = extID, true
			}
		}
		if ch.Active != nil {
			want := signet.StatusDisabled
			if *ch.Active {
				want = signet.StatusActive
			}
			if want != u.Status {
				if err := o.scimSetActive(u, *ch.Active); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			o.noEvent = true
		} else {
			u.UpdatedAt = o.now
			if err := o.tx.UpdateUser(ctx, u); err != nil {
				return withField("userName", conflict(err, "a user with email %q already exists", u.Email))
			}
		}
		out, err = o.scimView(u)
		return err
	})
	return out, err
}

// scimSetActive deactivates or reactivates u (see SCIMUpdateUser).
func (o *op) scimSetActive(u *signet.User, active bool) error {
	keys, err := allPages(func(p signet.Page) ([]*signet.APIKey, string, error) {
		return o.tx.ListAPIKeys(o.ctx, signet.APIKeyFilter{OwnerID: u.ID, Kind: signet.KeyKindPersonal, Page: p})
	})
	if err != nil {
		return err
	}
	var touched []any
	if !active {
		o.event.Action = "user.disable"
		if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
			return err
		}
		if err := o.tx.RevokeUserSessions(o.ctx, u.ID, o.now); err != nil {
			return err
		}
		for _, k := range keys {
			if k.RevokedAt != nil || k.DisabledAt != nil {
				continue
			}
			now := o.now
			k.DisabledAt, k.DisabledBy, k.DisabledReason = &now, o.actorID(), scimDisabledReason
			if err := o.tx.UpdateAPIKey(o.ctx, k); err != nil {
				return err
			}
			touched = append(touched, k.ID)
		}
		o.detail("sessions_ended", true)
		o.detail("disabled_keys", touched)
		if err := o.recordOwnedServiceAccounts(u.ID); err != nil {
			return err
		}
	} else {
		o.event.Action = "user.enable"
		for _, k := range keys {
			if k.RevokedAt != nil || k.DisabledAt == nil || k.DisabledReason != scimDisabledReason {
				continue
			}
			k.DisabledAt, k.DisabledBy, k.DisabledReason = nil, "", ""
			if err := o.tx.UpdateAPIKey(o.ctx, k); err != nil {
				return err
			}
			touched = append(touched, k.ID)
		}
		o.detail("enabled_keys", touched)
	}
	status := signet.StatusDisabled
	if active {
		status = signet.StatusActive
	}
	o.change("status", u.Status, status)
	u.Status = status
	return nil
}

// SCIMDeleteUser deletes a human as DeleteUser does (keys revoked,
// sessions ended, memberships and grants removed), listing the service
// accounts they owned. Audited as "user.delete". Returns ENOTFOUND,
// ECONFLICT (the last active member of Admins), EFORBIDDEN.
func (s *Service) SCIMDeleteUser(ctx context.Context, a *signet.Actor, userID string) error {
	return s.mutate(ctx, a, "user.delete", func(o *op) error {
		if err := o.authorise(PermSCIMWrite, ""); err != nil {
			return err
		}
		u, err := o.scimUser(userID)
		if err != nil {
			return err
		}
		o.target("user", u.ID, u.Name)
		o.detail("via", "scim")
		if err := o.ensureAdminsKeepsActiveMember(u.ID); err != nil {
			return err
		}
		revoked, err := o.tx.RevokeUserAPIKeys(ctx, u.ID, o.now, o.actorID(), "owner deleted")
		if err != nil {
			return err
		}
		for _, step := range []func(context.Context, string) error{o.tx.RemoveUserFromAllGroups, o.tx.DeleteUserGrants} {
			if err := step(ctx, u.ID); err != nil {
				return err
			}
		}
		if err := o.tx.RevokeUserSessions(ctx, u.ID, o.now); err != nil {
			return err
		}
		if len(revoked) > 0 {
			o.detail("revoked_keys", revoked)
		}
		if err := o.recordOwnedServiceAccounts(u.ID); err != nil {
			return err
		}
		o.change("status", u.Status, signet.StatusDeleted)
		now := o.now
		u.Status, u.DeletedAt, u.UpdatedAt = signet.StatusDeleted, &now, now
		return o.tx.UpdateUser(ctx, u)
	})
}

// scimUser returns the non-deleted human userID. Returns ENOTFOUND.
func (o *op) scimUser(userID string) (*signet.User, error) {
	u, err := o.tx.GetUser(o.ctx, userID)
	if signet.ErrorCode(err) == signet.ENOTFOUND || (err == nil && (u.Kind != signet.KindHuman || u.Status == signet.StatusDeleted)) {
		return nil, signet.Errorf(signet.ENOTFOUND, "user %q not found", userID)
	}
	return u, err
}

// scimView is u with the service accounts it owns.
func (o *op) scimView(u *signet.User) (*SCIMUser, error) {
	owned, err := o.ownedServiceAccounts(u.ID)
	if err != nil {
		return nil, err
	}
	c := *u
	c.PasswordHash = ""
	return &SCIMUser{User: &c, OwnedServiceAccounts: owned}, nil
}

// recordOwnedServiceAccounts lists in the audit event
// (owned_service_accounts) the service accounts user userID owns, for
// reassignment once they are gone.
func (o *op) recordOwnedServiceAccounts(userID string) error {
	owned, err := o.ownedServiceAccounts(userID)
	if err != nil {
		return err
	}
	list := make([]any, 0, len(owned))
	for _, sa := range owned {
		list = append(list, map[string]any{"id": sa.ID, "name": sa.Name})
	}
	o.detail("owned_service_accounts", list)
	return nil
}

// ownedServiceAccounts returns the service accounts whose owner is the
// user userID.
func (o *op) ownedServiceAccounts(userID string) ([]*signet.User, error) {
	return allPages(func(p signet.Page) ([]*signet.User, string, error) {
		return o.tx.ListUsers(o.ctx, signet.UserFilter{Kind: signet.KindServiceAccount, OwnerType: "user", OwnerID: userID, Page: p})
	})
}

// MaxExternalIDLen bounds an identity provider's id for a resource.
const MaxExternalIDLen = 255

// checkExternalID validates SCIM's externalId (nil or blank: none).
func checkExternalID(v *string) (string, error) {
	if v == nil {
		return "", nil
	}
	s := strings.TrimSpace(*v)
	if len(s) > MaxExternalIDLen || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return "", signet.FieldErrorf("externalId", signet.EINVALID,
			"externalId must be at most %d characters of printable UTF-8", MaxExternalIDLen)
	}
	return s, nil
}
