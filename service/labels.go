package service

import (
	"maps"

	signet "github.com/signetdev/signet"
)

// cloneLabels copies labels; nil for none, as storage reads them back.
func cloneLabels(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	return maps.Clone(labels)
}

// Owner types of a service account (signet.User.OwnerType).
const (
	OwnerTypeUser  = "user"
	OwnerTypeGroup = "group"
)

// validateOwner checks the owner of a service account: none ("" and ""),
// or a human user or a group that exists (not deleted).
func (o *op) validateOwner(ownerType, ownerID string) error {
	switch {
	case ownerType == "" && ownerID == "":
		return nil
	case ownerType != OwnerTypeUser && ownerType != OwnerTypeGroup:
		return signet.Errorf(signet.EINVALID, "owner_type must be %q or %q (or, with owner_id, empty for no owner)", OwnerTypeUser, OwnerTypeGroup)
	case ownerID == "":
		return signet.Errorf(signet.EINVALID, "owner_id is required with owner_type %q: the id of the %s responsible for the service account", ownerType, ownerType)
	case ownerType == OwnerTypeGroup:
		if _, err := o.tx.GetGroup(o.ctx, ownerID); err != nil {
			return ownerNotFound(err, "owner_id: group %q not found", ownerID)
		}
		return nil
	}
	u, err := o.tx.GetUser(o.ctx, ownerID)
	if err != nil {
		return ownerNotFound(err, "owner_id: user %q not found", ownerID)
	}
	switch {
	case u.Status == signet.StatusDeleted:
		return signet.Errorf(signet.EINVALID, "owner_id: user %q has been deleted; choose a current user or a group", ownerID)
	case u.IsServiceAccount():
		return signet.Errorf(signet.EINVALID, "owner_id: %q is a service account; the owner must be a person (owner_type user) or a group", ownerID)
	}
	return nil
}

// ownerNotFound turns an unknown owner into invalid input: the request's
// target exists, a field of it names nothing.
func ownerNotFound(err error, format string, args ...any) error {
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return signet.Errorf(signet.EINVALID, format, args...)
	}
	return err
}

// ownerDetail is an owner as an audit detail.
func ownerDetail(ownerType, ownerID string) map[string]any {
	return map[string]any{"type": ownerType, "id": ownerID}
}

// updateLabelsAndOwner applies the labels and owner of up to the service
// account u, recording each change as {"old", "new"}.
func (o *op) updateLabelsAndOwner(u *signet.User, up UserUpdate) error {
	if up.Labels == nil && up.OwnerType == nil && up.OwnerID == nil {
		return nil
	}
	if !u.IsServiceAccount() {
		return signet.Errorf(signet.EINVALID, "labels and owners are for service accounts; a user has neither")
	}
	if up.Labels != nil {
		labels := cloneLabels(*up.Labels)
		if err := signet.ValidateLabels("labels", labels); err != nil {
			return err
		}
		if !maps.Equal(labels, u.Labels) {
			o.change("labels", labelsDetail(u.Labels), labelsDetail(labels))
			u.Labels = labels
		}
	}
	if up.OwnerType != nil || up.OwnerID != nil {
		if up.OwnerType == nil || up.OwnerID == nil {
			return signet.Errorf(signet.EINVALID, "give owner_type and owner_id together (both empty to remove the owner)")
		}
		if err := o.validateOwner(*up.OwnerType, *up.OwnerID); err != nil {
			return err
		}
		if *up.OwnerType != u.OwnerType || *up.OwnerID != u.OwnerID {
			o.change("owner", ownerDetail(u.OwnerType, u.OwnerID), ownerDetail(*up.OwnerType, *up.OwnerID))
			u.OwnerType, u.OwnerID = *up.OwnerType, *up.OwnerID
		}
	}
	return nil
}
