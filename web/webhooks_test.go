package web_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testdb"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

var (
	whsecRE      = regexp.MustCompile(`whsec_[A-Za-z0-9+/=_-]+`)
	webhookPath  = regexp.MustCompile(`/settings/webhooks/(wh_[0-9a-z]+)`)
	deliveryRows = regexp.MustCompile(`data-delivery-id="(whd_[0-9a-z]+)"`)
)

// receiver is a webhook receiver on 127.0.0.1 that answers with status
// (500 at first) and counts the requests.
type receiver struct {
	srv    *httptest.Server
	status atomic.Int32
	hits   atomic.Int32
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.status.Store(http.StatusInternalServerError)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		rc.hits.Add(1)
		w.WriteHeader(int(rc.status.Load()))
		fmt.Fprint(w, "receiver says: signature checked, database down")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// dispatch attempts every due delivery once, as signet serve's dispatcher
// would.
func (e *env) dispatch(t *testing.T) int {
	t.Helper()
	n, err := e.svc.NewDispatcher(service.DispatcherOptions{}).RunOnce(e.ctx)
	if err != nil {
		t.Fatalf("dispatching: %v", err)
	}
	return n
}

func TestWebhookPages(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWebhookPages) }

func testWebhookPages(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	b := e.browser()
	b.login(adminEmail, adminPassword)

	// The page, its navigation entry and its empty state.
	r := b.get("/settings/webhooks")
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/webhooks" aria-current="page"`) || !strings.Contains(r.body, "No webhooks yet") {
		t.Fatalf("GET /settings/webhooks = %d; want the page, its navigation entry and the empty state:\n%s", r.status, r.body)
	}
	if r := b.get("/settings/webhooks?dialog=create-webhook"); !strings.Contains(r.body, `id="create-webhook" class="modal" aria-labelledby="cwh-title" open data-autoopen`) {
		t.Errorf("?dialog=create-webhook does not open the create dialog")
	}

	// A bad URL: the service's message in the dialog, and what was typed.
	for _, tt := range []struct {
		name, url string
		types     []string
		want      string
	}{
		{"ftp URL", "ftp://receiver.example.com/hook", []string{"api_key.*", "user.disable"}, "must be http:// or https://"},
		{"user info", "https://bob:pw@receiver.example.com/hook", []string{"api_key.*"}, "must not hold a user name or password"},
		{"no event types", rc.srv.URL + "/hook", nil, "Subscribe to at least one event type"},
	} {
		r := b.form(t, "/settings/webhooks", "/settings/webhooks", url.Values{"url": {tt.url}, "description": {"SIEM feed"}, "event_type": tt.types, "enabled": {"true"}}, http.StatusUnprocessableEntity)
		if !strings.Contains(html.UnescapeString(r.body), tt.want) {
			t.Errorf("%s: want %q in the page:\n%s", tt.name, tt.want, r.body)
		}
		if !strings.Contains(r.body, `id="create-webhook" class="modal" aria-labelledby="cwh-title" open data-autoopen`) ||
			!strings.Contains(r.body, `value="`+html.EscapeString(tt.url)+`"`) || !strings.Contains(r.body, `value="SIEM feed"`) {
			t.Errorf("%s: want the dialog reopened with the URL and description typed", tt.name)
		}
		for _, ty := range tt.types {
			if !strings.Contains(r.body, `value="`+ty+`" checked`) {
				t.Errorf("%s: event type %s is no longer ticked", tt.name, ty)
			}
		}
		if !strings.Contains(r.body, `id="wh-enabled" checked`) {
			t.Errorf("%s: Enabled was unticked by the error", tt.name)
		}
	}
	if eps, _, _ := e.svc.ListWebhookEndpoints(e.ctx, signet.SystemActor, signet.Page{}); len(eps) != 0 {
		t.Fatalf("refused forms created %d endpoints", len(eps))
	}

	// Created: the secret is shown once, in the response to the form.
	r = b.form(t, "/settings/webhooks", "/settings/webhooks", url.Values{"url": {rc.srv.URL + "/hook"}, "description": {"SIEM feed"},
		"event_type": {"api_key.*", "api_key.create", "user.disable"}, "enabled": {"true"}}, http.StatusCreated)
	secret := whsecRE.FindString(r.body)
	if secret == "" || !strings.Contains(r.body, `id="show-key"`) || !strings.Contains(r.body, "only be shown once and cannot be retrieved after closing") {
		t.Fatalf("create: want the signing secret shown once with the warning:\n%s", r.body)
	}
	m := webhookPath.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("create: no link to the endpoint's page")
	}
	id, page := m[1], "/settings/webhooks/"+m[1]
	ep, err := e.svc.GetWebhookEndpoint(e.ctx, signet.SystemActor, id)
	if err != nil {
		t.Fatal(err)
	}
	// A box a wider one covers is dropped: the stored subscription is what the form shows.
	if got := strings.Join(ep.EventTypes, ","); got != "api_key.*,user.disable" || !ep.Enabled || ep.Description != "SIEM feed" {
		t.Errorf("created endpoint = %v, enabled %v, %q; want api_key.*,user.disable, enabled, the description", ep.EventTypes, ep.Enabled, ep.Description)
	}
	r = b.get("/settings/webhooks")
	if strings.Contains(r.body, secret) || strings.Contains(r.body, "whsec_") || !strings.Contains(r.body, rc.srv.URL+"/hook") || !strings.Contains(r.body, "api_key.*, user.disable") {
		t.Errorf("the list should show the endpoint and never its secret")
	}
	if r := b.get(page); r.status != http.StatusOK || strings.Contains(r.body, "whsec_") {
		t.Errorf("GET %s = %d; want the page without any secret", page, r.status)
	}

	// Send test event: a delivery in the log, not attempted yet.
	r = b.form(t, page, page+"/test", nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page+"?notice=test_queued" {
		t.Errorf("test event redirected to %q", loc)
	}
	r = b.get(page + "?notice=test_queued")
	if !strings.Contains(r.body, "A test event has been queued") || !strings.Contains(r.body, signet.WebhookTestEventType) ||
		!strings.Contains(r.body, "status-pending") || !strings.Contains(r.body, "not attempted yet") {
		t.Errorf("the log should show the queued test event:\n%s", r.body)
	}
	rows := deliveryRows.FindAllStringSubmatch(r.body, -1)
	if len(rows) != 1 {
		t.Fatalf("delivery rows = %d; want 1", len(rows))
	}
	first := rows[0][1]

	// The receiver fails it: the attempt shows with its status and answer.
	if n := e.dispatch(t); n != 1 || rc.hits.Load() != 1 {
		t.Fatalf("dispatched %d, receiver hit %d times; want 1, 1", n, rc.hits.Load())
	}
	ep, _ = e.svc.GetWebhookEndpoint(e.ctx, signet.SystemActor, id)
	if ep.FailingSince == nil {
		t.Fatalf("the endpoint is not failing after a failed attempt")
	}
	since := ep.FailingSince.UTC().Format("2006-01-02 15:04 UTC")
	r = b.get(page)
	if !strings.Contains(r.body, "HTTP 500") || !strings.Contains(r.body, `data-failing-since>`+since) {
		t.Errorf("after a failed attempt the log should show HTTP 500 and the endpoint failing since %s", since)
	}
	if r := b.get("/settings/webhooks"); !strings.Contains(r.body, `<td data-label="Failing since"><span class="date">`+since+"</span></td>") {
		t.Errorf("the list should show since when the endpoint fails")
	}
	dp := page + "/deliveries/" + first
	r = b.get(dp)
	if r.status != http.StatusOK || !strings.Contains(r.body, `<td data-label="Status code">500</td>`) || !strings.Contains(r.body, "receiver says: signature checked, database down") ||
		!strings.Contains(html.UnescapeString(r.body), `"type": "webhook.test"`) {
		t.Errorf("GET %s = %d; want the attempt (500, the answer's start) and the payload:\n%s", dp, r.status, r.body)
	}
	if r := b.get(page + "/deliveries/whd_nope"); r.status != http.StatusNotFound {
		t.Errorf("an unknown delivery = %d; want 404", r.status)
	}

	// Redeliver: a new delivery of the same event, which now succeeds.
	rc.status.Store(http.StatusNoContent)
	b.form(t, dp, dp+"/redeliver", nil, http.StatusSeeOther)
	r = b.get(page)
	rows = deliveryRows.FindAllStringSubmatch(r.body, -1)
	if len(rows) != 2 || rows[1][1] != first {
		t.Fatalf("after redelivery the log = %v; want a new delivery above the first", rows)
	}
	d, err := e.svc.GetWebhookDelivery(e.ctx, signet.SystemActor, id, rows[0][1])
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := e.svc.GetWebhookDelivery(e.ctx, signet.SystemActor, id, first)
	if d.Delivery.EventID != fd.Delivery.EventID {
		t.Errorf("redelivery event id %s; want the first's %s", d.Delivery.EventID, fd.Delivery.EventID)
	}
	e.dispatch(t)
	// The status filter.
	for _, tt := range []struct {
		status string
		want   []string
	}{{"succeeded", []string{rows[0][1]}}, {"pending", []string{first}}, {"failed", nil}} {
		r := b.get(page + "?status=" + tt.status)
		var got []string
		for _, m := range deliveryRows.FindAllStringSubmatch(r.body, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("?status=%s lists %v; want %v", tt.status, got, tt.want)
		}
		if tt.want == nil && !strings.Contains(r.body, "No failed deliveries.") {
			t.Errorf("?status=failed: want the empty message")
		}
	}
	if r := b.get(page + "?status=bogus"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("?status=bogus = %d; want 422", r.status)
	}

	// Rotate: a new secret, shown once, with the overlap chosen.
	r = b.form(t, page, page+"/rotate", url.Values{"overlap": {"forever"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="rotate-error"`) || strings.Contains(r.body, "whsec_") {
		t.Errorf("a bad overlap: want the message beside the rotate form and no secret")
	}
	r = b.form(t, page, page+"/rotate", url.Values{"overlap": {"1h"}}, http.StatusOK)
	rotated := whsecRE.FindString(r.body)
	if rotated == "" || rotated == secret || !strings.Contains(r.body, "Signing secret rotated") || !strings.Contains(r.body, "previous secret also signs deliveries until") {
		t.Errorf("rotate: want a new secret shown once with the overlap")
	}
	if r := b.get(page); strings.Contains(r.body, "whsec_") || !strings.Contains(r.body, "signs too until") {
		t.Errorf("after rotating, the page should say the previous secret signs, and show no secret")
	}

	// Edit: a bad URL keeps what was typed; then saved.
	r = b.form(t, page, page, url.Values{"url": {"gopher://x"}, "description": {"renamed"}, "event_type": {"group.*"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `id="wh-url-error"`) || !strings.Contains(r.body, `value="gopher://x"`) || !strings.Contains(r.body, `value="renamed"`) ||
		!strings.Contains(r.body, `value="group.*" checked`) || strings.Contains(r.body, `value="api_key.*" checked`) {
		t.Errorf("a bad edit: want the message and the input kept")
	}
	b.form(t, page, page, url.Values{"url": {rc.srv.URL + "/v2"}, "description": {"renamed"}, "event_type": {"*", "group.create"}}, http.StatusSeeOther)
	ep, _ = e.svc.GetWebhookEndpoint(e.ctx, signet.SystemActor, id)
	if ep.URL != rc.srv.URL+"/v2" || ep.Description != "renamed" || strings.Join(ep.EventTypes, ",") != "*" {
		t.Errorf("after editing: %q %q %v", ep.URL, ep.Description, ep.EventTypes)
	}

	// Disable: no test event offered; one forced is refused on the page.
	b.form(t, page, page+"/status", url.Values{"enabled": {"false"}}, http.StatusSeeOther)
	r = b.get(page)
	if !strings.Contains(r.body, "status-disabled") || !strings.Contains(r.body, "Disabled by an administrator") || !strings.Contains(r.body, `id="enable-webhook"`) ||
		strings.Contains(r.body, `id="send-test"`) || strings.Contains(r.body, "/redeliver") {
		t.Errorf("a disabled endpoint's page: want its status, Enable, and no test or redeliver")
	}
	if r := b.get("/settings/webhooks"); !strings.Contains(r.body, "by an administrator") {
		t.Errorf("the list should say who disabled the endpoint")
	}
	r = b.form(t, page, page+"/test", nil, http.StatusConflict)
	if !strings.Contains(r.body, `id="deliveries-error"`) || !strings.Contains(r.body, "is disabled: enable it first") {
		t.Errorf("a test event to a disabled endpoint: want the refusal beside the log")
	}
	b.form(t, page, page+"/status", url.Values{"enabled": {"true"}}, http.StatusSeeOther)
	if ep, _ := e.svc.GetWebhookEndpoint(e.ctx, signet.SystemActor, id); !ep.Enabled {
		t.Errorf("Enable did not enable")
	}

	// Delete.
	r = b.form(t, page, page+"/delete", nil, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/settings/webhooks?notice=deleted" {
		t.Errorf("delete redirected to %q", loc)
	}
	if r := b.get(page); r.status != http.StatusNotFound {
		t.Errorf("a deleted endpoint's page = %d; want 404", r.status)
	}
	if r := b.get("/settings/webhooks"); !strings.Contains(r.body, "No webhooks yet") {
		t.Errorf("after deleting the only endpoint: want the empty state")
	}
	for _, s := range []string{secret, rotated} {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("the server log contains a signing secret")
		}
	}
}

func TestWebhookDeliveryPagination(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookDeliveryPagination)
}

func testWebhookDeliveryPagination(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	a := e.svc.ActorForUser(admin)
	out, err := e.svc.CreateWebhookEndpoint(e.ctx, a, service.WebhookEndpointInput{URL: "https://receiver.example.com/hook", EventTypes: []string{"group.*"}})
	if err != nil {
		t.Fatal(err)
	}
	for range signet.DefaultPageSize + 3 {
		if _, err := e.svc.SendTestWebhook(e.ctx, a, out.Endpoint.ID); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)
	page := "/settings/webhooks/" + out.Endpoint.ID
	r := b.get(page)
	next := regexp.MustCompile(`href="(` + page + `\?cursor=[^"]+)">Older`).FindStringSubmatch(r.body)
	if next == nil || len(deliveryRows.FindAllString(r.body, -1)) != signet.DefaultPageSize {
		t.Fatalf("first page of deliveries: want %d and an Older link", signet.DefaultPageSize)
	}
	r = b.get(html.UnescapeString(next[1]))
	if len(deliveryRows.FindAllString(r.body, -1)) != 3 || !strings.Contains(r.body, ">Newest<") {
		t.Errorf("second page of deliveries: want 3 and a Newest link")
	}
}

func TestWebhooksForbidden(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWebhooksForbidden) }

func testWebhooksForbidden(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	out, err := e.svc.CreateWebhookEndpoint(e.ctx, e.svc.ActorForUser(admin), service.WebhookEndpointInput{URL: "https://receiver.example.com/hook", EventTypes: []string{"group.*"}})
	if err != nil {
		t.Fatal(err)
	}
	page := "/settings/webhooks/" + out.Endpoint.ID

	// A manager of one workspace: no entry, and refused.
	e.human("Wendy", "wendy@example.com", service.GrantSpec{RoleID: signet.RoleManageID, WorkspaceID: defaultWS(t, e)})
	b := e.browser()
	b.login("wendy@example.com", adminPassword)
	if r := b.get("/settings/api-keys"); strings.Contains(r.body, `href="/settings/webhooks"`) {
		t.Errorf("a workspace manager's navigation offers Webhooks")
	}
	for _, p := range []string{"/settings/webhooks", page, page + "/deliveries/whd_x"} {
		if r := b.get(p); r.status != http.StatusForbidden {
			t.Errorf("GET %s as a workspace manager = %d; want 403", p, r.status)
		}
	}
	csrf := b.csrf("/settings/api-keys")
	for _, p := range []string{"/settings/webhooks", page + "/test", page + "/rotate", page + "/delete"} {
		if r := b.post(p, url.Values{"csrf": {csrf}, "url": {"https://x.example.com"}, "event_type": {"*"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s as a workspace manager = %d; want 403", p, r.status)
		}
	}

	// An organisation-wide viewer reads, and is offered nothing to change.
	e.human("Vic", "vic@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	v := e.browser()
	v.login("vic@example.com", adminPassword)
	for _, p := range []string{"/settings/webhooks", page} {
		r := v.get(p)
		if r.status != http.StatusOK || !strings.Contains(r.body, `href="/settings/webhooks"`) {
			t.Errorf("GET %s as a viewer = %d; want the page", p, r.status)
		}
		// The page's own content (the confirmation dialog after it is
		// the layout's).
		main := r.body[strings.Index(r.body, "<main"):strings.Index(r.body, "</main>")]
		if strings.Contains(main, `method="post"`) || strings.Contains(main, "Create webhook") {
			t.Errorf("GET %s offers a viewer a form", p)
		}
	}
	csrf = v.csrf(page)
	if r := v.post(page+"/test", url.Values{"csrf": {csrf}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "settings:write") {
		t.Errorf("a viewer's test event = %d; want 403 naming settings:write", r.status)
	}
	if ds, _, _ := e.svc.ListWebhookDeliveries(e.ctx, signet.SystemActor, signet.WebhookDeliveryFilter{EndpointID: out.Endpoint.ID}); len(ds) != 0 {
		t.Errorf("refused test events queued %d deliveries", len(ds))
	}
}

func TestWebhookDisabledBySignet(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookDisabledBySignet)
}

// testWebhookDisabledBySignet: an endpoint whose every attempt failed for
// the retry window is disabled by Signet, and the pages say why.
func testWebhookDisabledBySignet(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	admin, _ := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	a := e.svc.ActorForUser(admin)
	out, err := e.svc.CreateWebhookEndpoint(e.ctx, a, service.WebhookEndpointInput{URL: rc.srv.URL, EventTypes: []string{"group.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendTestWebhook(e.ctx, a, out.Endpoint.ID); err != nil {
		t.Fatal(err)
	}
	e.dispatch(t)
	e.advance(service.DefaultWebhookRetryWindow + time.Hour)
	e.dispatch(t)
	ep, _ := e.svc.GetWebhookEndpoint(e.ctx, signet.SystemActor, out.Endpoint.ID)
	if ep.Enabled || ep.DisabledReason == "" {
		t.Fatalf("after failing for the retry window: enabled %v, reason %q; want disabled by Signet", ep.Enabled, ep.DisabledReason)
	}
	b := e.browser()
	b.login(adminEmail, adminPassword)
	for _, p := range []string{"/settings/webhooks", "/settings/webhooks/" + ep.ID} {
		r := b.get(p)
		if !strings.Contains(r.body, "status-disabled") || !strings.Contains(html.UnescapeString(r.body), ep.DisabledReason) {
			t.Errorf("GET %s: want the endpoint disabled with Signet's reason %q", p, ep.DisabledReason)
		}
	}
}
