package service

import (
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestConfusableServiceAccountNames(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testConfusableServiceAccountNames)
}

func testConfusableServiceAccountNames(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode string
		wantMsg  string
	}{
		{name: "Cyrillic a", in: "svc_аdmin", wantCode: signet.ECONFLICT,
			wantMsg: `"svc_аdmin" looks the same as the existing service account "svc_admin" (it differs at position 5: U+0430, a Cyrillic letter); choose a name that does not`},
		{name: "all Cyrillic look-alike", in: "еtl-1", wantCode: signet.ECONFLICT, wantMsg: `looks the same as the existing service account "etl-l"`},
		{name: "digit for letter", in: "etl-1", wantCode: signet.ECONFLICT, wantMsg: `"etl-1" looks the same as the existing service account "etl-l" (it differs at position 5: U+0031, a digit); choose`},
		{name: "rn for m", in: "svc_adrnin", wantCode: signet.ECONFLICT, wantMsg: `looks the same as the existing service account "svc_admin"`},
		{name: "full width", in: "ｓｖｃ＿ａｄｍｉｎ", wantCode: signet.ECONFLICT, wantMsg: `looks the same as the existing service account "svc_admin" (it differs at position 1: U+FF53, a Latin letter)`},
		{name: "case only is a duplicate", in: "SVC_ADMIN", wantCode: signet.ECONFLICT, wantMsg: `a service account named "svc_admin" already exists`},
		{name: "decomposed is a duplicate", in: "cafe\u0301", wantCode: signet.ECONFLICT, wantMsg: `a service account named "café" already exists`},
		{name: "different", in: "svc_audit"},
		{name: "different punctuation", in: "sa-admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			for _, n := range []string{"svc_admin", "etl-l", "café"} {
				_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: n})
				e.must(err)
			}
			other := e.sa()
			before := len(e.events())

			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: tt.in})
			wantCode(t, "CreateServiceAccount("+tt.in+")", err, tt.wantCode)
			if msg := signet.ErrorMessage(err); tt.wantCode != "" && !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("CreateServiceAccount(%q) message = %q; want it to contain %q", tt.in, msg, tt.wantMsg)
			}
			// Renaming another account is held to the same rule.
			_, err = e.svc.UpdateUser(e.ctx, e.admin, other.ID, UserUpdate{Name: &tt.in})
			if tt.wantCode == "" {
				// The name was just taken by the create above.
				wantCode(t, "UpdateUser(rename to "+tt.in+")", err, signet.ECONFLICT)
				return
			}
			wantCode(t, "UpdateUser(rename to "+tt.in+")", err, tt.wantCode)
			if msg := signet.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("UpdateUser(rename to %q) message = %q; want it to contain %q", tt.in, msg, tt.wantMsg)
			}
			// A conflict writes nothing, not even an event.
			if after := len(e.events()); after != before {
				t.Errorf("events after refused create and rename = %d; want %d", after, before)
			}
		})
	}
}

func TestConfusableServiceAccountRename(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testConfusableServiceAccountRename)
}

func testConfusableServiceAccountRename(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "svc_admin"})
	e.must(err)
	sa := out.User

	// An account may take a name that looks like its own.
	name := "svc_admIn"
	u, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Name: &name})
	e.must(err)
	if u.Name != name {
		t.Fatalf("renamed to %q; want %q", u.Name, name)
	}
	// A deleted account's look-alike is free, as its name is.
	e.must(e.svc.DeleteUser(e.ctx, e.admin, sa.ID))
	_, err = e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "svc_admln"})
	wantCode(t, "CreateServiceAccount(look-alike of a deleted account)", err, "")
	// Humans may share names and look-alikes; they are flagged instead.
	_, err = e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "svc_аdmln", Email: "spoof@example.com"})
	wantCode(t, "CreateHuman(look-alike of a service account)", err, "")
}

func TestNameWarnings(t *testing.T) { t.Parallel(); testdb.ForEach(t, testNameWarnings) }

func testNameWarnings(t *testing.T) {
	e := newEnv(t) // the first administrator is "Ada"
	// "Аda" starts with a Cyrillic А.
	spoof, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Аda", Email: "spoof@example.com"})
	e.must(err)
	sa, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "ada"})
	e.must(err)
	greek, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "Ωmega"})
	e.must(err)
	plain, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl"})
	e.must(err)
	adaUser, err := e.svc.GetUser(e.ctx, e.admin, e.admin.UserID)
	e.must(err)
	ada := adaUser.User
	// A name stored before the name rule refused text-direction controls.
	reversed := &signet.User{ID: "sa_reversed", Kind: signet.KindServiceAccount, Name: "sa_\u202enimda", Status: signet.StatusActive,
		CreatedAt: e.clock(), UpdatedAt: e.clock()}
	e.must(e.st.Write(e.ctx, func(tx storeTx) error { return tx.CreateUser(e.ctx, reversed) }))

	all := []*signet.User{ada, spoof, sa.User, greek.User, plain.User, reversed}
	tests := []struct {
		name  string
		actor *signet.Actor
		want  map[string]NameWarning
	}{
		{name: "admin sees every look-alike", actor: e.admin, want: map[string]NameWarning{
			// "ada" differs from "Ada" only in case: not a look-alike.
			ada.ID:        {LooksLike: named("Аda")},
			spoof.ID:      {LooksLike: named("Ada", "ada"), MixedScripts: []string{"Cyrillic", "Latin"}},
			sa.User.ID:    {LooksLike: named("Аda")},
			greek.User.ID: {MixedScripts: []string{"Greek", "Latin"}},
			reversed.ID:   {Invisible: true},
		}},
		{name: "service accounts only", actor: e.actorWith("service_accounts:read"), want: map[string]NameWarning{
			// Humans are not compared for someone who may not list them.
			spoof.ID:      {LooksLike: named("ada"), MixedScripts: []string{"Cyrillic", "Latin"}},
			greek.User.ID: {MixedScripts: []string{"Greek", "Latin"}},
			reversed.ID:   {Invisible: true},
		}},
		{name: "no read permission", actor: e.actorWith(), want: map[string]NameWarning{
			spoof.ID:      {MixedScripts: []string{"Cyrillic", "Latin"}},
			greek.User.ID: {MixedScripts: []string{"Greek", "Latin"}},
			reversed.ID:   {Invisible: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.NameWarnings(e.ctx, tt.actor, all)
			e.must(err)
			for _, u := range all {
				g, w := got[u.ID], tt.want[u.ID]
				if !slices.Equal(lookAlikeNames(g), lookAlikeNames(w)) || !slices.Equal(g.MixedScripts, w.MixedScripts) || g.Invisible != w.Invisible {
					t.Errorf("NameWarnings()[%q] = %+v; want %+v", u.Name, g, w)
				}
				if _, ok := got[u.ID]; ok != w.Any() {
					t.Errorf("NameWarnings() has %q = %v; want %v", u.Name, ok, w.Any())
				}
			}
		})
	}
	ws, err := e.svc.NameWarnings(e.ctx, e.admin, []*signet.User{spoof})
	e.must(err)
	if got := ws[spoof.ID].LooksLike; len(got) != 2 ||
		got[0] != (LookAlike{ID: ada.ID, Kind: signet.KindHuman, Name: "Ada"}) || got[1] != (LookAlike{ID: sa.User.ID, Kind: signet.KindServiceAccount, Name: "ada"}) {
		t.Errorf("LooksLike = %+v; want Ada (human) and ada (service account) with their ids", got)
	}
	if got := (NameWarning{MixedScripts: []string{"Cyrillic", "Greek", "Latin"}}).Scripts(); got != "Cyrillic, Greek and Latin" {
		t.Errorf("Scripts() = %q", got)
	}
}

func named(names ...string) []LookAlike {
	var out []LookAlike
	for _, n := range names {
		out = append(out, LookAlike{Name: n})
	}
	return out
}

func lookAlikeNames(w NameWarning) []string {
	var out []string
	for _, l := range w.LooksLike {
		out = append(out, l.Name)
	}
	return out
}

// TestNamesThatLookLikeIDs: no kind of thing may be created with, or
// renamed to, a name that begins with an id prefix, so that the CLI's
// name-or-id lookup is never ambiguous.
func TestNamesThatLookLikeIDs(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testNamesThatLookLikeIDs)
}

func testNamesThatLookLikeIDs(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "ops"})
	e.must(err)
	r, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: "auditor", Base: signet.BaseView})
	e.must(err)
	w, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "analytics"})
	e.must(err)
	for _, name := range []string{"sa_etl", "usr_bob", "KEY_1", "ws_prod", "role_x", "grp_ops", "sgn_sa_x"} {
		for _, tt := range []struct {
			what string
			run  func(n string) error
		}{
			{"CreateServiceAccount", func(n string) error {
				_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: n})
				return err
			}},
			{"rename service account", func(n string) error {
				_, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Name: &n})
				return err
			}},
			{"CreateHuman", func(n string) error {
				_, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: n, Email: "x@example.com"})
				return err
			}},
			{"CreateGroup", func(n string) error { _, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: n}); return err }},
			{"rename group", func(n string) error {
				_, err := e.svc.UpdateGroup(e.ctx, e.admin, g.ID, GroupUpdate{Name: &n})
				return err
			}},
			{"CreateRole", func(n string) error {
				_, err := e.svc.CreateRole(e.ctx, e.admin, RoleInput{Name: n, Base: signet.BaseView})
				return err
			}},
			{"rename role", func(n string) error {
				_, err := e.svc.UpdateRole(e.ctx, e.admin, r.Role.ID, RoleUpdate{Name: &n})
				return err
			}},
			{"CreateWorkspace", func(n string) error {
				_, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: n})
				return err
			}},
			{"rename workspace", func(n string) error {
				_, err := e.svc.UpdateWorkspace(e.ctx, e.admin, w.ID, WorkspaceUpdate{Name: &n})
				return err
			}},
			{"CreateAPIKey", func(n string) error {
				_, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: n})
				return err
			}},
		} {
			err := tt.run(name)
			wantCode(t, tt.what+"("+name+")", err, signet.EINVALID)
			if msg := signet.ErrorMessage(err); !strings.Contains(msg, "looks like an id") {
				t.Errorf("%s(%q) message = %q; want it to say the name looks like an id", tt.what, name, msg)
			}
		}
	}
}
