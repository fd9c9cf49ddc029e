package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/signetdev/signet/internal/testdb"
)

func TestNameWarningsShown(t *testing.T) { t.Parallel(); testdb.ForEach(t, testNameWarningsShown) }

func testNameWarningsShown(t *testing.T) {
	e := newEnv(t)                               // the administrator is "Ada"
	spoof := e.human("Аda", "spoof@example.com") // a Cyrillic А
	plain := e.human("Grace", "grace@example.com")
	b := e.browser()
	b.login(adminEmail, adminPassword)

	row := func(body, id string) string {
		t.Helper()
		m := regexp.MustCompile(`(?s)<tr data-user-id="` + regexp.QuoteMeta(id) + `">.*?</tr>`).FindString(body)
		if m == "" {
			t.Fatalf("no row for %s in the users page:\n%s", id, body)
		}
		return m
	}
	adminID := e.adminID(t)
	r := b.get("/settings/users")
	spoofRow := row(r.body, spoof.ID)
	for _, want := range []string{
		`<bdi>Аda</bdi>`,
		`href="/settings/users/` + adminID + `" title="Looks the same as “Ada” (User ` + adminID + `): check which one you mean"`,
		`looks like “<bdi>Ada</bdi>”`,
		`aria-label="Warning: this name looks the same as “Ada”, the name of another account; open it"`,
		`aria-label="Warning: this name mixes Cyrillic and Latin letters"`,
		`mixed scripts`,
	} {
		if !strings.Contains(spoofRow, want) {
			t.Errorf("the row of %q lacks %q:\n%s", spoof.Name, want, spoofRow)
		}
	}
	adaRow := row(r.body, adminID)
	if !strings.Contains(adaRow, `looks like “<bdi>Аda</bdi>”`) || strings.Contains(adaRow, "mixed scripts") {
		t.Errorf("the real Ada's row should point at the look-alike only:\n%s", adaRow)
	}
	if strings.Contains(row(r.body, plain.ID), "name-warning") {
		t.Errorf("a plain name is flagged:\n%s", row(r.body, plain.ID))
	}

	// The edit view shows the same beside the name.
	r = b.get("/settings/users/" + spoof.ID)
	if !strings.Contains(r.body, `looks like “<bdi>Ada</bdi>”`) || !strings.Contains(r.body, "mixed scripts") {
		t.Errorf("the edit view of %q does not flag it:\n%s", spoof.Name, r.body)
	}
}

// adminID returns the id of the first administrator.
func (e *env) adminID(t *testing.T) string {
	t.Helper()
	u, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
