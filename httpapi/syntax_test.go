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
