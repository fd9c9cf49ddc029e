package service

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

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

// prehash validates a new password and returns its bcrypt hash, computed
// outside any transaction because bcrypt is slow on purpose and the
// database serialises writers. An invalid password yields "" and no error:
// the operation reports it after authorising, so that an unauthorised
// caller learns nothing from it.
func (s *Service) prehash(password string) (string, error) {
	if password == "" || validatePassword(password) != nil {
		return "", nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	if err != nil {
		return "", signet.Internal("service.prehash", err)
	}
	return string(h), nil
}

// dummyHash returns a bcrypt hash at the service's cost that no password
// matches, compared against when there is no real hash so that a failed
// sign-in takes as long whether or not the account exists.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("signet: no password matches this"), s.bcryptCost)
		if err != nil {
			panic("service: bcrypt failed: " + err.Error())
		}
		s.dummy = h
	})
	return s.dummy
}

// LoadKeyState loads a key, its owner and the owner's access narrowed by
// the key's scopes, in one read transaction. The owner's access is empty
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
		out = &KeyState{Key: k, Owner: owner, Access: acc.Narrow(k.Scopes)}
		return nil
	})
	return out, err
}

// AuthenticatePassword checks a login and password. A login containing
// '@' is a human's email; a login naming a service account is refused with
// Reason "service_account" and a clear message; every other failure
// (unknown email, wrong password, no password set, disabled user) gets one
// generic EUNAUTHENTICATED with Reason "invalid_credentials", after the
// same bcrypt work, so neither the message nor the timing reveals which
// accounts exist.
func (s *Service) AuthenticatePassword(ctx context.Context, login, password string) (*signet.User, error) {
	login = strings.TrimSpace(login)
	var u *signet.User
	var isSA bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		u, isSA = nil, false
		if strings.Contains(login, "@") {
			found, err := tx.GetUserByEmail(ctx, login)
			switch {
			case err == nil:
				u = found
				return nil
			case signet.ErrorCode(err) != signet.ENOTFOUND:
				return err
			}
		}
		// Service account names may contain '@'; look them up last.
		_, err := tx.GetServiceAccountByName(ctx, login)
		switch {
		case err == nil:
			isSA = true
		case signet.ErrorCode(err) != signet.ENOTFOUND:
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if isSA {
		return nil, errSALogin
	}
	hash := s.dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if u == nil || u.PasswordHash == "" || !match || u.Status != signet.StatusActive || u.Kind != signet.KindHuman {
		return nil, errBadLogin
	}
	c := *u
	c.PasswordHash = ""
	return &c, nil
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

// dummyState holds the lazily computed dummy hash.
type dummyState struct {
	dummyOnce sync.Once
	dummy     []byte
}
