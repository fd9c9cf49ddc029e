package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// Webhook tables are bookkeeping (execBookkeeping): no cache reads them, so
// writing them is not a change for the change feed.

const webhookEndpointCols = `id, url, description, event_types, enabled, disabled_reason, secret, previous_secret,
	previous_secret_expires_at, failing_since, created_at, created_by, updated_at`

func scanWebhookEndpoint(s scanner) (*signet.WebhookEndpoint, error) {
	var e signet.WebhookEndpoint
	err := s.Scan(&e.ID, &e.URL, &e.Description, jsonListCol{&e.EventTypes}, &e.Enabled, &e.DisabledReason, &e.Secret,
		&e.PreviousSecret, nullTimeCol{&e.PreviousSecretExpiresAt}, nullTimeCol{&e.FailingSince},
		timeCol{&e.CreatedAt}, &e.CreatedBy, timeCol{&e.UpdatedAt})
	return &e, err
}

func (t *tx) CreateWebhookEndpoint(ctx context.Context, e *signet.WebhookEndpoint) error {
	const op = "sqlstore.CreateWebhookEndpoint"
	types, err := jsonList(e.EventTypes, false)
	if err != nil {
		return signet.Internal(op, err)
	}
	_, err = t.execBookkeeping(ctx, `INSERT INTO webhook_endpoints (`+webhookEndpointCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.URL, e.Description, types, e.Enabled, e.DisabledReason, e.Secret, e.PreviousSecret,
		nullMicros(e.PreviousSecretExpiresAt), nullMicros(e.FailingSince), micros(e.CreatedAt), e.CreatedBy, micros(e.UpdatedAt))
	if t.d.is(err, errUnique) {
		return conflict(op, err, "a webhook endpoint with id %q exists", e.ID)
	}
	return t.fail(op, err)
}

func (t *tx) GetWebhookEndpoint(ctx context.Context, id string) (*signet.WebhookEndpoint, error) {
	const op = "sqlstore.GetWebhookEndpoint"
	e, err := scanWebhookEndpoint(t.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "webhook endpoint %q not found", id)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return e, nil
}

func (t *tx) ListWebhookEndpoints(ctx context.Context, p signet.Page) ([]*signet.WebhookEndpoint, string, error) {
	return listPage(ctx, t, "sqlstore.ListWebhookEndpoints", `SELECT `+webhookEndpointCols+` FROM webhook_endpoints`, "id",
		where{}, p, scanWebhookEndpoint, func(e *signet.WebhookEndpoint) string { return e.ID })
}

func (t *tx) UpdateWebhookEndpoint(ctx context.Context, e *signet.WebhookEndpoint) error {
	const op = "sqlstore.UpdateWebhookEndpoint"
	types, err := jsonList(e.EventTypes, false)
	if err != nil {
		return signet.Internal(op, err)
	}
	res, err := t.execBookkeeping(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, enabled = ?,
		disabled_reason = ?, secret = ?, previous_secret = ?, previous_secret_expires_at = ?, failing_since = ?, updated_at = ?
		WHERE id = ?`,
		e.URL, e.Description, types, e.Enabled, e.DisabledReason, e.Secret, e.PreviousSecret,
		nullMicros(e.PreviousSecretExpiresAt), nullMicros(e.FailingSince), micros(e.UpdatedAt), e.ID)
	return t.oneRow(op, res, err, "webhook endpoint %q not found", e.ID)
}

func (t *tx) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	const op = "sqlstore.DeleteWebhookEndpoint"
	res, err := t.execBookkeeping(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	return t.oneRow(op, res, err, "webhook endpoint %q not found", id)
}

// oneRow maps the result of a statement that should touch one row:
// ENOTFOUND when it touched none.
func (t *tx) oneRow(op string, res sql.Result, err error, format string, args ...any) error {
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return t.fail(op, err)
	}
	if n == 0 {
		return notFound(op, format, args...)
	}
	return nil
}

// enqueueWebhookDeliveries is the outbox: it creates the deliveries of
// freshly appended audit events, in the transaction that appends them.
func (t *tx) enqueueWebhookDeliveries(ctx context.Context, op string, events []*signet.AuditEvent) error {
	var endpoints []*signet.WebhookEndpoint
	loaded := false
	for _, e := range events {
		if !signet.IsWebhookEvent(e) {
			continue
		}
		if !loaded {
			rows, err := t.query(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE enabled = ? ORDER BY id`, true)
			if endpoints, err = collect(rows, err, scanWebhookEndpoint); err != nil {
				return t.fail(op, err)
			}
			loaded = true
		}
		var payload []byte
		for _, ep := range endpoints {
			if !signet.WebhookSubscribes(ep.EventTypes, e.Action) {
				continue
			}
			if payload == nil {
				var err error
				if payload, err = signet.NewWebhookPayload(e); err != nil {
					return signet.Internal(op, err)
				}
			}
			d := &signet.WebhookDelivery{
				ID: id.New(id.WebhookDelivery), EndpointID: ep.ID, EventID: e.ID, EventType: e.Action, Payload: payload,
				Status: signet.DeliveryPending, CreatedAt: e.Time, NextAttemptAt: e.Time,
			}
			if err := t.CreateWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}

const webhookDeliveryCols = `id, endpoint_id, event_id, event_type, payload, status, attempts, created_at, next_attempt_at,
	last_attempt_at, last_status_code, last_error, lease_owner, lease_until`

func scanWebhookDelivery(s scanner) (*signet.WebhookDelivery, error) {
	var d signet.WebhookDelivery
	err := s.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Payload, &d.Status, &d.Attempts,
		timeCol{&d.CreatedAt}, timeCol{&d.NextAttemptAt}, nullTimeCol{&d.LastAttemptAt}, &d.LastStatusCode, &d.LastError,
		&d.LeaseOwner, nullTimeCol{&d.LeaseUntil})
	return &d, err
}

func (t *tx) CreateWebhookDelivery(ctx context.Context, d *signet.WebhookDelivery) error {
	const op = "sqlstore.CreateWebhookDelivery"
	_, err := t.execBookkeeping(ctx, `INSERT INTO webhook_deliveries (`+webhookDeliveryCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.EndpointID, d.EventID, d.EventType, d.Payload, d.Status, d.Attempts, micros(d.CreatedAt), micros(d.NextAttemptAt),
		nullMicros(d.LastAttemptAt), d.LastStatusCode, d.LastError, d.LeaseOwner, nullMicros(d.LeaseUntil))
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "a webhook delivery with id %q exists", d.ID)
	case t.d.is(err, errForeignKey):
		return notFound(op, "webhook endpoint %q not found", d.EndpointID)
	}
	return t.fail(op, err)
}

func (t *tx) GetWebhookDelivery(ctx context.Context, id string) (*signet.WebhookDelivery, error) {
	const op = "sqlstore.GetWebhookDelivery"
	d, err := scanWebhookDelivery(t.queryRow(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(op, "webhook delivery %q not found", id)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	return d, nil
}

func (t *tx) ListWebhookDeliveries(ctx context.Context, f signet.WebhookDeliveryFilter) ([]*signet.WebhookDelivery, string, error) {
	const op = "sqlstore.ListWebhookDeliveries"
	before, err := decodeCursor(op, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	if f.EndpointID != "" {
		w.add("endpoint_id = ?", f.EndpointID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if before != "" {
		w.add("id < ?", before)
	}
	limit := pageLimit(f.Page)
	rows, err := t.query(ctx, `SELECT `+webhookDeliveryCols+` FROM webhook_deliveries`+w.String()+` ORDER BY id DESC LIMIT ?`,
		append(w.args, limit+1)...)
	out, err := collect(rows, err, scanWebhookDelivery)
	if err != nil {
		return nil, "", t.fail(op, err)
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].ID)
	}
	return out, next, nil
}

func (t *tx) UpdateWebhookDelivery(ctx context.Context, d *signet.WebhookDelivery) error {
	const op = "sqlstore.UpdateWebhookDelivery"
	res, err := t.execBookkeeping(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
		last_attempt_at = ?, last_status_code = ?, last_error = ?, lease_owner = ?, lease_until = ? WHERE id = ?`,
		d.Status, d.Attempts, micros(d.NextAttemptAt), nullMicros(d.LastAttemptAt), d.LastStatusCode, d.LastError,
		d.LeaseOwner, nullMicros(d.LeaseUntil), d.ID)
	return t.oneRow(op, res, err, "webhook delivery %q not found", d.ID)
}

// dueDeliveries is the condition of a delivery that may be attempted at
// the time bound to its two placeholders.
const dueDeliveries = `d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
	AND d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = ?)`

func (t *tx) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, owner string, limit int) ([]*signet.WebhookDelivery, error) {
	const op = "sqlstore.ClaimWebhookDeliveries"
	cols := "d." + strings.ReplaceAll(webhookDeliveryCols, ", ", ", d.")
	rows, err := t.query(ctx, `SELECT `+cols+` FROM webhook_deliveries d WHERE `+dueDeliveries+`
		ORDER BY d.next_attempt_at, d.id LIMIT ?`+t.d.skipLocked, micros(now), micros(now), true, limit)
	out, err := collect(rows, err, scanWebhookDelivery)
	if err != nil {
		return nil, t.fail(op, err)
	}
	for _, d := range out {
		d.LeaseOwner, d.LeaseUntil = owner, &leaseUntil
		if _, err := t.execBookkeeping(ctx, `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?`,
			owner, micros(leaseUntil), d.ID); err != nil {
			return nil, t.fail(op, err)
		}
	}
	return out, nil
}

func (t *tx) NextWebhookDeliveryDue(ctx context.Context) (*time.Time, error) {
	const op = "sqlstore.NextWebhookDeliveryDue"
	var next sql.NullInt64
	err := t.queryRow(ctx, `SELECT MIN(CASE WHEN d.lease_until IS NOT NULL AND d.lease_until > d.next_attempt_at
			THEN d.lease_until ELSE d.next_attempt_at END)
		FROM webhook_deliveries d WHERE d.status = 'pending'
		AND d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = ?)`, true).Scan(&next)
	if err != nil {
		return nil, t.fail(op, err)
	}
	if !next.Valid {
		return nil, nil
	}
	at := fromMicros(next.Int64)
	return &at, nil
}

func (t *tx) AddWebhookAttempt(ctx context.Context, a *signet.WebhookAttempt) error {
	const op = "sqlstore.AddWebhookAttempt"
	_, err := t.execBookkeeping(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, latency_us, error, response_body)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.DeliveryID, a.N, micros(a.At), a.StatusCode, a.Latency.Microseconds(), a.Error, a.ResponseBody)
	switch {
	case t.d.is(err, errUnique):
		return conflict(op, err, "attempt %d of webhook delivery %q exists", a.N, a.DeliveryID)
	case t.d.is(err, errForeignKey):
		return notFound(op, "webhook delivery %q not found", a.DeliveryID)
	}
	return t.fail(op, err)
}

func (t *tx) ListWebhookAttempts(ctx context.Context, deliveryID string) ([]*signet.WebhookAttempt, error) {
	const op = "sqlstore.ListWebhookAttempts"
	rows, err := t.query(ctx, `SELECT delivery_id, n, at, status_code, latency_us, error, response_body
		FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
	out, err := collect(rows, err, func(s scanner) (*signet.WebhookAttempt, error) {
		var a signet.WebhookAttempt
		var us int64
		err := s.Scan(&a.DeliveryID, &a.N, timeCol{&a.At}, &a.StatusCode, &us, &a.Error, &a.ResponseBody)
		a.Latency = time.Duration(us) * time.Microsecond
		return &a, err
	})
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

func (t *tx) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	const op = "sqlstore.PruneWebhookDeliveries"
	res, err := t.execBookkeeping(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?`, micros(before))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return 0, t.fail(op, err)
	}
	return n, nil
}
