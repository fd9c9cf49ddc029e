package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// TestMigrateData fills a SQLite database through the service layer, copies
// it with "signet migrate-data" into an empty database of the subtest's
// backend, and checks that everything arrived: the records, key hashes
// (the keys still verify), the audit chain, and that a second copy into
// the now non-empty target is refused unless --replace is given.
func TestMigrateData(t *testing.T) { t.Parallel(); testdb.ForEach(t, testMigrateData) }

func testMigrateData(t *testing.T) {
	ctx := context.Background()
	srcPath := filepath.Join(t.TempDir(), "source.db")
	src, err := sqlstore.OpenSQLite(ctx, srcPath)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(src, service.Options{BcryptCost: 4})
	token, err := svc.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.CompleteSetup(ctx, token, service.CreateHumanInput{Name: "Ada", Email: "ada@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	admin := svc.ActorForUser(u)
	ws, err := svc.CreateWorkspace(ctx, admin, service.WorkspaceInput{Name: "analytics"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := svc.CreateRole(ctx, admin, service.RoleInput{Name: "Auditor", Base: "view", Permissions: []string{"audit:read"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := svc.CreateGroup(ctx, admin, service.GroupInput{Name: "pipelines"})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := svc.CreateServiceAccount(ctx, admin, service.CreateServiceAccountInput{
		Name:     "etl",
		Grants:   []service.GrantSpec{{RoleID: role.Role.ID, WorkspaceID: ws.ID}},
		GroupIDs: []string{g.ID},
		Key:      &service.CreateKeyInput{Name: "prod", ExpiresIn: 24 * time.Hour, Scopes: []string{"audit:read"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := svc.CreateAPIKey(ctx, admin, sa.User.ID, service.CreateKeyInput{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeAPIKey(ctx, admin, revoked.Key.ID, "rotated"); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordKeyUses(ctx, []signet.KeyUse{{KeyID: sa.Key.Key.ID, At: time.Now(), IP: "192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	// Single sign-on: a provider (its secret as sealed at rest) and Ada's
	// link to it.
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = src.Write(ctx, func(tx store.Tx) error {
		p := &signet.OIDCProvider{ID: "idp_corp", Name: "Corp", Issuer: "https://idp.example", ClientID: "signet", ClientSecret: "sealed",
			Scopes: []string{"email"}, JITCreate: true, GroupsClaim: "groups", GroupMappings: []signet.GroupMapping{{Value: "eng", GroupID: g.ID}},
			Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateOIDCProvider(ctx, p); err != nil {
			return err
		}
		return tx.CreateUserIdentity(ctx, &signet.UserIdentity{ProviderID: p.ID, Subject: "ada-sub", UserID: u.ID, CreatedAt: now, LastLoginAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, src)
	if len(before["identity providers"].([]*signet.OIDCProvider)) != 1 {
		t.Fatalf("the source has no identity provider: %v", before["identity providers"])
	}
	src.Close()

	target := testdb.Database(t)
	migrateData := func(extra ...string) (string, error) {
		var out bytes.Buffer
		args := append([]string{"migrate-data", "--from", "sqlite:" + srcPath, "--to", target}, extra...)
		err := run(ctx, args, func(string) string { return "" }, strings.NewReader(""), &out, &out)
		return out.String(), err
	}
	out, err := migrateData()
	if err != nil {
		t.Fatalf("migrate-data = %v\n%s", err, out)
	}
	if !strings.Contains(out, "audit chain of") || !strings.Contains(out, "api_keys             2 rows") {
		t.Errorf("migrate-data printed:\n%s\nwant the row counts and the verified audit chain", out)
	}

	dst := testdb.OpenDatabase(t, target, sqlstore.Options{})
	after := dump(t, dst)
	for k, v := range before {
		if !reflect.DeepEqual(after[k], v) {
			t.Errorf("after the copy, %s = %#v; want %#v", k, after[k], v)
		}
	}
	// The keys' hashes came along: the live key verifies on the target,
	// the revoked one is still revoked.
	tsvc := service.New(dst, service.Options{BcryptCost: 4})
	v := authn.NewVerifier(tsvc, nil, nil)
	if _, err := v.VerifyKey(ctx, sa.Key.Secret, ""); err != nil {
		t.Errorf("VerifyKey(copied key) = %v; want nil", err)
	}
	if _, err := v.VerifyKey(ctx, revoked.Secret, ""); signet.ErrorReason(err) != authn.ReasonRevoked {
		t.Errorf("VerifyKey(copied revoked key) = %v; want reason revoked", err)
	}

	if out, err := migrateData(); signet.ErrorCode(err) != signet.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("migrate-data into a non-empty target = %v\n%s; want a conflict naming it non-empty", err, out)
	}
	if out, err := migrateData("--replace"); err != nil {
		t.Errorf("migrate-data --replace = %v\n%s", err, out)
	}
	if n, _, err := sqlstore.VerifyAuditChain(ctx, dst); err != nil || n != len(before["audit"].([]*signet.AuditEvent)) {
		t.Errorf("VerifyAuditChain after --replace = %d, %v; want %d, nil", n, err, len(before["audit"].([]*signet.AuditEvent)))
	}
}

// dump reads every kind of record of st through the store contract.
func dump(t *testing.T, st store.Store) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	all := signet.Page{Limit: signet.MaxPageSize}
	err := st.Read(ctx, func(tx store.Tx) error {
		var err error
		put := func(name string, v any, e error) {
			if err == nil {
				err = e
			}
			out[name] = v
		}
		users, _, e := tx.ListUsers(ctx, signet.UserFilter{Page: all})
		put("users", users, e)
		keys, _, e := tx.ListAPIKeys(ctx, signet.APIKeyFilter{Page: all})
		put("keys", keys, e)
		wss, _, e := tx.ListWorkspaces(ctx, all)
		put("workspaces", wss, e)
		roles, _, e := tx.ListRoles(ctx, all)
		put("roles", roles, e)
		groups, _, e := tx.ListGroups(ctx, all)
		put("groups", groups, e)
		for _, g := range groups {
			m, e := tx.ListGroupMembers(ctx, g.ID)
			put("members of "+g.Name, m, e)
		}
		grants, _, e := tx.ListGrants(ctx, signet.GrantFilter{Page: all})
		put("grants", grants, e)
		evs, _, e := tx.ListAuditEvents(ctx, signet.AuditFilter{Page: all})
		put("audit", evs, e)
		doms, e := tx.ListPermissionDomains(ctx)
		put("domains", doms, e)
		inst, e := tx.GetSetting(ctx, "installation_id")
		if signet.ErrorCode(e) == signet.ENOTFOUND {
			e = nil
		}
		put("installation_id", inst, e)
		idps, e := tx.ListOIDCProviders(ctx)
		put("identity providers", idps, e)
		for _, u := range users {
			ids, e := tx.ListUserIdentities(ctx, u.ID)
			put("identities of "+u.ID, ids, e)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateCommand runs "signet migrate" twice on a new database of each
// backend: the first applies every migration, the second finds none.
func TestMigrateCommand(t *testing.T) { t.Parallel(); testdb.ForEach(t, testMigrateCommand) }

func testMigrateCommand(t *testing.T) {
	database := testdb.Database(t)
	// Every migration in the tree, so that a new one needs no edit here.
	files, err := filepath.Glob("../../store/sqlstore/migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	// Versions from the file names (00010_sso.sql is 10): they may have
	// gaps while branches are merged.
	versions := make([]string, len(files))
	for i, f := range files {
		base := filepath.Base(f)
		n, err := strconv.Atoi(base[:strings.IndexByte(base, '_')])
		if err != nil {
			t.Fatalf("migration %s: no version: %v", f, err)
		}
		versions[i] = strconv.Itoa(n)
	}
	applied := "applied migrations [" + strings.Join(versions, " ") + "]"
	for _, want := range []string{applied, "is up to date"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"migrate", "--database", database}, func(string) string { return "" }, strings.NewReader(""), &out, &out)
		if err != nil || !strings.Contains(out.String(), want) {
			t.Errorf("signet migrate = %v, %q; want %q", err, out.String(), want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"signet.db", "signet.db"},
		{"postgres://signet@db/signet", "postgres://signet@db/signet"},
		{"postgres://signet:s3cret@db:5432/signet?sslmode=require", "postgres://signet:xxxxx@db:5432/signet?sslmode=require"},
		{"postgres://signet@db/signet?password=s3cret", "postgres://signet@db/signet?password=xxxxx"},
		{"host=db password=s3cret", "(unrecognised database name, not shown)"},
	}
	for _, tc := range tests {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
