package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/httpedge"
)

func (s *server) listAuditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.AuditFilter{
		ActorID: q.Get("actor_id"), KeyID: q.Get("key_id"), Action: q.Get("action"),
		TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Query: q.Get("q"), Page: pg,
	}
	if f.Outcome, err = oneOf(q, "outcome", signet.OutcomeSuccess, signet.OutcomeDenied, signet.OutcomeError); err != nil {
		return err
	}
	if err := auditWindow(r, &f); err != nil {
		return err
	}
	evs, next, err := s.svc.ListAuditEvents(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(evs, next, auditEventJSON))
	return nil
}

// auditWindow reads the filters the audit list and the export share: the
// workspace and the time range.
func auditWindow(r *http.Request, f *signet.AuditFilter) error {
	q := r.URL.Query()
	var err error
	if f.WorkspaceID, err = workspaceID(r); err != nil {
		return err
	}
	if f.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	f.Until, err = timeParam(q, "until")
	return err
}

func (s *server) getAuditEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.svc.GetAuditEvent(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, e, err, auditEventJSON)
}

// verifyWriteWindow is how long verification may take before its answer
// is written: it reads the whole chain (≈ 16 s per million events), which
// can outlast the server's WriteTimeout.
const verifyWriteWindow = 30 * time.Minute

func (s *server) verifyAuditChain(w http.ResponseWriter, r *http.Request) error {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(verifyWriteWindow)) // not every writer supports it
	v, err := s.svc.VerifyAuditChain(r.Context(), actor(r))
	return reply(w, http.StatusOK, v, err, AuditChainStatusJSON)
}

// AuditChainStatusJSON is the wire form of a chain verification, shared
// with the CLI's offline verification.
func AuditChainStatusJSON(v *signet.AuditVerification) client.AuditChainStatus {
	out := client.AuditChainStatus{OK: v.OK, Checked: v.Checked, HeadSeq: v.HeadSeq, HeadHash: v.HeadHash}
	if v.From != nil {
		out.Checkpoint = &client.AuditCheckpoint{Seq: v.From.Seq, Hash: v.From.Hash, PrunedAt: v.From.PrunedAt}
	}
	if v.Break != nil {
		out.Break = &client.AuditChainBreak{Seq: v.Break.Seq, EventID: v.Break.ID, Problem: v.Break.Problem, Message: v.Break.Message}
	}
	return out
}

// exportFlushEvery is how many events the export writes between flushes
// (and write-deadline extensions).
const exportFlushEvery = 1000

// exportWriteWindow is how long the client gets to take each batch of an
// export; the server's WriteTimeout would otherwise cut a long export.
const exportWriteWindow = time.Minute

// exportAuditEvents streams events as JSON Lines, oldest first. The
// service reads them in batches and each event is encoded straight to the
// response, flushed every exportFlushEvery events, so memory stays
// constant whatever the number of events. Errors before the first event
// are answered normally; a failure mid-stream aborts the response (no
// final chunk), so the client sees an error rather than a clean end.
func (s *server) exportAuditEvents(w http.ResponseWriter, r *http.Request) error {
	var f signet.AuditFilter
	if err := auditWindow(r, &f); err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	err := s.svc.ExportAuditEvents(r.Context(), actor(r), f, func(e *signet.AuditEvent) error {
		if n == 0 {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
		}
		if n%exportFlushEvery == 0 {
			if n > 0 {
				if err := rc.Flush(); err != nil {
					return err
				}
			}
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)) // not every writer supports it
		}
		n++
		return enc.Encode(auditEventJSON(e))
	})
	if err != nil && n > 0 {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "audit export cut short",
			slog.String("request_id", httpedge.RequestID(r.Context())), slog.Int("events", n), slog.String("err", err.Error()))
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
	}
	return nil
}
