package service

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// Every password Signet checks — UI sign-in, HTTP Basic on the API, the
// CLI's sign-in, the current password of a credential change — goes
// through AuthenticatePassword or proveCurrentPassword, and so through the
// two guards of this file:
//
//   - The attempt throttle counts an attempt against the account (the
//     login as typed, lower-cased) and the source IP *before* the password
//     is checked, atomically with the test of the limits: once
//     PasswordFailuresPerAccount attempts for an account, or
//     PasswordFailuresPerIP from an address, have not succeeded within
//     PasswordWindow, further attempts are refused with ERATELIMITED until
//     the window ends. Concurrent attempts cannot all slip through a check
//     made before any of them failed. A success clears its account's count
//     and takes itself off the address's. The one-time setup link counts
//     against the address the same way.
//   - The hash limiter bounds how many bcrypt computations run at once (by
//     default half the CPUs, at least one) and how many wait for one
//     (passwordHashQueuePerSlot per slot, at most passwordHashMaxWait);
//     beyond that a request is refused at once with ERATELIMITED. bcrypt
//     is slow on purpose, so unauthenticated requests could otherwise
//     starve key verification, which every service behind Signet waits on,
//     of CPU.
const (
	PasswordWindow             = 15 * time.Minute
	PasswordFailuresPerAccount = 5
	PasswordFailuresPerIP      = 20
	// throttleMaxKeys bounds the memory of the throttle; when full,
	// expired windows are dropped, and if that is not enough it starts
	// over (an attacker able to fill it is already stopped per IP).
	throttleMaxKeys = 100_000

	passwordHashQueuePerSlot = 4
	passwordHashMaxWait      = 2 * time.Second
)

// errHashBusy refuses a password check when the hash limiter is full.
var errHashBusy = &signet.Error{Code: signet.ERATELIMITED, Reason: "busy", RetryAfter: time.Second,
	Message: "too many passwords are being checked at the moment; try again in a second"}

func errThrottled(wait time.Duration) error {
	return &signet.Error{Code: signet.ERATELIMITED, Reason: "login_throttled", RetryAfter: wait,
		Message: "too many failed sign-in attempts; try again in " + roundUp(wait).String()}
}

// throttleKeys are the counters an attempt for login from ip counts
// against.
func throttleKeys(login, ip string) []string {
	return []string{"login:" + strings.ToLower(strings.TrimSpace(login)), "ip:" + ip}
}

// prehash validates a new password and returns its bcrypt hash, computed
// outside any transaction because bcrypt is slow on purpose and the
// database serialises writers, and through the hash limiter. An invalid
// password yields "" and no error: the operation reports it after
// authorising, so that an unauthorised caller learns nothing from it.
func (s *Service) prehash(ctx context.Context, password string) (string, error) {
	if password == "" || validatePassword(password) != nil {
		return "", nil
	}
	var h []byte
	var err error
	if lerr := s.hashes.run(ctx, func() { h, err = bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost) }); lerr != nil {
		return "", lerr
	}
	if err != nil {
		return "", signet.Internal("service.prehash", err)
	}
	return string(h), nil
}

// dummyHash returns a bcrypt hash at the service's cost that no password
// matches, compared against when there is no real hash so that a failed
// sign-in takes as long whether or not the account exists.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("signet: no password matches this"), s.bcryptCost)
		if err != nil {
			panic("service: bcrypt failed: " + err.Error())
		}
		s.dummy = h
	})
	return s.dummy
}

// AuthenticatePassword checks a login and password, throttled and through
// the hash limiter (see the top of this file). A login containing '@' is a
// human's email; a login naming a service account is refused with Reason
// "service_account" and a clear message; every other failure (unknown
// email, wrong password, no password set, disabled user) gets one generic
// EUNAUTHENTICATED with Reason "invalid_credentials", after the same
// bcrypt work, so neither the message nor the timing reveals which
// accounts exist. The source IP comes from signet.RequestInfo in ctx.
// Returns EUNAUTHENTICATED, ERATELIMITED.
func (s *Service) AuthenticatePassword(ctx context.Context, login, password string) (*signet.User, error) {
	login = strings.TrimSpace(login)
	// Password sign-in turned off (sso_providers.go): refused before any
	// password is checked, except for the break-glass administrator.
	if err := s.checkPasswordLoginAllowed(ctx, login); err != nil {
		return nil, err
	}
	keys := throttleKeys(login, signet.RequestInfoFrom(ctx).IP)
	if wait := s.throttle.reserve(s.now(), keys...); wait > 0 {
		s.logger.WarnContext(ctx, "password attempt throttled", "ip", signet.RequestInfoFrom(ctx).IP)
		return nil, errThrottled(wait)
	}
	u, err := s.checkPassword(ctx, login, password)
	switch {
	case err == nil:
		s.throttle.succeeded(keys[0], keys[1:]...)
	case signet.ErrorCode(err) != signet.EUNAUTHENTICATED:
		// Busy, or storage trouble: nothing was guessed.
		s.throttle.release(keys...)
	}
	return u, err
}

// CheckPasswordThrottle reports, without counting an attempt, whether
// attempts for login from the request's IP are being refused. HTTP Basic
// consults it before its cache of recent successes, so that an account
// locked by failed attempts is locked on every path.
// Returns ERATELIMITED.
func (s *Service) CheckPasswordThrottle(ctx context.Context, login string) error {
	if wait := s.throttle.blocked(s.now(), throttleKeys(login, signet.RequestInfoFrom(ctx).IP)...); wait > 0 {
		return errThrottled(wait)
	}
	return nil
}

// checkPassword is AuthenticatePassword without the throttle.
func (s *Service) checkPassword(ctx context.Context, login, password string) (*signet.User, error) {
	var u *signet.User
	var isSA bool
	err := s.store.Read(ctx, func(tx store.Tx) error {
		u, isSA = nil, false
		if strings.Contains(login, "@") {
			found, err := tx.GetUserByEmail(ctx, login)
			switch {
			case err == nil:
				u = found
				return nil
			case signet.ErrorCode(err) != signet.ENOTFOUND:
				return err
			}
		}
		// Service account names may contain '@'; look them up last.
		_, err := tx.GetServiceAccountByName(ctx, login)
		switch {
		case err == nil:
			isSA = true
		case signet.ErrorCode(err) != signet.ENOTFOUND:
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if isSA {
		return nil, errSALogin
	}
	var match bool
	if err := s.hashes.run(ctx, func() {
		hash := s.dummyHash()
		if u != nil && u.PasswordHash != "" {
			hash = []byte(u.PasswordHash)
		}
		match = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	}); err != nil {
		return nil, err
	}
	if u == nil || u.PasswordHash == "" || !match || u.Status != signet.StatusActive || u.Kind != signet.KindHuman {
		return nil, errBadLogin
	}
	c := *u
	c.PasswordHash = ""
	return &c, nil
}

// passwordProof is the outcome of checking a user's current password
// before a transaction; matches tells, inside it, whether the proof still
// holds (the password was not changed meanwhile).
type passwordProof struct {
	hash string
	ok   bool
}

func (p passwordProof) matches(u *signet.User) bool {
	return p.ok && u.PasswordHash != "" && p.hash == u.PasswordHash
}

// proveCurrentPassword checks the current password of user userID, as a
// sign-in attempt for that user's email: throttled and counted the same
// way, so a stolen session cannot be used to guess it. A wrong password is
// not an error here; the caller refuses inside its transaction, where the
// refusal is audited. Returns ERATELIMITED, or a storage error.
func (s *Service) proveCurrentPassword(ctx context.Context, userID, password string) (passwordProof, error) {
	var u *signet.User
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.GetUser(ctx, userID)
		return err
	})
	if signet.ErrorCode(err) == signet.ENOTFOUND {
		return passwordProof{}, nil
	}
	if err != nil {
		return passwordProof{}, err
	}
	keys := throttleKeys(u.Email, signet.RequestInfoFrom(ctx).IP)
	if wait := s.throttle.reserve(s.now(), keys...); wait > 0 {
		return passwordProof{}, errThrottled(wait)
	}
	var match bool
	if err := s.hashes.run(ctx, func() {
		hash := s.dummyHash()
		if u.PasswordHash != "" {
			hash = []byte(u.PasswordHash)
		}
		match = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && u.PasswordHash != ""
	}); err != nil {
		s.throttle.release(keys...)
		return passwordProof{}, err
	}
	if match {
		s.throttle.succeeded(keys[0], keys[1:]...)
	}
	return passwordProof{hash: u.PasswordHash, ok: match}, nil
}

// dummyState holds the lazily computed dummy hash.
type dummyState struct {
	dummyOnce sync.Once
	dummy     []byte
}

// hashLimiter bounds concurrent bcrypt work: slots run at once, up to
// maxQueue more wait at most maxWait, the rest are refused at once.
type hashLimiter struct {
	slots    chan struct{}
	queued   atomic.Int32
	maxQueue int32
	maxWait  time.Duration
}

// newHashLimiter returns a limiter with n slots; n <= 0 means half the
// CPUs Go may use, at least one.
func newHashLimiter(n int) *hashLimiter {
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &hashLimiter{slots: make(chan struct{}, n), maxQueue: int32(n * passwordHashQueuePerSlot), maxWait: passwordHashMaxWait}
}

// run runs fn in a slot, or returns errHashBusy.
func (l *hashLimiter) run(ctx context.Context, fn func()) error {
	select {
	case l.slots <- struct{}{}:
	default:
		if l.queued.Add(1) > l.maxQueue {
			l.queued.Add(-1)
			return errHashBusy
		}
		t := time.NewTimer(l.maxWait)
		select {
		case l.slots <- struct{}{}:
			t.Stop()
			l.queued.Add(-1)
		case <-t.C:
			l.queued.Add(-1)
			return errHashBusy
		case <-ctx.Done():
			t.Stop()
			l.queued.Add(-1)
			return errHashBusy
		}
	}
	defer func() { <-l.slots }()
	fn()
	return nil
}

// attemptThrottle counts password attempts per key in fixed windows.
type attemptThrottle struct {
	mu      sync.Mutex // guards windows
	windows map[string]*attemptWindow
}

type attemptWindow struct {
	start time.Time
	count int
}

func throttleLimit(key string) int {
	if strings.HasPrefix(key, "ip:") {
		return PasswordFailuresPerIP
	}
	return PasswordFailuresPerAccount
}

// live returns key's window at now, or nil when it has none or it ended.
func (t *attemptThrottle) live(key string, now time.Time) *attemptWindow {
	w, ok := t.windows[key]
	if !ok || now.Sub(w.start) >= PasswordWindow {
		return nil
	}
	return w
}

// waitLocked returns how long the first of keys that reached its limit
// stays blocked; 0 when none has. t.mu is held.
func (t *attemptThrottle) waitLocked(now time.Time, keys []string) time.Duration {
	var wait time.Duration
	for _, k := range keys {
		if w := t.live(k, now); w != nil && w.count >= throttleLimit(k) {
			wait = max(wait, w.start.Add(PasswordWindow).Sub(now))
		}
	}
	return wait
}

// blocked returns how long attempts for keys are refused; 0 when they are
// not.
func (t *attemptThrottle) blocked(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waitLocked(now, keys)
}

// reserve counts one attempt against every key unless one of them has
// reached its limit, in which case it counts nothing and returns how long
// the block lasts. The attempt counts as a failure until succeeded or
// release says otherwise.
func (t *attemptThrottle) reserve(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if wait := t.waitLocked(now, keys); wait > 0 {
		return wait
	}
	if t.windows == nil {
		t.windows = make(map[string]*attemptWindow)
	}
	if len(t.windows) >= throttleMaxKeys {
		for k, w := range t.windows {
			if now.Sub(w.start) >= PasswordWindow {
				delete(t.windows, k)
			}
		}
		if len(t.windows) >= throttleMaxKeys {
			clear(t.windows)
		}
	}
	for _, k := range keys {
		w := t.live(k, now)
		if w == nil {
			w = &attemptWindow{start: now}
			t.windows[k] = w
		}
		w.count++
	}
	return 0
}

// succeeded forgets account's attempts and takes this attempt off the
// others' counts.
func (t *attemptThrottle) succeeded(account string, others ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.windows, account)
	t.uncountLocked(others)
}

// release takes an attempt that checked no password off every key's count.
func (t *attemptThrottle) release(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.uncountLocked(keys)
}

func (t *attemptThrottle) uncountLocked(keys []string) {
	for _, k := range keys {
		if w, ok := t.windows[k]; ok && w.count > 0 {
			w.count--
		}
	}
}
