package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"
)

// TestBrowserUsageCharts: the API keys page's sparklines and a service
// account's chart render with a size and an accessible name, at a phone's
// width and a desktop's, without making the page scroll sideways.
func TestBrowserUsageCharts(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserUsageCharts) }

func testBrowserUsageCharts(t *testing.T) {
	browserOnSQLite(t)
	w := newUsageWorld(t)
	ctx := newChrome(t)
	base := w.e.srv.URL
	signIn(t, ctx, base, adminEmail, adminPassword)
	step(t, ctx, "signed in", chromedp.WaitVisible(chromedp.ID("users-table")))
	spark := `tr[data-key-id="` + w.main.ID + `"] svg.spark`
	for _, width := range []int64{390, 1280} {
		for _, p := range []struct{ path, svg, name string }{
			{"/settings/api-keys", spark, "12 successful verifications and 1 failed one in the last 30 days"},
			{"/settings/users/" + w.etl.ID, `#usage-all svg.chart`, "Verifications with etl’s API keys, last 30 days: 12 successful"},
		} {
			step(t, ctx, fmt.Sprintf("%s at %dpx", p.path, width),
				chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+p.path), chromedp.WaitReady(chromedp.CSS(p.svg)))
			box := value(t, ctx, "size of "+p.svg, chromedp.Evaluate[[]float64](
				`(() => { const r = document.querySelector('`+p.svg+`').getBoundingClientRect(); return [r.width, r.height, r.right]; })()`))
			if box[0] <= 0 || box[1] <= 0 {
				t.Errorf("%s at %dpx: %s is %vx%v; want a visible size", p.path, width, p.svg, box[0], box[1])
			}
			if box[2] > float64(width)+1 && !strings.Contains(p.svg, "spark") {
				t.Errorf("%s at %dpx: the chart ends at %v, past the window", p.path, width, box[2])
			}
			// The accessible name, as the browser's accessibility tree computes it.
			name := value(t, ctx, "name of "+p.svg, chromedp.Evaluate[string](`(() => { const e = document.querySelector('`+p.svg+`'); return e.getAttribute('role') + '|' + e.getAttribute('aria-label'); })()`))
			if !strings.HasPrefix(name, "img|"+p.name) {
				t.Errorf("%s at %dpx: role|name of %s = %q; want img|%s…", p.path, width, p.svg, name, p.name)
			}
			if wide := value(t, ctx, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
				culprits := value(t, ctx, "widest", chromedp.Evaluate[string](`[...document.querySelectorAll('main svg, main .sparkline, main figure')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className.baseVal + e.className).slice(0, 8).join(' | ')`))
				if culprits != "" {
					t.Errorf("%s at %dpx: the charts make the page scroll sideways: %s", p.path, width, culprits)
				}
			}
			screenshot(t, ctx, fmt.Sprintf("60-usage-%s-%d", strings.NewReplacer("/settings/", "", "/", "-").Replace(p.path), width))
		}
	}
}
