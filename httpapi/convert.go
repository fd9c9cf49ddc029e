package httpapi

import (
	"encoding/json"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

// This file turns domain values into the wire types of package client.
// Nothing here copies a password hash, a key's secret hash or a session
// token hash: the wire types have no field for them.

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func userJSON(u *signet.User) client.User {
	return client.User{
		ID:           u.ID,
		Kind:         u.Kind,
		Name:         u.Name,
		Email:        u.Email,
		Description:  u.Description,
		Status:       u.Status,
		CreatedAt:    u.CreatedAt,
		CreatedBy:    u.CreatedBy,
		UpdatedAt:    u.UpdatedAt,
		LastActiveAt: u.LastActiveAt,
		Labels:       u.Labels,
		OwnerType:    u.OwnerType,
		OwnerID:      u.OwnerID,
	}
}

func userDetailJSON(d *service.UserDetail) client.UserDetail {
	return client.UserDetail{
		User:   userJSON(d.User),
		Groups: mapSlice(d.Groups, groupJSON),
		Grants: mapSlice(d.Grants, grantJSON),
	}
}

func keyJSON(k *signet.APIKey, now time.Time) client.APIKey {
	return client.APIKey{
		ID:              k.ID,
		Kind:            k.Kind,
		OwnerID:         k.OwnerID,
		Name:            k.Name,
		Description:     k.Description,
		Hint:            k.Hint,
		Scopes:          nonNil(k.Scopes),
		Status:          k.Status(now),
		CreatedBy:       k.CreatedBy,
		CreatedAt:       k.CreatedAt,
		ExpiresAt:       k.ExpiresAt,
		LastUsedAt:      k.LastUsedAt,
		LastUsedIP:      k.LastUsedIP,
		RevokedAt:       k.RevokedAt,
		RevokedBy:       k.RevokedBy,
		RevokedReason:   k.RevokedReason,
		DisabledAt:      k.DisabledAt,
		DisabledBy:      k.DisabledBy,
		DisabledReason:  k.DisabledReason,
		AllowedNetworks: nonNil(signet.FormatNetworks(k.AllowedNetworks)),
		Violations:      violationsJSON(k.Violations),
		Labels:          k.Labels,
		RotatedFrom:     k.RotatedFrom,
		RotatedTo:       k.RotatedTo,
		RotatedAt:       k.RotatedAt,
	}
}

func createdKeyJSON(k *service.CreatedKey, now time.Time) *client.CreatedAPIKey {
	if k == nil {
		return nil
	}
	return &client.CreatedAPIKey{APIKey: keyJSON(k.Key, now), Key: k.Secret}
}

func workspaceJSON(w *signet.Workspace) client.Workspace {
	return client.Workspace{
		ID:          w.ID,
		Name:        w.Name,
		Description: w.Description,
		IsDefault:   w.IsDefault,
		CreatedAt:   w.CreatedAt,
		UpdatedAt:   w.UpdatedAt,
	}
}

func roleJSON(d *service.RoleDetail) client.Role {
	r := d.Role
	return client.Role{
		ID:                   r.ID,
		Name:                 r.Name,
		Description:          r.Description,
		Base:                 r.Base,
		Permissions:          nonNil(r.Permissions),
		EffectivePermissions: nonNil(d.Effective),
		BuiltIn:              r.BuiltIn,
		CreatedAt:            r.CreatedAt,
		UpdatedAt:            r.UpdatedAt,
	}
}

func groupJSON(g *signet.Group) client.Group {
	return client.Group{
		ID:          g.ID,
		Name:        g.Name,
		Description: g.Description,
		Protected:   g.Protected,
		CreatedAt:   g.CreatedAt,
		UpdatedAt:   g.UpdatedAt,
	}
}

func groupDetailJSON(d *service.GroupDetail) client.GroupDetail {
	return client.GroupDetail{
		Group:   groupJSON(d.Group),
		Members: mapSlice(d.Members, userJSON),
		Grants:  mapSlice(d.Grants, grantJSON),
	}
}

func grantJSON(g *signet.Grant) client.Grant {
	return client.Grant{
		ID:          g.ID,
		SubjectType: g.SubjectType,
		SubjectID:   g.SubjectID,
		RoleID:      g.RoleID,
		WorkspaceID: grantWorkspaceJSON(g.WorkspaceID),
		CreatedAt:   g.CreatedAt,
		CreatedBy:   g.CreatedBy,
	}
}

// grantWorkspaceJSON says "*" for an organisation-wide grant, as a request
// asks for one, so that a grant read back can be created again as it is.
func grantWorkspaceJSON(ws string) string {
	if ws == "" {
		return signet.OrganisationWide
	}
	return ws
}

// AuditEventJSON is the wire form of an audit event: one line of an
// export, and of the audit sink.
func AuditEventJSON(e *signet.AuditEvent) client.AuditEvent { return auditEventJSON(e) }

func auditEventJSON(e *signet.AuditEvent) client.AuditEvent {
	return client.AuditEvent{
		ID:          e.ID,
		Seq:         e.Seq,
		Time:        e.Time,
		ActorID:     e.ActorID,
		ActorKind:   e.ActorKind,
		ActorName:   e.ActorName,
		KeyID:       e.KeyID,
		SessionID:   e.SessionID,
		Action:      e.Action,
		TargetType:  e.TargetType,
		TargetID:    e.TargetID,
		TargetName:  e.TargetName,
		WorkspaceID: e.WorkspaceID,
		Outcome:     e.Outcome,
		IP:          e.IP,
		UserAgent:   e.UserAgent,
		RequestID:   e.RequestID,
		Details:     e.Details,
		PrevHash:    e.PrevHash,
		Hash:        e.Hash,
	}
}

func domainJSON(d *signet.PermissionDomain) client.PermissionDomain {
	return client.PermissionDomain{Name: d.Name, Description: d.Description, CreatedAt: d.CreatedAt}
}

func meJSON(m *service.MeView) client.Me {
	out := client.Me{
		User:                    userJSON(m.User),
		KeyID:                   m.KeyID,
		Groups:                  mapSlice(m.Groups, groupJSON),
		OrganisationPermissions: nonNil(m.Organisation),
		Workspaces:              make([]client.WorkspacePermissions, len(m.Workspaces)),
	}
	for i, w := range m.Workspaces {
		out.Workspaces[i] = client.WorkspacePermissions{Workspace: workspaceJSON(w.Workspace), Permissions: nonNil(w.Permissions)}
	}
	return out
}

// pageJSON wraps a list as the paginated response shape.
func pageJSON[T, U any](items []T, next string, f func(T) U) client.Page[U] {
	return client.Page[U]{Data: mapSlice(items, f), NextCursor: next}
}

func grantSpecs(in []client.GrantSpec) []service.GrantSpec {
	return mapSlice(in, func(g client.GrantSpec) service.GrantSpec {
		return service.GrantSpec{RoleID: g.RoleID, WorkspaceID: g.WorkspaceID}
	})
}

// keyInput turns a key request into the service's input; expires_in is a
// duration in signet.ParseDuration's syntax.
func keyInput(in *client.CreateAPIKeyRequest, field string) (service.CreateKeyInput, error) {
	out := service.CreateKeyInput{
		Name:        in.Name,
		Description: in.Description,
		ExpiresAt:   in.ExpiresAt,
		Scopes:      in.Scopes,

		AllowedNetworks: in.AllowedNetworks,
		Labels:          in.Labels,
	}
	if in.ExpiresIn != "" {
		d, err := lifetime(field, in.ExpiresIn)
		if err != nil {
			return out, err
		}
		out.ExpiresIn = d
	}
	return out, nil
}

// lifetime reads a duration field that must be longer than zero (the
// service reads a zero duration as "no expiry", so "0s" is refused here).
// A value that is no duration, or is not positive, is invalid (422), as
// every invalid value is; the message names the field.
func lifetime(field, v string) (time.Duration, error) {
	d, err := signet.ParseDuration(v)
	if err != nil {
		return 0, signet.Errorf(signet.EINVALID, "field %q: %s", field, signet.ErrorMessage(err))
	}
	if d <= 0 {
		return 0, signet.Errorf(signet.EINVALID, "field %q must be a duration longer than zero, such as 30d or PT12H", field)
	}
	return d, nil
}

func webhookJSON(e *signet.WebhookEndpoint) client.WebhookEndpoint {
	return client.WebhookEndpoint{
		ID:                      e.ID,
		URL:                     e.URL,
		Description:             e.Description,
		EventTypes:              nonNil(e.EventTypes),
		Enabled:                 e.Enabled,
		DisabledReason:          e.DisabledReason,
		PreviousSecretExpiresAt: e.PreviousSecretExpiresAt,
		FailingSince:            e.FailingSince,
		CreatedAt:               e.CreatedAt,
		CreatedBy:               e.CreatedBy,
		UpdatedAt:               e.UpdatedAt,
	}
}

// createdWebhookJSON is an endpoint with its new secret: the answer of a
// creation or a rotation, and only of those.
func createdWebhookJSON(c *service.CreatedWebhookEndpoint) client.CreatedWebhookEndpoint {
	return client.CreatedWebhookEndpoint{WebhookEndpoint: webhookJSON(c.Endpoint), Secret: c.Secret}
}

func deliveryJSON(d *signet.WebhookDelivery) client.WebhookDelivery {
	out := client.WebhookDelivery{
		ID:             d.ID,
		EndpointID:     d.EndpointID,
		EventID:        d.EventID,
		EventType:      d.EventType,
		Status:         d.Status,
		Attempts:       d.Attempts,
		CreatedAt:      d.CreatedAt,
		LastAttemptAt:  d.LastAttemptAt,
		LastStatusCode: d.LastStatusCode,
		LastError:      d.LastError,
		Payload:        d.Payload,
	}
	if d.Status == signet.DeliveryPending {
		next := d.NextAttemptAt
		out.NextAttemptAt = &next
	}
	if !json.Valid(out.Payload) {
		// Written by Signet as JSON; never send a body that is not.
		out.Payload = json.RawMessage("null")
	}
	return out
}

func deliveryDetailJSON(d *service.WebhookDeliveryDetail) client.WebhookDeliveryDetail {
	return client.WebhookDeliveryDetail{
		WebhookDelivery: deliveryJSON(d.Delivery),
		AttemptLog: mapSlice(d.Attempts, func(a *signet.WebhookAttempt) client.WebhookAttempt {
			return client.WebhookAttempt{
				N:            a.N,
				At:           a.At,
				StatusCode:   a.StatusCode,
				LatencyMS:    float64(a.Latency.Microseconds()) / 1000,
				Error:        a.Error,
				ResponseBody: a.ResponseBody,
			}
		}),
	}
}
