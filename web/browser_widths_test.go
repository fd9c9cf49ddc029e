package web_test

// Width checks and screenshots: does a page fit a phone, a tablet and a
// laptop window?
//
// The API, for any browser test of package web_test:
//
//	problems := layoutProblems(t, ctx, sel)
//	    The page in ctx, at its current window width: it must not scroll
//	    sideways (document.scrollingElement.scrollWidth <= innerWidth), and
//	    every visible element matching sel (e.g. rowActions, the controls
//	    of table rows) must lie inside the window horizontally, or inside
//	    a scroll container that is keyboard-focusable (tabindex >= 0) and
//	    itself inside the window, so that a keyboard user can scroll to it.
//	    Returns one line per problem; nil when the page fits.
//
//	checkWidths(t, ctx, name, url, sel, widths...)
//	    Opens url at each width (uiWidths if none), fails the test with
//	    layoutProblems' findings, and saves screenshots.
//
//	widthScreenshot(t, ctx, name, width)
//	    With SIGNET_SCREENSHOTS=DIR set, saves DIR/widths/<name>-<width>.png,
//	    the full page. Does nothing otherwise.
//
// TestBrowserWidths runs layoutProblems over every state of
// browser_states_test.go at 390, 768 and 1280 px, and fails for any
// problem: every page fits every width.
//
// New states are added with registerUIStates (browser_states_test.go).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"
)

// uiWidths are the window widths every page must fit: a phone, a tablet,
// a laptop.
var uiWidths = []int64{390, 768, 1280}

// layoutJS is layoutProblems' check; its argument is the selector.
const layoutJS = `((sel) => {
  const out = [];
  const vw = window.innerWidth;
  const se = document.scrollingElement || document.documentElement;
  if (se.scrollWidth > vw) out.push("the page scrolls sideways: " + se.scrollWidth + "px wide in a " + vw + "px window");
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const label = (el.getAttribute("aria-label") || el.textContent || el.value || "").trim().replace(/\s+/g, " ").slice(0, 40);
    const row = el.closest("tr");
    const where = row && (row.id || row.getAttribute("data-key-id") || row.getAttribute("data-user-id") || row.getAttribute("data-delivery-id"));
    return s + (label ? " “" + label + "”" : "") + (where ? " in row " + where : "");
  };
  const inside = (r) => r.left >= -0.5 && r.right <= vw + 0.5;
  for (const el of sel ? document.querySelectorAll(sel) : []) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (inside(r)) continue;
    let sc = el.parentElement;
    while (sc && sc !== document.body && sc !== document.documentElement) {
      const ox = getComputedStyle(sc).overflowX;
      if ((ox === "auto" || ox === "scroll") && sc.scrollWidth > sc.clientWidth) break;
      sc = sc.parentElement;
    }
    if (sc && sc !== document.body && sc !== document.documentElement) {
      if (sc.tabIndex >= 0 && inside(sc.getBoundingClientRect())) continue;
      out.push(describe(el) + " is outside the window (" + Math.round(r.left) + "–" + Math.round(r.right) + "px of " + vw + "px), in a scroll container that " +
        (sc.tabIndex >= 0 ? "is itself outside the window" : "the keyboard cannot reach (no tabindex)"));
      continue;
    }
    out.push(describe(el) + " is outside the window (" + Math.round(r.left) + "–" + Math.round(r.right) + "px of " + vw + "px)");
  }
  return out;
})(%q)`

// layoutProblems checks the page in ctx at its current width (see the
// top of the file); sel "" checks only the page's own scrolling.
func layoutProblems(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	return value(t, ctx, "layout check", chromedp.Evaluate[[]string](fmt.Sprintf(layoutJS, sel)))
}

// widthScreenshot saves a full-page PNG of ctx's page into
// $SIGNET_SCREENSHOTS/widths/<name>-<width>.png, if the variable is set.
func widthScreenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv("SIGNET_SCREENSHOTS")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, "widths")
	// Quality 100 makes a PNG; anything less, a JPEG.
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkWidths opens url in ctx at each width (uiWidths if none) and
// fails t for each layout problem; sel is as for layoutProblems. The
// window is left at the last width.
func checkWidths(t *testing.T, ctx context.Context, name, url, sel string, widths ...int64) {
	t.Helper()
	if len(widths) == 0 {
		widths = uiWidths
	}
	for _, w := range widths {
		step(t, ctx, fmt.Sprintf("%s at %dpx", name, w), chromedp.EmulateViewport(w, 900), chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main")))
		for _, p := range layoutProblems(t, ctx, sel) {
			t.Errorf("%s at %dpx: %s", name, w, p)
		}
		widthScreenshot(t, ctx, name, w)
	}
}

// TestBrowserWidths: every page and state fits 390, 768 and 1280 px
// windows (see the top of the file for which failures fail the test).
func TestBrowserWidths(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserWidths) }

func testBrowserWidths(t *testing.T) {
	f := newUIFixture(t)
	for _, s := range f.states() {
		var ctx context.Context
		for i, w := range uiWidths {
			if i == 0 || s.Steps != nil {
				ctx = f.open(t, s, w)
			} else {
				// A page without steps is laid out anew at the next width,
				// as when its user resizes the window (no script of the UI
				// reads the width): loading it again would only cost time.
				step(t, ctx, fmt.Sprintf("%s at %dpx", s.Name, w), chromedp.EmulateViewport(w, 900))
			}
			sel := s.Inside
			if sel == "" {
				sel = rowActions
			}
			for _, p := range layoutProblems(t, ctx, sel) {
				t.Errorf("%s (%s) at %dpx: %s", s.Name, s.Path, w, p)
			}
			widthScreenshot(t, ctx, s.Name, w)
		}
	}
}
