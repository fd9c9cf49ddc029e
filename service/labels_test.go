package service

import (
	"reflect"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

func TestKeyLabels(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyLabels) }

// testKeyLabels: labels on creation (validated), changed by UpdateAPIKey
// with {"old","new"} in an api_key.update event, and filtered by in
// ListAPIKeys.
func testKeyLabels(t *testing.T) {
	e := newEnv(t)
	sa := e.sa(GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: e.defaultWS})
	bad := []struct {
		name   string
		labels map[string]string
	}{
		{"upper-case name", map[string]string{"Team": "data"}},
		{"name begins with punctuation", map[string]string{"-team": "data"}},
		{"name with a space", map[string]string{"my team": "data"}},
		{"name too long", map[string]string{strings.Repeat("n", 64): "x"}},
		{"value too long", map[string]string{"team": strings.Repeat("v", 257)}},
		{"value with a line break", map[string]string{"team": "a\nb"}},
		{"too many", func() map[string]string {
			m := map[string]string{}
			for i := range 21 {
				m[string(rune('a'+i))] = "x"
			}
			return m
		}()},
	}
	for _, tt := range bad {
		_, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "k", Labels: tt.labels})
		wantCode(t, "CreateAPIKey(labels "+tt.name+")", err, signet.EINVALID)
		if !strings.Contains(signet.ErrorMessage(err), "labels") {
			t.Errorf("CreateAPIKey(labels %s) message %q does not name the field", tt.name, signet.ErrorMessage(err))
		}
	}
	max := map[string]string{"app.example.com/tier_1-a": strings.Repeat("é", 256), "env": ""}
	k, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "k", Labels: max})
	e.must(err)
	if !reflect.DeepEqual(e.storedKey(k.Key.ID).Labels, max) {
		t.Errorf("stored labels = %v; want %v", e.storedKey(k.Key.ID).Labels, max)
	}
	if ev := e.lastEvent(); !reflect.DeepEqual(ev.Details["labels"], map[string]any{"app.example.com/tier_1-a": strings.Repeat("é", 256), "env": ""}) {
		t.Errorf("api_key.create labels detail = %v", ev.Details["labels"])
	}
	plain, err := e.svc.CreateAPIKey(e.ctx, e.admin, sa.ID, CreateKeyInput{Name: "plain"})
	e.must(err)

	// Update: replace, record old/new; same labels again records nothing.
	want := map[string]string{"team": "data", "env": "prod"}
	got, err := e.svc.UpdateAPIKey(e.ctx, e.admin, plain.Key.ID, APIKeyUpdate{Labels: &want})
	e.must(err)
	if !reflect.DeepEqual(got.Labels, want) || got.SecretHash != ([32]byte{}) {
		t.Errorf("UpdateAPIKey = labels %v (hash hidden: %v); want %v", got.Labels, got.SecretHash == [32]byte{}, want)
	}
	ev := e.lastEvent()
	wantChange := map[string]any{"old": map[string]any{}, "new": map[string]any{"team": "data", "env": "prod"}}
	if ev.Action != "api_key.update" || ev.TargetID != plain.Key.ID || !reflect.DeepEqual(ev.Details["labels"], wantChange) {
		t.Errorf("event = %s %s %v; want api_key.update with labels %v", ev.Action, ev.TargetID, ev.Details, wantChange)
	}
	n := len(e.events())
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, plain.Key.ID, APIKeyUpdate{Labels: &map[string]string{"env": "prod", "team": "data"}})
	e.must(err)
	if len(e.events()) != n {
		t.Error("an update that changes nothing was recorded")
	}
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, plain.Key.ID, APIKeyUpdate{Labels: &map[string]string{"Bad": "x"}})
	wantCode(t, "UpdateAPIKey(bad label)", err, signet.EINVALID)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.actorWith("api_keys:read"), plain.Key.ID, APIKeyUpdate{Labels: &map[string]string{}})
	wantCode(t, "UpdateAPIKey(reader)", err, signet.EFORBIDDEN)
	_, err = e.svc.UpdateAPIKey(e.ctx, e.admin, "key_unknown", APIKeyUpdate{})
	wantCode(t, "UpdateAPIKey(unknown)", err, signet.ENOTFOUND)
	renamed, err := e.svc.UpdateAPIKey(e.ctx, e.admin, plain.Key.ID, APIKeyUpdate{Name: ptr("loader"), Description: ptr("nightly")})
	e.must(err)
	if renamed.Name != "loader" || renamed.Description != "nightly" || !reflect.DeepEqual(renamed.Labels, want) {
		t.Errorf("UpdateAPIKey(name, description) = %+v", renamed)
	}

	// Filter: every label must match.
	names := func(labels map[string]string) []string {
		keys, _, err := e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{OwnerID: sa.ID, Labels: labels})
		e.must(err)
		var out []string
		for _, k := range keys {
			out = append(out, k.Name)
		}
		return out
	}
	if got := names(map[string]string{"team": "data"}); !reflect.DeepEqual(got, []string{"loader"}) {
		t.Errorf("ListAPIKeys(team=data) = %v; want [loader]", got)
	}
	if got := names(map[string]string{"team": "data", "env": "dev"}); got != nil {
		t.Errorf("ListAPIKeys(team=data, env=dev) = %v; want none", got)
	}
	_, _, err = e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{Labels: map[string]string{"Team": "x"}})
	wantCode(t, "ListAPIKeys(bad label name)", err, signet.EINVALID)
}

func TestServiceAccountLabelsAndOwner(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testServiceAccountLabelsAndOwner)
}

// testServiceAccountLabelsAndOwner: labels and an owner on creation and
// update, validated (the owner must exist), audited as old/new, and a
// label filter on ListUsers; refused for humans.
func testServiceAccountLabelsAndOwner(t *testing.T) {
	e := newEnv(t)
	g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "data team"})
	e.must(err)
	bot := e.sa()
	owners := []struct {
		name, typ, id, wantCode string
	}{
		{"none", "", "", ""},
		{"a group", OwnerTypeGroup, g.ID, ""},
		{"a human", OwnerTypeUser, e.admin.UserID, ""},
		{"unknown group", OwnerTypeGroup, "grp_unknown", signet.EINVALID},
		{"unknown user", OwnerTypeUser, "usr_unknown", signet.EINVALID},
		{"a service account", OwnerTypeUser, bot.ID, signet.EINVALID},
		{"bad type", "team", g.ID, signet.EINVALID},
		{"type without id", OwnerTypeGroup, "", signet.EINVALID},
		{"id without type", "", g.ID, signet.EINVALID},
	}
	for _, tt := range owners {
		out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: e.uniq("etl"), OwnerType: tt.typ, OwnerID: tt.id})
		wantCode(t, "CreateServiceAccount(owner "+tt.name+")", err, tt.wantCode)
		if err == nil && (out.User.OwnerType != tt.typ || out.User.OwnerID != tt.id) {
			t.Errorf("CreateServiceAccount(owner %s) owner = %q %q", tt.name, out.User.OwnerType, out.User.OwnerID)
		}
	}
	_, err = e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "bad", Labels: map[string]string{"a b": "c"}})
	wantCode(t, "CreateServiceAccount(bad label)", err, signet.EINVALID)

	out, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl",
		Labels: map[string]string{"team": "data", "env": "prod"}, OwnerType: OwnerTypeGroup, OwnerID: g.ID})
	e.must(err)
	sa := out.User
	ev := e.lastEvent()
	if !reflect.DeepEqual(ev.Details["labels"], map[string]any{"team": "data", "env": "prod"}) || !reflect.DeepEqual(ev.Details["owner"], map[string]any{"type": "group", "id": g.ID}) {
		t.Errorf("service_account.create details = %v; want labels and owner", ev.Details)
	}
	d, err := e.svc.GetUser(e.ctx, e.admin, sa.ID)
	e.must(err)
	if !reflect.DeepEqual(d.User.Labels, map[string]string{"team": "data", "env": "prod"}) || d.User.OwnerID != g.ID {
		t.Errorf("GetUser = labels %v owner %s; want them stored", d.User.Labels, d.User.OwnerID)
	}

	// Update labels and owner together: one event, old/new for each.
	_, err = e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Labels: &map[string]string{"team": "web"},
		OwnerType: ptr(OwnerTypeUser), OwnerID: ptr(e.admin.UserID)})
	e.must(err)
	ev = e.lastEvent()
	wantLabels := map[string]any{"old": map[string]any{"team": "data", "env": "prod"}, "new": map[string]any{"team": "web"}}
	wantOwner := map[string]any{"old": map[string]any{"type": "group", "id": g.ID}, "new": map[string]any{"type": "user", "id": e.admin.UserID}}
	if ev.Action != "service_account.update" || !reflect.DeepEqual(ev.Details["labels"], wantLabels) || !reflect.DeepEqual(ev.Details["owner"], wantOwner) {
		t.Errorf("event = %s %v; want service_account.update with labels %v and owner %v", ev.Action, ev.Details, wantLabels, wantOwner)
	}
	refusals := []struct {
		name string
		up   UserUpdate
	}{
		{"owner type alone", UserUpdate{OwnerType: ptr(OwnerTypeGroup)}},
		{"unknown owner", UserUpdate{OwnerType: ptr(OwnerTypeGroup), OwnerID: ptr("grp_gone")}},
		{"bad label", UserUpdate{Labels: &map[string]string{"": "x"}}},
	}
	for _, tt := range refusals {
		_, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, tt.up)
		wantCode(t, "UpdateUser("+tt.name+")", err, signet.EINVALID)
	}
	// Removing the owner and the labels.
	u, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Labels: &map[string]string{}, OwnerType: ptr(""), OwnerID: ptr("")})
	e.must(err)
	if u.Labels != nil || u.OwnerType != "" || u.OwnerID != "" {
		t.Errorf("after removal: labels %v owner %q %q; want none", u.Labels, u.OwnerType, u.OwnerID)
	}
	// Humans have neither.
	human := e.human(nil)
	_, err = e.svc.UpdateUser(e.ctx, e.admin, human.UserID, UserUpdate{Labels: &map[string]string{"team": "x"}})
	wantCode(t, "UpdateUser(human labels)", err, signet.EINVALID)

	// The filter.
	_, err = e.svc.UpdateUser(e.ctx, e.admin, bot.ID, UserUpdate{Labels: &map[string]string{"team": "data"}})
	e.must(err)
	users, _, err := e.svc.ListUsers(e.ctx, e.admin, signet.UserFilter{Kind: signet.KindServiceAccount, Labels: map[string]string{"team": "data"}})
	e.must(err)
	if len(users) != 1 || users[0].ID != bot.ID {
		t.Errorf("ListUsers(team=data) = %d users; want %s only", len(users), bot.Name)
	}
	_, _, err = e.svc.ListUsers(e.ctx, e.admin, signet.UserFilter{Labels: map[string]string{"A": "x"}})
	wantCode(t, "ListUsers(bad label name)", err, signet.EINVALID)
}
