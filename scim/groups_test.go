package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/scim"
)

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

// members returns the ids of the people in a SCIM Group answer.
func members(g map[string]any) []string {
	var ids []string
	list, _ := g["members"].([]any)
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	slices.Sort(ids)
	return ids
}

// signetMembers returns the ids of every member of group gid as Signet
// sees it (service accounts included).
func (e *env) signetMembers(gid string) []string {
	e.t.Helper()
	d, err := e.svc.GetGroup(e.ctx, e.admin, gid)
	must(e.t, err)
	var ids []string
	for _, u := range d.Members {
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	return ids
}

func sortedStrings(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// createPerson provisions a person through SCIM and returns their id.
func (e *env) createPerson(email string) string {
	e.t.Helper()
	st, u := e.do("POST", "/scim/v2/Users", e.token, `{"userName":"`+email+`","active":true}`)
	if st != http.StatusCreated {
		e.t.Fatalf("POST /Users %s = %d %v", email, st, u)
	}
	return u["id"].(string)
}

// TestGroupsOkta follows Okta's Group Push as Okta documents it: look the
// group up by name, create it with members, rename it with a value
// object, add members with path members, remove one with
// members[value eq "…"], delete it. A service account an administrator
// put in the group survives every change, since SCIM members are people.
func TestGroupsOkta(t *testing.T) { t.Parallel(); testdb.ForEach(t, testGroupsOkta) }

func testGroupsOkta(t *testing.T) {
	e := newEnv(t)
	linus := e.createPerson("linus@example.com")
	st, list := e.do("GET", "/scim/v2/Groups?filter="+url.QueryEscape(`displayName eq "Engineering"`)+"&startIndex=1&count=100", e.token, "")
	if st != http.StatusOK || list["totalResults"] != float64(0) {
		t.Fatalf("GET filter (no group yet) = %d %v; want none", st, list)
	}
	st, g := e.do("POST", "/scim/v2/Groups", e.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering",
		"members":[{"value":"`+e.grace.ID+`","display":"grace@example.com"}]}`)
	if st != http.StatusCreated || g["displayName"] != "Engineering" || !slices.Equal(members(g), []string{e.grace.ID}) {
		t.Fatalf("POST /Groups = %d %v; want 201 with Grace", st, g)
	}
	gid := g["id"].(string)
	// An administrator adds a service account; SCIM never sees it.
	must(t, e.svc.AddGroupMember(e.ctx, e.admin, gid, e.graceSA.ID))

	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"id":"`+gid+`","displayName":"Eng"}}]}`)
	if st != http.StatusOK || g["displayName"] != "Eng" {
		t.Errorf("PATCH rename (Okta) = %d %v; want Eng", st, g)
	}
	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+linus+`","display":"linus@example.com"}]}]}`)
	if want := sortedStrings(e.grace.ID, linus); st != http.StatusOK || !slices.Equal(members(g), want) {
		t.Errorf("PATCH add (Okta) = %d %v; want members %v", st, g, want)
	}
	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+e.grace.ID+`\"]"}]}`)
	if st != http.StatusOK || !slices.Equal(members(g), []string{linus}) {
		t.Errorf("PATCH remove (Okta) = %d %v; want only Linus", st, g)
	}
	if got, want := e.signetMembers(gid), sortedStrings(linus, e.graceSA.ID); !slices.Equal(got, want) {
		t.Errorf("Signet's members = %v; want Linus and the service account %v", got, want)
	}
	// Okta's PUT (some integrations) replaces the people, still not the
	// service account.
	st, g = e.do("PUT", "/scim/v2/Groups/"+gid, e.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng","members":[{"value":"`+e.grace.ID+`"}]}`)
	if st != http.StatusOK || !slices.Equal(members(g), []string{e.grace.ID}) {
		t.Errorf("PUT = %d %v; want only Grace", st, g)
	}
	if got, want := e.signetMembers(gid), sortedStrings(e.grace.ID, e.graceSA.ID); !slices.Equal(got, want) {
		t.Errorf("Signet's members after PUT = %v; want %v", got, want)
	}

	// Every membership change is audited, via scim.
	adds, _, err := e.svc.ListAuditEvents(e.ctx, e.admin, signet.AuditFilter{Action: "group.member_add"})
	must(t, err)
	var viaSCIM int
	for _, ev := range adds {
		if ev.TargetID == gid && ev.Details["via"] == "scim" {
			viaSCIM++
		}
	}
	if viaSCIM != 3 { // Grace at creation, Linus, Grace again by PUT
		t.Errorf("group.member_add events via scim = %d; want 3 (%+v)", viaSCIM, adds)
	}

	if st, _ := e.do("DELETE", "/scim/v2/Groups/"+gid, e.token, ""); st != http.StatusNoContent {
		t.Errorf("DELETE = %d; want 204", st)
	}
	if st, b := e.do("GET", "/scim/v2/Groups/"+gid, e.token, ""); st != http.StatusNotFound || b["status"] != "404" {
		t.Errorf("GET after DELETE = %d %v; want 404", st, b)
	}
}

// TestGroupsEntra follows Entra ID's requests: create with an externalId
// and no members, look up by displayName without members, add and remove
// members with path members and a value list, capitalised ops, rename
// with path displayName, and the membership query Entra ID sends.
func TestGroupsEntra(t *testing.T) { t.Parallel(); testdb.ForEach(t, testGroupsEntra) }

func testGroupsEntra(t *testing.T) {
	e := newEnv(t)
	st, g := e.do("POST", "/scim/v2/Groups", e.token, `{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1","members":[],
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`)
	if st != http.StatusCreated || g["externalId"] != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
		t.Fatalf("POST /Groups (Entra ID) = %d %v; want 201 with the externalId", st, g)
	}
	gid := g["id"].(string)
	st, list := e.do("GET", "/scim/v2/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "Group1"`), e.token, "")
	res, _ := list["Resources"].([]any)
	if st != http.StatusOK || len(res) != 1 || res[0].(map[string]any)["id"] != gid {
		t.Fatalf("GET filter displayName = %d %v; want the group", st, list)
	}
	if _, has := res[0].(map[string]any)["members"]; has {
		t.Errorf("excludedAttributes=members still answers members: %v", res[0])
	}
	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+e.grace.ID+`"}]}]}`)
	if st != http.StatusOK || !slices.Equal(members(g), []string{e.grace.ID}) {
		t.Errorf("PATCH Add (Entra ID) = %d %v; want Grace", st, g)
	}
	// Entra ID asks whether someone is a member.
	for _, tc := range []struct {
		who  string
		want float64
	}{{e.grace.ID, 1}, {e.admin.UserID, 0}} {
		f := fmt.Sprintf(`id eq "%s" and members[value eq "%s"]`, gid, tc.who)
		st, list := e.do("GET", "/scim/v2/Groups?excludedAttributes=members&filter="+url.QueryEscape(f), e.token, "")
		if st != http.StatusOK || list["totalResults"] != tc.want {
			t.Errorf("GET filter %s = %d %v; want totalResults %v", f, st, list, tc.want)
		}
	}
	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"`+e.grace.ID+`"}]}]}`)
	if st != http.StatusOK || len(members(g)) != 0 {
		t.Errorf("PATCH Remove (Entra ID) = %d %v; want no members", st, g)
	}
	// Removing again, or a non-member, is not an error.
	if st, _ := e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+e.grace.ID+`"}]}]}`); st != http.StatusOK {
		t.Errorf("PATCH Remove (again) = %d; want 200", st)
	}
	st, g = e.do("PATCH", "/scim/v2/Groups/"+gid, e.token, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"displayName","value":"Group One"},{"op":"Replace","path":"externalId","value":"e-2"}]}`)
	if st != http.StatusOK || g["displayName"] != "Group One" || g["externalId"] != "e-2" {
		t.Errorf("PATCH Replace displayName (Entra ID) = %d %v", st, g)
	}
	st, list = e.do("GET", "/scim/v2/Groups?filter="+url.QueryEscape(`externalId eq "e-2"`), e.token, "")
	if st != http.StatusOK || list["totalResults"] != float64(1) {
		t.Errorf("GET filter externalId = %d %v; want the group", st, list)
	}
	// Signet's own group view shows the new name; the audit trail the
	// rename.
	d, err := e.svc.GetGroup(e.ctx, e.admin, gid)
	must(t, err)
	if d.Group.Name != "Group One" {
		t.Errorf("Signet's group name = %q; want Group One", d.Group.Name)
	}
}

// TestGroupsRefused: what SCIM may not do to groups, and bad input.
func TestGroupsRefused(t *testing.T) { t.Parallel(); testdb.ForEach(t, testGroupsRefused) }

func testGroupsRefused(t *testing.T) {
	e := newEnv(t)
	st, g := e.do("POST", "/scim/v2/Groups", e.token, `{"displayName":"Data"}`)
	if st != http.StatusCreated {
		t.Fatalf("POST /Groups = %d %v", st, g)
	}
	gid := g["id"].(string)
	addTo := func(gid, uid string) string {
		return `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}]}`
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		scimType, detail         string
	}{
		{"adding to Admins", "PATCH", "/Groups/" + signet.AdminsGroupID, addTo(signet.AdminsGroupID, e.grace.ID), http.StatusForbidden, "", "managed in Signet"},
		{"deleting Admins", "DELETE", "/Groups/" + signet.AdminsGroupID, "", http.StatusForbidden, "", "managed in Signet"},
		{"renaming Admins", "PUT", "/Groups/" + signet.AdminsGroupID, `{"displayName":"Root"}`, http.StatusForbidden, "", "managed in Signet"},
		{"an unknown member", "PATCH", "/Groups/" + gid, addTo(gid, "usr_nobody"), http.StatusBadRequest, "invalidValue", "not a person"},
		{"a service account as member", "PATCH", "/Groups/" + gid, addTo(gid, e.graceSA.ID), http.StatusBadRequest, "invalidValue", "not a person"},
		{"a duplicate name", "POST", "/Groups", `{"displayName":"data"}`, http.StatusConflict, "uniqueness", "already exists"},
		{"no name", "POST", "/Groups", `{"members":[]}`, http.StatusBadRequest, "invalidValue", "displayName"},
		{"members not a list", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":"x"}]}`, http.StatusBadRequest, "invalidValue", "members"},
		{"an unknown op", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"merge","path":"members","value":[]}]}`, http.StatusBadRequest, "invalidSyntax", "merge"},
		{"a bad member path", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[display eq \"x\"]"}]}`, http.StatusBadRequest, "invalidPath", "members[value eq"},
		{"an unsupported filter", "GET", "/Groups?filter=" + url.QueryEscape(`displayName co "Da"`), "", http.StatusBadRequest, "invalidFilter", "eq"},
		{"an unknown group", "GET", "/Groups/grp_missing", "", http.StatusNotFound, "", "not found"},
		{"an over-long externalId", "POST", "/Groups", `{"displayName":"X","externalId":"` + strings.Repeat("x", 300) + `"}`, http.StatusBadRequest, "invalidValue", "externalId"},
	}
	for _, tc := range tests {
		st, b := e.do(tc.method, "/scim/v2"+tc.path, e.token, tc.body)
		detail, _ := b["detail"].(string)
		if st != tc.status || (tc.scimType != "" && b["scimType"] != tc.scimType) || !strings.Contains(detail, tc.detail) {
			t.Errorf("%s: %s %s = %d %v; want %d, scimType %q, detail containing %q", tc.name, tc.method, tc.path, st, b, tc.status, tc.scimType, tc.detail)
		}
	}
	// Admins is still readable, and unchanged.
	st, admins := e.do("GET", "/scim/v2/Groups/"+signet.AdminsGroupID, e.token, "")
	if st != http.StatusOK || !slices.Equal(members(admins), []string{e.admin.UserID}) {
		t.Errorf("GET Admins = %d %v; want only the administrator", st, admins)
	}
	// A key without scim:write is refused.
	if st, _ := e.do("GET", "/scim/v2/Groups", e.graceKey, ""); st != http.StatusForbidden {
		t.Errorf("GET /Groups with a key lacking scim:write = %d; want 403", st)
	}
}

// TestUserExternalID: the provider's id for a person is kept, found by
// filter, changed and cleared; filters join with and.
func TestUserExternalID(t *testing.T) { t.Parallel(); testdb.ForEach(t, testUserExternalID) }

func testUserExternalID(t *testing.T) {
	e := newEnv(t)
	st, u := e.do("POST", "/scim/v2/Users", e.token, `{"userName":"ken@example.com","externalId":"00u-ken","active":true}`)
	if st != http.StatusCreated || u["externalId"] != "00u-ken" {
		t.Fatalf("POST with externalId = %d %v", st, u)
	}
	id := u["id"].(string)
	find := func(filter string) float64 {
		t.Helper()
		st, list := e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(filter), e.token, "")
		if st != http.StatusOK {
			t.Fatalf("GET filter %s = %d %v", filter, st, list)
		}
		return list["totalResults"].(float64)
	}
	for _, tc := range []struct {
		filter string
		want   float64
	}{
		{`externalId eq "00u-ken"`, 1},
		{`externalId eq "00U-KEN"`, 0}, // caseExact
		{`userName eq "ken@example.com" and externalId eq "00u-ken"`, 1},
		{`userName eq "ken@example.com" and externalId eq "other"`, 0},
		{`emails[type eq "work"].value eq "KEN@example.com"`, 1},
		{`id eq "` + id + `"`, 1},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ken@example.com"`, 1},
	} {
		if got := find(tc.filter); got != tc.want {
			t.Errorf("filter %s: totalResults = %v; want %v", tc.filter, got, tc.want)
		}
	}
	st, u = e.do("PATCH", "/scim/v2/Users/"+id, e.token, `{`+patchOp+`,"Operations":[{"op":"remove","path":"externalId"}]}`)
	if st != http.StatusOK || u["externalId"] != nil {
		t.Errorf("PATCH remove externalId = %d %v; want it gone", st, u)
	}
	evs, _, err := e.svc.ListAuditEvents(e.ctx, e.admin, signet.AuditFilter{Action: "user.update"})
	must(t, err)
	if len(evs) != 1 || evs[0].Details["external_id"] == nil {
		t.Errorf("user.update events = %+v; want one recording the external_id change", evs)
	}
}

// TestDiscovery: the discovery documents answer without a token and
// describe what the handlers serve.
func TestDiscovery(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDiscovery) }

func testDiscovery(t *testing.T) {
	e := newEnv(t)
	st, cfg := e.do("GET", "/scim/v2/ServiceProviderConfig", "", "")
	if st != http.StatusOK || cfg["patch"].(map[string]any)["supported"] != true || cfg["bulk"].(map[string]any)["supported"] != false ||
		cfg["filter"].(map[string]any)["supported"] != true || cfg["authenticationSchemes"].([]any)[0].(map[string]any)["type"] != "oauthbearertoken" {
		t.Errorf("GET /ServiceProviderConfig = %d %v", st, cfg)
	}
	st, rts := e.do("GET", "/scim/v2/ResourceTypes", "", "")
	var endpoints []string
	for _, r := range rts["Resources"].([]any) {
		endpoints = append(endpoints, r.(map[string]any)["endpoint"].(string))
	}
	if st != http.StatusOK || !slices.Equal(endpoints, []string{"/Users", "/Groups"}) {
		t.Errorf("GET /ResourceTypes = %d %v; want /Users and /Groups", st, rts)
	}
	if st, rt := e.do("GET", "/scim/v2/ResourceTypes/Group", "", ""); st != http.StatusOK || rt["schema"] != scim.SchemaGroup {
		t.Errorf("GET /ResourceTypes/Group = %d %v", st, rt)
	}
	st, list := e.do("GET", "/scim/v2/Schemas", "", "")
	if st != http.StatusOK || list["totalResults"] != float64(3) {
		t.Errorf("GET /Schemas = %d %v; want 3 schemas", st, list)
	}
	st, user := e.do("GET", "/scim/v2/Schemas/"+scim.SchemaUser, "", "")
	var names []string
	for _, a := range user["attributes"].([]any) {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	for _, want := range []string{"userName", "externalId", "active", "emails", "name", "displayName"} {
		if st != http.StatusOK || !slices.Contains(names, want) {
			t.Errorf("GET /Schemas/%s = %d, attributes %v; want %s among them", scim.SchemaUser, st, names, want)
		}
	}
	if st, _ := e.do("GET", "/scim/v2/Schemas/urn:example:nothing", "", ""); st != http.StatusNotFound {
		t.Errorf("GET an unknown schema = %d; want 404", st)
	}
	// Data still needs the token.
	if st, _ := e.do("GET", "/scim/v2/Groups", "", ""); st != http.StatusUnauthorized {
		t.Errorf("GET /Groups without a token = %d; want 401", st)
	}
}

// TestDeactivationKeepsGroups: deactivating a person does not change
// their groups (reactivation restores them whole); deleting removes them.
func TestDeactivationKeepsGroups(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testDeactivationKeepsGroups)
}

func testDeactivationKeepsGroups(t *testing.T) {
	e := newEnv(t)
	st, grp := e.do("POST", "/scim/v2/Groups", e.token, `{"displayName":"Ops","members":[{"value":"`+e.grace.ID+`"}]}`)
	if st != http.StatusCreated {
		t.Fatalf("POST /Groups = %d %v", st, grp)
	}
	gid := grp["id"].(string)
	if st, _ := e.do("PATCH", "/scim/v2/Users/"+e.grace.ID, e.token, deactivations[0].body); st != http.StatusOK {
		t.Fatalf("deactivate = %d", st)
	}
	if got := e.signetMembers(gid); !slices.Equal(got, []string{e.grace.ID}) {
		t.Errorf("members after deactivation = %v; want Grace still", got)
	}
	if st, _ := e.do("DELETE", "/scim/v2/Users/"+e.grace.ID, e.token, ""); st != http.StatusNoContent {
		t.Fatalf("DELETE user = %d", st)
	}
	if got := e.signetMembers(gid); len(got) != 0 {
		t.Errorf("members after deleting Grace = %v; want none", got)
	}
}
