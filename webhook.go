package signet

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Webhooks: every audit event that records something that happened is also
// a webhook event, whose type is the event's action. An endpoint subscribes
// to event types by name, by domain ("api_key.*") or to all ("*"); the
// deliveries of an event are written in the transaction that appends it
// (the outbox), so a committed change always produces them and a rolled-back
// one never does.

// WebhookEndpoint is a receiver of webhook deliveries.
type WebhookEndpoint struct {
	ID          string
	URL         string
	Description string
	// EventTypes are the patterns subscribed to (see WebhookSubscribes).
	EventTypes []string
	Enabled    bool
	// DisabledReason says why an endpoint is disabled: "" when an
	// administrator disabled it, or why Signet did.
	DisabledReason string
	// Secret is the current signing secret, sealed (see service); the
	// plain secret is shown once, at creation or rotation.
	Secret string
	// PreviousSecret signs too until PreviousSecretExpiresAt, so that
	// receivers can move to a rotated secret without losing deliveries.
	PreviousSecret          string
	PreviousSecretExpiresAt *time.Time
	// FailingSince is the time of the first failed delivery attempt since
	// the last success; nil while deliveries succeed.
	FailingSince *time.Time
	CreatedAt    time.Time
	CreatedBy    string
	UpdatedAt    time.Time
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not delivered yet; attempted again at NextAttemptAt
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt of the retry window failed
)

// WebhookDelivery is one event to deliver to one endpoint, and where its
// delivery stands.
type WebhookDelivery struct {
	ID         string
	EndpointID string
	// EventID is the audit event delivered (or a test event's own id); it is
	// the webhook-id header, the same on every attempt, so receivers can
	// de-duplicate.
	EventID   string
	EventType string
	// Payload is the JSON body sent, fixed when the delivery is created.
	Payload       []byte
	Status        string
	Attempts      int
	CreatedAt     time.Time
	NextAttemptAt time.Time
	// LastAttemptAt, LastStatusCode and LastError describe the latest
	// attempt (status 0 when no HTTP answer came).
	LastAttemptAt  *time.Time
	LastStatusCode int
	LastError      string
	// LeaseOwner and LeaseUntil mark a delivery claimed by one process
	// (replica): no other attempts it before LeaseUntil, so a process that
	// dies mid-delivery gives it up when the lease runs out.
	LeaseOwner string
	LeaseUntil *time.Time
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	DeliveryID string
	N          int // 1 for the first attempt
	At         time.Time
	StatusCode int // 0 when no HTTP answer came
	Latency    time.Duration
	// Error says why an attempt failed, with no secret in it.
	Error string
	// ResponseBody is the start of the receiver's answer, to tell why it
	// refused.
	ResponseBody string
}

// WebhookDeliveryFilter selects an endpoint's deliveries, newest first.
type WebhookDeliveryFilter struct {
	EndpointID string
	Status     string // "" for every status
	Page
}

// WebhookTestEventType is the type of the event "Send test event" delivers
// to one endpoint; it is not an audit action, and no endpoint subscribes to
// it.
const WebhookTestEventType = "webhook.test"

// WebhookEventTypes are the audit actions, and so the webhook event types
// there are. A new audit action is added here (a test checks every action
// the service records is).
var WebhookEventTypes = []string{
	"api_key.create", "api_key.disable", "api_key.enable", "api_key.expiring", "api_key.leaked", "api_key.revoke", "api_key.rotate", "api_key.update",
	"audit.prune",
	"auth.failed",
	"grant.create", "grant.delete",
	"group.create", "group.delete", "group.member_add", "group.member_remove", "group.update",
	"key_policy.update",
	"oauth_audience.create", "oauth_audience.delete", "oauth_audience.update",
	"oauth_client_key.create", "oauth_client_key.delete",
	"oauth_signing_key.rotate",
	"oauth_token.issue", "oauth_token.refused", "oauth_token.revoke",
	"oidc_provider.create", "oidc_provider.delete", "oidc_provider.update",
	"password_login.update",
	"permission_domain.create",
	"role.create", "role.delete", "role.update",
	"service_account.create", "service_account.delete", "service_account.disable", "service_account.enable",
	"service_account.groups_set", "service_account.update",
	"session.login", "session.login_failed", "session.logout", "session.revoke",
	"setup.complete",
	"system.bootstrap",
	"user.create", "user.delete", "user.disable", "user.enable", "user.groups_set", "user.update",
	"webhook_endpoint.create", "webhook_endpoint.delete", "webhook_endpoint.disable", "webhook_endpoint.enable",
	"webhook_endpoint.rotate_secret", "webhook_endpoint.update",
	"workspace.create", "workspace.delete", "workspace.update",
}

// failureEvents are the actions whose every event records a refusal
// (outcome denied): they are webhook events although they record no
// success.
var failureEvents = []string{"auth.failed", "oauth_token.refused", "session.login_failed"}

// IsWebhookEvent reports whether an audit event is delivered to webhook
// endpoints: events of what happened (outcome success) and sign-in
// failures. Refused or failed attempts at a change are not: a receiver of
// "api_key.create" learns of keys created, not of attempts.
func IsWebhookEvent(e *AuditEvent) bool {
	return e.Outcome == OutcomeSuccess || slices.Contains(failureEvents, e.Action)
}

// ValidateWebhookEventTypes checks subscription patterns: "*", a domain
// with ".*" ("api_key.*"), or an event type of WebhookEventTypes. It
// returns them sorted, without duplicates.
func ValidateWebhookEventTypes(patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, Errorf(EINVALID, `subscribe to at least one event type: "*" for every event, "api_key.*" for a domain, or a type such as "api_key.revoke"`)
	}
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if !knownEventPattern(p) {
			return nil, Errorf(EINVALID, "unknown event type %q: use \"*\", a domain such as \"api_key.*\", or one of: %s", p, strings.Join(WebhookEventTypes, ", "))
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func knownEventPattern(p string) bool {
	if p == "*" {
		return true
	}
	if domain, ok := strings.CutSuffix(p, ".*"); ok {
		return slices.ContainsFunc(WebhookEventTypes, func(t string) bool { return strings.HasPrefix(t, domain+".") })
	}
	return slices.Contains(WebhookEventTypes, p)
}

// WebhookSubscribes reports whether subscription patterns take events of
// type t.
func WebhookSubscribes(patterns []string, t string) bool {
	for _, p := range patterns {
		if p == "*" || p == t {
			return true
		}
		if domain, ok := strings.CutSuffix(p, ".*"); ok && strings.HasPrefix(t, domain+".") {
			return true
		}
	}
	return false
}

// WebhookPayload is the body of a delivery, in the Standard Webhooks shape
// (type, timestamp, data).
type WebhookPayload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData describes the event: who did what to what. It is built from
// the audit event, which never holds a secret.
type WebhookData struct {
	EventID     string         `json:"event_id"`
	Seq         int64          `json:"seq,omitempty"`
	Action      string         `json:"action"`
	Outcome     string         `json:"outcome"`
	Actor       WebhookActor   `json:"actor"`
	Target      *WebhookTarget `json:"target,omitempty"`
	WorkspaceID string         `json:"workspace_id,omitempty"`
	IP          string         `json:"ip,omitempty"`
	RequestID   string         `json:"request_id,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
}

// WebhookActor is who acted: a user (with the key it used, if any) or the
// system.
type WebhookActor struct {
	ID     string `json:"id,omitempty"`
	Kind   string `json:"kind"`
	Name   string `json:"name,omitempty"`
	KeyID  string `json:"key_id,omitempty"`
	System bool   `json:"system,omitempty"`
}

// WebhookTarget is what the event acted on.
type WebhookTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// NewWebhookPayload returns the payload of an audit event, encoded.
func NewWebhookPayload(e *AuditEvent) ([]byte, error) {
	p := WebhookPayload{
		Type:      e.Action,
		Timestamp: e.Time.UTC(),
		Data: WebhookData{
			EventID: e.ID, Seq: e.Seq, Action: e.Action, Outcome: e.Outcome,
			Actor:       WebhookActor{ID: e.ActorID, Kind: e.ActorKind, Name: e.ActorName, KeyID: e.KeyID, System: e.ActorKind == "system"},
			WorkspaceID: e.WorkspaceID, IP: e.IP, RequestID: e.RequestID, Details: e.Details,
		},
	}
	if e.TargetType != "" || e.TargetID != "" {
		p.Data.Target = &WebhookTarget{Type: e.TargetType, ID: e.TargetID, Name: e.TargetName}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding the webhook payload of %s: %w", e.ID, err)
	}
	return b, nil
}
