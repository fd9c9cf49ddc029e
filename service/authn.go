package service

import (
	"context"
	"slices"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// errBadLogin is the one answer to a failed sign-in, whatever the cause
// (unknown email, wrong password, disabled user), so that the answer does
// not tell which accounts exist.
var errBadLogin = &signet.Error{Code: signet.EUNAUTHENTICATED, Message: "incorrect email or password", Reason: "invalid_credentials"}

// errSALogin refuses a sign-in as a service account. It is deliberately
// distinct: the product promises a clear refusal here.
var errSALogin = &signet.Error{Code: signet.EUNAUTHENTICATED, Message: "service accounts cannot sign in; they are for API and SDK use only", Reason: "service_account"}

// LoadKeyState loads a key, its owner and the owner's access narrowed by
// the key's scopes, and what the key policy says of the key, in one read
// transaction. The owner's access is empty
// when the owner is not active; the caller checks the key's status.
// Returns ENOTFOUND for an unknown key id.
func (s *Service) LoadKeyState(ctx context.Context, keyID string) (*KeyState, error) {
	var out *KeyState
	err := s.store.Read(ctx, func(tx store.Tx) error {
		k, err := tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		owner, err := tx.GetUser(ctx, k.OwnerID)
		if err != nil {
			return err
		}
		cat, err := loadCatalogue(ctx, tx)
		if err != nil {
			return err
		}
		acc, err := accessOf(ctx, tx, cat, owner)
		if err != nil {
			return err
		}
		owner.PasswordHash = ""
		wss, err := allPages(func(p signet.Page) ([]*signet.Workspace, string, error) { return tx.ListWorkspaces(ctx, p) })
		if err != nil {
			return err
		}
		ids := make([]string, len(wss))
		for i, w := range wss {
			ids[i] = w.ID
		}
		slices.Sort(ids)
		out = &KeyState{Key: k, Owner: owner, Access: acc.Narrow(k.Scopes), Catalogue: cat, Workspaces: ids}
		// The key policy is read with the key: a policy change is a
		// change like any other, which invalidates cached keys.
		policy, err := loadKeyPolicy(ctx, tx)
		if err != nil {
			return err
		}
		out.Violations = policy.Violations(k)
		out.EnforceFrom = policy.EnforceFrom
		return nil
	})
	return out, err
}

// ActorForUser returns an Actor for an authenticated user. The caller adds
// KeyID, KeyScopes or SessionID to say how the user authenticated.
func (s *Service) ActorForUser(u *signet.User) *signet.Actor {
	return &signet.Actor{UserID: u.ID, Kind: u.Kind, Name: u.Name}
}

// RecordKeyUses writes coalesced last-used data. It is bookkeeping, not a
// change anyone made, so it is not audited and does not invalidate caches.
func (s *Service) RecordKeyUses(ctx context.Context, uses []signet.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		return tx.RecordKeyUses(ctx, uses)
	})
}

// Me returns the caller, its groups, its organisation-wide permissions and
// its effective permissions in every workspace where it holds any (with an
// organisation-wide permission, that is every workspace). With a scoped
// key, the permissions are those of the key. Returns EUNAUTHENTICATED when
// the caller is not an active user.
func (s *Service) Me(ctx context.Context, a *signet.Actor) (*MeView, error) {
	var out *MeView
	err := s.view(ctx, a, func(o *op) error {
		if a.System || o.user == nil || o.user.Status != signet.StatusActive {
			return signet.Errorf(signet.EUNAUTHENTICATED, "the caller is not an active user")
		}
		groups, err := o.tx.ListUserGroups(ctx, o.user.ID)
		if err != nil {
			return err
		}
		wss, err := allPages(func(p signet.Page) ([]*signet.Workspace, string, error) {
			return o.tx.ListWorkspaces(ctx, p)
		})
		if err != nil {
			return err
		}
		u := *o.user
		u.PasswordHash = ""
		out = &MeView{User: &u, KeyID: a.KeyID, Groups: groups, Organisation: o.access.Org.List()}
		for _, w := range wss {
			perms := o.access.In(w.ID)
			if perms.Empty() {
				continue
			}
			out.Workspaces = append(out.Workspaces, WorkspacePermissions{Workspace: w, Permissions: perms.List()})
		}
		return nil
	})
	return out, err
}
