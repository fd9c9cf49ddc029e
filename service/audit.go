package service

import (
	"context"

	signet "github.com/signetdev/signet"
)

// ListAuditEvents lists audit events, newest first. Events of one
// workspace need audit:read there (or organisation-wide); all events, and
// organisation-level ones, need it organisation-wide. Returns EINVALID,
// EFORBIDDEN.
func (s *Service) ListAuditEvents(ctx context.Context, a *signet.Actor, f signet.AuditFilter) ([]*signet.AuditEvent, string, error) {
	var out []*signet.AuditEvent
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("audit:read", f.WorkspaceID); err != nil {
			return err
		}
		if err := validateAuditFilter(f); err != nil {
			return err
		}
		if err := o.checkWorkspaceFilter(f.WorkspaceID, true); err != nil {
			return err
		}
		var err error
		if f.Page, err = validatePage(f.Page); err != nil {
			return err
		}
		out, next, err = o.tx.ListAuditEvents(ctx, f)
		return err
	})
	return out, next, err
}

// GetAuditEvent returns one event; it needs audit:read in the event's
// workspace (organisation-wide for organisation-level events). Returns
// ENOTFOUND, EFORBIDDEN.
func (s *Service) GetAuditEvent(ctx context.Context, a *signet.Actor, eventID string) (*signet.AuditEvent, error) {
	var out *signet.AuditEvent
	err := s.view(ctx, a, func(o *op) error {
		if !o.holdsAnywhere("audit:read") {
			return forbidden("", "audit:read")
		}
		e, err := o.tx.GetAuditEvent(ctx, eventID)
		if err != nil {
			return notFound(err, "audit event %q not found", eventID)
		}
		if err := o.authorise("audit:read", e.WorkspaceID); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}
