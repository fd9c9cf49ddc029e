package httpapi_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

func TestRotateAPIKeyAPI(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRotateAPIKeyAPI) }

// testRotateAPIKeyAPI drives POST /api/v1/api-keys/{id}/rotate: the new
// key is shown once and works, the old one keeps working through the
// grace and is refused as expired after it, a second rotation of the same
// key is a conflict, and bad graces are refused naming the field.
func testRotateAPIKeyAPI(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	created := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "loader",
		APIKey: &client.CreateAPIKeyRequest{Name: "nightly", ExpiresIn: "30d", Labels: map[string]string{"env": "prod"}}}))(t)
	old := created.APIKey

	// A grace of an hour: both keys work.
	res := e.do("POST", "/api/v1/api-keys/"+old.ID+"/rotate", `{"grace":"1h"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("rotate = %d %s; want 201", res.status, res.body)
	}
	var rot client.RotateAPIKeyResponse
	dec := json.NewDecoder(strings.NewReader(string(res.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rot); err != nil {
		t.Fatalf("rotate body %s: %v", res.body, err)
	}
	next := rot.APIKey
	if loc := res.header.Get("Location"); loc != "/api/v1/api-keys/"+next.ID {
		t.Errorf("Location = %q; want the new key's URL", loc)
	}
	if next.Key == "" || next.Name != "nightly" || next.OwnerID != created.ServiceAccount.ID || next.RotatedFrom != old.ID ||
		!reflect.DeepEqual(next.Labels, map[string]string{"env": "prod"}) || next.ExpiresAt == nil {
		t.Errorf("new key = %+v; want the old key's name, owner, labels and a 30d expiry, rotated from %s", next.APIKey, old.ID)
	}
	if p := rot.Previous; p.ID != old.ID || p.RotatedTo != next.ID || p.RotatedAt == nil || p.Status != client.KeyStatusActive || p.ExpiresAt == nil || !p.ExpiresAt.Before(*old.ExpiresAt) {
		t.Errorf("previous key = %+v; want active, rotated to %s, expiring within the hour", p, next.ID)
	}
	for _, k := range []string{old.Key, next.Key} {
		if _, err := e.client(client.WithAPIKey(k)).Me(ctx); err != nil {
			t.Errorf("Me() with a key during the grace: %v", err)
		}
	}
	if got := must(c.GetAPIKey(ctx, old.ID))(t); got.RotatedTo != next.ID {
		t.Errorf("GetAPIKey(old).RotatedTo = %q; want %q", got.RotatedTo, next.ID)
	}

	// Rotated already: 409.
	_, err := c.RotateAPIKey(ctx, old.ID, client.RotateAPIKeyRequest{})
	wantAPIError(t, err, http.StatusConflict, client.CodeConflict, "rotated already")

	// Bad graces: 422 naming the field.
	for _, g := range []string{"8d", "soon", "-1h"} {
		_, err := c.RotateAPIKey(ctx, next.ID, client.RotateAPIKeyRequest{Grace: g})
		wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "grace")
	}
	if r := e.do("POST", "/api/v1/api-keys/"+next.ID+"/rotate", `{"grace":"1h","extra":1}`); r.status != http.StatusBadRequest {
		t.Errorf("rotate with an unknown field = %d; want 400", r.status)
	}

	// Grace 0 through the SDK: the rotated key is refused at once, as
	// expired; its successor works.
	third := must(c.RotateAPIKey(ctx, next.ID, client.RotateAPIKeyRequest{Grace: "0"}))(t)
	if third.Previous.Status != client.KeyStatusExpired {
		t.Errorf("previous status after grace 0 = %s; want expired", third.Previous.Status)
	}
	_, err = e.client(client.WithAPIKey(next.Key)).Me(ctx)
	if ce := wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, ""); ce.Reason != "expired" {
		t.Errorf("reason = %q; want expired", ce.Reason)
	}
	if _, err := e.client(client.WithAPIKey(third.APIKey.Key)).Me(ctx); err != nil {
		t.Errorf("Me() with the newest key: %v", err)
	}
	// The check API says so too.
	chk := must(c.Check(ctx, next.Key, "audit:read", ""))(t)
	if chk.Allowed || chk.Reason != "expired" {
		t.Errorf("Check(rotated key) = %+v; want denied, expired", chk)
	}

	// Refusals: unknown key 404, a revoked key 409, no permission 403.
	_, err = c.RotateAPIKey(ctx, "key_00000000000000000000000000", client.RotateAPIKeyRequest{})
	wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound, "")
	must(c.RevokeAPIKey(ctx, third.APIKey.ID, ""))(t)
	_, err = c.RotateAPIKey(ctx, third.APIKey.ID, client.RotateAPIKeyRequest{})
	wantAPIError(t, err, http.StatusConflict, client.CodeConflict, "revoked")
	other := must(c.CreateServiceAccountKey(ctx, created.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "other"}))(t)
	_, err = e.client(client.WithAPIKey(other.Key)).RotateAPIKey(ctx, other.ID, client.RotateAPIKeyRequest{})
	wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden, "")
}

func TestLabelsAPI(t *testing.T) { t.Parallel(); testdb.ForEach(t, testLabelsAPI) }

// testLabelsAPI: labels and owners on service accounts and keys, set on
// creation and by PATCH, filtered by ?label=, and a service account's
// labels in the check API's answer.
func testLabelsAPI(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	g := must(c.CreateGroup(ctx, client.CreateGroupRequest{Name: "data team"}))(t)
	etl := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "etl",
		Labels: map[string]string{"team": "data", "env": "prod"}, OwnerType: "group", OwnerID: g.ID,
		APIKey: &client.CreateAPIKeyRequest{Name: "k", Labels: map[string]string{"tier": "batch"}}}))(t)
	web := must(c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "web", Labels: map[string]string{"team": "web", "env": "prod"}}))(t)
	if u := etl.ServiceAccount; !reflect.DeepEqual(u.Labels, map[string]string{"team": "data", "env": "prod"}) || u.OwnerType != "group" || u.OwnerID != g.ID {
		t.Errorf("created service account = %+v; want its labels and owner", u)
	}
	if d := must(c.GetServiceAccount(ctx, etl.ServiceAccount.ID))(t); d.OwnerID != g.ID || d.Labels["team"] != "data" {
		t.Errorf("GetServiceAccount = %+v; want labels and owner", d.User)
	}

	// Filters: every label must match.
	sas := func(labels ...string) []string {
		p := must(c.ListServiceAccounts(ctx, client.ListUsersOptions{Labels: labels}))(t)
		var out []string
		for _, u := range p.Data {
			out = append(out, u.ID)
		}
		return out
	}
	if got := sas("env=prod"); len(got) != 2 {
		t.Errorf("service accounts env=prod = %v; want etl and web", got)
	}
	if got := sas("env=prod", "team=data"); !reflect.DeepEqual(got, []string{etl.ServiceAccount.ID}) {
		t.Errorf("service accounts env=prod team=data = %v; want etl", got)
	}
	if got := sas("team=ops"); len(got) != 0 {
		t.Errorf("service accounts team=ops = %v; want none", got)
	}
	keys := must(c.ListAPIKeys(ctx, client.ListAPIKeysOptions{Labels: []string{"tier=batch"}}))(t)
	if len(keys.Data) != 1 || keys.Data[0].ID != etl.APIKey.ID || keys.Data[0].Labels["tier"] != "batch" {
		t.Errorf("keys tier=batch = %+v; want etl's key", keys.Data)
	}
	for _, q := range []string{"label=team", "label=Team=x", "label=team=a&label=team=b"} {
		for _, path := range []string{"/api/v1/service-accounts?", "/api/v1/api-keys?"} {
			r := e.do("GET", path+q, "")
			if r.status != http.StatusBadRequest || !strings.Contains(r.errBody(t).Message, "label") {
				t.Errorf("GET %s%s = %d %s; want 400 naming label", path, q, r.status, r.body)
			}
		}
	}

	// PATCH a key's labels, and a service account's labels and owner.
	k := must(c.UpdateAPIKey(ctx, etl.APIKey.ID, client.UpdateAPIKeyRequest{Labels: &map[string]string{"tier": "stream"}}))(t)
	if !reflect.DeepEqual(k.Labels, map[string]string{"tier": "stream"}) {
		t.Errorf("UpdateAPIKey labels = %v", k.Labels)
	}
	_, err := c.UpdateAPIKey(ctx, etl.APIKey.ID, client.UpdateAPIKeyRequest{Labels: &map[string]string{"bad name": "x"}})
	wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "labels")
	u := must(c.UpdateServiceAccount(ctx, web.ServiceAccount.ID, client.UserUpdate{Labels: &map[string]string{"team": "data"},
		OwnerType: client.String("user"), OwnerID: client.String(e.adminID)}))(t)
	if u.Labels["team"] != "data" || u.OwnerType != "user" || u.OwnerID != e.adminID {
		t.Errorf("UpdateServiceAccount = %+v; want new labels and owner", u)
	}
	// The owner filter finds what a person or a group owns.
	owned := must(c.ListServiceAccounts(ctx, client.ListUsersOptions{Owner: e.adminID}))(t)
	if len(owned.Data) != 1 || owned.Data[0].ID != web.ServiceAccount.ID {
		t.Errorf("service accounts owned by the administrator = %+v; want web", owned.Data)
	}
	if byGroup := must(c.ListServiceAccounts(ctx, client.ListUsersOptions{Owner: g.ID}))(t); len(byGroup.Data) != 1 || byGroup.Data[0].ID != etl.ServiceAccount.ID {
		t.Errorf("service accounts owned by the group = %+v; want etl", byGroup.Data)
	}
	for _, q := range []string{"owner=sa_x", "owner=team"} {
		r := e.do("GET", "/api/v1/service-accounts?"+q, "")
		if r.status != http.StatusBadRequest || !strings.Contains(r.errBody(t).Message, "owner") {
			t.Errorf("GET /api/v1/service-accounts?%s = %d %s; want 400 naming owner", q, r.status, r.body)
		}
	}
	_, err = c.UpdateServiceAccount(ctx, web.ServiceAccount.ID, client.UserUpdate{OwnerType: client.String("group"), OwnerID: client.String("grp_missing")})
	wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "owner_id")
	_, err = c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "x", OwnerType: "team", OwnerID: g.ID})
	wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "owner_type")

	// The check API answers a service account's labels.
	chk := must(c.Check(ctx, etl.APIKey.Key, "audit:read", ""))(t)
	if chk.Principal == nil || !reflect.DeepEqual(chk.Principal.Labels, map[string]string{"team": "data", "env": "prod"}) {
		t.Errorf("Check().Principal = %+v; want etl's labels", chk.Principal)
	}
	// Changing them reaches the next answer (the cache is told).
	must(c.UpdateServiceAccount(ctx, etl.ServiceAccount.ID, client.UserUpdate{Labels: &map[string]string{}}))(t)
	chk = must(c.Check(ctx, etl.APIKey.Key, "audit:read", ""))(t)
	if chk.Principal == nil || chk.Principal.Labels != nil {
		t.Errorf("Check().Principal after removing labels = %+v; want none", chk.Principal)
	}
	r := e.do("POST", "/api/v1/check", `{"key":"`+etl.APIKey.Key+`","permission":"audit:read"}`)
	if strings.Contains(string(r.body), `"labels"`) {
		t.Errorf("check answer %s carries labels; want none for an account without", r.body)
	}
}
