package service

import (
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestServiceAccountNames(t *testing.T) { t.Parallel(); testdb.ForEach(t, testServiceAccountNames) }

func testServiceAccountNames(t *testing.T) {
	long := strings.Repeat("é", signet.MaxNameLen)
	tests := []struct {
		name     string
		in       string
		wantCode string
		wantMsg  string // substring of the message
		wantName string // stored name on success
	}{
		{name: "plain", in: "etl-pipeline", wantName: "etl-pipeline"},
		{name: "trimmed", in: "  spaced  ", wantName: "spaced"},
		{name: "max runes", in: long, wantName: long},
		{name: "empty", in: "", wantCode: signet.EINVALID, wantMsg: "name is required"},
		{name: "blank", in: "   ", wantCode: signet.EINVALID, wantMsg: "name is required"},
		{name: "too long", in: long + "x", wantCode: signet.EINVALID, wantMsg: "the limit is 100"},
		{name: "control", in: "a\x00b", wantCode: signet.EINVALID, wantMsg: "control characters"},
		{name: "newline", in: "a\nb", wantCode: signet.EINVALID, wantMsg: "control characters"},
		{name: "invalid utf8", in: "a\xffb", wantCode: signet.EINVALID, wantMsg: "UTF-8"},
		{name: "duplicate", in: "taken", wantCode: signet.ECONFLICT, wantMsg: `a service account named "taken" already exists`},
		{name: "duplicate other case", in: "TAKEN", wantCode: signet.ECONFLICT, wantMsg: `already exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "taken"})
			e.must(err)
			before := len(e.events())
			out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: tt.in})
			wantCode(t, "CreateServiceAccount("+tt.in+")", err, tt.wantCode)
			if tt.wantCode != "" {
				if msg := signet.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("CreateServiceAccount(%q) message = %q; want it to contain %q", tt.in, msg, tt.wantMsg)
				}
				if after := len(e.events()); after != before {
					t.Errorf("events after failed create = %d; want %d (nothing written)", after, before)
				}
				return
			}
			if out.User.Name != tt.wantName || out.User.Kind != signet.KindServiceAccount || !strings.HasPrefix(out.User.ID, "sa_") {
				t.Errorf("CreateServiceAccount(%q) = %+v; want name %q, a service account with an sa_ id", tt.in, out.User, tt.wantName)
			}
		})
	}
}

func TestCreateServiceAccountWithKeyAndGrants(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCreateServiceAccountWithKeyAndGrants)
}

func testCreateServiceAccountWithKeyAndGrants(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{
		Name:        "loader",
		Description: "loads tables",
		Grants:      []GrantSpec{{RoleID: signet.RoleEditID, WorkspaceID: e.defaultWS}},
		GroupIDs:    []string{DefaultViewGroupID},
		Key:         &CreateKeyInput{Name: "first", Description: "ci"},
	})
	e.must(err)
	if out.Key == nil || !strings.HasPrefix(out.Key.Secret, "sgn_sa_") || out.Key.Key.Kind != signet.KeyKindServiceAccount {
		t.Fatalf("CreateServiceAccount key = %+v; want a service-account key", out.Key)
	}
	d, err := e.svc.GetUser(e.ctx, e.admin, out.User.ID)
	e.must(err)
	if len(d.Grants) != 1 || d.Grants[0].RoleID != signet.RoleEditID || len(d.Groups) != 1 || d.Groups[0].ID != DefaultViewGroupID {
		t.Errorf("GetUser(new SA) grants %+v groups %+v; want Edit on default, Default View", d.Grants, d.Groups)
	}
	// The account's event, then the key's own api_key.create, as for any
	// key; the grants and groups are details of the account's event.
	evs := e.events() // newest first
	if len(evs) < 3 {
		t.Fatalf("%d events; want at least 3", len(evs))
	}
	key, sa := evs[0], evs[1]
	if sa.Action != "service_account.create" || sa.TargetID != out.User.ID || sa.Details["key_id"] != out.Key.Key.ID {
		t.Errorf("event = %s %s %v; want service_account.create with the key id", sa.Action, sa.TargetID, sa.Details)
	}
	if key.Action != "api_key.create" || key.TargetType != "api_key" || key.TargetID != out.Key.Key.ID || key.TargetName != "first" ||
		key.Details["owner_id"] != out.User.ID || key.Details["owner_name"] != "loader" || key.Details["kind"] != signet.KeyKindServiceAccount ||
		key.ActorID != sa.ActorID || key.RequestID != sa.RequestID || key.Seq != sa.Seq+1 {
		t.Errorf("key event = %+v; want api_key.create of %s owned by %s, right after the account's", key, out.Key.Key.ID, out.User.ID)
	}
	if prev := evs[2]; prev.Action == "api_key.create" || prev.Action == "grant.create" {
		t.Errorf("creation wrote a separate %s event; want the account's and the key's only", prev.Action)
	}
}

func TestUpdateUser(t *testing.T) { t.Parallel(); testdb.ForEach(t, testUpdateUser) }

func testUpdateUser(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name     string
		human    bool
		up       UserUpdate
		wantCode string
		wantMsg  string
	}{
		{name: "rename sa", up: UserUpdate{Name: str("renamed")}},
		{name: "describe sa", up: UserUpdate{Description: str("new words")}},
		{name: "rename sa to taken", up: UserUpdate{Name: str("Other")}, wantCode: signet.ECONFLICT, wantMsg: `a service account named "other" already exists`},
		{name: "sa password", up: UserUpdate{Password: str("long enough password")}, wantCode: signet.EINVALID, wantMsg: "service accounts have no password; they authenticate with API keys only"},
		{name: "sa empty password", up: UserUpdate{Password: str("")}, wantCode: signet.EINVALID, wantMsg: "service accounts have no password"},
		{name: "sa email", up: UserUpdate{Email: str("x@example.com")}, wantCode: signet.EINVALID},
		{name: "sa empty name", up: UserUpdate{Name: str(" ")}, wantCode: signet.EINVALID},
		{name: "human email", human: true, up: UserUpdate{Email: str("new@example.com")}},
		{name: "human email taken", human: true, up: UserUpdate{Email: str("ADA@example.com")}, wantCode: signet.ECONFLICT, wantMsg: "already exists"},
		{name: "human bad email", human: true, up: UserUpdate{Email: str("not an email")}, wantCode: signet.EINVALID},
		{name: "human password", human: true, up: UserUpdate{Password: str("another long password")}},
		{name: "human short password", human: true, up: UserUpdate{Password: str("short")}, wantCode: signet.EINVALID, wantMsg: "too short"},
		{name: "human long password", human: true, up: UserUpdate{Password: str(strings.Repeat("p", 73))}, wantCode: signet.EINVALID, wantMsg: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "other"})
			e.must(err)
			var target string
			if tt.human {
				target = e.human(nil).UserID
			} else {
				target = e.sa().ID
			}
			before := len(e.events())
			u, err := e.svc.UpdateUser(e.ctx, e.admin, target, tt.up)
			wantCode(t, "UpdateUser", err, tt.wantCode)
			if tt.wantCode != "" {
				if msg := signet.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("UpdateUser message = %q; want it to contain %q", msg, tt.wantMsg)
				}
				if after := len(e.events()); after != before {
					t.Errorf("events after failed update = %d; want %d", after, before)
				}
				return
			}
			if u.PasswordHash != "" {
				t.Errorf("UpdateUser returned a password hash")
			}
			ev := e.lastEvent()
			wantAction := "service_account.update"
			if tt.human {
				wantAction = "user.update"
			}
			if ev.Action != wantAction || ev.TargetID != target || ev.Outcome != signet.OutcomeSuccess {
				t.Errorf("last event = %s %s %s; want %s of %s", ev.Action, ev.TargetID, ev.Outcome, wantAction, target)
			}
			if tt.up.Password != nil {
				if ev.Details["password_changed"] != true {
					t.Errorf("details = %v; want password_changed", ev.Details)
				}
				for k, v := range ev.Details {
					if s, ok := v.(string); ok && (s == *tt.up.Password || strings.HasPrefix(s, "$2")) {
						t.Errorf("detail %s leaks the password or its hash", k)
					}
				}
				if _, err := e.svc.AuthenticatePassword(e.ctx, u.Email, *tt.up.Password); err != nil {
					t.Errorf("AuthenticatePassword(new password) = %v; want nil", err)
				}
			}
		})
	}
}

func TestCreateHumanValidation(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testCreateHumanValidation)
}

func testCreateHumanValidation(t *testing.T) {
	tests := []struct {
		name     string
		in       CreateHumanInput
		wantCode string
	}{
		{name: "ok", in: CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: testPassword}},
		{name: "no password", in: CreateHumanInput{Name: "Bob", Email: "bob@example.com"}},
		{name: "no name", in: CreateHumanInput{Email: "bob@example.com"}, wantCode: signet.EINVALID},
		{name: "no email", in: CreateHumanInput{Name: "Bob"}, wantCode: signet.EINVALID},
		{name: "display-name email", in: CreateHumanInput{Name: "Bob", Email: "Bob <bob@example.com>"}, wantCode: signet.EINVALID},
		{name: "taken email", in: CreateHumanInput{Name: "Bob", Email: "Ada@Example.com"}, wantCode: signet.ECONFLICT},
		{name: "short password", in: CreateHumanInput{Name: "Bob", Email: "bob@example.com", Password: "abc"}, wantCode: signet.EINVALID},
		{name: "unknown role", in: CreateHumanInput{Name: "Bob", Email: "bob@example.com", Grants: []GrantSpec{{RoleID: "role_nope", WorkspaceID: signet.OrganisationWide}}}, wantCode: signet.ENOTFOUND},
		{name: "unknown group", in: CreateHumanInput{Name: "Bob", Email: "bob@example.com", GroupIDs: []string{"grp_nope"}}, wantCode: signet.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			before := len(e.events())
			u, err := e.svc.CreateHuman(e.ctx, e.admin, tt.in)
			wantCode(t, "CreateHuman", err, tt.wantCode)
			if tt.wantCode != "" {
				if after := len(e.events()); after != before {
					t.Errorf("events after failed create = %d; want %d", after, before)
				}
				return
			}
			if u.Kind != signet.KindHuman || u.PasswordHash != "" || !strings.HasPrefix(u.ID, "usr_") {
				t.Errorf("CreateHuman = %+v; want a human with a usr_ id and no hash shown", u)
			}
		})
	}
}

func TestDisableAndDelete(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDisableAndDelete) }

func testDisableAndDelete(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{
		Name: "doomed", Grants: []GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS}},
		GroupIDs: []string{DefaultEditGroupID}, Key: &CreateKeyInput{Name: "k"},
	})
	e.must(err)
	sa, keyID := out.User, out.Key.Key.ID

	changes := e.changes
	u, err := e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, signet.StatusDisabled)
	e.must(err)
	if u.Status != signet.StatusDisabled || e.changes != changes+1 {
		t.Errorf("SetUserStatus(disabled) = %s, onChange calls %d; want disabled, %d", u.Status, e.changes, changes+1)
	}
	if ev := e.lastEvent(); ev.Action != "service_account.disable" {
		t.Errorf("last event = %s; want service_account.disable", ev.Action)
	}
	ks, err := e.svc.LoadKeyState(e.ctx, keyID)
	e.must(err)
	if !ks.Access.Org.Empty() || len(ks.Access.Workspaces) != 0 || ks.Owner.Status != signet.StatusDisabled {
		t.Errorf("LoadKeyState(disabled owner) access = %+v; want none", ks.Access)
	}
	// Disabling again changes nothing and writes nothing.
	before := len(e.events())
	_, err = e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, signet.StatusDisabled)
	e.must(err)
	if after := len(e.events()); after != before {
		t.Errorf("events after repeated disable = %d; want %d", after, before)
	}
	_, err = e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, "frozen")
	wantCode(t, "SetUserStatus(frozen)", err, signet.EINVALID)
	_, err = e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "k2"})
	wantCode(t, "CreateAPIKey(disabled owner)", err, signet.ECONFLICT)
	_, err = e.svc.SetUserStatus(e.ctx, e.admin, sa.ID, signet.StatusActive)
	e.must(err)
	if ev := e.lastEvent(); ev.Action != "service_account.enable" {
		t.Errorf("last event = %s; want service_account.enable", ev.Action)
	}

	e.must(e.svc.DeleteUser(e.ctx, e.admin, sa.ID))
	if ev := e.lastEvent(); ev.Action != "service_account.delete" || ev.TargetID != sa.ID {
		t.Errorf("last event = %s %s; want service_account.delete", ev.Action, ev.TargetID)
	}
	k, err := e.svc.GetAPIKey(e.ctx, e.admin, keyID)
	e.must(err)
	if k.Status(e.clock()) != signet.KeyStatusRevoked || k.RevokedReason != "owner deleted" || k.RevokedBy != e.admin.UserID {
		t.Errorf("key after owner deleted = %s %q by %q; want revoked \"owner deleted\" by the admin", k.Status(e.clock()), k.RevokedReason, k.RevokedBy)
	}
	_, err = e.svc.GetUser(e.ctx, e.admin, sa.ID)
	wantCode(t, "GetUser(deleted)", err, signet.ENOTFOUND)
	g, err := e.svc.GetGroup(e.ctx, e.admin, DefaultEditGroupID)
	e.must(err)
	if len(g.Members) != 0 {
		t.Errorf("Default Edit members after delete = %d; want 0", len(g.Members))
	}
	grants, _, err := e.svc.ListGrants(e.ctx, e.admin, signet.GrantFilter{SubjectType: signet.SubjectUser, SubjectID: sa.ID})
	e.must(err)
	if len(grants) != 0 {
		t.Errorf("grants of deleted SA = %d; want 0", len(grants))
	}
	_, err = e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "k3"})
	wantCode(t, "CreateAPIKey(deleted owner)", err, signet.ECONFLICT)
	// The name is free again.
	_, err = e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "doomed"})
	wantCode(t, "CreateServiceAccount(name of deleted)", err, "")
	err = e.svc.DeleteUser(e.ctx, e.admin, sa.ID)
	wantCode(t, "DeleteUser(again)", err, signet.ENOTFOUND)
}

func TestDisableHumanRevokesSessions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testDisableHumanRevokesSessions)
}

func testDisableHumanRevokesSessions(t *testing.T) {
	e := newEnv(t)
	bob := e.human(nil)
	e.must(e.st.Write(e.ctx, func(tx storeTx) error {
		return tx.CreateSession(e.ctx, &signet.Session{ID: "ses_1", UserID: bob.UserID, CreatedAt: e.clock(), ExpiresAt: e.clock().Add(3600e9), LastSeenAt: e.clock()})
	}))
	_, err := e.svc.SetUserStatus(e.ctx, e.admin, bob.UserID, signet.StatusDisabled)
	e.must(err)
	e.must(e.st.Read(e.ctx, func(tx storeTx) error {
		ss, err := tx.ListUserSessions(e.ctx, bob.UserID, e.clock())
		if len(ss) != 0 {
			t.Errorf("sessions after disable = %d; want 0", len(ss))
		}
		return err
	}))
	// A disabled human cannot act, even with a still-valid actor.
	_, err = e.svc.CreateServiceAccount(e.ctx, bob, CreateServiceAccountInput{Name: "x"})
	wantCode(t, "CreateServiceAccount(by disabled)", err, signet.EFORBIDDEN)
}

func TestListUsersPermissions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testListUsersPermissions)
}

func testListUsersPermissions(t *testing.T) {
	tests := []struct {
		name     string
		perms    []string
		kind     string
		wantCode string
		wantKind string // every listed user has this kind; "" = both kinds present
	}{
		{name: "both perms", perms: []string{"users:read", "service_accounts:read"}},
		{name: "users only", perms: []string{"users:read"}, wantKind: signet.KindHuman},
		{name: "sa only", perms: []string{"service_accounts:read"}, wantKind: signet.KindServiceAccount},
		{name: "sa only asks humans", perms: []string{"service_accounts:read"}, kind: signet.KindHuman, wantCode: signet.EFORBIDDEN},
		{name: "users only asks sas", perms: []string{"users:read"}, kind: signet.KindServiceAccount, wantCode: signet.EFORBIDDEN},
		{name: "none", wantCode: signet.EFORBIDDEN},
		{name: "bad kind", perms: []string{"users:read"}, kind: "robot", wantCode: signet.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.sa()
			a := e.actorWith(tt.perms...)
			us, _, err := e.svc.ListUsers(e.ctx, a, signet.UserFilter{Kind: tt.kind})
			wantCode(t, "ListUsers", err, tt.wantCode)
			if err != nil {
				return
			}
			kinds := map[string]bool{}
			for _, u := range us {
				kinds[u.Kind] = true
				if u.PasswordHash != "" {
					t.Errorf("ListUsers exposes the password hash of %s", u.ID)
				}
			}
			if tt.wantKind == "" && len(kinds) != 2 || tt.wantKind != "" && (len(kinds) != 1 || !kinds[tt.wantKind]) {
				t.Errorf("ListUsers kinds = %v; want %q", kinds, tt.wantKind)
			}
		})
	}
}

func TestAuthenticatePassword(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testAuthenticatePassword)
}

func testAuthenticatePassword(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "robot"})
	e.must(err)
	disabled := e.human(nil)
	_, err = e.svc.SetUserStatus(e.ctx, e.admin, disabled.UserID, signet.StatusDisabled)
	e.must(err)
	nopw, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "No PW", Email: "nopw@example.com"})
	e.must(err)
	dis, err := e.svc.GetUser(e.ctx, e.admin, disabled.UserID)
	e.must(err)

	tests := []struct {
		name       string
		login, pw  string
		wantCode   string
		wantReason string
	}{
		{name: "ok", login: "ada@example.com", pw: testPassword},
		{name: "email case", login: "ADA@example.com", pw: testPassword},
		{name: "wrong password", login: "ada@example.com", pw: "wrong password!", wantCode: signet.EUNAUTHENTICATED, wantReason: "invalid_credentials"},
		{name: "unknown email", login: "nobody@example.com", pw: testPassword, wantCode: signet.EUNAUTHENTICATED, wantReason: "invalid_credentials"},
		{name: "disabled", login: dis.User.Email, pw: testPassword, wantCode: signet.EUNAUTHENTICATED, wantReason: "invalid_credentials"},
		{name: "no password set", login: nopw.Email, pw: "", wantCode: signet.EUNAUTHENTICATED, wantReason: "invalid_credentials"},
		{name: "service account", login: "robot", pw: "anything", wantCode: signet.EUNAUTHENTICATED, wantReason: "service_account"},
		{name: "service account other case", login: "ROBOT", pw: "anything", wantCode: signet.EUNAUTHENTICATED, wantReason: "service_account"},
		{name: "unknown name", login: "nobody", pw: "anything", wantCode: signet.EUNAUTHENTICATED, wantReason: "invalid_credentials"},
	}
	generic := ""
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := e.svc.AuthenticatePassword(e.ctx, tt.login, tt.pw)
			wantCode(t, "AuthenticatePassword("+tt.login+")", err, tt.wantCode)
			if err == nil {
				if u.PasswordHash != "" {
					t.Error("AuthenticatePassword returned the hash")
				}
				return
			}
			if got := signet.ErrorReason(err); got != tt.wantReason {
				t.Errorf("reason = %q; want %q", got, tt.wantReason)
			}
			msg := signet.ErrorMessage(err)
			switch tt.wantReason {
			case "service_account":
				if msg != "service accounts cannot sign in; they are for API and SDK use only" {
					t.Errorf("message = %q; want the service-account refusal", msg)
				}
			default:
				if generic == "" {
					generic = msg
				}
				if msg != generic {
					t.Errorf("message = %q; want the one generic message %q", msg, generic)
				}
			}
		})
	}
}
