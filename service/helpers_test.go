package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

// env is one test's world: a fresh SQLite database, a bootstrapped service
// with a controllable clock, and the first administrator.
type env struct {
	tb  testing.TB
	ctx context.Context
	st  store.Store
	svc *Service

	mu      sync.Mutex // guards now and changes
	now     time.Time
	changes int

	admin     *signet.Actor
	defaultWS string
	n         int // counter for unique names
}

const testPassword = "correct horse battery"

// newEnv returns a bootstrapped env whose first administrator is set up.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	e := newBareEnv(tb)
	ctx := e.ctx
	token, err := e.svc.Bootstrap(ctx)
	if err != nil || token == "" {
		tb.Fatalf("Bootstrap() = %q, %v; want a token", token, err)
	}
	u, err := e.svc.CompleteSetup(ctx, token, CreateHumanInput{Name: "Ada", Email: "ada@example.com", Password: testPassword})
	if err != nil {
		tb.Fatalf("CompleteSetup: %v", err)
	}
	e.admin = e.svc.ActorForUser(u)
	err = e.st.Read(ctx, func(tx store.Tx) error {
		w, err := tx.GetDefaultWorkspace(ctx)
		if err == nil {
			e.defaultWS = w.ID
		}
		return err
	})
	if err != nil {
		tb.Fatalf("GetDefaultWorkspace: %v", err)
	}
	return e
}

// newBareEnv returns an env on an empty database, not bootstrapped.
func newBareEnv(tb testing.TB) *env {
	tb.Helper()
	return newBareEnvOn(tb, testdb.Open(tb))
}

// newBareEnvOn is newBareEnv on a given store.
func newBareEnvOn(tb testing.TB, st store.Store) *env {
	tb.Helper()
	ctx := context.Background()
	e := &env{tb: tb, ctx: ctx, st: st, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	e.svc = New(st, Options{
		Now:        e.clock,
		BcryptCost: 4,
		Webhooks:   WebhookOptions{Box: box},
		OnChange: func() {
			e.mu.Lock()
			e.changes++
			e.mu.Unlock()
		},
	})
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func (e *env) uniq(prefix string) string {
	e.n++
	return fmt.Sprintf("%s %d", prefix, e.n)
}

// must fails the test on err.
func (e *env) must(err error) {
	e.tb.Helper()
	if err != nil {
		e.tb.Fatalf("unexpected error: %v", err)
	}
}

// role creates a custom role as the admin.
func (e *env) role(base string, perms ...string) string {
	e.tb.Helper()
	r, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: e.uniq("role"), Base: base, Permissions: perms})
	e.must(err)
	return r.Role.ID
}

// human creates a human with the given grants and groups, and returns it
// as an actor.
func (e *env) human(grants []GrantSpec, groups ...string) *signet.Actor {
	e.tb.Helper()
	name := e.uniq("user")
	u, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{
		Name: name, Email: fmt.Sprintf("u%d@example.com", e.n), Password: testPassword, Grants: grants, GroupIDs: groups,
	})
	e.must(err)
	return e.svc.ActorForUser(u)
}

// actorWith returns a human holding exactly perms organisation-wide
// (through a custom role of base none).
func (e *env) actorWith(perms ...string) *signet.Actor {
	e.tb.Helper()
	if len(perms) == 0 {
		return e.human(nil)
	}
	return e.human([]GrantSpec{{RoleID: e.role(signet.BaseNone, perms...), WorkspaceID: signet.OrganisationWide}})
}

// sa creates a service account as the admin.
func (e *env) sa(grants ...GrantSpec) *signet.User {
	e.tb.Helper()
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: e.uniq("sa"), Grants: grants})
	e.must(err)
	return out.User
}

// events returns the audit events, newest first.
func (e *env) events() []*signet.AuditEvent {
	e.tb.Helper()
	var out []*signet.AuditEvent
	e.must(e.st.Read(e.ctx, func(tx store.Tx) error {
		var err error
		out, err = allPages(func(p signet.Page) ([]*signet.AuditEvent, string, error) {
			return tx.ListAuditEvents(e.ctx, signet.AuditFilter{Page: p})
		})
		return err
	}))
	return out
}

func (e *env) lastEvent() *signet.AuditEvent {
	e.tb.Helper()
	evs := e.events()
	if len(evs) == 0 {
		e.tb.Fatal("no audit events")
	}
	return evs[0]
}

// wantCode fails unless err has code want ("" for nil).
func wantCode(tb testing.TB, what string, err error, want string) {
	tb.Helper()
	if got := signet.ErrorCode(err); got != want {
		tb.Fatalf("%s = %v (code %q); want code %q", what, err, got, want)
	}
}

// storeTx shortens store.Tx in test closures.
type storeTx = store.Tx
