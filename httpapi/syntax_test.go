package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
)

// TestDurationsOnTheAPI holds the API to the one duration syntax
// (signet.ParseDuration): what the CLI accepts, the API accepts.
func TestDurationsOnTheAPI(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDurationsOnTheAPI) }

func testDurationsOnTheAPI(t *testing.T) {
	e := newEnv(t).withAdmin()
	f := newFixture(t, e)
	day := 24 * time.Hour
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"30d", 30 * day}, {"12h", 12 * time.Hour}, {"90m", 90 * time.Minute}, {"720h", 30 * day},
		{"1d12h", 36 * time.Hour}, {"P30D", 30 * day}, {"PT12H", 12 * time.Hour}, {"P1DT12H", 36 * time.Hour},
	} {
		for _, path := range []string{"/api/v1/service-accounts/" + f.saID + "/api-keys", "/api/v1/me/api-keys"} {
			before := time.Now()
			r := e.do("POST", path, `{"name":"d-`+tt.in+`","expires_in":"`+tt.in+`"}`)
			if r.status != http.StatusCreated {
				t.Errorf("POST %s expires_in %q = %d %s; want 201", path, tt.in, r.status, r.body)
				continue
			}
			var k client.CreatedAPIKey
			if err := json.Unmarshal(r.body, &k); err != nil || k.ExpiresAt == nil {
				t.Fatalf("POST %s: %v, %s", path, err, r.body)
			}
			if got := k.ExpiresAt.Sub(before); got < tt.want-time.Second || got > tt.want+time.Minute {
				t.Errorf("expires_in %q gave expires_at %v after the request; want %v", tt.in, got, tt.want)
			}
		}
	}
}

// TestCreatedLocation: every 201 names the new resource's URL in
// Location, a GET of it (where the API has one) answers the same thing,
// and the create response's timestamps are those every later read gives
// (microseconds, storage's precision).
func TestCreatedLocation(t *testing.T) { t.Parallel(); testdb.ForEach(t, testCreatedLocation) }

func testCreatedLocation(t *testing.T) {
	e := newEnv(t).withAdmin()
	f := newFixture(t, e)
	future := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04:05.123456789Z07:00")
	tests := []struct {
		name, path, body string
		wantLoc          string // prefix of Location
		get              bool   // the API has a GET at Location
		idField          string // the JSON field holding the id ("" for none)
	}{
		{"service account", "/api/v1/service-accounts", `{"name":"located","api_key":{"name":"k"}}`, "/api/v1/service-accounts/sa_", true, "service_account.id"},
		{"service account key", "/api/v1/service-accounts/" + f.saID + "/api-keys", `{"name":"k2","expires_at":"` + future + `"}`, "/api/v1/api-keys/key_", true, "id"},
		{"personal key", "/api/v1/me/api-keys", `{"name":"k3"}`, "/api/v1/api-keys/key_", true, "id"},
		{"user", "/api/v1/users", `{"name":"Cy","email":"cy@example.com","password":"a long enough password"}`, "/api/v1/users/usr_", true, "id"},
		{"group", "/api/v1/groups", `{"name":"located"}`, "/api/v1/groups/grp_", true, "id"},
		{"member", "/api/v1/groups/" + f.groupID + "/members", `{"user_id":"` + f.humanID + `"}`, "/api/v1/groups/" + f.groupID + "/members/" + f.humanID, false, ""},
		{"role", "/api/v1/roles", `{"name":"Located","base":"view"}`, "/api/v1/roles/role_", true, "id"},
		{"permission domain", "/api/v1/permission-domains", `{"name":"located"}`, "/api/v1/permissions", true, ""},
		{"grant", "/api/v1/grants", `{"subject_type":"group","subject_id":"` + f.groupID + `","role_id":"role_view"}`, "/api/v1/grants/grant_", false, "id"},
		{"workspace", "/api/v1/workspaces", `{"name":"located"}`, "/api/v1/workspaces/ws_", true, "id"},
		{"login", "/api/v1/login", `{"email":"` + adminEmail + `","password":"` + adminPassword + `","device_id":"located-device"}`, "/api/v1/api-keys/key_", true, "id"},
	}
	for _, tt := range tests {
		r := e.do("POST", tt.path, tt.body)
		if r.status != http.StatusCreated {
			t.Errorf("%s: POST %s = %d %s; want 201", tt.name, tt.path, r.status, r.body)
			continue
		}
		loc := r.header.Get("Location")
		if len(loc) < len(tt.wantLoc) || loc[:len(tt.wantLoc)] != tt.wantLoc {
			t.Errorf("%s: Location = %q; want %s…", tt.name, loc, tt.wantLoc)
			continue
		}
		var created map[string]any
		if err := json.Unmarshal(r.body, &created); err != nil {
			t.Fatal(err)
		}
		if tt.idField != "" {
			obj := created
			field := tt.idField
			if tt.idField == "service_account.id" {
				obj, field = created["service_account"].(map[string]any), "id"
			}
			if id, _ := obj[field].(string); loc != tt.wantLoc[:len(tt.wantLoc)-len(lastSegment(tt.wantLoc))]+id {
				t.Errorf("%s: Location = %q; want it to end in the new id %q", tt.name, loc, id)
			}
		}
		if !tt.get {
			continue
		}
		g := e.do("GET", loc, "")
		if g.status != http.StatusOK {
			t.Errorf("%s: GET %s = %d %s; want 200", tt.name, loc, g.status, g.body)
			continue
		}
		// Every timestamp of the create response is the one a read gives.
		var read map[string]any
		if err := json.Unmarshal(g.body, &read); err != nil {
			t.Fatal(err)
		}
		obj := created
		if sa, ok := created["service_account"].(map[string]any); ok {
			obj = sa
		}
		for _, field := range []string{"created_at", "updated_at", "expires_at"} {
			c, ok := obj[field]
			if !ok || c == nil || obj["id"] == nil || read["id"] != obj["id"] {
				continue
			}
			if read[field] != c {
				t.Errorf("%s: %s is %v in the create response, %v when read", tt.name, field, c, read[field])
			}
		}
	}
}

// lastSegment is what follows the last "/" of a path prefix, e.g. "sa_".
func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
