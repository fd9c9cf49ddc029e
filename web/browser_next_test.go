package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/signetdev/signet/internal/testdb"
)

// TestBrowserLoginNextStaysOnSite signs in, in a real browser, from links
// whose next= a browser would once have followed off-site (it drops tabs
// and reads a backslash as a slash), and checks where the browser lands.
func TestBrowserLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testBrowserLoginNextStaysOnSite)
}

func testBrowserLoginNextStaysOnSite(t *testing.T) {
	browserOnSQLite(t)
	e := newEnv(t)
	ctx := newChrome(t)
	base := e.srv.URL
	want, _ := url.Parse(base)
	landed := func(what string) {
		t.Helper()
		loc := value(t, ctx, "location after "+what, chromedp.Location())
		u, err := url.Parse(loc)
		if err != nil || u.Host != want.Host || !strings.HasPrefix(u.Path, "/settings") {
			t.Errorf("%s: the browser is at %q; want a page of %s", what, loc, base)
		}
	}
	raws := []string{"/%09/evil.example/x", "/./%5Cevil.example", "/%5C%5Cevil.example", "//evil.example", "/%0D%0A/evil.example"}
	step(t, ctx, "sign in from next="+raws[0],
		chromedp.Navigate(base+"/login?next="+raws[0]),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		// The login page has a <main> too: wait for what only a signed-in
		// page shows, or the location is read before the form is posted.
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	landed("signing in with next=" + raws[0])
	// Signed in, the login page redirects at once.
	for _, raw := range raws {
		step(t, ctx, "open /login?next="+raw, chromedp.Navigate(base+"/login?next="+raw), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
		landed("opening /login?next=" + raw)
	}
}
