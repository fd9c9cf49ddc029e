package storetest

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// t0 is the suite's "now". It has microsecond precision, the precision
// every backend keeps, so values read back compare equal.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

// write runs fn in s.Write and fails the test on an error.
func write(tb testing.TB, s store.Store, fn func(store.Tx) error) {
	tb.Helper()
	if err := s.Write(tb.Context(), fn); err != nil {
		tb.Fatalf("Write = %v; want nil", err)
	}
}

// read runs fn in s.Read and fails the test on an error.
func read(tb testing.TB, s store.Store, fn func(store.Tx) error) {
	tb.Helper()
	if err := s.Read(tb.Context(), fn); err != nil {
		tb.Fatalf("Read = %v; want nil", err)
	}
}

// readErr returns the error of fn run in s.Read.
func readErr(tb testing.TB, s store.Store, fn func(store.Tx) error) error {
	tb.Helper()
	return s.Read(tb.Context(), fn)
}

// writeErr returns the error of fn run in s.Write.
func writeErr(tb testing.TB, s store.Store, fn func(store.Tx) error) error {
	tb.Helper()
	return s.Write(tb.Context(), fn)
}

// wantCode checks that err carries the signet error code want.
func wantCode(tb testing.TB, call string, err error, want string) {
	tb.Helper()
	if got := signet.ErrorCode(err); got != want {
		tb.Errorf("%s = %v (code %q); want code %q", call, err, got, want)
	}
}

// wantEqual checks that got deeply equals want.
func wantEqual[T any](tb testing.TB, call string, got, want T) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("%s = %s; want %s", call, show(got), show(want))
	}
}

// show prints values through pointers, which %+v does only one level deep.
func show(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
		return "<nil>"
	case rv.Kind() == reflect.Pointer && !rv.IsNil():
		return "&" + show(rv.Elem().Interface())
	case rv.Kind() == reflect.Slice:
		s := "["
		for i := range rv.Len() {
			if i > 0 {
				s += ", "
			}
			s += show(rv.Index(i).Interface())
		}
		return s + "]"
	case rv.Kind() == reflect.Struct:
		s := rv.Type().Name() + "{"
		for i := range rv.NumField() {
			if i > 0 {
				s += " "
			}
			f := rv.Field(i)
			s += rv.Type().Field(i).Name + ":"
			if f.CanInterface() {
				s += show(f.Interface())
			} else {
				s += "?"
			}
		}
		return s + "}"
	}
	return fmt.Sprintf("%v", v)
}

// Fixtures. Each returns a new record with a fresh id and every field that
// a backend could get wrong set to a non-zero value.

func human(name, email string) *signet.User {
	return &signet.User{
		ID: id.New(id.User), Kind: signet.KindHuman, Name: name, Email: email,
		Description: "a human", PasswordHash: "$2a$10$hash", Status: signet.StatusActive,
		CreatedAt: t0, CreatedBy: "usr_creator", UpdatedAt: t0, ExternalID: "ext-" + name,
	}
}

func serviceAccount(name string) *signet.User {
	return &signet.User{
		ID: id.New(id.ServiceAccount), Kind: signet.KindServiceAccount, Name: name,
		Description: "a robot", Status: signet.StatusActive,
		CreatedAt: t0, CreatedBy: "usr_creator", UpdatedAt: t0,
	}
}

func apiKey(owner *signet.User, name string) *signet.APIKey {
	kind := signet.KeyKindPersonal
	if owner.IsServiceAccount() {
		kind = signet.KeyKindServiceAccount
	}
	kid := id.New(id.APIKey)
	return &signet.APIKey{
		ID: kid, Kind: kind, OwnerID: owner.ID, Name: name, Description: "for " + name,
		SecretHash: sha256.Sum256([]byte(kid)), Hint: "sgn_…" + kid[len(kid)-4:],
		CreatedBy: "usr_creator", CreatedAt: t0,
	}
}

func workspace(name string) *signet.Workspace {
	return &signet.Workspace{ID: id.New(id.Workspace), Name: name, Description: "ws " + name, CreatedAt: t0, UpdatedAt: t0}
}

func role(name string, perms ...string) *signet.Role {
	return &signet.Role{
		ID: id.New(id.Role), Name: name, Description: "role " + name, Base: signet.BaseView,
		Permissions: perms, CreatedAt: t0, UpdatedAt: t0,
	}
}

func group(name string) *signet.Group {
	return &signet.Group{ID: id.New(id.Group), Name: name, Description: "group " + name, ExternalID: "ext-" + name, CreatedAt: t0, UpdatedAt: t0}
}

func grant(subjectType, subjectID, roleID, workspaceID string) *signet.Grant {
	return &signet.Grant{
		ID: id.New(id.Grant), SubjectType: subjectType, SubjectID: subjectID, RoleID: roleID,
		WorkspaceID: workspaceID, CreatedAt: t0, CreatedBy: "usr_creator",
	}
}

func member(g *signet.Group, u *signet.User) signet.GroupMember {
	return signet.GroupMember{GroupID: g.ID, UserID: u.ID, AddedAt: t0, AddedBy: "usr_creator"}
}

func event(action string) *signet.AuditEvent {
	return &signet.AuditEvent{
		ID: id.New(id.AuditEvent), Time: t0, ActorID: "usr_actor", ActorKind: signet.KindHuman, ActorName: "Ada",
		Action: action, TargetType: "service_account", TargetID: "sa_target", TargetName: "bot",
		Outcome: signet.OutcomeSuccess, IP: "192.0.2.1", UserAgent: "test", RequestID: "req-1",
	}
}

// create stores records of the fixture types in one transaction.
func create(tb testing.TB, s store.Store, records ...any) {
	tb.Helper()
	write(tb, s, func(tx store.Tx) error {
		ctx := tb.Context()
		for _, r := range records {
			var err error
			switch r := r.(type) {
			case *signet.User:
				err = tx.CreateUser(ctx, r)
			case *signet.APIKey:
				err = tx.CreateAPIKey(ctx, r)
			case *signet.Workspace:
				err = tx.CreateWorkspace(ctx, r)
			case *signet.Role:
				err = tx.CreateRole(ctx, r)
			case *signet.Group:
				err = tx.CreateGroup(ctx, r)
			case signet.GroupMember:
				err = tx.AddGroupMember(ctx, r)
			case *signet.Grant:
				err = tx.CreateGrant(ctx, r)
			case *signet.AuditEvent:
				err = tx.AppendAuditEvent(ctx, r)
			case *signet.Session:
				err = tx.CreateSession(ctx, r)
			default:
				tb.Fatalf("create: unknown record type %T", r)
			}
			if err != nil {
				return fmt.Errorf("creating %T: %w", r, err)
			}
		}
		return nil
	})
}

// walk lists every page with the given limit and returns all items. It
// fails the test on an error, an over-long page, or more pages than items.
func walk[T any](tb testing.TB, s store.Store, limit int, list func(store.Tx, signet.Page) ([]T, string, error)) []T {
	tb.Helper()
	var all []T
	p := signet.Page{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			tb.Fatalf("walk: more than 1000 pages; cursor does not advance")
		}
		var items []T
		var next string
		read(tb, s, func(tx store.Tx) error {
			var err error
			items, next, err = list(tx, p)
			return err
		})
		if len(items) > limit {
			tb.Fatalf("page %d: len = %d; want at most %d", pages, len(items), limit)
		}
		if next != "" && len(items) == 0 {
			tb.Fatalf("page %d: empty page with next cursor %q", pages, next)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		p.Cursor = next
	}
}

func userIDs(us []*signet.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func ids[T any](items []T, idOf func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = idOf(it)
	}
	return out
}
