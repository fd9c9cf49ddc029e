package httpapi_test

import (
	"testing"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestMeFromCacheFollowsChanges: GET /me for a key is answered from the
// verification cache, and a change (here a rename and a new grant) shows
// in the very next answer.
func TestMeFromCacheFollowsChanges(t *testing.T) { testdb.ForEach(t, testMeFromCacheFollowsChanges) }

func testMeFromCacheFollowsChanges(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	sa := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "etl",
		Grants: []client.GrantSpec{{RoleID: "role_view"}}, APIKey: &client.CreateAPIKeyRequest{Name: "k"}}))(t)
	c := e.client(client.WithAPIKey(sa.APIKey.Key))
	first := must(c.Me(ctx))(t)
	again := must(c.Me(ctx))(t)
	if first.User.Name != "etl" || again.User.Name != "etl" || again.KeyID != sa.APIKey.ID {
		t.Fatalf("Me = %+v, then %+v; want etl with its key", first.User, again.User)
	}
	must(e.admin.UpdateServiceAccount(ctx, sa.ServiceAccount.ID, client.UserUpdate{Name: client.String("etl-v2")}))(t)
	must(e.admin.CreateGrant(ctx, client.CreateGrantRequest{SubjectType: "user", SubjectID: sa.ServiceAccount.ID,
		RoleID: "role_view", WorkspaceID: client.OrganisationWide}))(t)
	after := must(c.Me(ctx))(t)
	if after.User.Name != "etl-v2" || len(after.OrganisationPermissions) == 0 {
		t.Errorf("Me after a rename and an organisation-wide grant = %s, org %v; want etl-v2 with organisation-wide permissions",
			after.User.Name, after.OrganisationPermissions)
	}
}
