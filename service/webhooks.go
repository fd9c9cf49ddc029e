package service

import (
	"context"
	"net/url"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/internal/secretbox"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/store"
)

// Outbound webhooks: endpoints are managed by administrators (organisation-
// wide settings:write; reading them and their deliveries needs
// settings:read organisation-wide, as they carry events of every
// workspace). Deliveries are created by storage with the audit events they
// describe (the outbox, see store.Tx) and sent by the Dispatcher.

// Webhook defaults.
const (
	// DefaultWebhookRetryWindow is how long a delivery is retried, and how
	// long an endpoint may fail every attempt before it is disabled.
	DefaultWebhookRetryWindow = 24 * time.Hour
	// MaxWebhookSecretOverlap bounds how long a rotated secret keeps
	// signing beside its successor.
	MaxWebhookSecretOverlap = 7 * 24 * time.Hour
	// DefaultWebhookSecretOverlap is the overlap of a rotation that names
	// none.
	DefaultWebhookSecretOverlap = 24 * time.Hour
	// DefaultWebhookLogRetention is how long finished deliveries are kept.
	DefaultWebhookLogRetention = 30 * 24 * time.Hour
	// maxWebhookURL bounds the length of a receiver's URL.
	maxWebhookURL = 2048
)

// WebhookOptions configure outbound webhooks.
type WebhookOptions struct {
	// Box seals signing secrets at rest. Without one, endpoints cannot be
	// created or rotated (the server has no --secret-key-file).
	Box *secretbox.Box
	// Guard decides which receiver addresses are allowed.
	Guard webhook.Guard
	// RetryWindow is how long deliveries are retried; 0 means
	// DefaultWebhookRetryWindow.
	RetryWindow time.Duration
	// LogRetention is how long finished deliveries (and their attempts)
	// stay in the delivery log; 0 means DefaultWebhookLogRetention.
	LogRetention time.Duration
}

// WebhookEndpointInput describes a new endpoint. Enabled nil means true.
type WebhookEndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
	Enabled     *bool
}

// WebhookEndpointUpdate is a partial update; nil fields are left alone.
type WebhookEndpointUpdate struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Enabled     *bool
}

// CreatedWebhookEndpoint is an endpoint with its new signing secret, which
// is returned only here (at creation and rotation), once.
type CreatedWebhookEndpoint struct {
	Endpoint *signet.WebhookEndpoint
	Secret   string
}

// WebhookDeliveryDetail is a delivery with its attempts.
type WebhookDeliveryDetail struct {
	Delivery *signet.WebhookDelivery
	Attempts []*signet.WebhookAttempt
}

// redactedEndpoint is what callers see of an endpoint: never its sealed
// secrets.
func redactedEndpoint(e *signet.WebhookEndpoint) *signet.WebhookEndpoint {
	c := *e
	c.Secret, c.PreviousSecret = "", ""
	if c.PreviousSecretExpiresAt != nil && e.PreviousSecret == "" {
		c.PreviousSecretExpiresAt = nil
	}
	return &c
}

// RedactWebhookURL is a receiver's URL as audit events and logs show it:
// scheme and host only, as the path or query of many receivers (chat
// incoming webhooks) holds a token.
func RedactWebhookURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	if u.Path == "" && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func (s *Service) validateWebhookURL(raw string) (string, error) {
	if raw == "" {
		return "", signet.FieldErrorf("url", signet.EINVALID, "url is required: the http(s) URL that receives the deliveries")
	}
	if len(raw) > maxWebhookURL {
		return "", signet.FieldErrorf("url", signet.EINVALID, "url is longer than %d characters", maxWebhookURL)
	}
	if err := s.webhooks.Guard.CheckURL(raw); err != nil {
		return "", signet.FieldErrorf("url", signet.EINVALID, "%s", err.Error())
	}
	return raw, nil
}

// newWebhookSecret makes a signing secret for endpoint epID and seals it.
func (s *Service) newWebhookSecret(epID string) (plain, sealed string, err error) {
	if s.webhooks.Box == nil {
		return "", "", signet.Errorf(signet.EUNAVAILABLE, "webhook signing secrets are stored encrypted, and this server has no key for them: start every replica with the same --secret-key-file")
	}
	_, plain = webhook.NewSecret()
	return plain, s.webhooks.Box.Seal([]byte(plain), webhookSecretContext(epID)), nil
}

// webhookSecretContext binds a sealed secret to its endpoint.
func webhookSecretContext(epID string) string { return "webhook-secret:" + epID }

// CreateWebhookEndpoint creates an endpoint and its signing secret,
// returned once. Needs settings:write organisation-wide. Returns EINVALID,
// EFORBIDDEN, EUNAVAILABLE (no secret key configured).
func (s *Service) CreateWebhookEndpoint(ctx context.Context, a *signet.Actor, in WebhookEndpointInput) (*CreatedWebhookEndpoint, error) {
	var out *CreatedWebhookEndpoint
	err := s.mutate(ctx, a, "webhook_endpoint.create", func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		u, err := s.validateWebhookURL(in.URL)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		types, err := signet.ValidateWebhookEventTypes(in.EventTypes)
		if err != nil {
			return err
		}
		e := &signet.WebhookEndpoint{ID: id.New(id.Webhook), URL: u, Description: desc, EventTypes: types, Enabled: true,
			CreatedAt: o.now, CreatedBy: o.actorID(), UpdatedAt: o.now}
		if in.Enabled != nil {
			e.Enabled = *in.Enabled
		}
		plain, sealed, err := s.newWebhookSecret(e.ID)
		if err != nil {
			return err
		}
		e.Secret = sealed
		if err := o.tx.CreateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		o.target("webhook_endpoint", e.ID, RedactWebhookURL(e.URL))
		o.detail("url", RedactWebhookURL(e.URL))
		o.detail("event_types", e.EventTypes)
		o.detail("enabled", e.Enabled)
		out = &CreatedWebhookEndpoint{Endpoint: redactedEndpoint(e), Secret: plain}
		return nil
	})
	return out, err
}

// GetWebhookEndpoint returns an endpoint. Needs settings:read
// organisation-wide. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetWebhookEndpoint(ctx context.Context, a *signet.Actor, endpointID string) (*signet.WebhookEndpoint, error) {
	var out *signet.WebhookEndpoint
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		e, err := o.tx.GetWebhookEndpoint(ctx, endpointID)
		if err != nil {
			return notFound(err, "webhook endpoint %q not found", endpointID)
		}
		out = redactedEndpoint(e)
		return nil
	})
	return out, err
}

// ListWebhookEndpoints lists endpoints by id. Needs settings:read
// organisation-wide. Returns EINVALID, EFORBIDDEN.
func (s *Service) ListWebhookEndpoints(ctx context.Context, a *signet.Actor, p signet.Page) ([]*signet.WebhookEndpoint, string, error) {
	var out []*signet.WebhookEndpoint
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		var err error
		if p, err = validatePage(p); err != nil {
			return err
		}
		list, n, err := o.tx.ListWebhookEndpoints(ctx, p)
		if err != nil {
			return err
		}
		out, next = make([]*signet.WebhookEndpoint, len(list)), n
		for i, e := range list {
			out[i] = redactedEndpoint(e)
		}
		return nil
	})
	return out, next, err
}

// UpdateWebhookEndpoint changes an endpoint's URL, description, event
// types or enabled state. Enabling a disabled endpoint clears the reason
// Signet disabled it and its failure record: its pending deliveries are
// attempted again. Changing nothing is not audited. Needs settings:write
// organisation-wide. Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, a *signet.Actor, endpointID string, up WebhookEndpointUpdate) (*signet.WebhookEndpoint, error) {
	var out *signet.WebhookEndpoint
	action := "webhook_endpoint.update"
	if up.Enabled != nil && up.URL == nil && up.Description == nil && up.EventTypes == nil {
		action = "webhook_endpoint.disable"
		if *up.Enabled {
			action = "webhook_endpoint.enable"
		}
	}
	err := s.mutate(ctx, a, action, func(o *op) error {
		e, err := o.webhookEndpointForWrite(endpointID)
		if err != nil {
			return err
		}
		changed := false
		if up.URL != nil && *up.URL != e.URL {
			u, err := s.validateWebhookURL(*up.URL)
			if err != nil {
				return err
			}
			o.change("url", RedactWebhookURL(e.URL), RedactWebhookURL(u))
			e.URL, changed = u, true
		}
		if up.Description != nil && *up.Description != e.Description {
			d, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			o.change("description", e.Description, d)
			e.Description, changed = d, true
		}
		if up.EventTypes != nil {
			types, err := signet.ValidateWebhookEventTypes(*up.EventTypes)
			if err != nil {
				return err
			}
			if !equalStrings(types, e.EventTypes) {
				o.change("event_types", e.EventTypes, types)
				e.EventTypes, changed = types, true
			}
		}
		if up.Enabled != nil && *up.Enabled != e.Enabled {
			o.change("enabled", e.Enabled, *up.Enabled)
			e.Enabled, changed = *up.Enabled, true
			e.DisabledReason, e.FailingSince = "", nil
		}
		out = redactedEndpoint(e)
		if !changed {
			o.noEvent = true
			return nil
		}
		e.UpdatedAt = o.now
		out = redactedEndpoint(e)
		return o.tx.UpdateWebhookEndpoint(ctx, e)
	})
	return out, err
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// DeleteWebhookEndpoint deletes an endpoint with its deliveries. Needs
// settings:write organisation-wide. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, a *signet.Actor, endpointID string) error {
	return s.mutate(ctx, a, "webhook_endpoint.delete", func(o *op) error {
		e, err := o.webhookEndpointForWrite(endpointID)
		if err != nil {
			return err
		}
		return o.tx.DeleteWebhookEndpoint(ctx, e.ID)
	})
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned
// once. The current secret keeps signing beside it for overlap — nil means
// DefaultWebhookSecretOverlap, 0 none — at most MaxWebhookSecretOverlap, so
// that receivers can switch without losing a delivery. A secret still
// overlapping from an earlier rotation stops. Needs settings:write
// organisation-wide. Returns EINVALID, ENOTFOUND, EFORBIDDEN, EUNAVAILABLE.
func (s *Service) RotateWebhookSecret(ctx context.Context, a *signet.Actor, endpointID string, overlap *time.Duration) (*CreatedWebhookEndpoint, error) {
	var out *CreatedWebhookEndpoint
	err := s.mutate(ctx, a, "webhook_endpoint.rotate_secret", func(o *op) error {
		e, err := o.webhookEndpointForWrite(endpointID)
		if err != nil {
			return err
		}
		keep := DefaultWebhookSecretOverlap
		if overlap != nil {
			keep = *overlap
		}
		if keep < 0 || keep > MaxWebhookSecretOverlap {
			return signet.Errorf(signet.EINVALID, "overlap must be between 0 (the old secret stops at once) and %s", signet.FormatDuration(MaxWebhookSecretOverlap))
		}
		plain, sealed, err := s.newWebhookSecret(e.ID)
		if err != nil {
			return err
		}
		e.PreviousSecret, e.PreviousSecretExpiresAt = "", nil
		if keep > 0 {
			until := o.now.Add(keep)
			e.PreviousSecret, e.PreviousSecretExpiresAt = e.Secret, &until
			o.detail("previous_secret_expires_at", until)
		}
		e.Secret = sealed
		e.UpdatedAt = o.now
		if err := o.tx.UpdateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		out = &CreatedWebhookEndpoint{Endpoint: redactedEndpoint(e), Secret: plain}
		return nil
	})
	return out, err
}

// SendTestWebhook queues a delivery of a "webhook.test" event to an
// enabled endpoint (a disabled one is not delivered to, so it refuses). It
// changes nothing and is not audited; the delivery log shows it. Needs settings:write organisation-wide. Returns
// ENOTFOUND, ECONFLICT (disabled), EFORBIDDEN.
func (s *Service) SendTestWebhook(ctx context.Context, a *signet.Actor, endpointID string) (*signet.WebhookDelivery, error) {
	var out *signet.WebhookDelivery
	err := s.webhookOp(ctx, a, endpointID, func(o *op, e *signet.WebhookEndpoint) error {
		ev := s.newEvent(ctx, a, signet.WebhookTestEventType, o.now)
		ev.Outcome = signet.OutcomeSuccess
		ev.TargetType, ev.TargetID, ev.TargetName = "webhook_endpoint", e.ID, RedactWebhookURL(e.URL)
		ev.Details = map[string]any{"message": "A test event sent from Signet. It describes no change."}
		payload, err := signet.NewWebhookPayload(ev)
		if err != nil {
			return signet.Internal("service.SendTestWebhook", err)
		}
		out = &signet.WebhookDelivery{ID: id.New(id.WebhookDelivery), EndpointID: e.ID, EventID: ev.ID,
			EventType: ev.Action, Payload: payload, Status: signet.DeliveryPending, CreatedAt: o.now, NextAttemptAt: o.now}
		return o.tx.CreateWebhookDelivery(ctx, out)
	})
	return out, err
}

// RedeliverWebhook queues a delivery's event again to its endpoint, as a
// new delivery with the same webhook-id (receivers that de-duplicate by it
// ignore it) and a fresh retry window. Needs settings:write
// organisation-wide. Returns ENOTFOUND, ECONFLICT (endpoint disabled),
// EFORBIDDEN.
func (s *Service) RedeliverWebhook(ctx context.Context, a *signet.Actor, endpointID, deliveryID string) (*signet.WebhookDelivery, error) {
	var out *signet.WebhookDelivery
	err := s.webhookOp(ctx, a, endpointID, func(o *op, e *signet.WebhookEndpoint) error {
		d, err := o.getEndpointDelivery(e.ID, deliveryID)
		if err != nil {
			return err
		}
		out = &signet.WebhookDelivery{ID: id.New(id.WebhookDelivery), EndpointID: e.ID, EventID: d.EventID,
			EventType: d.EventType, Payload: d.Payload, Status: signet.DeliveryPending, CreatedAt: o.now, NextAttemptAt: o.now}
		return o.tx.CreateWebhookDelivery(ctx, out)
	})
	return out, err
}

// webhookOp runs fn on an enabled endpoint in a write transaction that
// records no audit event: queueing a delivery changes nothing.
func (s *Service) webhookOp(ctx context.Context, a *signet.Actor, endpointID string, fn func(*op, *signet.WebhookEndpoint) error) error {
	err := s.store.Write(ctx, func(tx store.Tx) error {
		o, err := s.begin(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		e, err := tx.GetWebhookEndpoint(ctx, endpointID)
		if err != nil {
			return notFound(err, "webhook endpoint %q not found", endpointID)
		}
		if !e.Enabled {
			return signet.Errorf(signet.ECONFLICT, "webhook endpoint %q is disabled: enable it first", endpointID)
		}
		return fn(o, e)
	})
	if err == nil {
		s.nudgeWebhooks()
	}
	return err
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first.
// Needs settings:read organisation-wide. Returns EINVALID, ENOTFOUND,
// EFORBIDDEN.
func (s *Service) ListWebhookDeliveries(ctx context.Context, a *signet.Actor, f signet.WebhookDeliveryFilter) ([]*signet.WebhookDelivery, string, error) {
	var out []*signet.WebhookDelivery
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		switch f.Status {
		case "", signet.DeliveryPending, signet.DeliverySucceeded, signet.DeliveryFailed:
		default:
			return signet.Errorf(signet.EINVALID, "status must be %q, %q or %q", signet.DeliveryPending, signet.DeliverySucceeded, signet.DeliveryFailed)
		}
		if _, err := o.tx.GetWebhookEndpoint(ctx, f.EndpointID); err != nil {
			return notFound(err, "webhook endpoint %q not found", f.EndpointID)
		}
		var err error
		if f.Page, err = validatePage(f.Page); err != nil {
			return err
		}
		out, next, err = o.tx.ListWebhookDeliveries(ctx, f)
		return err
	})
	return out, next, err
}

// GetWebhookDelivery returns a delivery of an endpoint with its attempts.
// Needs settings:read organisation-wide. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetWebhookDelivery(ctx context.Context, a *signet.Actor, endpointID, deliveryID string) (*WebhookDeliveryDetail, error) {
	var out *WebhookDeliveryDetail
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("settings:read", ""); err != nil {
			return err
		}
		d, err := o.getEndpointDelivery(endpointID, deliveryID)
		if err != nil {
			return err
		}
		attempts, err := o.tx.ListWebhookAttempts(ctx, d.ID)
		if err != nil {
			return err
		}
		out = &WebhookDeliveryDetail{Delivery: d, Attempts: attempts}
		return nil
	})
	return out, err
}

// getEndpointDelivery returns a delivery of an endpoint; ENOTFOUND for a
// delivery of another endpoint, as for one that does not exist.
func (o *op) getEndpointDelivery(endpointID, deliveryID string) (*signet.WebhookDelivery, error) {
	d, err := o.tx.GetWebhookDelivery(o.ctx, deliveryID)
	if err == nil && d.EndpointID != endpointID {
		err = signet.Errorf(signet.ENOTFOUND, "webhook delivery not found")
	}
	if err != nil {
		return nil, notFound(err, "webhook delivery %q of endpoint %q not found", deliveryID, endpointID)
	}
	return d, nil
}

// webhookEndpointForWrite authorises a change of an endpoint, loads it and
// makes it the target of the change's audit event.
func (o *op) webhookEndpointForWrite(endpointID string) (*signet.WebhookEndpoint, error) {
	if err := o.authorise("settings:write", ""); err != nil {
		return nil, err
	}
	e, err := o.tx.GetWebhookEndpoint(o.ctx, endpointID)
	if err != nil {
		return nil, notFound(err, "webhook endpoint %q not found", endpointID)
	}
	o.target("webhook_endpoint", e.ID, RedactWebhookURL(e.URL))
	return e, nil
}
