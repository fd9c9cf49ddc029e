package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/service"
)

// receiver is a webhook receiver on 127.0.0.1 that records what it gets
// and answers status.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex // guards bodies and ids
	bodies []string
	ids    []string // webhook-id headers
	status int
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, string(b))
		rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
		rc.mu.Unlock()
		w.WriteHeader(rc.status)
		io.WriteString(w, "thanks")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) received() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.ids)
}

// TestWebhooks walks the webhook API through the SDK and raw requests:
// create (the secret once, a Location), list, get, patch, rotate, a test
// event delivered by the dispatcher, its attempts, a redelivery, delete.
func TestWebhooks(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWebhooks) }

func testWebhooks(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx, c := e.ctx, e.admin
	rc := newReceiver(t, http.StatusNoContent)

	// Create, raw: 201, Location, the secret in this answer only.
	r := e.do("POST", "/api/v1/webhooks", `{"url":"`+rc.srv.URL+`/hooks","description":"audit mirror","event_types":["service_account.*","api_key.create","api_key.create"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/v1/webhooks = %d %s; want 201", r.status, r.body)
	}
	var created client.CreatedWebhookEndpoint
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	ep := created.WebhookEndpoint
	if loc := r.header.Get("Location"); loc != "/api/v1/webhooks/"+ep.ID {
		t.Errorf("Location = %q; want /api/v1/webhooks/%s", loc, ep.ID)
	}
	if !strings.HasPrefix(created.Secret, webhook.SecretPrefix) || !strings.HasPrefix(ep.ID, "wh_") {
		t.Errorf("created endpoint %s: secret prefix ok %v; want wh_… and a whsec_… secret", ep.ID, strings.HasPrefix(created.Secret, webhook.SecretPrefix))
	}
	if !ep.Enabled || ep.URL != rc.srv.URL+"/hooks" || ep.Description != "audit mirror" || ep.CreatedBy != e.adminID ||
		!slices.Equal(ep.EventTypes, []string{"api_key.create", "service_account.*"}) || ep.PreviousSecretExpiresAt != nil || ep.FailingSince != nil {
		t.Errorf("created endpoint = %+v; want it enabled, event types sorted without duplicates", ep)
	}

	// No read shows a secret, sealed or plain.
	noSecret := func(what string, body []byte, secrets ...string) {
		t.Helper()
		if strings.Contains(string(body), `"secret"`) || strings.Contains(string(body), "whsec_") {
			t.Errorf("%s shows a secret: %s", what, body)
		}
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s holds the secret %s…", what, s[:8])
			}
		}
	}
	for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + ep.ID} {
		r := e.do("GET", path, "")
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, r.status, r.body)
		}
		noSecret("GET "+path, r.body, created.Secret)
	}
	list := must(c.ListWebhooks(ctx, client.ListOptions{}))(t)
	if len(list.Data) != 1 || list.Data[0].ID != ep.ID {
		t.Errorf("ListWebhooks() = %+v; want the endpoint", list.Data)
	}
	if got := must(c.GetWebhook(ctx, ep.ID))(t); got.ID != ep.ID || got.URL != ep.URL {
		t.Errorf("GetWebhook() = %+v; want %+v", got, ep)
	}

	// Patch, one field at a time, then disable and enable.
	up := must(c.UpdateWebhook(ctx, ep.ID, client.WebhookUpdate{EventTypes: &[]string{"*"}}))(t)
	if !slices.Equal(up.EventTypes, []string{"*"}) || up.Description != "audit mirror" || up.URL != ep.URL {
		t.Errorf("UpdateWebhook(event_types) = %+v; want only the event types changed", up)
	}
	up = must(c.UpdateWebhook(ctx, ep.ID, client.WebhookUpdate{Description: client.String(""), Enabled: client.Bool(false)}))(t)
	if up.Enabled || up.Description != "" {
		t.Errorf("UpdateWebhook(disable) = %+v; want disabled without a description", up)
	}
	if _, err := c.SendTestWebhook(ctx, ep.ID); err == nil {
		t.Error("SendTestWebhook() of a disabled endpoint = nil; want a conflict")
	} else {
		wantAPIError(t, err, http.StatusConflict, client.CodeConflict, "is disabled")
	}
	up = must(c.UpdateWebhook(ctx, ep.ID, client.WebhookUpdate{Enabled: client.Bool(true), URL: client.String(rc.srv.URL + "/v2")}))(t)
	if !up.Enabled || up.URL != rc.srv.URL+"/v2" || !up.UpdatedAt.After(ep.CreatedAt) && !up.UpdatedAt.Equal(ep.CreatedAt) {
		t.Errorf("UpdateWebhook(enable, url) = %+v", up)
	}

	// Rotation: a new secret, once; the old one signs until the overlap
	// ends; "0s" stops it at once.
	r = e.do("POST", "/api/v1/webhooks/"+ep.ID+"/rotate-secret", `{"overlap":"2h"}`)
	if r.status != http.StatusOK {
		t.Fatalf("rotate-secret = %d %s; want 200", r.status, r.body)
	}
	var rotated client.CreatedWebhookEndpoint
	if err := json.Unmarshal(r.body, &rotated); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rotated.Secret, webhook.SecretPrefix) || rotated.Secret == created.Secret || rotated.PreviousSecretExpiresAt == nil ||
		rotated.PreviousSecretExpiresAt.Sub(rotated.UpdatedAt) != 2*time.Hour {
		t.Errorf("rotated = %+v (new secret %v); want a new secret and the old one signing for 2h", rotated.WebhookEndpoint, rotated.Secret != created.Secret)
	}
	if got := e.do("GET", "/api/v1/webhooks/"+ep.ID, ""); !strings.Contains(string(got.body), `"previous_secret_expires_at"`) {
		t.Errorf("GET after rotation = %s; want previous_secret_expires_at", got.body)
	} else {
		noSecret("GET after rotation", got.body, created.Secret, rotated.Secret)
	}
	rot := must(c.RotateWebhookSecret(ctx, ep.ID, "0s"))(t)
	if rot.PreviousSecretExpiresAt != nil || rot.Secret == rotated.Secret {
		t.Errorf("RotateWebhookSecret(0s) = %+v; want no previous secret", rot.WebhookEndpoint)
	}
	if got := e.do("GET", "/api/v1/webhooks/"+ep.ID, ""); strings.Contains(string(got.body), `"previous_secret_expires_at"`) {
		t.Errorf("GET after rotation without overlap = %s; want no previous_secret_expires_at", got.body)
	}
	if rot = must(c.RotateWebhookSecret(ctx, ep.ID, ""))(t); rot.PreviousSecretExpiresAt == nil ||
		rot.PreviousSecretExpiresAt.Sub(rot.UpdatedAt) != service.DefaultWebhookSecretOverlap {
		t.Errorf("RotateWebhookSecret(default) = %+v; want the default overlap", rot.WebhookEndpoint)
	}

	// A test event: 202 with the queued delivery, in the deliveries.
	r = e.do("POST", "/api/v1/webhooks/"+ep.ID+"/test", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST test = %d %s; want 202", r.status, r.body)
	}
	var testDel client.WebhookDelivery
	if err := json.Unmarshal(r.body, &testDel); err != nil {
		t.Fatal(err)
	}
	if testDel.EndpointID != ep.ID || testDel.EventType != signet.WebhookTestEventType || testDel.Status != client.DeliveryPending ||
		testDel.Attempts != 0 || testDel.NextAttemptAt == nil || testDel.LastAttemptAt != nil {
		t.Errorf("test delivery = %+v; want a pending webhook.test delivery", testDel)
	}
	var payload signet.WebhookPayload
	if err := json.Unmarshal(testDel.Payload, &payload); err != nil || payload.Type != signet.WebhookTestEventType || payload.Data.EventID != testDel.EventID {
		t.Errorf("test delivery payload = %s (%v); want a webhook.test object for event %s", testDel.Payload, err, testDel.EventID)
	}

	// The dispatcher delivers it; its attempt is in the delivery.
	if n, err := e.svc.NewDispatcher(service.DispatcherOptions{}).RunOnce(ctx); err != nil || n == 0 {
		t.Fatalf("RunOnce() = %d, %v; want deliveries", n, err)
	}
	if !slices.Contains(rc.received(), testDel.EventID) {
		t.Errorf("receiver got webhook-ids %v; want %s", rc.received(), testDel.EventID)
	}
	d := must(c.GetWebhookDelivery(ctx, ep.ID, testDel.ID))(t)
	if d.Status != client.DeliverySucceeded || d.Attempts != 1 || d.LastStatusCode != http.StatusNoContent || d.NextAttemptAt != nil ||
		len(d.AttemptLog) != 1 || d.AttemptLog[0].N != 1 || d.AttemptLog[0].StatusCode != http.StatusNoContent || d.AttemptLog[0].LatencyMS <= 0 || d.AttemptLog[0].At.IsZero() {
		t.Errorf("GetWebhookDelivery() = %+v; want succeeded after one attempt of 204", d)
	}

	// Deliveries, newest first, filtered by status; the endpoint's own
	// audit events were delivered too ("*").
	all := must(c.ListWebhookDeliveries(ctx, ep.ID, client.ListWebhookDeliveriesOptions{}))(t)
	if len(all.Data) == 0 || all.Data[0].ID != testDel.ID {
		t.Errorf("ListWebhookDeliveries() = %d deliveries, first %v; want the test delivery first", len(all.Data), all.Data)
	}
	ok := must(c.ListWebhookDeliveries(ctx, ep.ID, client.ListWebhookDeliveriesOptions{Status: client.DeliverySucceeded}))(t)
	failed := must(c.ListWebhookDeliveries(ctx, ep.ID, client.ListWebhookDeliveriesOptions{Status: client.DeliveryFailed}))(t)
	if len(ok.Data) == 0 || len(failed.Data) != 0 {
		t.Errorf("deliveries: %d succeeded, %d failed; want some succeeded, none failed", len(ok.Data), len(failed.Data))
	}
	pg := must(c.ListWebhookDeliveries(ctx, ep.ID, client.ListWebhookDeliveriesOptions{ListOptions: client.ListOptions{Limit: 1}}))(t)
	if len(pg.Data) != 1 || (len(all.Data) > 1 && pg.NextCursor == "") {
		t.Errorf("ListWebhookDeliveries(limit 1) = %d, cursor %q; want one and a cursor", len(pg.Data), pg.NextCursor)
	}

	// Redelivery: a new delivery of the same event.
	r = e.do("POST", "/api/v1/webhooks/"+ep.ID+"/deliveries/"+testDel.ID+"/redeliver", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST redeliver = %d %s; want 202", r.status, r.body)
	}
	var again client.WebhookDelivery
	if err := json.Unmarshal(r.body, &again); err != nil {
		t.Fatal(err)
	}
	if again.ID == testDel.ID || again.EventID != testDel.EventID || again.Status != client.DeliveryPending || string(again.Payload) != string(testDel.Payload) {
		t.Errorf("redelivery = %+v; want a new pending delivery of event %s", again, testDel.EventID)
	}
	if got := must(c.ListWebhookDeliveries(ctx, ep.ID, client.ListWebhookDeliveriesOptions{Status: client.DeliveryPending}))(t); len(got.Data) == 0 || got.Data[0].ID != again.ID {
		t.Errorf("pending deliveries = %v; want the redelivery first", got.Data)
	}
	// A delivery is found under its own endpoint only.
	other := must(c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: rc.srv.URL, EventTypes: []string{"user.create"}, Enabled: client.Bool(false)}))(t)
	if other.Enabled {
		t.Errorf("CreateWebhook(enabled false).Enabled = true")
	}
	if _, err := c.GetWebhookDelivery(ctx, other.ID, testDel.ID); client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("GetWebhookDelivery(another endpoint's) = %v; want not_found", err)
	}

	// The event-type catalogue.
	cat := must(c.ListWebhookEventTypes(ctx))(t)
	if !slices.Contains(cat.EventTypes, "api_key.revoke") || !slices.Contains(cat.Wildcards, "*") || !slices.Contains(cat.Wildcards, "api_key.*") ||
		slices.Contains(cat.EventTypes, signet.WebhookTestEventType) || !slices.IsSorted(cat.EventTypes) {
		t.Errorf("ListWebhookEventTypes() = %+v; want the sorted catalogue and its wildcards", cat)
	}
	for _, w := range cat.Wildcards {
		if _, err := signet.ValidateWebhookEventTypes([]string{w}); err != nil {
			t.Errorf("wildcard %q does not validate: %v", w, err)
		}
	}

	// Delete: 204, then 404; its deliveries go with it.
	if r := e.do("DELETE", "/api/v1/webhooks/"+ep.ID, ""); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("DELETE = %d %s; want 204", r.status, r.body)
	}
	if _, err := c.GetWebhook(ctx, ep.ID); client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("GetWebhook() after delete = %v; want not_found", err)
	}
	if _, err := c.GetWebhookDelivery(ctx, ep.ID, testDel.ID); client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("GetWebhookDelivery() after delete = %v; want not_found", err)
	}
	if got := must(c.ListWebhooks(ctx, client.ListOptions{}))(t); len(got.Data) != 1 || got.Data[0].ID != other.ID {
		t.Errorf("ListWebhooks() after delete = %+v; want the other endpoint only", got.Data)
	}
}

// TestWebhookCreateIdempotent: a retried creation with its Idempotency-Key
// gets the first answer, secret included, and makes one endpoint.
func TestWebhookCreateIdempotent(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookCreateIdempotent)
}

func testWebhookCreateIdempotent(t *testing.T) {
	e := newEnv(t).withAdmin()
	body := `{"url":"https://hooks.example.com/signet","event_types":["*"]}`
	key := "Idempotency-Key: 4a8c1e52-7f0b-4d7e-9d52-0c8f3b6a2e11"
	first := e.do("POST", "/api/v1/webhooks", body, key)
	second := e.do("POST", "/api/v1/webhooks", body, key)
	if first.status != http.StatusCreated || second.status != http.StatusCreated || string(first.body) != string(second.body) ||
		second.header.Get("Idempotent-Replayed") != "true" || second.header.Get("Location") != first.header.Get("Location") {
		t.Errorf("create twice with one Idempotency-Key = %d %s, then %d %s (replayed %q); want the first answer again",
			first.status, first.body, second.status, second.body, second.header.Get("Idempotent-Replayed"))
	}
	if got := must(e.admin.ListWebhooks(e.ctx, client.ListOptions{}))(t); len(got.Data) != 1 {
		t.Errorf("ListWebhooks() = %d endpoints; want 1", len(got.Data))
	}
}

// TestWebhookAccess: reading webhooks needs settings:read and changing them
// settings:write, organisation-wide; a caller with neither gets 403 on
// every route but the event-type catalogue.
func TestWebhookAccess(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWebhookAccess) }

func testWebhookAccess(t *testing.T) {
	e := newEnv(t).withAdmin()
	ctx := e.ctx
	ep := must(e.admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "https://hooks.example.com/a", EventTypes: []string{"*"}}))(t)
	del := must(e.admin.SendTestWebhook(ctx, ep.ID))(t)
	ws := must(e.admin.ListWorkspaces(ctx, client.ListOptions{}))(t).Data[0].ID
	viewer := must(e.admin.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name: "viewer", Grants: []client.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: ws}},
		APIKey: &client.CreateAPIKeyRequest{Name: "k"},
	}))(t).APIKey.Key
	auth := "Authorization: Bearer " + viewer
	base := "/api/v1/webhooks/" + ep.ID
	for _, tt := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/v1/webhooks", "", http.StatusForbidden},
		{"POST", "/api/v1/webhooks", `{"url":"https://hooks.example.com/b","event_types":["*"]}`, http.StatusForbidden},
		{"GET", base, "", http.StatusForbidden},
		{"PATCH", base, `{"enabled":false}`, http.StatusForbidden},
		{"DELETE", base, "", http.StatusForbidden},
		{"POST", base + "/rotate-secret", "", http.StatusForbidden},
		{"POST", base + "/test", "", http.StatusForbidden},
		{"GET", base + "/deliveries", "", http.StatusForbidden},
		{"GET", base + "/deliveries/" + del.ID, "", http.StatusForbidden},
		{"POST", base + "/deliveries/" + del.ID + "/redeliver", "", http.StatusForbidden},
		{"GET", "/api/v1/webhook-event-types", "", http.StatusOK},
	} {
		r := e.do(tt.method, tt.path, tt.body, auth)
		if r.status != tt.want {
			t.Errorf("%s %s as a viewer = %d %s; want %d", tt.method, tt.path, r.status, r.body, tt.want)
			continue
		}
		if tt.want == http.StatusForbidden {
			if eb := r.errBody(t); eb.Code != client.CodeForbidden || strings.Contains(eb.Message, "whsec_") {
				t.Errorf("%s %s as a viewer = %+v; want forbidden", tt.method, tt.path, eb)
			}
		}
	}
	if got := must(e.admin.GetWebhook(ctx, ep.ID))(t); !got.Enabled {
		t.Errorf("endpoint after a viewer's refused changes = %+v; want it unchanged", got)
	}
}

// TestWebhookServerConfig: receivers on private addresses are refused
// unless the server allows them (the name of the field in the message),
// and without a secret key no endpoint is created (503).
func TestWebhookServerConfig(t *testing.T) { t.Parallel(); testdb.ForEach(t, testWebhookServerConfig) }

func testWebhookServerConfig(t *testing.T) {
	public := newEnvWith(t, envOptions{webhooks: &service.WebhookOptions{Box: newSecretBox(t)}}).withAdmin()
	noKey := newEnvWith(t, envOptions{webhooks: &service.WebhookOptions{Guard: webhook.Guard{AllowPrivate: true}}}).withAdmin()
	for _, tt := range []struct {
		name   string
		e      *env
		url    string
		status int
		code   string
		msg    string
	}{
		{"loopback", public, "http://127.0.0.1:8080/hook", http.StatusUnprocessableEntity, client.CodeInvalid, "127.0.0.1 is not a public address"},
		{"private", public, "https://10.1.2.3/hook", http.StatusUnprocessableEntity, client.CodeInvalid, "10.1.2.3 is not a public address"},
		{"link-local", public, "http://169.254.169.254/latest", http.StatusUnprocessableEntity, client.CodeInvalid, "not a public address"},
		{"ipv6 loopback", public, "http://[::1]:9000/", http.StatusUnprocessableEntity, client.CodeInvalid, "not a public address"},
		{"public", public, "https://hooks.example.com/hook", http.StatusCreated, "", ""},
		{"no secret key", noKey, "https://hooks.example.com/hook", http.StatusServiceUnavailable, client.CodeUnavailable, "--secret-key-file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.e.do("POST", "/api/v1/webhooks", `{"url":"`+tt.url+`","event_types":["*"]}`)
			if r.status != tt.status {
				t.Fatalf("POST /api/v1/webhooks %s = %d %s; want %d", tt.url, r.status, r.body, tt.status)
			}
			if tt.code == "" {
				return
			}
			if eb := r.errBody(t); eb.Code != tt.code || !strings.Contains(eb.Message, tt.msg) {
				t.Errorf("POST /api/v1/webhooks %s = %s %q; want %s containing %q", tt.url, eb.Code, eb.Message, tt.code, tt.msg)
			}
		})
	}
}
