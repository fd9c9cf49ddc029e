package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/webhook"
	"github.com/signetdev/signet/store"
)

// The Dispatcher sends webhook deliveries. One runs in every serving
// process. It claims due deliveries in a write transaction by leasing them
// (store.Tx.ClaimWebhookDeliveries: FOR UPDATE SKIP LOCKED on PostgreSQL,
// the single writer on SQLite), so that each is attempted by one process
// at a time; a process that dies mid-delivery gives its leases up when they
// run out, and another process attempts them again.
//
// The guarantee is at least once: a delivery is repeated until a receiver
// answers 2xx or its retry window ends, and a process killed between a
// receiver's 2xx and recording it delivers it again after the lease. The
// webhook-id header (the event id) is the same on every attempt, so that
// receivers de-duplicate. Ordering: deliveries of an endpoint are first
// attempted in the order their events were committed, but run concurrently
// and retried independently, so receivers that need order sort by the
// payload's seq (the audit chain's position) or timestamp.

// Webhook delivery outcomes, as counted by DispatcherOptions.OnAttempt.
const (
	OutcomeDelivered    = "success"       // the receiver answered 2xx
	OutcomeHTTPError    = "http_error"    // the receiver answered, but not 2xx
	OutcomeNetworkError = "network_error" // no answer: connection refused, reset, TLS…
	OutcomeTimeout      = "timeout"       // no answer in time
	OutcomeRefused      = "refused"       // the receiver's address is not allowed (Guard)
	OutcomeNoSecret     = "no_secret"     // the signing secret does not open with this process's key
)

// DispatcherOptions configure a Dispatcher. Zero fields take defaults.
type DispatcherOptions struct {
	// Concurrency is how many deliveries run at once; 0 means 8.
	Concurrency int
	// Poll is how often the database is asked for due deliveries when
	// nothing nudges the dispatcher (deliveries created by other replicas
	// are found this way); 0 means one second.
	Poll time.Duration
	// MinBackoff is the delay before the second attempt; each later one
	// waits three times longer, up to MaxBackoff, with ±20% jitter.
	// 0 means 30 s and 6 h.
	MinBackoff, MaxBackoff time.Duration
	// OnAttempt is told the outcome and latency of every attempt (metrics).
	OnAttempt func(outcome string, latency time.Duration)
	// Owner names this process in leases; "" means host, pid and a random
	// suffix.
	Owner string
}

// Dispatcher delivers webhooks; see above.
type Dispatcher struct {
	s      *Service
	client *http.Client
	opts   DispatcherOptions
	// lease is how long a claimed delivery is this process's: twice the
	// longest attempt and then some, so that a live process never loses
	// one, and short, so that a dead one's deliveries are soon taken over.
	lease time.Duration
	nudge chan struct{}
	wg    sync.WaitGroup
}

// NewDispatcher returns the Dispatcher of s. Call Run to start it.
func (s *Service) NewDispatcher(opts DispatcherOptions) *Dispatcher {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 6 * time.Hour
	}
	if opts.OnAttempt == nil {
		opts.OnAttempt = func(string, time.Duration) {}
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		var r [4]byte
		rand.Read(r[:])
		opts.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(r[:]))
	}
	timeout := s.webhooks.Guard.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d := &Dispatcher{s: s, client: s.webhooks.Guard.Client(), opts: opts, lease: 2*timeout + 5*time.Second,
		nudge: make(chan struct{}, 1)}
	s.webhookNudge.Store(&d.nudge)
	return d
}

// nudgeWebhooks wakes the dispatcher of this process, if any: a commit may
// have created deliveries.
func (s *Service) nudgeWebhooks() {
	if p := s.webhookNudge.Load(); p != nil {
		select {
		case *p <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx is done, then waits for the deliveries in flight:
// their requests are cancelled and their leases released, so that they are
// attempted again at once (by this process after a restart, or another).
func (d *Dispatcher) Run(ctx context.Context) {
	slots := make(chan struct{}, d.opts.Concurrency)
	done := make(chan struct{}, d.opts.Concurrency)
	defer d.wg.Wait()
	var pruned time.Time
	for {
		if now := time.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if n, err := d.PruneDeliveryLog(ctx); err != nil && ctx.Err() == nil {
				d.s.logger.WarnContext(ctx, "pruning the webhook delivery log failed", "err", err)
			} else if n > 0 {
				d.s.logger.InfoContext(ctx, "pruned the webhook delivery log", "deliveries", n)
			}
		}
		free := cap(slots) - len(slots)
		claimed := 0
		if free > 0 {
			batch, err := d.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				d.s.logger.WarnContext(ctx, "claiming webhook deliveries failed", "err", err)
			}
			claimed = len(batch)
			for _, del := range batch {
				slots <- struct{}{}
				d.wg.Add(1)
				go func() {
					defer d.wg.Done()
					d.deliver(ctx, del)
					<-slots
					done <- struct{}{}
				}()
			}
		}
		// With every slot busy, a finishing delivery wakes the loop (done);
		// otherwise it sleeps until the next delivery is due, at most Poll.
		wait := d.opts.Poll
		if claimed < free {
			if next, err := d.nextDue(ctx); err == nil && next != nil {
				wait = min(wait, max(next.Sub(d.s.now()), 0))
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-d.nudge:
		case <-done:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RunOnce claims what is due and delivers it, waiting for every attempt:
// a step of Run, for tests and the offline command.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	batch, err := d.claim(ctx, d.opts.Concurrency)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, del := range batch {
		wg.Go(func() { d.deliver(ctx, del) })
	}
	wg.Wait()
	return len(batch), nil
}

func (d *Dispatcher) claim(ctx context.Context, limit int) ([]*signet.WebhookDelivery, error) {
	// A read first: a replica with nothing due never takes the write lock.
	next, err := d.nextDue(ctx)
	if err != nil || next == nil || next.After(d.s.now()) {
		return nil, err
	}
	var out []*signet.WebhookDelivery
	err = d.s.store.Write(ctx, func(tx store.Tx) error {
		now := d.s.now()
		var err error
		out, err = tx.ClaimWebhookDeliveries(ctx, now, now.Add(d.lease), d.opts.Owner, limit)
		return err
	})
	return out, err
}

func (d *Dispatcher) nextDue(ctx context.Context) (*time.Time, error) {
	var next *time.Time
	err := d.s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		next, err = tx.NextWebhookDeliveryDue(ctx)
		return err
	})
	return next, err
}

// deliver makes one attempt at del and records it.
func (d *Dispatcher) deliver(ctx context.Context, del *signet.WebhookDelivery) {
	var ep *signet.WebhookEndpoint
	err := d.s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		ep, err = tx.GetWebhookEndpoint(ctx, del.EndpointID)
		return err
	})
	switch {
	case signet.ErrorCode(err) == signet.ENOTFOUND:
		return // deleted with its deliveries
	case err != nil:
		d.release(del)
		return
	case !ep.Enabled:
		d.release(del)
		return
	}
	a := d.attempt(ctx, ep, del)
	if ctx.Err() != nil && a.StatusCode == 0 {
		// Shutting down cut the attempt short, before any answer: it does
		// not count. (One that got its answer is recorded, so that a 2xx
		// is not sent again.)
		d.release(del)
		return
	}
	d.opts.OnAttempt(a.outcome, a.Latency)
	if err := d.record(context.WithoutCancel(ctx), ep, del, a); err != nil {
		d.s.logger.ErrorContext(ctx, "recording a webhook delivery attempt failed", "delivery_id", del.ID, "err", err)
	}
}

// attemptResult is an attempt and how it ended.
type attemptResult struct {
	signet.WebhookAttempt
	outcome    string
	retryAfter time.Duration
}

func (d *Dispatcher) attempt(ctx context.Context, ep *signet.WebhookEndpoint, del *signet.WebhookDelivery) attemptResult {
	now := d.s.now()
	a := attemptResult{WebhookAttempt: signet.WebhookAttempt{DeliveryID: del.ID, At: now}}
	secrets, err := d.s.webhookSecrets(ep, now)
	if err != nil {
		a.outcome, a.Error = OutcomeNoSecret, err.Error()
		return a
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(del.Payload))
	if err != nil {
		a.outcome, a.Error = OutcomeNetworkError, "the endpoint's URL does not make a request"
		return a
	}
	webhook.SetHeaders(req.Header, del.EventID, now, del.Payload, secrets...)
	req.Header.Set("User-Agent", "Signet-Webhooks/1")
	start := time.Now()
	resp, err := d.client.Do(req)
	a.Latency = time.Since(start)
	if err != nil {
		a.outcome, a.Error = classifyDeliveryError(err)
		return a
	}
	body := webhook.ReadResponse(resp)
	a.StatusCode = resp.StatusCode
	a.ResponseBody = strings.ToValidUTF8(string(body), string(utf8.RuneError))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		a.outcome = OutcomeDelivered
		return a
	}
	a.outcome = OutcomeHTTPError
	a.Error = fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		a.Error += " (redirects are not followed: configure the final URL)"
	}
	if ra, ok := webhook.RetryAfter(resp, now); ok {
		a.retryAfter = ra
	}
	return a
}

// classifyDeliveryError says why no answer came, without the request's URL
// (which may hold a receiver's token).
func classifyDeliveryError(err error) (outcome, msg string) {
	var ne net.Error
	switch {
	case errors.Is(err, webhook.ErrRefusedAddress):
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			return OutcomeRefused, op.Err.Error()
		}
		return OutcomeRefused, webhook.ErrRefusedAddress.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return OutcomeTimeout, "the receiver did not answer in time"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return OutcomeNetworkError, op.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return OutcomeNetworkError, dns.Error()
	}
	return OutcomeNetworkError, "the connection to the receiver failed"
}

// webhookSecrets opens an endpoint's signing secrets: the current one, and
// the previous one while its overlap lasts.
func (s *Service) webhookSecrets(ep *signet.WebhookEndpoint, now time.Time) ([]webhook.Secret, error) {
	if s.webhooks.Box == nil {
		return nil, errors.New("this process has no --secret-key-file, so it cannot open signing secrets")
	}
	open := func(sealed string) (webhook.Secret, error) {
		plain, err := s.webhooks.Box.Open(sealed, webhookSecretContext(ep.ID))
		if err != nil {
			return webhook.Secret{}, fmt.Errorf("the signing secret does not open with this process's --secret-key-file: %w", err)
		}
		return webhook.ParseSecret(string(plain))
	}
	cur, err := open(ep.Secret)
	if err != nil {
		return nil, err
	}
	out := []webhook.Secret{cur}
	if ep.PreviousSecret != "" && ep.PreviousSecretExpiresAt != nil && now.Before(*ep.PreviousSecretExpiresAt) {
		prev, err := open(ep.PreviousSecret)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// backoff is the delay after the n-th failed attempt.
func (d *Dispatcher) backoff(n int) time.Duration {
	f := float64(d.opts.MinBackoff) * math.Pow(3, float64(n-1))
	f = min(f, float64(d.opts.MaxBackoff))
	f *= 0.8 + 0.4*mrand.Float64()
	return time.Duration(f)
}

// record stores an attempt and what follows from it: the delivery's new
// state, and the endpoint's failure record (disabling it, audited, when it
// has failed for the whole retry window).
func (d *Dispatcher) record(ctx context.Context, ep *signet.WebhookEndpoint, del *signet.WebhookDelivery, a attemptResult) error {
	window := d.s.webhookRetryWindow()
	disabled := false
	err := d.s.store.Write(ctx, func(tx store.Tx) error {
		disabled = false
		cur, err := tx.GetWebhookDelivery(ctx, del.ID)
		if signet.ErrorCode(err) == signet.ENOTFOUND {
			return nil // its endpoint was deleted meanwhile
		}
		if err != nil {
			return err
		}
		if cur.Status != signet.DeliveryPending || cur.LeaseOwner != d.opts.Owner {
			return nil // another process took it over: this lease had run out
		}
		now := d.s.now()
		cur.Attempts++
		a.N = cur.Attempts
		if err := tx.AddWebhookAttempt(ctx, &a.WebhookAttempt); err != nil {
			return err
		}
		cur.LastAttemptAt, cur.LastStatusCode, cur.LastError = &a.At, a.StatusCode, a.Error
		cur.LeaseOwner, cur.LeaseUntil = "", nil
		e, err := tx.GetWebhookEndpoint(ctx, ep.ID)
		if err != nil {
			return err
		}
		if a.outcome == OutcomeDelivered {
			cur.Status = signet.DeliverySucceeded
			if e.FailingSince != nil {
				e.FailingSince = nil
				if err := tx.UpdateWebhookEndpoint(ctx, e); err != nil {
					return err
				}
			}
			return tx.UpdateWebhookDelivery(ctx, cur)
		}
		deadline := cur.CreatedAt.Add(window)
		if !now.Before(deadline) {
			cur.Status = signet.DeliveryFailed
		} else {
			wait := max(d.backoff(cur.Attempts), a.retryAfter)
			cur.NextAttemptAt = now.Add(wait)
			if cur.NextAttemptAt.After(deadline) {
				cur.NextAttemptAt = deadline // one last attempt as the window ends
			}
		}
		if err := tx.UpdateWebhookDelivery(ctx, cur); err != nil {
			return err
		}
		if e.FailingSince == nil {
			e.FailingSince = &a.At
			return tx.UpdateWebhookEndpoint(ctx, e)
		}
		if !e.Enabled || now.Sub(*e.FailingSince) < window {
			return nil
		}
		reason := fmt.Sprintf("every delivery attempt failed for %s (since %s); the last: %s",
			signet.FormatDuration(window), e.FailingSince.Format(time.RFC3339), a.Error)
		e.Enabled, e.DisabledReason, e.UpdatedAt = false, reason, now
		if err := tx.UpdateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		ev := d.s.newEvent(ctx, signet.SystemActor, "webhook_endpoint.disable", now)
		ev.Outcome = signet.OutcomeSuccess
		ev.TargetType, ev.TargetID, ev.TargetName = "webhook_endpoint", e.ID, RedactWebhookURL(e.URL)
		ev.Details = map[string]any{"reason": reason, "enabled": map[string]any{"old": true, "new": false}}
		disabled = true
		return tx.AppendAuditEvent(ctx, ev)
	})
	if err == nil && disabled {
		d.s.logger.WarnContext(ctx, "webhook endpoint disabled: its deliveries failed for the whole retry window",
			"endpoint_id", ep.ID, "url", RedactWebhookURL(ep.URL))
		d.s.onChange()
	}
	return err
}

// release gives a claimed delivery back, unattempted.
func (d *Dispatcher) release(del *signet.WebhookDelivery) {
	ctx := context.Background()
	err := d.s.store.Write(ctx, func(tx store.Tx) error {
		cur, err := tx.GetWebhookDelivery(ctx, del.ID)
		if err != nil || cur.LeaseOwner != d.opts.Owner {
			return nil
		}
		cur.LeaseOwner, cur.LeaseUntil = "", nil
		return tx.UpdateWebhookDelivery(ctx, cur)
	})
	if err != nil {
		d.s.logger.Warn("releasing a webhook delivery failed; it is attempted again when its lease runs out", "delivery_id", del.ID, "err", err)
	}
}

// PruneDeliveryLog deletes the finished deliveries older than the log's
// retention, and returns how many; each process runs it now and then (see
// Run), and pruning twice is harmless.
func (d *Dispatcher) PruneDeliveryLog(ctx context.Context) (int64, error) {
	keep := d.s.webhooks.LogRetention
	if keep <= 0 {
		keep = DefaultWebhookLogRetention
	}
	var n int64
	err := d.s.store.Write(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneWebhookDeliveries(ctx, d.s.now().Add(-keep))
		return err
	})
	return n, err
}

func (s *Service) webhookRetryWindow() time.Duration {
	if s.webhooks.RetryWindow > 0 {
		return s.webhooks.RetryWindow
	}
	return DefaultWebhookRetryWindow
}
