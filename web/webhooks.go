package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// Settings → Webhooks: the endpoints that receive Signet's events, each
// with its delivery log. Reading needs settings:read organisation-wide,
// changing settings:write (the service decides; the pages only offer
// what the viewer may do). A signing secret is rendered only in the
// response to the POST that created or rotated it, as new API keys are.

// eventDomain is a group of webhook event types with the same prefix
// ("api_key": "api_key.create", "api_key.revoke"), as the create and edit
// forms offer them.
type eventDomain struct {
	Name  string   // "api_key"
	Types []string // "api_key.create", …
}

// All is the pattern that subscribes to the whole domain.
func (d eventDomain) All() string { return d.Name + ".*" }

// eventDomains groups signet.WebhookEventTypes by domain, in catalogue
// order. Immutable.
var eventDomains = func() []eventDomain {
	var out []eventDomain
	for _, t := range signet.WebhookEventTypes {
		name, _, _ := strings.Cut(t, ".")
		if n := len(out); n > 0 && out[n-1].Name == name {
			out[n-1].Types = append(out[n-1].Types, t)
			continue
		}
		out = append(out, eventDomain{Name: name, Types: []string{t}})
	}
	return out
}()

// webhookForm is what the create and edit forms hold: an endpoint's
// fields, or what was posted when the service refused it.
type webhookForm struct {
	URL, Description string
	EventTypes       []string // the patterns ticked
	Enabled          bool
	Error            string    // an error about the form as a whole
	Err              formError // an error, beside its input when it has one
}

// webhookFormFrom reads a posted create or edit form. The event types are
// the boxes ticked, without those a wider box ticked beside them covers
// ("*" covers all, "api_key.*" its domain), so that the subscription
// stored is the one the form shows.
func webhookFormFrom(r *http.Request) webhookForm {
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Description: r.PostFormValue("description"),
		Enabled: r.PostFormValue("enabled") == "true"}
	ticked := r.PostForm["event_type"]
	if slices.Contains(ticked, "*") {
		f.EventTypes = []string{"*"}
		return f
	}
	for _, t := range ticked {
		if domain, _, ok := strings.Cut(t, "."); ok && !strings.HasSuffix(t, ".*") && slices.Contains(ticked, domain+".*") {
			continue
		}
		f.EventTypes = append(f.EventTypes, t)
	}
	return f
}

// shownSecret is a signing secret just made, shown once in the response
// to the POST that made it.
type shownSecret struct {
	Secret  string
	URL     string
	Rotated bool
	// PreviousUntil is when the secret rotated away stops signing.
	PreviousUntil *time.Time
	Done          string // where Done leads
}

type webhooksView struct {
	base
	Endpoints []*signet.WebhookEndpoint
	Next      string
	Cursor    string
	Domains   []eventDomain
	Form      webhookForm
	Open      string
	Secret    *shownSecret
}

func (s *server) webhooksView(r *http.Request, c *reqCtx) (*webhooksView, error) {
	q := r.URL.Query()
	v := &webhooksView{base: c.base("Webhooks", "webhooks", r), Domains: eventDomains, Cursor: q.Get("cursor"),
		Open: q.Get("dialog"), Form: webhookForm{Enabled: true}}
	var err error
	v.Endpoints, v.Next, err = s.svc.ListWebhookEndpoints(r.Context(), c.actor, signet.Page{Cursor: v.Cursor})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (s *server) webhooksPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.webhooksView(r, c)
	return s.renderView(w, r, "webhooks.html", v, err)
}

// createWebhook creates an endpoint from the create dialog and renders the
// list with its signing secret shown once, or the dialog with the
// service's message and what was typed.
func (s *server) createWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := webhookFormFrom(r)
	out, err := s.svc.CreateWebhookEndpoint(r.Context(), c.actor, service.WebhookEndpointInput{
		URL: f.URL, Description: f.Description, EventTypes: f.EventTypes, Enabled: &f.Enabled})
	if err != nil && !c.me.Can("settings:write") {
		return err // no dialog to show it in
	}
	r.URL.RawQuery = ""
	v, verr := s.webhooksView(r, c)
	if verr != nil {
		return verr
	}
	if err != nil {
		f.Err = s.formError(r, err, webhookInputs)
		f.Error = f.Err.General()
		v.Form, v.Open = f, "create-webhook"
		s.render(w, r, statusFor(err), "webhooks.html", v)
		return nil
	}
	v.Notice = "Webhook created."
	v.Secret = &shownSecret{Secret: out.Secret, URL: out.Endpoint.URL, Done: "/settings/webhooks/" + out.Endpoint.ID}
	s.render(w, r, http.StatusCreated, "webhooks.html", v)
	return nil
}

// overlapOption is a choice of how long a rotated secret keeps signing.
type overlapOption struct{ Value, Label string }

var overlapOptions = []overlapOption{
	{"now", "Stop at once"}, {"1h", "1 hour"}, {"24h", "24 hours"}, {"72h", "3 days"}, {"168h", "7 days"},
}

// defaultOverlap is the option selected at first: the service's default.
const defaultOverlap = "24h"

type webhookView struct {
	base
	E       *signet.WebhookEndpoint
	Form    webhookForm
	Domains []eventDomain
	// Forms maps a form's name to the error shown beside it.
	Forms          map[string]string
	Secret         *shownSecret
	OverlapOptions []overlapOption
	Overlap        string
	Deliveries     []*signet.WebhookDelivery
	Status         string // the delivery log's filter
	Cursor         string
	FirstURL       string
	NextURL        string
}

func (s *server) webhookView(r *http.Request, c *reqCtx) (*webhookView, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	e, err := s.svc.GetWebhookEndpoint(ctx, c.actor, id)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v := &webhookView{base: c.base("Webhook "+e.URL, "webhooks", r), E: e, Domains: eventDomains, Forms: map[string]string{},
		Form:           webhookForm{URL: e.URL, Description: e.Description, EventTypes: e.EventTypes, Enabled: e.Enabled},
		OverlapOptions: overlapOptions, Overlap: defaultOverlap, Status: q.Get("status"), Cursor: q.Get("cursor")}
	var next string
	v.Deliveries, next, err = s.svc.ListWebhookDeliveries(ctx, c.actor, signet.WebhookDeliveryFilter{EndpointID: id, Status: v.Status, Page: signet.Page{Cursor: v.Cursor}})
	if err != nil {
		return nil, err
	}
	page := "/settings/webhooks/" + url.PathEscape(id)
	lq := url.Values{}
	if v.Status != "" {
		lq.Set("status", v.Status)
	}
	v.FirstURL = page + "?" + lq.Encode() + "#deliveries"
	if next != "" {
		lq.Set("cursor", next)
		v.NextURL = page + "?" + lq.Encode() + "#deliveries"
	}
	return v, nil
}

func (s *server) webhookPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.webhookView(r, c)
	return s.renderView(w, r, "webhook.html", v, err)
}

// webhookChanged ends a form post on an endpoint's page: back to the page
// with notice or, on err, the page again with the message beside form
// (and, for the details form, what was typed).
func (s *server) webhookChanged(w http.ResponseWriter, r *http.Request, c *reqCtx, form string, err error, notice string) error {
	if err == nil {
		redirect(w, r, "/settings/webhooks/"+url.PathEscape(r.PathValue("id")), notice)
		return nil
	}
	r.URL.RawQuery = ""
	v, verr := s.webhookView(r, c)
	if verr != nil {
		return err
	}
	fe := s.formError(r, err, nil)
	if form == "details" {
		fe = s.formError(r, err, webhookInputs)
	}
	if fe.Input == "" {
		v.Forms[form] = fe.Message
	}
	switch form {
	case "details":
		f := webhookFormFrom(r)
		f.Enabled = v.E.Enabled
		f.Err = fe
		v.Form = f
	case "rotate":
		v.Overlap = r.PostFormValue("overlap")
	}
	s.render(w, r, statusFor(err), "webhook.html", v)
	return nil
}

func (s *server) updateWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := webhookFormFrom(r)
	_, err := s.svc.UpdateWebhookEndpoint(r.Context(), c.actor, r.PathValue("id"), service.WebhookEndpointUpdate{
		URL: &f.URL, Description: &f.Description, EventTypes: &f.EventTypes})
	return s.webhookChanged(w, r, c, "details", err, "saved")
}

func (s *server) setWebhookStatus(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	enabled := r.PostFormValue("enabled") == "true"
	_, err := s.svc.UpdateWebhookEndpoint(r.Context(), c.actor, r.PathValue("id"), service.WebhookEndpointUpdate{Enabled: &enabled})
	notice := "webhook_disabled"
	if enabled {
		notice = "webhook_enabled"
	}
	return s.webhookChanged(w, r, c, "status", err, notice)
}

func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteWebhookEndpoint(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.webhookChanged(w, r, c, "status", err, "")
	}
	redirect(w, r, "/settings/webhooks", "deleted")
	return nil
}

func (s *server) sendTestWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := s.svc.SendTestWebhook(r.Context(), c.actor, r.PathValue("id"))
	return s.webhookChanged(w, r, c, "deliveries", err, "test_queued")
}

func (s *server) redeliverWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	_, err := s.svc.RedeliverWebhook(r.Context(), c.actor, r.PathValue("id"), r.PathValue("delivery"))
	return s.webhookChanged(w, r, c, "deliveries", err, "redelivery_queued")
}

// rotateWebhookSecret gives the endpoint a new secret and renders its page
// with the secret shown once.
func (s *server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	overlap, err := parseOverlap(r.PostFormValue("overlap"))
	var out *service.CreatedWebhookEndpoint
	if err == nil {
		out, err = s.svc.RotateWebhookSecret(r.Context(), c.actor, r.PathValue("id"), overlap)
	}
	if err != nil {
		return s.webhookChanged(w, r, c, "rotate", err, "")
	}
	r.URL.RawQuery = ""
	v, err := s.webhookView(r, c)
	if err != nil {
		return err
	}
	v.Notice = "The signing secret has been rotated."
	v.Secret = &shownSecret{Secret: out.Secret, URL: out.Endpoint.URL, Rotated: true,
		PreviousUntil: out.Endpoint.PreviousSecretExpiresAt, Done: "/settings/webhooks/" + out.Endpoint.ID}
	s.render(w, r, http.StatusOK, "webhook.html", v)
	return nil
}

// parseOverlap reads the rotate form's overlap: "now" stops the current
// secret at once; otherwise a duration.
func parseOverlap(v string) (*time.Duration, error) {
	switch v {
	case "now":
		v = "0s"
	case "":
		return nil, nil // the service's default
	}
	d, err := signet.ParseDuration(v)
	if err != nil {
		return nil, signet.Errorf(signet.EINVALID, "overlap: %s", signet.ErrorMessage(err))
	}
	return &d, nil
}

type webhookDeliveryView struct {
	base
	E       *signet.WebhookEndpoint
	D       *signet.WebhookDelivery
	Tries   []*signet.WebhookAttempt
	Payload string
}

func (s *server) webhookDeliveryPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	ctx := r.Context()
	e, err := s.svc.GetWebhookEndpoint(ctx, c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.svc.GetWebhookDelivery(ctx, c.actor, e.ID, r.PathValue("delivery"))
	if err != nil {
		return err
	}
	v := webhookDeliveryView{base: c.base("Webhook delivery", "webhooks", r), E: e, D: d.Delivery, Tries: d.Attempts,
		Payload: string(d.Delivery.Payload)}
	var buf bytes.Buffer
	if json.Indent(&buf, d.Delivery.Payload, "", "  ") == nil {
		v.Payload = buf.String()
	}
	s.render(w, r, http.StatusOK, "webhook_delivery.html", v)
	return nil
}
