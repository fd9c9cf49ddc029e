package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func webhookEndpoint(id string, enabled bool, types ...string) *signet.WebhookEndpoint {
	return &signet.WebhookEndpoint{ID: id, URL: "https://receiver.example/" + id, EventTypes: types, Enabled: enabled,
		Secret: "sealed-" + id, CreatedAt: t0, CreatedBy: "usr_admin", UpdatedAt: t0}
}

// deliveriesOf lists every delivery of an endpoint, newest first.
func deliveriesOf(t *testing.T, s store.Store, endpointID string) []*signet.WebhookDelivery {
	t.Helper()
	var out []*signet.WebhookDelivery
	read(t, s, func(tx store.Tx) error {
		var err error
		out, _, err = tx.ListWebhookDeliveries(t.Context(), signet.WebhookDeliveryFilter{EndpointID: endpointID, Page: signet.Page{Limit: 100}})
		return err
	})
	return out
}

func testWebhookEndpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := webhookEndpoint("wh_1", true, "api_key.*")
	write(t, s, func(tx store.Tx) error { return tx.CreateWebhookEndpoint(ctx, e) })
	var got *signet.WebhookEndpoint
	read(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.GetWebhookEndpoint(ctx, e.ID)
		return err
	})
	wantEqual(t, "GetWebhookEndpoint", got, e)

	// Every mutable field round-trips.
	e.URL, e.Description, e.EventTypes, e.Enabled, e.DisabledReason = "https://other.example/x", "SIEM", []string{"*"}, false, "failing"
	e.PreviousSecret, e.PreviousSecretExpiresAt, e.FailingSince, e.Secret, e.UpdatedAt = "sealed-old", ptr(at(time.Hour)), ptr(at(time.Minute)), "sealed-new", at(time.Second)
	write(t, s, func(tx store.Tx) error { return tx.UpdateWebhookEndpoint(ctx, e) })
	read(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.GetWebhookEndpoint(ctx, e.ID)
		return err
	})
	wantEqual(t, "GetWebhookEndpoint after Update", got, e)

	err := readErr(t, s, func(tx store.Tx) error { _, err := tx.GetWebhookEndpoint(ctx, "wh_missing"); return err })
	wantCode(t, "GetWebhookEndpoint(missing)", err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error {
		return tx.UpdateWebhookEndpoint(ctx, webhookEndpoint("wh_missing", true, "*"))
	})
	wantCode(t, "UpdateWebhookEndpoint(missing)", err, signet.ENOTFOUND)
	err = writeErr(t, s, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, "wh_missing") })
	wantCode(t, "DeleteWebhookEndpoint(missing)", err, signet.ENOTFOUND)

	for _, id := range []string{"wh_2", "wh_3"} {
		write(t, s, func(tx store.Tx) error { return tx.CreateWebhookEndpoint(ctx, webhookEndpoint(id, true, "*")) })
	}
	all := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.WebhookEndpoint, string, error) {
		return tx.ListWebhookEndpoints(ctx, p)
	})
	wantEqual(t, "ListWebhookEndpoints ids", ids(all, func(e *signet.WebhookEndpoint) string { return e.ID }), []string{"wh_1", "wh_2", "wh_3"})
}

// testWebhookOutbox checks that appending audit events creates the
// deliveries of subscribed, enabled endpoints in the same transaction —
// and none when the transaction rolls back.
func testWebhookOutbox(t *testing.T, s store.Store) {
	ctx := t.Context()
	write(t, s, func(tx store.Tx) error {
		for _, e := range []*signet.WebhookEndpoint{
			webhookEndpoint("wh_all", true, "*"),
			webhookEndpoint("wh_keys", true, "api_key.*"),
			webhookEndpoint("wh_revoke", true, "api_key.revoke"),
			webhookEndpoint("wh_off", false, "*"),
		} {
			if err := tx.CreateWebhookEndpoint(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	created, revoked, denied, loginFailed := event("api_key.create"), event("api_key.revoke"), event("api_key.create"), event("session.login_failed")
	for _, e := range []*signet.AuditEvent{created, revoked} {
		e.Outcome = signet.OutcomeSuccess
	}
	denied.Outcome, loginFailed.Outcome = signet.OutcomeDenied, signet.OutcomeDenied
	write(t, s, func(tx store.Tx) error {
		if err := tx.AppendAuditEvent(ctx, created); err != nil {
			return err
		}
		return tx.AppendAuditEvents(ctx, []*signet.AuditEvent{revoked, denied, loginFailed})
	})

	// A rolled-back append creates nothing.
	errBoom := errors.New("boom")
	rolledBack := event("api_key.revoke")
	rolledBack.Outcome = signet.OutcomeSuccess
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.AppendAuditEvent(ctx, rolledBack); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write = %v", err)
	}

	events := func(endpointID string) []string {
		var out []string
		for _, d := range deliveriesOf(t, s, endpointID) {
			out = append(out, d.EventID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	wantEqual(t, "deliveries to *", events("wh_all"), sorted(created.ID, revoked.ID, loginFailed.ID))
	wantEqual(t, "deliveries to api_key.*", events("wh_keys"), sorted(created.ID, revoked.ID))
	wantEqual(t, "deliveries to api_key.revoke", events("wh_revoke"), []string{revoked.ID})
	wantEqual(t, "deliveries to a disabled endpoint", events("wh_off"), []string(nil))

	d := deliveriesOf(t, s, "wh_revoke")[0]
	if d.Status != signet.DeliveryPending || d.EventType != "api_key.revoke" || d.Attempts != 0 || !d.NextAttemptAt.Equal(revoked.Time) {
		t.Errorf("delivery = %+v; want pending api_key.revoke, due at the event's time", d)
	}
	var p signet.WebhookPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil || p.Type != "api_key.revoke" || p.Data.EventID != revoked.ID || p.Data.Seq != revoked.Seq {
		t.Errorf("payload %s (err %v); want the revoke event", d.Payload, err)
	}

	// Deleting an endpoint deletes its deliveries.
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, "wh_keys") })
	if got := deliveriesOf(t, s, "wh_keys"); len(got) != 0 {
		t.Errorf("deliveries of a deleted endpoint: %d", len(got))
	}
}

// testWebhookClaims checks leasing: due deliveries of enabled endpoints are
// claimed once, a lease that ran out is claimable again, and attempts are
// kept in order.
func testWebhookClaims(t *testing.T, s store.Store) {
	ctx := t.Context()
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebhookEndpoint(ctx, webhookEndpoint("wh_on", true, "*")); err != nil {
			return err
		}
		return tx.CreateWebhookEndpoint(ctx, webhookEndpoint("wh_off", false, "*"))
	})
	mk := func(id, ep string, due time.Duration) *signet.WebhookDelivery {
		return &signet.WebhookDelivery{ID: id, EndpointID: ep, EventID: "evt_" + id, EventType: "api_key.create",
			Payload: []byte(`{"type":"api_key.create"}`), Status: signet.DeliveryPending, CreatedAt: t0, NextAttemptAt: at(due)}
	}
	write(t, s, func(tx store.Tx) error {
		for _, d := range []*signet.WebhookDelivery{mk("whd_1", "wh_on", 0), mk("whd_2", "wh_on", time.Second),
			mk("whd_3", "wh_on", time.Hour), mk("whd_4", "wh_off", 0)} {
			if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateWebhookDelivery(ctx, mk("whd_5", "wh_missing", 0)) })
	wantCode(t, "CreateWebhookDelivery(missing endpoint)", err, signet.ENOTFOUND)

	nextDue := func() *time.Time {
		var next *time.Time
		read(t, s, func(tx store.Tx) error {
			var err error
			next, err = tx.NextWebhookDeliveryDue(ctx)
			return err
		})
		return next
	}
	claim := func(now time.Time, owner string) []string {
		var got []*signet.WebhookDelivery
		write(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), owner, 10)
			return err
		})
		return ids(got, func(d *signet.WebhookDelivery) string { return d.ID })
	}
	wantEqual(t, "NextWebhookDeliveryDue", nextDue(), ptr(t0))
	wantEqual(t, "claim at +1s", claim(at(time.Second), "a"), []string{"whd_1", "whd_2"})
	wantEqual(t, "claim again (leased)", claim(at(2*time.Second), "b"), []string{})
	// The earliest due is now a lease's end, or whd_3.
	wantEqual(t, "NextWebhookDeliveryDue while leased", nextDue(), ptr(at(time.Second+time.Minute)))
	// A lease that ran out is claimable by another process.
	wantEqual(t, "claim after the lease", claim(at(2*time.Minute), "b"), []string{"whd_1", "whd_2"})

	var d *signet.WebhookDelivery
	read(t, s, func(tx store.Tx) error {
		var err error
		d, err = tx.GetWebhookDelivery(ctx, "whd_1")
		return err
	})
	if d.LeaseOwner != "b" || d.LeaseUntil == nil || !d.LeaseUntil.Equal(at(3*time.Minute)) {
		t.Errorf("lease = %q until %v; want b until +3m", d.LeaseOwner, d.LeaseUntil)
	}
	attempts := []*signet.WebhookAttempt{
		{DeliveryID: "whd_1", N: 1, At: at(time.Second), StatusCode: 503, Latency: 1500 * time.Microsecond, Error: "the receiver answered 503", ResponseBody: "busy"},
		{DeliveryID: "whd_1", N: 2, At: at(2 * time.Minute), StatusCode: 204, Latency: time.Millisecond},
	}
	write(t, s, func(tx store.Tx) error {
		for _, a := range attempts {
			if err := tx.AddWebhookAttempt(ctx, a); err != nil {
				return err
			}
		}
		d.Status, d.Attempts, d.LastAttemptAt, d.LastStatusCode, d.LeaseOwner, d.LeaseUntil = signet.DeliverySucceeded, 2, ptr(at(2*time.Minute)), 204, "", nil
		return tx.UpdateWebhookDelivery(ctx, d)
	})
	err = writeErr(t, s, func(tx store.Tx) error { return tx.AddWebhookAttempt(ctx, attempts[0]) })
	wantCode(t, "AddWebhookAttempt twice", err, signet.ECONFLICT)
	var gotAttempts []*signet.WebhookAttempt
	var gotD *signet.WebhookDelivery
	read(t, s, func(tx store.Tx) error {
		var err error
		if gotAttempts, err = tx.ListWebhookAttempts(ctx, "whd_1"); err != nil {
			return err
		}
		gotD, err = tx.GetWebhookDelivery(ctx, "whd_1")
		return err
	})
	wantEqual(t, "ListWebhookAttempts", gotAttempts, attempts)
	wantEqual(t, "GetWebhookDelivery after Update", gotD, d)

	// Lists are newest first, filtered by status, paged.
	var pending []*signet.WebhookDelivery
	read(t, s, func(tx store.Tx) error {
		var err error
		pending, _, err = tx.ListWebhookDeliveries(ctx, signet.WebhookDeliveryFilter{EndpointID: "wh_on", Status: signet.DeliveryPending})
		return err
	})
	wantEqual(t, "pending deliveries", ids(pending, func(d *signet.WebhookDelivery) string { return d.ID }), []string{"whd_3", "whd_2"})
	var page []*signet.WebhookDelivery
	var next string
	read(t, s, func(tx store.Tx) error {
		var err error
		page, next, err = tx.ListWebhookDeliveries(ctx, signet.WebhookDeliveryFilter{EndpointID: "wh_on", Page: signet.Page{Limit: 2}})
		return err
	})
	wantEqual(t, "first page", ids(page, func(d *signet.WebhookDelivery) string { return d.ID }), []string{"whd_3", "whd_2"})
	read(t, s, func(tx store.Tx) error {
		var err error
		page, next, err = tx.ListWebhookDeliveries(ctx, signet.WebhookDeliveryFilter{EndpointID: "wh_on", Page: signet.Page{Limit: 2, Cursor: next}})
		return err
	})
	wantEqual(t, "second page", ids(page, func(d *signet.WebhookDelivery) string { return d.ID }), []string{"whd_1"})
	wantEqual(t, "last cursor", next, "")

	// Pruning deletes finished deliveries created before the bound, with
	// their attempts, and never a pending one.
	var pruned int64
	write(t, s, func(tx store.Tx) error {
		var err error
		pruned, err = tx.PruneWebhookDeliveries(ctx, at(time.Second))
		return err
	})
	wantEqual(t, "PruneWebhookDeliveries", pruned, int64(1))
	read(t, s, func(tx store.Tx) error {
		var err error
		if gotAttempts, err = tx.ListWebhookAttempts(ctx, "whd_1"); err != nil {
			return err
		}
		_, err = tx.GetWebhookDelivery(ctx, "whd_1")
		wantCode(t, "GetWebhookDelivery after pruning", err, signet.ENOTFOUND)
		_, err = tx.GetWebhookDelivery(ctx, "whd_2")
		return err
	})
	wantEqual(t, "attempts after pruning", len(gotAttempts), 0)
}

// testWebhookClaimsConcurrent claims from many goroutines at once: every
// due delivery is claimed by exactly one of them.
func testWebhookClaimsConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 40
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebhookEndpoint(ctx, webhookEndpoint("wh_on", true, "*")); err != nil {
			return err
		}
		for i := range n {
			d := &signet.WebhookDelivery{ID: "whd_" + string(rune('a'+i/26)) + string(rune('a'+i%26)), EndpointID: "wh_on", EventID: "evt",
				EventType: "x.y", Payload: []byte(`{}`), Status: signet.DeliveryPending, CreatedAt: t0, NextAttemptAt: t0}
			if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	results := make(chan []*signet.WebhookDelivery, 8)
	for g := range 8 {
		go func() {
			var got []*signet.WebhookDelivery
			err := s.Write(context.WithoutCancel(ctx), func(tx store.Tx) error {
				var err error
				got, err = tx.ClaimWebhookDeliveries(ctx, at(time.Second), at(time.Hour), "owner"+string(rune('0'+g)), 7)
				return err
			})
			if err != nil {
				t.Errorf("ClaimWebhookDeliveries: %v", err)
			}
			results <- got
		}()
	}
	seen := map[string]bool{}
	for range 8 {
		for _, d := range <-results {
			if seen[d.ID] {
				t.Errorf("delivery %s claimed twice", d.ID)
			}
			seen[d.ID] = true
		}
	}
	if len(seen) != n {
		t.Errorf("claimed %d deliveries; want all %d", len(seen), n)
	}
}
