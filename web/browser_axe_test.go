package web_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"
)

// EnvAxe names the axe-core script (axe.min.js) TestBrowserAxe injects;
// without it the test skips. .ci/axe.sh installs the pinned axe-core
// (.ci/axe/package.json) and sets it.
const EnvAxe = "SIGNET_AXE"

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeAllowance is a violation known today, which another change fixes:
// TestBrowserAxe logs it instead of failing. Delete the line with the
// fix (the test logs the lines that no longer match anything).
type axeAllowance struct {
	State string // a state's name (browser_states_test.go), or "*"
	Rule  string // an axe rule id
	Owner string // who fixes it
}

// axeKnown are the violations found when the check was added.
var axeKnown = []axeAllowance{}

// axeRunJS runs axe-core on the page with its default rules (WCAG 2.x A
// and AA, and best practices) and returns the violations.
const axeRunJS = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || "", help: v.help,
  targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" "))
})))`

// TestBrowserAxe runs axe-core on every page and state of the UI
// (browser_states_test.go) at 390, 768 and 1280 px: any violation not
// listed in axeKnown fails it, naming the state, width, rule, impact and
// elements.
func TestBrowserAxe(t *testing.T) { t.Parallel(); testdb.ForEach(t, testBrowserAxe) }

func testBrowserAxe(t *testing.T) {
	path := os.Getenv(EnvAxe)
	if path == "" {
		t.Skipf("axe check skipped: set %s to axe-core's axe.min.js (.ci/axe.sh installs it and runs this test)", EnvAxe)
	}
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvAxe, err)
	}
	f := newUIFixture(t)
	inject := func(ctx context.Context) {
		t.Helper()
		step(t, ctx, "inject axe-core", chromedp.Evaluate[chromedp.Void](string(script)+"\n;undefined"))
	}

	// The check finds what it should: a button without a name.
	ctx := f.open(t, uiState{Name: "self-test", Path: "/login", Env: "empty", As: "anon"}, uiWidths[0])
	step(t, ctx, "an unnamed button", chromedp.Evaluate[chromedp.Void](`document.querySelector("main").appendChild(document.createElement("button")); undefined`))
	inject(ctx)
	if vs := value(t, ctx, "axe self-test", chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise)); !slices.ContainsFunc(vs, func(v axeViolation) bool { return v.ID == "button-name" }) {
		t.Fatalf("axe on a page with an unnamed button = %+v; want button-name", vs)
	}

	used := make([]bool, len(axeKnown))
	var known int
	for _, s := range f.states() {
		for _, w := range uiWidths {
			ctx := f.open(t, s, w)
			inject(ctx)
			vs := value(t, ctx, fmt.Sprintf("axe on %s at %dpx", s.Name, w), chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
			for _, v := range vs {
				msg := fmt.Sprintf("%s (%s) at %dpx: %s [%s]: %s: %s", s.Name, s.Path, w, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
				if i := slices.IndexFunc(axeKnown, func(a axeAllowance) bool { return (a.State == s.Name || a.State == "*") && a.Rule == v.ID }); i >= 0 {
					used[i] = true
					known++
					t.Logf("known (%s fixes it): %s", axeKnown[i].Owner, msg)
					continue
				}
				t.Errorf("%s", msg)
			}
		}
	}
	if known > 0 {
		t.Logf("%d known violations (logged above; axeKnown)", known)
	}
	for i, a := range axeKnown {
		if !used[i] {
			t.Logf("axeKnown: %+v matches nothing any more: delete it", a)
		}
	}
}
