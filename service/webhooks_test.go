package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/webhook"
)

// receiver is a webhook receiver: it records every request, verifies it
// with the Standard Webhooks library against the secrets it knows, and
// answers with the next of its scripted answers (then 204).
type receiver struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	secrets  []string
	answers  []func(w http.ResponseWriter)
	requests []receivedRequest
}

type receivedRequest struct {
	header   http.Header
	body     []byte
	verified []bool // per secret, in the order of secrets
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	rr := receivedRequest{header: req.Header.Clone(), body: body}
	for _, s := range r.secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			r.t.Errorf("NewWebhook(secret): %v", err)
			continue
		}
		rr.verified = append(rr.verified, wh.Verify(body, req.Header) == nil)
	}
	r.requests = append(r.requests, rr)
	var answer func(http.ResponseWriter)
	if len(r.answers) > 0 {
		answer, r.answers = r.answers[0], r.answers[1:]
	}
	r.mu.Unlock()
	if answer != nil {
		answer(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) trust(secret string) {
	r.mu.Lock()
	r.secrets = append(r.secrets, secret)
	r.mu.Unlock()
}

func (r *receiver) answer(fns ...func(http.ResponseWriter)) {
	r.mu.Lock()
	r.answers = append(r.answers, fns...)
	r.mu.Unlock()
}

func (r *receiver) received() []receivedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code) }
}

// newWebhookEnv returns an env whose service delivers webhooks (to
// private addresses when allowPrivate) with the given retry window, and
// whose clock starts at the real time: receivers verify timestamps
// against their own clock.
func newWebhookEnv(t testing.TB, guard webhook.Guard, window time.Duration) *env {
	e := newEnv(t)
	e.svc.webhooks.Guard, e.svc.webhooks.RetryWindow = guard, window
	e.mu.Lock()
	e.now = time.Now().UTC().Truncate(time.Second)
	e.mu.Unlock()
	return e
}

func (e *env) endpoint(url string, types ...string) *CreatedWebhookEndpoint {
	e.tb.Helper()
	c, err := e.svc.CreateWebhookEndpoint(e.ctx, e.admin, WebhookEndpointInput{URL: url, EventTypes: types})
	e.must(err)
	return c
}

func (e *env) deliveries(endpointID string) []*signet.WebhookDelivery {
	e.tb.Helper()
	out, _, err := e.svc.ListWebhookDeliveries(e.ctx, e.admin, signet.WebhookDeliveryFilter{EndpointID: endpointID, Page: signet.Page{Limit: 100}})
	e.must(err)
	return out
}

// dispatcher returns a dispatcher with tiny backoffs and an outcome log.
func (e *env) dispatcher(outcomes *[]string) *Dispatcher {
	var mu sync.Mutex
	return e.svc.NewDispatcher(DispatcherOptions{MinBackoff: time.Second, MaxBackoff: 4 * time.Second, Owner: "test",
		OnAttempt: func(o string, _ time.Duration) {
			if outcomes != nil {
				mu.Lock()
				*outcomes = append(*outcomes, o)
				mu.Unlock()
			}
		}})
}

func (e *env) runOnce(d *Dispatcher) int {
	e.tb.Helper()
	n, err := d.RunOnce(e.ctx)
	e.must(err)
	return n
}

var allowPrivate = webhook.Guard{AllowPrivate: true, Timeout: 5 * time.Second}

// TestWebhookDeliveriesVerifyWithTheSpecificationsLibrary: a committed
// change reaches a subscribed receiver once, signed so that the Standard
// Webhooks library verifies it, with the event's id as webhook-id and no
// secret in the payload.
func TestWebhookDeliveriesVerifyWithTheSpecificationsLibrary(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookDeliveriesVerifyWithTheSpecificationsLibrary)
}

func testWebhookDeliveriesVerifyWithTheSpecificationsLibrary(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	r := newReceiver(t)
	ep := e.endpoint(r.srv.URL+"/hook?token=abc", "service_account.*", "api_key.create")
	if !strings.HasPrefix(ep.Secret, "whsec_") {
		t.Fatalf("secret %q; want whsec_…", ep.Secret)
	}
	r.trust(ep.Secret)
	created, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl", Key: &CreateKeyInput{Name: "prod"}})
	e.must(err)
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "not subscribed"})
	d := e.dispatcher(nil)
	if n := e.runOnce(d); n != 2 {
		t.Fatalf("RunOnce delivered %d; want 2 (service_account.create, api_key.create)", n)
	}
	got := r.received()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests; want 2", len(got))
	}
	var types []string
	for _, req := range got {
		if !req.verified[0] {
			t.Errorf("delivery %s does not verify with the Standard Webhooks library", req.header.Get("webhook-id"))
		}
		var p signet.WebhookPayload
		if err := json.Unmarshal(req.body, &p); err != nil {
			t.Fatalf("payload %s: %v", req.body, err)
		}
		types = append(types, p.Type)
		if req.header.Get("webhook-id") != p.Data.EventID || !strings.HasPrefix(p.Data.EventID, "evt_") {
			t.Errorf("webhook-id %q, event id %q; want the audit event's id in both", req.header.Get("webhook-id"), p.Data.EventID)
		}
		if p.Data.Actor.ID != e.admin.UserID || p.Data.Target == nil || p.Data.Seq == 0 {
			t.Errorf("payload %s; want actor, target and seq", req.body)
		}
		if strings.Contains(string(req.body), created.Key.Secret) || strings.Contains(string(req.body), "whsec_") {
			t.Errorf("payload holds a secret: %s", req.body)
		}
	}
	slices.Sort(types)
	if !slices.Equal(types, []string{"api_key.create", "service_account.create"}) {
		t.Errorf("types %v", types)
	}
	// Delivered once: nothing is due any more.
	if n := e.runOnce(d); n != 0 || len(r.received()) != 2 {
		t.Errorf("a second run delivered %d more", n)
	}
	for _, del := range e.deliveries(ep.Endpoint.ID) {
		if del.Status != signet.DeliverySucceeded || del.Attempts != 1 || del.LastStatusCode != 204 {
			t.Errorf("delivery %+v; want succeeded at the first attempt with 204", del)
		}
	}
	// The endpoint's audit events name its host, not its token.
	for _, ev := range e.events() {
		if ev.Action == "webhook_endpoint.create" && (strings.Contains(ev.TargetName+ev.Details["url"].(string), "token") || ev.TargetName != "http://"+r.srv.Listener.Addr().String()+"/…") {
			t.Errorf("webhook_endpoint.create event names %q, %v", ev.TargetName, ev.Details)
		}
	}
}

// TestWebhookRetriesUntilTheReceiverAnswers2xx: failures are retried with
// growing delays, Retry-After is honoured, every attempt is kept, and a
// success ends it.
func TestWebhookRetriesUntilTheReceiverAnswers2xx(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookRetriesUntilTheReceiverAnswers2xx)
}

func testWebhookRetriesUntilTheReceiverAnswers2xx(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, time.Hour)
	r := newReceiver(t)
	ep := e.endpoint(r.srv.URL, "workspace.create")
	r.answer(status(500), func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(503)
		io.WriteString(w, "maintenance")
	}, status(302), status(200))
	_, err := e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "staging"})
	e.must(err)
	var outcomes []string
	d := e.dispatcher(&outcomes)
	for i := 0; i < 40 && len(r.received()) < 4; i++ {
		e.runOnce(d)
		del := e.deliveries(ep.Endpoint.ID)[0]
		if del.Attempts == 2 && del.Status == signet.DeliveryPending {
			if wait := del.NextAttemptAt.Sub(*del.LastAttemptAt); wait < 120*time.Second {
				t.Errorf("after Retry-After: 120 the next attempt is %v later", wait)
			}
		}
		e.advance(30 * time.Second)
	}
	if len(r.received()) != 4 {
		t.Fatalf("receiver got %d requests; want 4", len(r.received()))
	}
	if !slices.Equal(outcomes, []string{OutcomeHTTPError, OutcomeHTTPError, OutcomeHTTPError, OutcomeDelivered}) {
		t.Errorf("outcomes %v", outcomes)
	}
	ids := map[string]bool{}
	for _, req := range r.received() {
		ids[req.header.Get("webhook-id")] = true
	}
	if len(ids) != 1 {
		t.Errorf("webhook-ids %v; want the same on every attempt", ids)
	}
	del := e.deliveries(ep.Endpoint.ID)[0]
	detail, err := e.svc.GetWebhookDelivery(e.ctx, e.admin, ep.Endpoint.ID, del.ID)
	e.must(err)
	var codes []int
	for _, a := range detail.Attempts {
		codes = append(codes, a.StatusCode)
	}
	if detail.Delivery.Status != signet.DeliverySucceeded || !slices.Equal(codes, []int{500, 503, 302, 200}) {
		t.Errorf("delivery %s with attempts %v; want succeeded after 500, 503, 302, 200", detail.Delivery.Status, codes)
	}
	if detail.Attempts[1].ResponseBody != "maintenance" || !strings.Contains(detail.Attempts[2].Error, "redirects are not followed") {
		t.Errorf("attempts %+v %+v", detail.Attempts[1], detail.Attempts[2])
	}
	got, err := e.svc.GetWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID)
	e.must(err)
	if got.FailingSince != nil || !got.Enabled {
		t.Errorf("endpoint after a success: failing since %v, enabled %v", got.FailingSince, got.Enabled)
	}
}

// TestWebhookHangingReceiverTimesOut: a receiver that never answers costs
// one timeout, and the delivery stays pending for a retry.
func TestWebhookHangingReceiverTimesOut(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookHangingReceiverTimesOut)
}

func testWebhookHangingReceiverTimesOut(t *testing.T) {
	e := newWebhookEnv(t, webhook.Guard{AllowPrivate: true, Timeout: 300 * time.Millisecond}, 0)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	ep := e.endpoint(hang.URL, "workspace.*")
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "w"})
	var outcomes []string
	e.runOnce(e.dispatcher(&outcomes))
	del := e.deliveries(ep.Endpoint.ID)[0]
	if !slices.Equal(outcomes, []string{OutcomeTimeout}) || del.Status != signet.DeliveryPending || del.Attempts != 1 ||
		!strings.Contains(del.LastError, "did not answer in time") || del.LeaseOwner != "" {
		t.Errorf("outcomes %v, delivery %+v; want one timeout, pending, unleased", outcomes, del)
	}
}

// TestWebhookEndpointDisabledAfterFailingTheWholeWindow: deliveries stop
// after the retry window, and an endpoint that failed throughout is
// disabled, with an audit event by the system.
func TestWebhookEndpointDisabledAfterFailingTheWholeWindow(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookEndpointDisabledAfterFailingTheWholeWindow)
}

func testWebhookEndpointDisabledAfterFailingTheWholeWindow(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 10*time.Minute)
	r := newReceiver(t)
	for range 100 {
		r.answer(status(500))
	}
	ep := e.endpoint(r.srv.URL, "workspace.*")
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "w"})
	d := e.dispatcher(nil)
	for range 30 {
		e.runOnce(d)
		e.advance(time.Minute)
	}
	del := e.deliveries(ep.Endpoint.ID)[0]
	if del.Status != signet.DeliveryFailed {
		t.Errorf("delivery %s after the window; want failed", del.Status)
	}
	got, err := e.svc.GetWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID)
	e.must(err)
	if got.Enabled || !strings.Contains(got.DisabledReason, "failed for 10m") {
		t.Errorf("endpoint enabled=%v reason %q; want disabled for failing", got.Enabled, got.DisabledReason)
	}
	ev := e.lastEvent()
	if ev.Action != "webhook_endpoint.disable" || ev.ActorKind != "system" || ev.TargetID != ep.Endpoint.ID {
		t.Errorf("last event %s by %s on %s; want webhook_endpoint.disable by the system", ev.Action, ev.ActorKind, ev.TargetID)
	}
	// A disabled endpoint gets nothing new, until an administrator enables it.
	n := len(r.received())
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "w2"})
	e.runOnce(d)
	if len(r.received()) != n {
		t.Error("a disabled endpoint was delivered to")
	}
	enabled := true
	got, err = e.svc.UpdateWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID, WebhookEndpointUpdate{Enabled: &enabled})
	e.must(err)
	if !got.Enabled || got.DisabledReason != "" || got.FailingSince != nil {
		t.Errorf("enabled endpoint %+v; want its failure record cleared", got)
	}
	if ev := e.lastEvent(); ev.Action != "webhook_endpoint.enable" {
		t.Errorf("last event %s; want webhook_endpoint.enable", ev.Action)
	}
}

// TestWebhookSecretRotationOverlap: during the overlap a delivery carries
// both signatures, so receivers holding either secret verify it; after it,
// only the new one.
func TestWebhookSecretRotationOverlap(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookSecretRotationOverlap)
}

func testWebhookSecretRotationOverlap(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	r := newReceiver(t)
	ep := e.endpoint(r.srv.URL, "workspace.create")
	// The overlap is short: receivers check timestamps against the real
	// clock, within five minutes.
	rotated, err := e.svc.RotateWebhookSecret(e.ctx, e.admin, ep.Endpoint.ID, ptr(2*time.Minute))
	e.must(err)
	if rotated.Secret == ep.Secret || rotated.Endpoint.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotation gave %+v", rotated.Endpoint)
	}
	r.trust(ep.Secret)
	r.trust(rotated.Secret)
	d := e.dispatcher(nil)
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "during"})
	e.runOnce(d)
	e.advance(2 * time.Minute)
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "after"})
	e.runOnce(d)
	got := r.received()
	if len(got) != 2 {
		t.Fatalf("got %d deliveries", len(got))
	}
	if !slices.Equal(got[0].verified, []bool{true, true}) {
		t.Errorf("during the overlap: verifies with old, new = %v; want both", got[0].verified)
	}
	if !slices.Equal(got[1].verified, []bool{false, true}) {
		t.Errorf("after the overlap: verifies with old, new = %v; want the new only", got[1].verified)
	}
	if strings.Count(got[0].header.Get("webhook-signature"), "v1,") != 2 {
		t.Errorf("signature header %q; want two v1 signatures", got[0].header.Get("webhook-signature"))
	}
	_, err = e.svc.RotateWebhookSecret(e.ctx, e.admin, ep.Endpoint.ID, ptr(8*24*time.Hour))
	wantCode(t, "RotateWebhookSecret(8 days)", err, signet.EINVALID)
	for _, ev := range e.events() {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), "whsec_") || strings.Contains(string(b), "v1.") {
			t.Errorf("audit event %s holds a secret: %s", ev.Action, b)
		}
	}
}

// TestWebhookReceiversOnPrivateAddressesRefused: by default a URL naming
// a loopback, private or link-local address is refused, and a name that
// resolves to one is refused when the delivery connects.
func TestWebhookReceiversOnPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookReceiversOnPrivateAddressesRefused)
}

func testWebhookReceiversOnPrivateAddressesRefused(t *testing.T) {
	e := newWebhookEnv(t, webhook.Guard{Timeout: 2 * time.Second}, 0)
	for _, u := range []string{"http://127.0.0.1:8080/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/", "http://[::1]/",
		"ftp://example.com/", "https://user:pw@example.com/", "not a url", ""} {
		_, err := e.svc.CreateWebhookEndpoint(e.ctx, e.admin, WebhookEndpointInput{URL: u, EventTypes: []string{"*"}})
		wantCode(t, "CreateWebhookEndpoint("+u+")", err, signet.EINVALID)
	}
	r := newReceiver(t)
	url := strings.Replace(r.srv.URL, "127.0.0.1", "localhost", 1)
	ep := e.endpoint(url, "workspace.*")
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "w"})
	var outcomes []string
	e.runOnce(e.dispatcher(&outcomes))
	del := e.deliveries(ep.Endpoint.ID)[0]
	if len(r.received()) != 0 || !slices.Equal(outcomes, []string{OutcomeRefused}) || !strings.Contains(del.LastError, "not a public address") {
		t.Errorf("received %d, outcomes %v, last error %q; want refused before connecting", len(r.received()), outcomes, del.LastError)
	}
}

// TestWebhookEndpointManagement covers who may manage endpoints, input
// checks, test events and redelivery.
func TestWebhookEndpointManagement(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookEndpointManagement)
}

func testWebhookEndpointManagement(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	r := newReceiver(t)
	viewer := e.actorWith("settings:read")
	_, err := e.svc.CreateWebhookEndpoint(e.ctx, viewer, WebhookEndpointInput{URL: r.srv.URL, EventTypes: []string{"*"}})
	wantCode(t, "CreateWebhookEndpoint as a reader", err, signet.EFORBIDDEN)
	for _, types := range [][]string{nil, {"api_key.created"}, {"nothing.*"}, {"*", "bogus"}} {
		_, err := e.svc.CreateWebhookEndpoint(e.ctx, e.admin, WebhookEndpointInput{URL: r.srv.URL, EventTypes: types})
		wantCode(t, "CreateWebhookEndpoint(event types "+strings.Join(types, ",")+")", err, signet.EINVALID)
	}
	ep := e.endpoint(r.srv.URL, "api_key.*", "api_key.create", "audit.*")
	if !slices.Equal(ep.Endpoint.EventTypes, []string{"api_key.*", "api_key.create", "audit.*"}) || ep.Endpoint.Secret != "" {
		t.Errorf("endpoint %+v; want sorted types and no sealed secret", ep.Endpoint)
	}
	list, _, err := e.svc.ListWebhookEndpoints(e.ctx, viewer, signet.Page{})
	e.must(err)
	if len(list) != 1 || list[0].Secret != "" {
		t.Errorf("list %+v", list)
	}
	_, _, err = e.svc.ListWebhookEndpoints(e.ctx, e.actorWith("audit:read"), signet.Page{})
	wantCode(t, "ListWebhookEndpoints without settings:read", err, signet.EFORBIDDEN)

	test, err := e.svc.SendTestWebhook(e.ctx, e.admin, ep.Endpoint.ID)
	e.must(err)
	_, err = e.svc.SendTestWebhook(e.ctx, viewer, ep.Endpoint.ID)
	wantCode(t, "SendTestWebhook as a reader", err, signet.EFORBIDDEN)
	r.trust(ep.Secret)
	e.runOnce(e.dispatcher(nil))
	got := r.received()
	if len(got) != 1 || !got[0].verified[0] || !strings.Contains(string(got[0].body), `"type":"webhook.test"`) {
		t.Fatalf("test event: %d requests %v", len(got), got)
	}
	again, err := e.svc.RedeliverWebhook(e.ctx, e.admin, ep.Endpoint.ID, test.ID)
	e.must(err)
	if again.ID == test.ID || again.EventID != test.EventID {
		t.Errorf("redelivery %s of event %s; want a new delivery of event %s", again.ID, again.EventID, test.EventID)
	}
	e.runOnce(e.dispatcher(nil))
	if got := r.received(); len(got) != 2 || got[1].header.Get("webhook-id") != test.EventID {
		t.Errorf("redelivery not received with the same webhook-id")
	}
	// The delivery log keeps finished deliveries for its retention.
	d := e.dispatcher(nil)
	if n, err := d.PruneDeliveryLog(e.ctx); err != nil || n != 0 {
		t.Errorf("PruneDeliveryLog at once = %d, %v; want nothing pruned", n, err)
	}
	e.advance(DefaultWebhookLogRetention + time.Minute)
	if n, err := d.PruneDeliveryLog(e.ctx); err != nil || n != 2 {
		t.Errorf("PruneDeliveryLog after the retention = %d, %v; want the 2 deliveries", n, err)
	}
	if got := e.deliveries(ep.Endpoint.ID); len(got) != 0 {
		t.Errorf("%d deliveries left after pruning", len(got))
	}
	_, err = e.svc.RedeliverWebhook(e.ctx, e.admin, ep.Endpoint.ID, "whd_missing")
	wantCode(t, "RedeliverWebhook(missing)", err, signet.ENOTFOUND)
	_, err = e.svc.GetWebhookDelivery(e.ctx, e.admin, "wh_other", test.ID)
	wantCode(t, "GetWebhookDelivery of another endpoint", err, signet.ENOTFOUND)

	disabled := false
	_, err = e.svc.UpdateWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID, WebhookEndpointUpdate{Enabled: &disabled})
	e.must(err)
	_, err = e.svc.SendTestWebhook(e.ctx, e.admin, ep.Endpoint.ID)
	wantCode(t, "SendTestWebhook to a disabled endpoint", err, signet.ECONFLICT)
	e.must(e.svc.DeleteWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID))
	_, err = e.svc.GetWebhookEndpoint(e.ctx, e.admin, ep.Endpoint.ID)
	wantCode(t, "GetWebhookEndpoint after delete", err, signet.ENOTFOUND)

	// Without a secret key, endpoints cannot be created.
	e.svc.webhooks.Box = nil
	_, err = e.svc.CreateWebhookEndpoint(e.ctx, e.admin, WebhookEndpointInput{URL: r.srv.URL, EventTypes: []string{"*"}})
	wantCode(t, "CreateWebhookEndpoint without a secret key", err, signet.EUNAVAILABLE)
}

// TestWebhookRefusedChangeDeliversNothing: only committed changes are
// delivered; a refused attempt leaves an audit event but no delivery.
func TestWebhookRefusedChangeDeliversNothing(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookRefusedChangeDeliversNothing)
}

func testWebhookRefusedChangeDeliversNothing(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	r := newReceiver(t)
	ep := e.endpoint(r.srv.URL, "workspace.*")
	_, err := e.svc.CreateWorkspace(e.ctx, e.actorWith("audit:read"), WorkspaceInput{Name: "nope"})
	wantCode(t, "CreateWorkspace unauthorised", err, signet.EFORBIDDEN)
	if got := e.deliveries(ep.Endpoint.ID); len(got) != 0 {
		t.Errorf("a refused change produced %d deliveries", len(got))
	}
}

// TestWebhookShutdownGivesDeliveriesBack: deliveries in flight when the
// dispatcher stops are released unattempted, for the next start.
func TestWebhookShutdownGivesDeliveriesBack(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookShutdownGivesDeliveriesBack)
}

func testWebhookShutdownGivesDeliveriesBack(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	started := make(chan struct{}, 1)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body read to its end, the server notices the client closing
		// the connection, and cancels r's context.
		io.Copy(io.Discard, r.Body)
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	ep := e.endpoint(hang.URL, "*")
	e.svc.CreateWorkspace(e.ctx, e.admin, WorkspaceInput{Name: "w"})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		e.dispatcher(nil).Run(ctx)
		close(done)
	}()
	<-started
	cancel()
	<-done
	del := e.deliveries(ep.Endpoint.ID)[0]
	if del.Status != signet.DeliveryPending || del.Attempts != 0 || del.LeaseOwner != "" || del.LeaseUntil != nil {
		t.Errorf("delivery after shutdown %+v; want pending, unattempted, unleased", del)
	}
}

// TestWebhookEventTypesCoverEveryAuditedAction: every action the service
// records is a webhook event type one may subscribe to.
func TestWebhookEventTypesCoverEveryAuditedAction(t *testing.T) {
	for _, m := range auditedMutations() {
		if !slices.Contains(signet.WebhookEventTypes, m.action) {
			t.Errorf("action %q (%s) is not in signet.WebhookEventTypes", m.action, m.method)
		}
	}
	for _, actions := range alsoRecorded {
		for _, a := range actions {
			if !slices.Contains(signet.WebhookEventTypes, a) {
				t.Errorf("action %q is not in signet.WebhookEventTypes", a)
			}
		}
	}
	for _, a := range []string{ActionAuthFailed, "session.login_failed", "session.login", "webhook_endpoint.disable"} {
		if !slices.Contains(signet.WebhookEventTypes, a) {
			t.Errorf("action %q is not in signet.WebhookEventTypes", a)
		}
	}
}

// BenchmarkAuditedMutationWithWebhooks is BenchmarkAuditedMutation with
// webhook endpoints registered: the outbox's cost on a change is reading
// the enabled endpoints and writing one delivery per subscribed endpoint,
// in the change's transaction.
func BenchmarkAuditedMutationWithWebhooks(b *testing.B) {
	for _, n := range []int{0, 1, 10} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			e := newEnv(b)
			for range n {
				e.endpoint("https://receiver.example/hook", "service_account.*")
			}
			sa := e.sa()
			benchLatency(b, func(i int) error {
				_, err := e.svc.UpdateUser(e.ctx, e.admin, sa.ID, UserUpdate{Name: ptr(fmt.Sprintf("bot-%d", i))})
				return err
			})
		})
	}
}

// BenchmarkDispatch measures delivering to a local receiver that answers
// 204 at once: claim, sign, POST, record — per delivery, with the
// dispatcher's default concurrency (8).
func BenchmarkDispatch(b *testing.B) {
	e := newWebhookEnv(b, allowPrivate, 0)
	r := newReceiver(b)
	ep := e.endpoint(r.srv.URL, "audit.prune") // nothing else is delivered
	d := e.svc.NewDispatcher(DispatcherOptions{Owner: "bench"})
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for range 8 {
			if _, err := e.svc.SendTestWebhook(e.ctx, e.admin, ep.Endpoint.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if n, err := d.RunOnce(e.ctx); err != nil || n != 8 {
			b.Fatalf("RunOnce = %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(8*b.N)/1e3, "µs/delivery")
}
