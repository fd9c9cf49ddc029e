package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
	"github.com/signetdev/signet/internal/testdb"
)

// TestKeyLifecycleFilters: ?expiring_within= and ?unused_for= on every key
// list.
func TestKeyLifecycleFilters(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyLifecycleFilters) }

func testKeyLifecycleFilters(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	created := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "etl",
		APIKey: &client.CreateAPIKeyRequest{Name: "soon", ExpiresIn: "3d"}}))(t)
	sa, soon := created.ServiceAccount, created.APIKey
	later := must(e.admin.CreateServiceAccountKey(ctx, sa.ID, client.CreateAPIKeyRequest{Name: "later", ExpiresIn: "30d"}))(t)
	idle := must(e.admin.CreateServiceAccountKey(ctx, sa.ID, client.CreateAPIKeyRequest{Name: "idle"}))(t)
	mine := must(e.admin.CreatePersonalKey(ctx, client.CreateAPIKeyRequest{Name: "laptop", ExpiresIn: "1d"}))(t)
	// The idle key was last used 100 days ago.
	if err := e.svc.RecordKeyUses(ctx, []signet.KeyUse{{KeyID: idle.ID, At: time.Now().Add(-100 * 24 * time.Hour), IP: "192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	ids := func(p *client.Page[client.APIKey]) []string {
		var out []string
		for _, k := range p.Data {
			out = append(out, k.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"all service-account keys expiring within 7 days", "/api/v1/api-keys?expiring_within=7d", []string{soon.ID}},
		{"within 60 days (ISO 8601)", "/api/v1/api-keys?expiring_within=P60D", sorted(soon.ID, later.ID)},
		{"unused for 90 days", "/api/v1/api-keys?unused_for=90d", []string{idle.ID}},
		{"both", "/api/v1/api-keys?unused_for=90d&expiring_within=7d", nil},
		{"one account's keys", "/api/v1/service-accounts/" + sa.ID + "/api-keys?expiring_within=7d", []string{soon.ID}},
		{"personal keys", "/api/v1/me/api-keys?expiring_within=2d", []string{mine.ID}},
	}
	for _, tt := range tests {
		r := e.do("GET", tt.path, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: GET %s = %d %s", tt.name, tt.path, r.status, r.body)
		}
		var p client.Page[client.APIKey]
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if got := ids(&p); !slices.Equal(got, tt.want) {
			t.Errorf("%s: GET %s = %v; want %v", tt.name, tt.path, got, tt.want)
		}
	}
	// Through the Go client.
	p := must(e.admin.ListAPIKeys(ctx, client.ListAPIKeysOptions{ExpiringWithin: "7d"}))(t)
	if got := ids(p); !slices.Equal(got, []string{soon.ID}) {
		t.Errorf("ListAPIKeys(ExpiringWithin 7d) = %v; want [%s]", got, soon.ID)
	}
}

// TestDisableEnableKey: a disabled key is refused with reason
// key_disabled by the API, the check API and forward-auth, and works again
// once enabled.
func TestDisableEnableKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDisableEnableKey) }

func testDisableEnableKey(t *testing.T) {
	e := newEnvWith(t, envOptions{forwardAuth: httpapi.ForwardAuthConfig{}}).withAdmin()
	ctx := e.ctx
	created := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{Name: "etl",
		APIKey: &client.CreateAPIKeyRequest{Name: "prod"}}))(t)
	key := created.APIKey
	saClient := e.client(client.WithAPIKey(key.Key))
	must(saClient.Me(ctx))(t)

	k := must(e.admin.DisableAPIKey(ctx, key.ID, "suspected leak"))(t)
	if k.Status != client.KeyStatusDisabled || k.DisabledAt == nil || k.DisabledBy != e.adminID || k.DisabledReason != "suspected leak" {
		t.Fatalf("DisableAPIKey() = %+v; want disabled by %s for the reason given", k, e.adminID)
	}
	_, err := saClient.Me(ctx)
	if ae := wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "disabled"); ae.Reason != client.ReasonKeyDisabled {
		t.Errorf("Me() with a disabled key: reason %q; want %q", ae.Reason, client.ReasonKeyDisabled)
	}
	r := e.do("POST", "/api/v1/check", `{"key":"`+key.Key+`","permission":"audit:read"}`)
	var res client.CheckResult
	if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || res.Allowed || res.Reason != client.ReasonKeyDisabled {
		t.Errorf("check of a disabled key = %d %s; want denied, reason key_disabled", r.status, r.body)
	}
	fa := e.do("GET", "/api/v1/forward-auth", "", "Authorization: Bearer "+key.Key)
	if fa.status != 401 || fa.header.Get(httpapi.HeaderReason) != client.ReasonKeyDisabled {
		t.Errorf("forward-auth with a disabled key = %d (reason %q); want 401 key_disabled", fa.status, fa.header.Get(httpapi.HeaderReason))
	}
	list := must(e.admin.ListAPIKeys(ctx, client.ListAPIKeysOptions{Status: client.KeyStatusDisabled}))(t)
	if len(list.Data) != 1 || list.Data[0].ID != key.ID {
		t.Errorf("ListAPIKeys(status disabled) = %+v; want the disabled key", list.Data)
	}

	k = must(e.admin.EnableAPIKey(ctx, key.ID))(t)
	if k.Status != client.KeyStatusActive || k.DisabledAt != nil || k.LastUsedAt == nil {
		t.Fatalf("EnableAPIKey() = %+v; want active, counted as used", k)
	}
	must(saClient.Me(ctx))(t)
	// A key cannot enable itself, but may disable itself.
	k = must(saClient.DisableAPIKey(ctx, key.ID, ""))(t)
	if k.DisabledBy != created.ServiceAccount.ID {
		t.Errorf("self-disabled key DisabledBy = %q; want %s", k.DisabledBy, created.ServiceAccount.ID)
	}
	_, err = saClient.EnableAPIKey(ctx, key.ID)
	wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthenticated, "")
	must(e.admin.RevokeAPIKey(ctx, key.ID, ""))(t)
	_, err = e.admin.EnableAPIKey(ctx, key.ID)
	wantAPIError(t, err, http.StatusConflict, client.CodeConflict, "revoked")
}
