package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// Outbound webhooks: endpoints, their deliveries and the event-type
// catalogue. The service decides who may (settings:read and
// settings:write organisation-wide); a signing secret is in the answers
// of creation and rotation only.

func webhookLocation(c *service.CreatedWebhookEndpoint) string {
	return locationOf("/api/v1/webhooks/")(c.Endpoint.ID)
}

func (s *server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateWebhookRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	c, err := s.svc.CreateWebhookEndpoint(r.Context(), actor(r), service.WebhookEndpointInput{
		URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, Enabled: in.Enabled,
	})
	return replyCreated(w, c, err, webhookLocation, createdWebhookJSON)
}

func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	return listPage(w, r, s.svc.ListWebhookEndpoints, webhookJSON)
}

func (s *server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	e, err := s.svc.GetWebhookEndpoint(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, e, err, webhookJSON)
}

func (s *server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in client.WebhookUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	e, err := s.svc.UpdateWebhookEndpoint(r.Context(), actor(r), r.PathValue("id"), service.WebhookEndpointUpdate{
		URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, Enabled: in.Enabled,
	})
	return reply(w, http.StatusOK, e, err, webhookJSON)
}

func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteWebhookEndpoint(r.Context(), actor(r), r.PathValue("id")))
}

func (s *server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	var in client.RotateWebhookSecretRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	overlap, err := secretOverlap(in.Overlap)
	if err != nil {
		return err
	}
	c, err := s.svc.RotateWebhookSecret(r.Context(), actor(r), r.PathValue("id"), overlap)
	return reply(w, http.StatusOK, c, err, createdWebhookJSON)
}

// secretOverlap reads the overlap of a rotation: absent (nil) is the
// service's default.
func secretOverlap(v string) (*time.Duration, error) {
	if v == "" {
		return nil, nil
	}
	d, err := signet.ParseDuration(v)
	if err != nil {
		return nil, signet.Errorf(signet.EINVALID, "field %q: %s", "overlap", signet.ErrorMessage(err))
	}
	return &d, nil
}

func (s *server) sendTestWebhook(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.SendTestWebhook(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusAccepted, d, err, deliveryJSON)
}

func (s *server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.WebhookDeliveryFilter{EndpointID: r.PathValue("id"), Page: pg}
	if f.Status, err = oneOf(q, "status", signet.DeliveryPending, signet.DeliverySucceeded, signet.DeliveryFailed); err != nil {
		return err
	}
	list, next, err := s.svc.ListWebhookDeliveries(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(list, next, deliveryJSON))
	return nil
}

func (s *server) getWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetWebhookDelivery(r.Context(), actor(r), r.PathValue("id"), r.PathValue("delivery_id"))
	return reply(w, http.StatusOK, d, err, deliveryDetailJSON)
}

func (s *server) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.RedeliverWebhook(r.Context(), actor(r), r.PathValue("id"), r.PathValue("delivery_id"))
	return reply(w, http.StatusAccepted, d, err, deliveryJSON)
}

// webhookEventTypes is the catalogue's answer, the same for every caller:
// built once.
var webhookEventTypes = func() client.WebhookEventTypes {
	types := slices.Sorted(slices.Values(signet.WebhookEventTypes))
	wild := []string{"*"}
	for _, t := range types {
		if domain, _, ok := strings.Cut(t, "."); ok && !slices.Contains(wild, domain+".*") {
			wild = append(wild, domain+".*")
		}
	}
	return client.WebhookEventTypes{EventTypes: types, Wildcards: wild}
}()

// listWebhookEventTypes answers the catalogue of event types, which is no
// secret: any caller may read it, to offer the subscriptions.
func (s *server) listWebhookEventTypes(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, webhookEventTypes)
	return nil
}
