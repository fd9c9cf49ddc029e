package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signetdev/signet/metrics"
	"github.com/signetdev/signet/service"
)

// TestExpiringKeysGauge: one gauge per warning threshold, labelled with
// the threshold as Signet writes durations, and nothing before the first
// count.
func TestExpiringKeysGauge(t *testing.T) {
	var counts []service.ExpiringCount
	m := metrics.New(nil, nil)
	m.WatchExpiringKeys(func() []service.ExpiringCount { return counts })
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	if out := scrape(); strings.Contains(out, "signet_api_keys_expiring{") {
		t.Errorf("before the first run /metrics has %q; want no sample", "signet_api_keys_expiring")
	}
	counts = []service.ExpiringCount{{Within: 14 * 24 * time.Hour, Keys: 5}, {Within: 7 * 24 * time.Hour, Keys: 2}, {Within: 36 * time.Hour, Keys: 0}}
	out := scrape()
	for _, want := range []string{`signet_api_keys_expiring{within="14d"} 5`, `signet_api_keys_expiring{within="7d"} 2`, `signet_api_keys_expiring{within="1d12h"} 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
