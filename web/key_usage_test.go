package web_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
	"github.com/signetdev/signet/store"
)

// activityCounter counts the reads of key activity through a store.
type activityCounter struct {
	store.Store
	many, one *atomic.Int64 // ListKeysActivity, ListKeyActivity calls
}

func (s activityCounter) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Read(ctx, func(tx store.Tx) error { return fn(countingTx{tx, s}) })
}

func (s activityCounter) Write(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return fn(countingTx{tx, s}) })
}

type countingTx struct {
	store.Tx
	c activityCounter
}

func (t countingTx) ListKeysActivity(ctx context.Context, ids []string, since time.Time) ([]signet.KeyActivity, error) {
	t.c.many.Add(1)
	return t.Tx.ListKeysActivity(ctx, ids, since)
}

func (t countingTx) ListKeyActivity(ctx context.Context, id string, since time.Time) ([]signet.KeyActivity, error) {
	t.c.one.Add(1)
	return t.Tx.ListKeyActivity(ctx, id, since)
}

// usageWorld is a database with keys to chart and mark: etl's key "main"
// used today and three days ago, its key "old" used only before the
// charts' 30 days, bot's key "soon" expiring in 3 days, and idle's key
// "idle" never used in 94 days.
type usageWorld struct {
	e                     *env
	counter               activityCounter
	etl, bot              *signet.User
	main, old, soon, idle *signet.APIKey
	today                 time.Time
}

func newUsageWorld(t *testing.T) *usageWorld {
	w := &usageWorld{counter: activityCounter{many: new(atomic.Int64), one: new(atomic.Int64)}}
	w.e = newEnvWith(t, envOptions{wrapStore: func(s store.Store) store.Store { w.counter.Store = s; return w.counter }})
	e := w.e
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	idle, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "idle", Key: &service.CreateKeyInput{Name: "idle"}})
	if err != nil {
		t.Fatal(err)
	}
	w.idle = idle.Key.Key
	e.advance(94 * 24 * time.Hour)
	etl, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "etl", Key: &service.CreateKeyInput{Name: "main"}})
	if err != nil {
		t.Fatal(err)
	}
	w.etl, w.main = etl.User, etl.Key.Key
	old, err := e.svc.CreateAPIKey(e.ctx, a, w.etl.ID, service.CreateKeyInput{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	w.old = old.Key
	bot, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "bot", Key: &service.CreateKeyInput{Name: "soon", ExpiresIn: 3 * 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	w.bot, w.soon = bot.User, bot.Key.Key
	now := e.clock().UTC()
	w.today = now.Truncate(24 * time.Hour)
	hour := now.Truncate(time.Hour)
	err = e.svc.RecordKeyUsage(e.ctx, []signet.KeyUse{{KeyID: w.main.ID, At: now, IP: "192.0.2.1"}, {KeyID: w.soon.ID, At: now, IP: "192.0.2.1"}}, []signet.KeyActivity{
		{KeyID: w.main.ID, Hour: hour, Successes: 5, Failures: 1},
		{KeyID: w.main.ID, Hour: hour.Add(-3 * 24 * time.Hour), Successes: 7},
		{KeyID: w.old.ID, Hour: hour.Add(-40 * 24 * time.Hour), Failures: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// reads returns the activity reads since the last call.
func (w *usageWorld) reads() (many, one int64) {
	return w.counter.many.Swap(0), w.counter.one.Swap(0)
}

// TestKeyUsagePages: the API keys page and a service account's page chart
// the last 30 days of every listed key with a text alternative, mark keys
// expiring soon or unused, and read the activity of a page's keys at once.
func TestKeyUsagePages(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyUsagePages) }

func testKeyUsagePages(t *testing.T) {
	w := newUsageWorld(t)
	b := w.e.browser()
	b.login(adminEmail, adminPassword)

	w.reads()
	r := b.get("/settings/api-keys")
	if r.status != 200 {
		t.Fatalf("GET /settings/api-keys = %d", r.status)
	}
	if many, one := w.reads(); many != 1 || one != 0 {
		t.Errorf("API keys page read activity %d times at once and %d times one key at a time; want 1 and 0", many, one)
	}
	row := keyRow(t, r.body, w.main.ID)
	for _, want := range []string{
		`data-sparkline`, `role="img"`,
		`aria-label="12 successful verifications and 1 failed one in the last 30 days (` + w.today.AddDate(0, 0, -29).Format(time.DateOnly) + ` to ` + w.today.Format(time.DateOnly) + ` UTC); busiest day ` + w.today.AddDate(0, 0, -3).Format(time.DateOnly) + ` with 7 successful and 0 failed"`,
		`30 days: 12 ok, <span class="spark-fail">1 failed</span>`,
		`class="chart-ok"`, `class="chart-fail"`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("row of main lacks %s:\n%s", want, row)
		}
	}
	if strings.Contains(row, `data-mark=`) {
		t.Errorf("row of main, used today and never expiring, is marked:\n%s", row)
	}
	if row := keyRow(t, r.body, w.old.ID); !strings.Contains(row, `aria-label="No verifications in the last 30 days`) || strings.Contains(row, "<rect") {
		t.Errorf("row of old (activity 40 days ago only) should chart nothing:\n%s", row)
	}
	if row := keyRow(t, r.body, w.soon.ID); !strings.Contains(row, `data-mark="expiring"`) || !strings.Contains(row, "expires in 3 days") {
		t.Errorf("row of soon lacks the expiry mark:\n%s", row)
	}
	if row := keyRow(t, r.body, w.idle.ID); !strings.Contains(row, `data-mark="unused"`) || !strings.Contains(row, "unused for 94 days") ||
		!strings.Contains(row, "Never used since it was created.") {
		t.Errorf("row of idle lacks the unused mark:\n%s", row)
	}

	r = b.get("/settings/users/" + w.etl.ID)
	if r.status != 200 {
		t.Fatalf("GET etl = %d", r.status)
	}
	if many, one := w.reads(); many != 1 || one != 0 {
		t.Errorf("edit page read activity %d times at once and %d times one key at a time; want 1 and 0", many, one)
	}
	chart := between(t, r.body, `<figure class="usage" data-usage-chart id="usage-all">`, `</figure>`)
	for _, want := range []string{
		`aria-label="Verifications with etl’s API keys, last 30 days: 12 successful verifications and 1 failed one`,
		`<title>Verifications with etl’s API keys, last 30 days: 12 successful`,
		`<title>` + w.today.Format(time.DateOnly) + `: 5 successful, 1 failed</title>`,
		`<summary>Daily numbers`,
		`<tr><th scope="row">` + w.today.Format(time.DateOnly) + `</th><td>5</td><td>1</td></tr>`,
		`<tr><th scope="row">` + w.today.AddDate(0, 0, -3).Format(time.DateOnly) + `</th><td>7</td><td>0</td></tr>`,
		`<tr><th scope="row">` + w.today.AddDate(0, 0, -29).Format(time.DateOnly) + `</th><td>0</td><td>0</td></tr>`,
	} {
		if !strings.Contains(chart, want) {
			t.Errorf("etl's chart lacks %s:\n%s", want, chart)
		}
	}
	if n := strings.Count(chart, `<th scope="row">`); n != 30 {
		t.Errorf("etl's chart table has %d days; want 30", n)
	}
	if !strings.Contains(r.body, `id="usage-`+w.main.ID+`"`) || !strings.Contains(r.body, `id="usage-`+w.old.ID+`"`) {
		t.Errorf("etl's page lacks a chart per key")
	}
	// A service account with one key: the total, no per-key charts.
	r = b.get("/settings/users/" + w.bot.ID)
	if !strings.Contains(r.body, `id="usage-all"`) || strings.Contains(r.body, `id="key-charts"`) {
		t.Errorf("bot's page: want the total chart only")
	}
}

// keyRow returns the table row of a key.
func keyRow(t *testing.T, body, id string) string {
	t.Helper()
	return between(t, body, `<tr data-key-id="`+id+`">`, `</tr>`)
}

func between(t *testing.T, body, start, end string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("page lacks %s", start)
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		t.Fatalf("page lacks %s after %s", end, start)
	}
	return body[i : i+j+len(end)]
}
