package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/internal/testenv"
)

// These tests deliver webhooks from real "signet serve" processes to a
// receiver that verifies every request with the Standard Webhooks library:
// across a server killed with deliveries in flight and restarted, across
// two replicas on PostgreSQL, across a replica killed while the other
// runs, and to receivers the address guard refuses.

// hookReceiver is a webhook receiver. It verifies every request with the
// Standard Webhooks library and the endpoint's secret, records it, and
// answers 204 — or, while holding, never answers: the request stays open
// until its sender gives up or dies (or the test ends).
type hookReceiver struct {
	t       *testing.T
	srv     *httptest.Server
	release chan struct{} // closed when the test ends: held requests end unanswered

	mu       sync.Mutex
	secret   string
	holding  bool
	requests []hookRequest
	problems []string // malformed requests, reported by check
}

// hookRequest is one request the receiver got.
type hookRequest struct {
	at        time.Time
	id        string // the webhook-id header
	eventType string
	targetID  string // the payload's data.target.id: the workspace created
	verified  bool
	held      bool // never answered
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{t: t, release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	t.Cleanup(func() { close(r.release) }) // before Close, which waits for handlers
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var p struct {
		Type string `json:"type"`
		Data struct {
			EventID string `json:"event_id"`
			Target  struct {
				ID string `json:"id"`
			} `json:"target"`
		} `json:"data"`
	}
	perr := json.Unmarshal(body, &p)
	hr := hookRequest{at: time.Now(), id: req.Header.Get("webhook-id"), eventType: p.Type, targetID: p.Data.Target.ID}
	r.mu.Lock()
	if wh, err := standardwebhooks.NewWebhook(r.secret); err == nil {
		hr.verified = wh.Verify(body, req.Header) == nil
	}
	switch {
	case perr != nil:
		r.problems = append(r.problems, fmt.Sprintf("a body that is not JSON: %q", body))
	case hr.id == "" || hr.id != p.Data.EventID:
		r.problems = append(r.problems, fmt.Sprintf("webhook-id %q, payload event_id %q: want the same", hr.id, p.Data.EventID))
	}
	hr.held = r.holding
	r.requests = append(r.requests, hr)
	r.mu.Unlock()
	if hr.held {
		select {
		case <-r.release:
		case <-req.Context().Done(): // the sender gave up, or died
		}
		panic(http.ErrAbortHandler) // no answer at all
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *hookReceiver) url() string { return r.srv.URL + "/hooks/signet" }

// trust sets the endpoint's signing secret, which every request must
// verify with.
func (r *hookReceiver) trust(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

// hold makes the receiver hold every request from now on (on), or answer
// 204 again (off).
func (r *hookReceiver) hold(on bool) {
	r.mu.Lock()
	r.holding = on
	r.mu.Unlock()
}

func (r *hookReceiver) snapshot() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.requests...)
}

// held returns the requests held so far.
func (r *hookReceiver) held() []hookRequest {
	var out []hookRequest
	for _, hr := range r.snapshot() {
		if hr.held {
			out = append(out, hr)
		}
	}
	return out
}

// answered returns, by workspace id, the webhook-ids answered 204.
func (r *hookReceiver) answered() map[string][]string {
	out := map[string][]string{}
	for _, hr := range r.snapshot() {
		if !hr.held {
			out[hr.targetID] = append(out[hr.targetID], hr.id)
		}
	}
	return out
}

// waitAnswered waits until a request about each of workspaces has been
// answered 204.
func (r *hookReceiver) waitAnswered(t *testing.T, workspaces []string) {
	t.Helper()
	testenv.Eventually(t, fmt.Sprintf("the receiver to answer the deliveries of all %d workspace events", len(workspaces)), func() bool {
		got := r.answered()
		for _, ws := range workspaces {
			if len(got[ws]) == 0 {
				return false
			}
		}
		return true
	})
}

// check asserts what every test expects of what the receiver got: each
// request well-formed and signed with the endpoint's secret, only
// workspace.create events, one webhook-id per workspace, answered 204
// exactly once (a held request may have been repeated: it got no answer),
// and nothing about any other workspace. It returns each workspace's
// webhook-id.
func (r *hookReceiver) check(t *testing.T, workspaces []string) map[string]string {
	t.Helper()
	r.mu.Lock()
	for _, p := range r.problems {
		t.Errorf("receiver: %s", p)
	}
	r.mu.Unlock()
	want := map[string]bool{}
	for _, ws := range workspaces {
		want[ws] = true
	}
	ids := map[string]string{}
	answered := map[string]int{}
	for i, hr := range r.snapshot() {
		if !hr.verified {
			t.Errorf("request %d (webhook-id %s) does not verify with the endpoint's secret", i, hr.id)
		}
		if hr.eventType != "workspace.create" || !want[hr.targetID] {
			t.Errorf("request %d: a %s event about %q; want only workspace.create of the workspaces created", i, hr.eventType, hr.targetID)
			continue
		}
		if prev, ok := ids[hr.targetID]; ok && prev != hr.id {
			t.Errorf("workspace %s was delivered with webhook-ids %s and %s; want one, the same on every attempt", hr.targetID, prev, hr.id)
		}
		ids[hr.targetID] = hr.id
		if !hr.held {
			answered[hr.id]++
		}
	}
	for _, ws := range workspaces {
		if id, ok := ids[ws]; !ok {
			t.Errorf("workspace %s: no delivery received", ws)
		} else if answered[id] != 1 {
			t.Errorf("workspace %s: webhook-id %s answered 2xx %d times; want exactly once", ws, id, answered[id])
		}
	}
	return ids
}

// createWorkspaces creates n workspaces through c, named prefix-i, and
// returns their ids.
func createWorkspaces(t *testing.T, c *client.Client, prefix string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		ws, err := c.CreateWorkspace(t.Context(), client.CreateWorkspaceRequest{Name: fmt.Sprintf("%s-%02d", prefix, i)})
		if err != nil {
			t.Fatalf("creating workspace %s-%02d: %v", prefix, i, err)
		}
		out = append(out, ws.ID)
	}
	return out
}

// allDeliveries lists every delivery of an endpoint.
func allDeliveries(t *testing.T, c *client.Client, endpointID, status string) []client.WebhookDelivery {
	t.Helper()
	var out []client.WebhookDelivery
	opts := client.ListWebhookDeliveriesOptions{Status: status, ListOptions: client.ListOptions{Limit: 200}}
	for {
		page, err := c.ListWebhookDeliveries(t.Context(), endpointID, opts)
		if err != nil {
			t.Fatalf("listing the deliveries of %s: %v", endpointID, err)
		}
		out = append(out, page.Data...)
		if page.NextCursor == "" {
			return out
		}
		opts.Cursor = page.NextCursor
	}
}

// waitSettled waits until no delivery of an endpoint is pending (a
// receiver's answer is recorded just after it is sent, and counted in
// /metrics just before), and returns them all.
func waitSettled(t *testing.T, c *client.Client, endpointID string) []client.WebhookDelivery {
	t.Helper()
	var list []client.WebhookDelivery
	testenv.Eventually(t, "every delivery to be recorded as succeeded or failed", func() bool {
		list = allDeliveries(t, c, endpointID, "")
		for _, d := range list {
			if d.Status == client.DeliveryPending {
				return false
			}
		}
		return true
	})
	return list
}

// checkAllSucceeded asserts that list holds exactly one delivery per
// webhook-id of ids, each succeeded.
func checkAllSucceeded(t *testing.T, list []client.WebhookDelivery, ids map[string]string) {
	t.Helper()
	byEvent := map[string]client.WebhookDelivery{}
	for _, d := range list {
		if _, dup := byEvent[d.EventID]; dup {
			t.Errorf("two deliveries of event %s", d.EventID)
		}
		byEvent[d.EventID] = d
	}
	if len(byEvent) != len(ids) {
		t.Errorf("the API lists %d deliveries; want %d", len(byEvent), len(ids))
	}
	for ws, id := range ids {
		d, ok := byEvent[id]
		switch {
		case !ok:
			t.Errorf("workspace %s: the API lists no delivery of event %s", ws, id)
		case d.Status != client.DeliverySucceeded || d.Attempts < 1 || d.LastStatusCode != http.StatusNoContent:
			t.Errorf("workspace %s: delivery %s is %s after %d attempts (last status %d, %q); want succeeded with 204",
				ws, d.ID, d.Status, d.Attempts, d.LastStatusCode, d.LastError)
		}
	}
}

// checkRepeatedAfterLease asserts that each request held by a killed
// process was attempted again, and not before the killed process's lease
// on it ran out: it was claimed after notBefore, so its lease lasted until
// notBefore+lease at the earliest.
func checkRepeatedAfterLease(t *testing.T, r *hookReceiver, held []hookRequest, notBefore time.Time, lease time.Duration) {
	t.Helper()
	for _, h := range held {
		var repeats []time.Time
		for _, hr := range r.snapshot() {
			if hr.id == h.id && !hr.held {
				repeats = append(repeats, hr.at)
			}
		}
		if len(repeats) == 0 {
			t.Errorf("held delivery %s was never attempted again", h.id)
			continue
		}
		// The lease is stored to the microsecond; a little slack for that.
		if early := notBefore.Add(lease - 10*time.Millisecond); repeats[0].Before(early) {
			t.Errorf("held delivery %s was attempted again %v after the hold began; want after the lease (%v) ran out",
				h.id, repeats[0].Sub(notBefore).Round(time.Millisecond), lease)
		} else {
			t.Logf("held delivery %s attempted again %v after the hold began (lease %v)", h.id, repeats[0].Sub(notBefore).Round(time.Millisecond), lease)
		}
	}
}

// webhookMetric reads a counter of signet_webhook_deliveries_total from a
// server's /metrics; 0 when it has not counted that outcome.
func webhookMetric(t *testing.T, base, outcome string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/metrics = %d", base, resp.StatusCode)
	}
	re := regexp.MustCompile(`(?m)^signet_webhook_deliveries_total\{outcome="` + regexp.QuoteMeta(outcome) + `"\} (\S+)$`)
	m := re.FindSubmatch(b)
	if m == nil {
		return 0
	}
	f, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("metric %s: %v", m[0], err)
	}
	return int(f)
}

// webhookLease is the lease of a process started with --webhook-timeout
// timeout (see service.NewDispatcher).
func webhookLease(timeout time.Duration) time.Duration { return 2*timeout + 5*time.Second }

// TestWebhookDeliveryAcrossCrash kills a server (SIGKILL: no graceful
// shutdown, no lease released) while its receiver holds deliveries
// unanswered, restarts it on the same database, and shows every event
// delivered: the held ones attempted again once the dead process's lease
// ran out, each webhook-id answered 2xx exactly once.
func TestWebhookDeliveryAcrossCrash(t *testing.T) {
	testenv.RequireHeavy(t, "a server killed and restarted, waiting out a 7 s lease, on each backend")
	testdb.ForEach(t, testWebhookDeliveryAcrossCrash)
}

func testWebhookDeliveryAcrossCrash(t *testing.T) {
	const timeout = time.Second
	database := testdb.Database(t)
	args := []string{"--webhook-allow-private", "--webhook-timeout", timeout.String()}
	if testdb.Backend(t) == testdb.Postgres {
		args = append(args, "--secret-key-file", newSecretKeyFile(t))
	} // SQLite: <database>.key, created by the first start, read by the second
	rcv := newHookReceiver(t)

	first := startChild(t, database, true, args...)
	key := setupAdmin(t, first.url, first.setupURL)
	admin, _ := client.New(first.url, client.WithAPIKey(key))
	ep, err := admin.CreateWebhook(t.Context(), client.CreateWebhookRequest{URL: rcv.url(), EventTypes: []string{"workspace.*"}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.trust(ep.Secret)

	// Before the crash, deliveries are answered and recorded. Recorded
	// before the kill: a 204 the dead process had not yet recorded would
	// be delivered again, rightly (at least once), and the receiver would
	// answer it twice.
	const before, held, after = 5, 3, 12
	workspaces := createWorkspaces(t, admin, "before", before)
	testenv.Eventually(t, "the first deliveries to be recorded as succeeded", func() bool {
		return len(allDeliveries(t, admin, ep.ID, client.DeliverySucceeded)) == before
	})

	// Then the receiver holds every request (none is answered while the
	// server lives, for the same reason), and the server is killed with
	// them in flight. It is killed at once: its attempts would time
	// out after --webhook-timeout, and a timed-out attempt waits out a
	// backoff (30 s) rather than the lease.
	rcv.hold(true)
	holdStart := time.Now()
	workspaces = append(workspaces, createWorkspaces(t, admin, "held", held)...)
	testenv.Eventually(t, "the receiver to hold a request per event", func() bool { return len(rcv.held()) == held })
	first.kill(t)
	rcv.hold(false)
	t.Logf("killed the server %v after the first held request arrived", time.Since(rcv.held()[0].at).Round(time.Millisecond))

	// Restarted on the same database and key, it delivers what the dead
	// process had leased once the lease runs out, and new events at once.
	second := startChild(t, database, false, args...)
	admin, _ = client.New(second.url, client.WithAPIKey(key))
	workspaces = append(workspaces, createWorkspaces(t, admin, "after", after)...)
	rcv.waitAnswered(t, workspaces)

	settled := waitSettled(t, admin, ep.ID)
	ids := rcv.check(t, workspaces)
	checkRepeatedAfterLease(t, rcv, rcv.held(), holdStart, webhookLease(timeout))
	checkAllSucceeded(t, settled, ids)
}

// TestWebhookDeliveryTwoReplicas creates events on two replicas of one
// PostgreSQL database and shows each delivered exactly once (nothing
// fails, so nothing is repeated), each attempted by exactly one replica.
// It takes about two seconds: not a heavy test.
func TestWebhookDeliveryTwoReplicas(t *testing.T) {
	testdb.RequirePostgres(t)
	t.Parallel()
	rcv := newHookReceiver(t)
	r := startReplicas(t, "--secret-key-file", newSecretKeyFile(t), "--webhook-allow-private")
	ep, err := r.adminA.CreateWebhook(t.Context(), client.CreateWebhookRequest{URL: rcv.url(), EventTypes: []string{"workspace.*"}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.trust(ep.Secret)

	const n = 30
	var workspaces []string
	for i := range n {
		on := r.adminA
		if i%2 == 1 {
			on = r.adminB
		}
		workspaces = append(workspaces, createWorkspaces(t, on, fmt.Sprintf("ws-%02d", i), 1)...)
	}
	rcv.waitAnswered(t, workspaces)

	settled := waitSettled(t, r.adminB, ep.ID)
	ids := rcv.check(t, workspaces)
	if got := len(rcv.snapshot()); got != n {
		t.Errorf("the receiver got %d requests; want %d, one per event", got, n)
	}
	checkAllSucceeded(t, settled, ids)
	a, b := webhookMetric(t, r.a.url, "success"), webhookMetric(t, r.b.url, "success")
	if a+b != n {
		t.Errorf("successful deliveries in /metrics: %d on A + %d on B = %d; want %d, each event attempted by one replica", a, b, a+b, n)
	}
	if a > 0 && b > 0 {
		t.Logf("both replicas delivered: %d by A, %d by B", a, b)
	} else {
		t.Logf("one replica delivered everything: %d by A, %d by B", a, b)
	}
}

// TestWebhookTakeoverFromCrashedReplica kills replica A (a process of its
// own) while the receiver holds its deliveries, and shows replica B, which
// runs all along, delivering them once A's lease runs out, and not before.
func TestWebhookTakeoverFromCrashedReplica(t *testing.T) {
	testenv.RequireHeavy(t, "a replica killed, waiting out an 11 s lease")
	testdb.RequirePostgres(t)
	// Replica B starts while A's requests are held: a longer timeout than
	// the crash test's, so that A's attempts cannot time out before the
	// kill on a loaded machine.
	const timeout = 3 * time.Second
	database := testdb.NewPostgresDatabase(t)
	args := []string{"--secret-key-file", newSecretKeyFile(t), "--webhook-allow-private", "--webhook-timeout", timeout.String()}
	rcv := newHookReceiver(t)

	a := startChild(t, database, true, args...)
	key := setupAdmin(t, a.url, a.setupURL)
	adminA, _ := client.New(a.url, client.WithAPIKey(key))
	ep, err := adminA.CreateWebhook(t.Context(), client.CreateWebhookRequest{URL: rcv.url(), EventTypes: []string{"workspace.*"}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.trust(ep.Secret)

	// Only A runs: every request is A's, and held.
	rcv.hold(true)
	holdStart := time.Now()
	const held, later = 3, 7
	workspaces := createWorkspaces(t, adminA, "on-a", held)
	testenv.Eventually(t, "the receiver to hold A's requests", func() bool { return len(rcv.held()) == held })

	// B starts (with nothing due: A holds every lease), then A dies.
	b := startReplica(t, database, false, args...)
	a.kill(t)
	rcv.hold(false)
	adminB, _ := client.New(b.url, client.WithAPIKey(key))
	workspaces = append(workspaces, createWorkspaces(t, adminB, "on-b", later)...)
	rcv.waitAnswered(t, workspaces)

	settled := waitSettled(t, adminB, ep.ID)
	ids := rcv.check(t, workspaces)
	checkRepeatedAfterLease(t, rcv, rcv.held(), holdStart, webhookLease(timeout))
	checkAllSucceeded(t, settled, ids)
	if got := webhookMetric(t, b.url, "success"); got != held+later {
		t.Errorf("B's /metrics counts %d successful deliveries; want %d: A's %d and its own %d", got, held+later, held, later)
	}
}

// TestWebhookAddressGuard shows the address guard of a server without
// --webhook-allow-private end to end: endpoints at a loopback or
// link-local address are refused when created, and one at a name that
// resolves to loopback is accepted, but its deliveries are refused when
// they connect, so the receiver gets nothing and the delivery log says
// why.
func TestWebhookAddressGuard(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testWebhookAddressGuard)
}

func testWebhookAddressGuard(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		got++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)
	port := rcv.URL[strings.LastIndexByte(rcv.URL, ':')+1:]

	s := startServer(t, "--secret-key-file", newSecretKeyFile(t))
	admin, _ := client.New(s.url, client.WithAPIKey(setupAdmin(t, s.url, s.setupURL)))
	for _, u := range []string{"http://127.0.0.1:" + port + "/hook", "http://169.254.169.254/latest/meta-data/"} {
		_, err := admin.CreateWebhook(t.Context(), client.CreateWebhookRequest{URL: u, EventTypes: []string{"*"}})
		var ae *client.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || !strings.Contains(ae.Message, "is not a public address") {
			t.Errorf("creating an endpoint at %s: %v; want 422 saying it is not a public address", u, err)
		}
	}

	ep, err := admin.CreateWebhook(t.Context(), client.CreateWebhookRequest{URL: "http://localhost:" + port + "/hook", EventTypes: []string{"workspace.*"}})
	if err != nil {
		t.Fatalf("creating an endpoint at localhost: %v; want it accepted (the address is checked on connecting)", err)
	}
	createWorkspaces(t, admin, "ws", 1)
	var d client.WebhookDelivery
	testenv.Eventually(t, "the delivery to be attempted", func() bool {
		list := allDeliveries(t, admin, ep.ID, "")
		if len(list) == 1 && list[0].Attempts > 0 {
			d = list[0]
			return true
		}
		return false
	})
	if d.Status != client.DeliveryPending || d.LastStatusCode != 0 || !strings.Contains(d.LastError, "is not a public address") {
		t.Errorf("delivery to localhost: %s, last status %d, last error %q; want pending (retried), no status, the address refused",
			d.Status, d.LastStatusCode, d.LastError)
	}
	detail, err := admin.GetWebhookDelivery(t.Context(), ep.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.AttemptLog) != 1 || !strings.Contains(detail.AttemptLog[0].Error, "is not a public address") {
		t.Errorf("attempt log = %+v; want one attempt, refused", detail.AttemptLog)
	}
	if n := webhookMetric(t, s.url, "refused"); n != 1 {
		t.Errorf("/metrics counts %d refused deliveries; want 1", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if got != 0 {
		t.Errorf("the receiver got %d requests; want none", got)
	}
}
