package httpapi_test

import (
	"github.com/signetdev/signet/internal/testdb"
	"net/http"
	"strings"
	"testing"

	"github.com/signetdev/signet/apikey"
	"github.com/signetdev/signet/client"
)

// TestServiceAccountLifecycle is the product's main path, driven through
// the Go client: setup → admin → service account with a key → use the key
// → list keys → revoke → the next call is refused.
func TestServiceAccountLifecycle(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testServiceAccountLifecycle)
}

func testServiceAccountLifecycle(t *testing.T) {
	// With HTTP Basic turned on (signet serve --api-basic-auth), as a
	// script holding a password would use it.
	e := newEnvWith(t, envOptions{basic: true})
	ctx := e.ctx
	anon := e.client()

	// Before setup nothing is reachable without a credential.
	_, err := anon.Me(ctx)
	wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "")
	r := e.do("GET", "/api/v1/me", "")
	if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="signet"` {
		t.Errorf("WWW-Authenticate = %q; want Bearer realm=\"signet\"", got)
	}

	// Setup with a wrong token is refused; the right one creates the admin once.
	_, err = anon.Setup(ctx, client.SetupRequest{Token: "wrong", Name: "Ada", Email: adminEmail, Password: adminPassword})
	wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "setup")
	admin := must(anon.Setup(ctx, client.SetupRequest{Token: e.setupToken, Name: "Ada", Email: adminEmail, Password: adminPassword}))(t)
	if admin.Kind != client.KindHuman || admin.Email != adminEmail || admin.Status != client.StatusActive {
		t.Errorf("Setup() = %+v; want an active human %s", admin, adminEmail)
	}
	_, err = anon.Setup(ctx, client.SetupRequest{Token: e.setupToken, Name: "Eve", Email: "eve@example.com", Password: adminPassword})
	wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "")

	// The admin calls the API with HTTP Basic (turned on above).
	basic := e.client(client.WithBasicAuth(adminEmail, adminPassword))
	me := must(basic.Me(ctx))(t)
	if me.User.ID != admin.ID || len(me.OrganisationPermissions) != 1 || me.OrganisationPermissions[0] != "*" {
		t.Errorf("Me() = %+v; want %s with every permission", me, admin.ID)
	}
	if ok := must(basic.VerifyKey(ctx))(t); ok {
		t.Errorf("VerifyKey() with basic credentials = true; want false (it verifies keys)")
	}
	wss := must(basic.ListWorkspaces(ctx, client.ListOptions{}))(t)
	if len(wss.Data) != 1 || !wss.Data[0].IsDefault {
		t.Fatalf("ListWorkspaces() = %+v; want the default workspace", wss.Data)
	}
	defaultWS := wss.Data[0].ID

	// Create a service account holding View in the default workspace, with a first key.
	created := must(basic.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name:        "etl-pipeline",
		Description: "nightly loads",
		Grants:      []client.GrantSpec{{RoleID: "role_view", WorkspaceID: defaultWS}},
		APIKey:      &client.CreateAPIKeyRequest{Name: "prod", Description: "for the scheduler", ExpiresIn: "720h"},
	}))(t)
	sa, key := created.ServiceAccount, created.APIKey
	if sa.Kind != client.KindServiceAccount || sa.Name != "etl-pipeline" || sa.Email != "" {
		t.Errorf("service account = %+v; want kind service_account named etl-pipeline", sa)
	}
	if key == nil || !strings.HasPrefix(key.Key, "sgn_sa_") || !apikey.Regexp.MatchString(key.Key) {
		t.Fatalf("api key = %+v; want a sgn_sa_ key matching the documented pattern", key)
	}
	if key.OwnerID != sa.ID || key.Kind != client.KeyKindServiceAccount || key.Status != client.KeyStatusActive ||
		key.CreatedBy != admin.ID || key.ExpiresAt == nil || key.Name != "prod" || !strings.HasSuffix(key.Key, strings.TrimPrefix(key.Hint, "sgn_sa_…")) {
		t.Errorf("api key metadata = %+v; want an active key of %s created by %s expiring, hint matching", key.APIKey, sa.ID, admin.ID)
	}

	// The key works.
	saClient := e.client(client.WithAPIKey(key.Key))
	saMe := must(saClient.Me(ctx))(t)
	if saMe.User.ID != sa.ID || saMe.KeyID != key.ID {
		t.Errorf("Me() as the key = user %s key %s; want %s %s", saMe.User.ID, saMe.KeyID, sa.ID, key.ID)
	}
	if ok := must(saClient.VerifyKey(ctx))(t); !ok {
		t.Errorf("VerifyKey() = false; want true")
	}
	// Bigeye's scheme works too.
	if r := e.do("GET", "/api/v1/personal-api-keys/verify", "", "Authorization: apikey "+key.Key); r.status != http.StatusNoContent {
		t.Errorf("verify with the apikey scheme = %d; want 204", r.status)
	}
	if r := e.do("GET", "/api/v1/me", "", "X-API-Key: "+key.Key); r.status != http.StatusOK {
		t.Errorf("GET /me with X-API-Key = %d %s; want 200", r.status, r.body)
	}
	// It holds View only: it cannot create service accounts.
	_, err = saClient.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "sneaky"})
	wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden, "")

	// The admin lists the keys: the account's, and every service-account key.
	keys := must(basic.ListServiceAccountKeys(ctx, sa.ID, client.ListOptions{}))(t)
	if len(keys.Data) != 1 || keys.Data[0].ID != key.ID || keys.Data[0].Status != client.KeyStatusActive {
		t.Errorf("ListServiceAccountKeys() = %+v; want the one active key", keys.Data)
	}
	all := must(basic.ListAPIKeys(ctx, client.ListAPIKeysOptions{}))(t)
	if len(all.Data) != 1 || all.Data[0].ID != key.ID {
		t.Errorf("ListAPIKeys() = %+v; want the one service-account key", all.Data)
	}
	got := must(basic.GetAPIKey(ctx, key.ID))(t)
	if got.ID != key.ID || got.OwnerID != sa.ID {
		t.Errorf("GetAPIKey() = %+v; want %s", got, key.ID)
	}
	// No list or get ever shows the secret or a hash.
	for _, path := range []string{"/api/v1/api-keys", "/api/v1/api-keys/" + key.ID, "/api/v1/service-accounts/" + sa.ID + "/api-keys"} {
		r := e.do("GET", path, "", basicHeader())
		secret := key.Key[len(key.Key)-42:]
		if r.status != http.StatusOK || strings.Contains(string(r.body), secret) || strings.Contains(strings.ToLower(string(r.body)), "hash") {
			t.Errorf("GET %s = %d %s; want 200 without the secret or a hash", path, r.status, r.body)
		}
	}
	detail := must(basic.GetServiceAccount(ctx, sa.ID))(t)
	if len(detail.Grants) != 1 || detail.Grants[0].RoleID != "role_view" || detail.Grants[0].WorkspaceID != defaultWS {
		t.Errorf("GetServiceAccount().Grants = %+v; want View in %s", detail.Grants, defaultWS)
	}

	// Revoke, twice: the second keeps the first revocation.
	revoked := must(basic.RevokeAPIKey(ctx, key.ID, "rotated"))(t)
	if revoked.Status != client.KeyStatusRevoked || revoked.RevokedAt == nil || revoked.RevokedBy != admin.ID || revoked.RevokedReason != "rotated" {
		t.Errorf("RevokeAPIKey() = %+v; want revoked by %s for \"rotated\"", revoked, admin.ID)
	}
	again := must(basic.RevokeAPIKey(ctx, key.ID, "again"))(t)
	if !again.RevokedAt.Equal(*revoked.RevokedAt) || again.RevokedReason != "rotated" {
		t.Errorf("second RevokeAPIKey() = %v %q; want the first revocation kept (%v rotated)", again.RevokedAt, again.RevokedReason, revoked.RevokedAt)
	}

	// The next call with the key is refused.
	_, err = saClient.Me(ctx)
	ce := wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "")
	if ce.Reason == "" {
		t.Errorf("401 after revocation has no reason: %+v", ce)
	}
	if ok := must(saClient.VerifyKey(ctx))(t); ok {
		t.Errorf("VerifyKey() after revocation = true; want false")
	}
	// It stays listed, as revoked.
	revokedList := must(basic.ListAPIKeys(ctx, client.ListAPIKeysOptions{Status: client.KeyStatusRevoked}))(t)
	if len(revokedList.Data) != 1 || revokedList.Data[0].Status != client.KeyStatusRevoked {
		t.Errorf("ListAPIKeys(status=revoked) = %+v; want the revoked key", revokedList.Data)
	}
	if active := must(basic.ListAPIKeys(ctx, client.ListAPIKeysOptions{Status: client.KeyStatusActive}))(t); len(active.Data) != 0 {
		t.Errorf("ListAPIKeys(status=active) = %+v; want none", active.Data)
	}

	// The audit trail has the creation, with this request's provenance.
	evs := must(basic.ListAuditEvents(ctx, client.ListAuditEventsOptions{TargetID: sa.ID}))(t)
	var sawCreate bool
	for _, ev := range evs.Data {
		if ev.ActorID == admin.ID && ev.RequestID != "" && ev.IP != "" && ev.Outcome == "success" && strings.HasPrefix(ev.Action, "service_account.create") {
			sawCreate = true
			one := must(basic.GetAuditEvent(ctx, ev.ID))(t)
			if one.Hash != ev.Hash || one.Hash == "" {
				t.Errorf("GetAuditEvent(%s) = %+v; want the listed event", ev.ID, one)
			}
		}
	}
	if !sawCreate {
		t.Errorf("ListAuditEvents(target %s) = %+v; want a successful service_account.create by %s with IP and request id", sa.ID, evs.Data, admin.ID)
	}

	// Disable, enable, rename, delete.
	if u := must(basic.DisableServiceAccount(ctx, sa.ID))(t); u.Status != client.StatusDisabled {
		t.Errorf("DisableServiceAccount() status = %s; want disabled", u.Status)
	}
	if u := must(basic.EnableServiceAccount(ctx, sa.ID))(t); u.Status != client.StatusActive {
		t.Errorf("EnableServiceAccount() status = %s; want active", u.Status)
	}
	if u := must(basic.UpdateServiceAccount(ctx, sa.ID, client.UserUpdate{Name: client.String("etl-v2")}))(t); u.Name != "etl-v2" {
		t.Errorf("UpdateServiceAccount() name = %s; want etl-v2", u.Name)
	}
	_, err = basic.UpdateServiceAccount(ctx, sa.ID, client.UserUpdate{Password: client.String("a password of sorts")})
	wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeInvalid, "password")
	if err := basic.DeleteServiceAccount(ctx, sa.ID); err != nil {
		t.Fatalf("DeleteServiceAccount: %v", err)
	}
	_, err = basic.GetServiceAccount(ctx, sa.ID)
	wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound, "")

	// Nothing secret ever reached the log.
	logs := e.logs.String()
	for _, secret := range []string{key.Key, key.Key[len(key.Key)-42:], adminPassword, e.setupToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret (%.10s…)", secret)
		}
	}
	if !strings.Contains(logs, `"key_id":"`+key.ID+`"`) {
		t.Errorf("the access log does not name the key id %s", key.ID)
	}
}

func basicHeader() string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(adminEmail, adminPassword)
	return "Authorization: " + req.Header.Get("Authorization")
}
