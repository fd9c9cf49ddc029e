package service

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

// auditBatch is how many events verification, export and the sink read at
// a time: their memory use is bounded by it, whatever the chain's length.
const auditBatch = 1000

// validateAuditFilter checks the parts of a filter shared by list and
// export.
func validateAuditFilter(f signet.AuditFilter) error {
	switch f.Outcome {
	case "", signet.OutcomeSuccess, signet.OutcomeDenied, signet.OutcomeError:
	default:
		return signet.Errorf(signet.EINVALID, "outcome must be %q, %q or %q", signet.OutcomeSuccess, signet.OutcomeDenied, signet.OutcomeError)
	}
	if f.Since != nil && f.Until != nil && f.Until.Before(*f.Since) {
		return signet.Errorf(signet.EINVALID, "until must not be before since")
	}
	if utf8.RuneCountInString(f.Query) > signet.MaxNameLen {
		return signet.Errorf(signet.EINVALID, "q is too long: the limit is %d characters", signet.MaxNameLen)
	}
	return nil
}

// VerifyAuditChain recomputes the hash chain of the stored events, from
// the retention checkpoint (or the genesis) to the newest event, a batch
// per read transaction, and reports it intact or the first event where it
// breaks: a seq gap (deleted or reordered rows), a prev_hash that does not
// link to the previous event, or a hash that is not that of the stored
// event (an edited row). It also checks that the checkpoint matches the
// last audit.prune event, which the chain covers. Needs audit:read
// organisation-wide. It reads the whole log, so at most
// maxChainVerifications run at once on a node; another is refused with
// ERATELIMITED. Returns EFORBIDDEN, ERATELIMITED.
func (s *Service) VerifyAuditChain(ctx context.Context, a *signet.Actor) (*signet.AuditVerification, error) {
	if err := s.view(ctx, a, func(o *op) error { return o.authorise("audit:read", "") }); err != nil {
		return nil, err
	}
	release, err := tryAcquire(s.chainVerifications, "an audit chain verification is already running on this server; try again when it has finished")
	if err != nil {
		return nil, err
	}
	defer release()
	res, cp, err := s.verifyChain(ctx)
	if err != nil || res.Break == nil {
		return res, err
	}
	// The chain is read a batch per transaction, so a retention prune
	// that ran meanwhile can look like a break (the events before the new
	// checkpoint vanished mid-walk). Such a break is checked once more.
	var now *signet.AuditCheckpoint
	if err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		now, err = auditCheckpoint(ctx, tx)
		return err
	}); err != nil {
		return nil, err
	}
	if sameCheckpoint(cp, now) {
		return res, nil
	}
	res, _, err = s.verifyChain(ctx)
	return res, err
}

// auditCheckpoint returns the retention checkpoint, or nil when nothing was
// ever pruned.
func auditCheckpoint(ctx context.Context, tx store.Tx) (*signet.AuditCheckpoint, error) {
	cp, err := tx.GetAuditCheckpoint(ctx)
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return nil, nil
	}
	return cp, err
}

func sameCheckpoint(a, b *signet.AuditCheckpoint) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Seq == b.Seq && a.Hash == b.Hash
}

// verifyChain walks the whole chain from the checkpoint, a batch per read
// transaction — a long chain outlasts any one transaction's deadline on
// PostgreSQL, and holding a snapshot for minutes helps nobody — and
// returns the result and the checkpoint it started from.
func (s *Service) verifyChain(ctx context.Context) (*signet.AuditVerification, *signet.AuditCheckpoint, error) {
	res := &signet.AuditVerification{}
	var c signet.AuditChainChecker
	var cp *signet.AuditCheckpoint
	if err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		cp, err = auditCheckpoint(ctx, tx)
		return err
	}); err != nil {
		return nil, nil, err
	}
	if cp != nil {
		res.From = cp
		c.Start(cp.Seq, cp.Hash)
	}
	// lastPrune is the newest audit.prune event seen.
	var lastPrune *signet.AuditEvent
	// The scan starts at the very beginning, not at the checkpoint, so
	// that rows left at or below it are reported, not skipped: the first
	// event read must be the checkpoint's successor.
	var after int64
	for {
		var evs []*signet.AuditEvent
		if err := s.store.Read(ctx, func(tx store.Tx) error {
			var err error
			evs, err = tx.ScanAuditEvents(ctx, after, signet.AuditFilter{}, auditBatch)
			return err
		}); err != nil {
			return nil, nil, err
		}
		for _, e := range evs {
			if b := c.Check(e); b != nil {
				res.Break = b
				res.Checked = c.Checked
				res.HeadSeq, res.HeadHash = c.Head()
				return res, cp, nil
			}
			if e.Action == actionAuditPrune {
				lastPrune = e
			}
		}
		if len(evs) < auditBatch {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	res.Checked = c.Checked
	res.HeadSeq, res.HeadHash = c.Head()
	if cp != nil && !pruneEventNames(lastPrune, cp) {
		b := &signet.AuditBreak{Seq: cp.Seq, Problem: signet.AuditCheckpointInvalid,
			Message: fmt.Sprintf("the checkpoint (seq %d, hash %s) is not the one the last audit.prune event recorded", cp.Seq, cp.Hash)}
		if lastPrune != nil {
			b.Seq, b.ID = lastPrune.Seq, lastPrune.ID
		}
		res.Break = b
		return res, cp, nil
	}
	res.OK = true
	return res, cp, nil
}

// pruneEventNames reports whether the audit.prune event e recorded cp.
func pruneEventNames(e *signet.AuditEvent, cp *signet.AuditCheckpoint) bool {
	if e == nil {
		return false
	}
	return fmt.Sprint(e.Details["checkpoint_seq"]) == fmt.Sprint(cp.Seq) &&
		fmt.Sprint(e.Details["checkpoint_hash"]) == cp.Hash
}

// ExportAuditEvents calls fn with every event matching f, oldest first,
// reading the chain in batches, each in its own read transaction, so that
// memory stays constant and fn (writing to a slow client, say) never holds
// a transaction open. Events appended after the export started are not
// included. f.Page is ignored. It needs audit:read as ListAuditEvents does.
// At most maxAuditExports run at once on a node; another is refused with
// ERATELIMITED. An error from fn stops the export and is returned.
// Returns EINVALID, EFORBIDDEN, ERATELIMITED.
func (s *Service) ExportAuditEvents(ctx context.Context, a *signet.Actor, f signet.AuditFilter, fn func(*signet.AuditEvent) error) error {
	var head int64
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
		head, _, err = o.tx.AuditHead(ctx)
		return err
	})
	if err != nil {
		return err
	}
	release, err := tryAcquire(s.exports, "too many audit exports are running on this server; try again when one has finished")
	if err != nil {
		return err
	}
	defer release()
	return s.scanAudit(ctx, 0, head, f, fn)
}

// The expensive audit reads: each reads the whole log (or a range of it)
// in batches, so a few callers could keep the database and a core busy.
const (
	maxChainVerifications = 1
	maxAuditExports       = 2
)

// tryAcquire takes a slot of sem or, when none is free, refuses at once
// with ERATELIMITED and msg; release gives the slot back.
func tryAcquire(sem chan struct{}, msg string) (release func(), err error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	default:
		return nil, &signet.Error{Code: signet.ERATELIMITED, Reason: "busy", Message: msg, RetryAfter: 5 * time.Second}
	}
}

// scanAudit calls fn with the events matching f with after < seq <= upTo,
// oldest first, a batch per read transaction.
func (s *Service) scanAudit(ctx context.Context, after, upTo int64, f signet.AuditFilter, fn func(*signet.AuditEvent) error) error {
	for after < upTo {
		var evs []*signet.AuditEvent
		err := s.store.Read(ctx, func(tx store.Tx) error {
			var err error
			evs, err = tx.ScanAuditEvents(ctx, after, f, auditBatch)
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Seq > upTo {
				return nil
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(evs) < auditBatch {
			return nil
		}
		after = evs[len(evs)-1].Seq
	}
	return nil
}

// AuditEventsAfter calls fn with every committed event with seq > after,
// oldest first, and returns the seq of the last one (after when there was
// none). It is for the audit sink, run by Signet itself: no actor, no
// authorisation.
func (s *Service) AuditEventsAfter(ctx context.Context, after int64, fn func(*signet.AuditEvent) error) (int64, error) {
	last := after
	err := s.scanAudit(ctx, after, 1<<62, signet.AuditFilter{}, func(e *signet.AuditEvent) error {
		if err := fn(e); err != nil {
			return err
		}
		last = e.Seq
		return nil
	})
	return last, err
}

// AuditHead returns the seq and hash of the newest event (for the sink's
// starting point and for operators recording the head outside Signet).
func (s *Service) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		seq, hash, err = tx.AuditHead(ctx)
		return err
	})
	return seq, hash, err
}

const actionAuditPrune = "audit.prune"

// PruneAuditEvents applies retention: it deletes the events older than
// before (the oldest part of the chain only; see store.Tx.PruneAuditEvents)
// and records an audit.prune event naming the checkpoint, in one
// transaction. Pruning nothing records nothing. Needs settings:write
// organisation-wide; `signet serve --audit-retention` runs it as the system
// actor. Returns EFORBIDDEN.
func (s *Service) PruneAuditEvents(ctx context.Context, a *signet.Actor, before time.Time) (int64, error) {
	var deleted int64
	err := s.mutate(ctx, a, actionAuditPrune, func(o *op) error {
		deleted = 0
		o.target("audit_trail", "", "audit trail")
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		cp, n, err := o.tx.PruneAuditEvents(ctx, before, o.now)
		if err != nil {
			return err
		}
		if cp == nil {
			o.noEvent = true
			return nil
		}
		deleted = n
		o.detail("before", before.UTC().Format(time.RFC3339Nano))
		o.detail("deleted", n)
		o.detail("checkpoint_seq", cp.Seq)
		o.detail("checkpoint_hash", cp.Hash)
		return nil
	})
	return deleted, err
}

// AuthFailure is an aggregated run of failed API authentications from one
// source with one credential and reason (see authn.FailureAggregator).
// It never holds the presented secret.
type AuthFailure struct {
	// Credential is "api_key", "basic" or "malformed".
	Credential string
	// KeyID is the key id when the presented key parsed ("key_…").
	KeyID string
	// Login is the login name of failed HTTP Basic authentication.
	Login string
	// Fingerprint identifies a presented value that did not parse: the
	// first 8 bytes, in hex, of its SHA-256. "*" marks an overflow bucket.
	Fingerprint string
	Reason      string
	IP          string
	UserAgent   string
	// RequestID is that of the first failure of the run.
	RequestID   string
	Count       int64
	First, Last time.Time
}

// ActionAuthFailed is the action of aggregated authentication failures.
const ActionAuthFailed = "auth.failed"

// RecordAuthFailures appends one "auth.failed" event (outcome denied) per
// aggregated failure, in one transaction. Events name the key as key_id
// and target (with its name at the time when it exists), or the
// fingerprint or login as target, and carry count, first_at and last_at.
func (s *Service) RecordAuthFailures(ctx context.Context, fs []AuthFailure) error {
	if len(fs) == 0 {
		return nil
	}
	now := s.now()
	return s.store.Write(ctx, func(tx store.Tx) error {
		evs := make([]*signet.AuditEvent, 0, len(fs))
		for _, f := range fs {
			e := &signet.AuditEvent{
				ID: id.New(id.AuditEvent), Time: now, Action: ActionAuthFailed, Outcome: signet.OutcomeDenied,
				ActorKind: "anonymous", KeyID: f.KeyID, IP: f.IP, UserAgent: f.UserAgent, RequestID: f.RequestID,
				Details: map[string]any{
					"credential": f.Credential,
					"reason":     f.Reason,
					"count":      f.Count,
					"first_at":   f.First.UTC().Format(time.RFC3339Nano),
					"last_at":    f.Last.UTC().Format(time.RFC3339Nano),
				},
			}
			switch {
			case f.KeyID != "":
				e.TargetType, e.TargetID = "api_key", f.KeyID
				k, err := tx.GetAPIKey(ctx, f.KeyID)
				switch {
				case err == nil:
					e.TargetName = k.Name
					e.Details["owner_id"] = k.OwnerID
				case signet.ErrorCode(err) != signet.ENOTFOUND:
					return err
				}
			case f.Login != "":
				e.TargetType, e.TargetID, e.TargetName = "login", "", f.Login
			default:
				e.TargetType, e.TargetID = "credential", f.Fingerprint
			}
			evs = append(evs, e)
		}
		return tx.AppendAuditEvents(ctx, evs)
	})
}

// RecordKeyUsage writes coalesced last-used data and hourly activity
// counts in one transaction. Like RecordKeyUses it is bookkeeping: not
// audited, no cache invalidation.
func (s *Service) RecordKeyUsage(ctx context.Context, uses []signet.KeyUse, activity []signet.KeyActivity) error {
	if len(uses) == 0 && len(activity) == 0 {
		return nil
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		if err := tx.RecordKeyUses(ctx, uses); err != nil {
			return err
		}
		return tx.RecordKeyActivity(ctx, activity)
	})
}

// KeyActivity returns a key's hourly successful and failed
// authentications from since on, oldest first, by the visibility rules of
// GetAPIKey. Counts reach storage with the last-used flush, so the current
// hour lags by up to that interval. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) KeyActivity(ctx context.Context, a *signet.Actor, keyID string, since time.Time) ([]signet.KeyActivity, error) {
	var out []signet.KeyActivity
	err := s.view(ctx, a, func(o *op) error {
		k, err := o.tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "API key %q not found", keyID)
		}
		if !o.canSeeKey(k) {
			return forbidden("", "api_keys:read")
		}
		out, err = o.tx.ListKeyActivity(ctx, k.ID, since)
		return err
	})
	return out, err
}

// KeysActivity returns the hourly successful and failed authentications
// of several keys from since on, by key id (oldest first; a key without
// activity has no entry), reading them in one query: for a page of keys,
// such as the UI's charts. keys are as ListAPIKeys or GetAPIKey returned
// them to a (a key's owner and kind never change); each must be visible to
// a by the rules of GetAPIKey. At most signet.MaxPageSize keys. Returns
// EINVALID, EFORBIDDEN.
func (s *Service) KeysActivity(ctx context.Context, a *signet.Actor, keys []*signet.APIKey, since time.Time) (map[string][]signet.KeyActivity, error) {
	if len(keys) > signet.MaxPageSize {
		return nil, signet.Errorf(signet.EINVALID, "at most %d keys at a time", signet.MaxPageSize)
	}
	out := map[string][]signet.KeyActivity{}
	if len(keys) == 0 {
		return out, nil
	}
	err := s.view(ctx, a, func(o *op) error {
		clear(out)
		ids := make([]string, 0, len(keys))
		for _, k := range keys {
			if !o.canSeeKey(k) {
				return forbidden("", "api_keys:read")
			}
			ids = append(ids, k.ID)
		}
		rows, err := o.tx.ListKeysActivity(ctx, ids, since)
		for _, r := range rows {
			out[r.KeyID] = append(out[r.KeyID], r)
		}
		return err
	})
	return out, err
}
