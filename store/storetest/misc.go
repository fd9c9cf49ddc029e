package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/store"
)

func session(u *signet.User, token string, expires time.Time) *signet.Session {
	return &signet.Session{
		ID: id.New(id.Session), UserID: u.ID, TokenHash: sha256.Sum256([]byte(token)),
		CreatedAt: t0, ExpiresAt: expires, LastSeenAt: t0, IP: "192.0.2.1", UserAgent: "browser",
	}
}

func testSessions(t *testing.T, s store.Store) {
	ada, bob := human("Ada", "ada@example.com"), human("Bob", "bob@example.com")
	live := session(ada, "live", at(time.Hour))
	second := session(ada, "second", at(2*time.Hour))
	expired := session(ada, "expired", at(time.Minute))
	bobs := session(bob, "bob", at(time.Hour))
	create(t, s, ada, bob, live, second, expired, bobs)

	getByToken := func(token string) (*signet.Session, error) {
		var got *signet.Session
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetSessionByTokenHash(t.Context(), sha256.Sum256([]byte(token)))
			return err
		})
		return got, err
	}
	got, err := getByToken("live")
	if err != nil {
		t.Fatalf("GetSessionByTokenHash(live) = %v; want nil", err)
	}
	wantEqual(t, "GetSessionByTokenHash(live)", got, live)
	_, err = getByToken("unknown")
	wantCode(t, "GetSessionByTokenHash(unknown)", err, signet.ENOTFOUND)

	dup := session(bob, "live", at(time.Hour)) // same token hash
	err = writeErr(t, s, func(tx store.Tx) error { return tx.CreateSession(t.Context(), dup) })
	wantCode(t, "CreateSession(duplicate token hash)", err, signet.ECONFLICT)

	write(t, s, func(tx store.Tx) error { return tx.TouchSession(t.Context(), live.ID, at(5*time.Minute)) })
	got, _ = getByToken("live")
	wantEqual(t, "LastSeenAt after TouchSession", got.LastSeenAt, at(5*time.Minute))

	write(t, s, func(tx store.Tx) error { return tx.RevokeSession(t.Context(), second.ID, at(10*time.Minute)) })
	write(t, s, func(tx store.Tx) error { return tx.RevokeSession(t.Context(), second.ID, at(20*time.Minute)) })
	got, _ = getByToken("second")
	wantEqual(t, "RevokedAt after revoking twice", got.RevokedAt, ptr(at(10*time.Minute)))

	missing := []struct {
		name string
		fn   func(store.Tx) error
	}{
		{"TouchSession", func(tx store.Tx) error { return tx.TouchSession(t.Context(), "ses_missing", t0) }},
		{"RevokeSession", func(tx store.Tx) error { return tx.RevokeSession(t.Context(), "ses_missing", t0) }},
	}
	for _, tc := range missing {
		wantCode(t, tc.name+`("ses_missing")`, writeErr(t, s, tc.fn), signet.ENOTFOUND)
	}

	list := func(u *signet.User, now time.Time) []string {
		var got []*signet.Session
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ListUserSessions(t.Context(), u.ID, now)
			return err
		})
		return ids(got, func(s *signet.Session) string { return s.ID })
	}
	wantEqual(t, "ListUserSessions(Ada, t0+30m)", list(ada, at(30*time.Minute)), []string{live.ID})
	wantEqual(t, "ListUserSessions(Ada, t0+1h)", list(ada, at(time.Hour)), []string{})

	write(t, s, func(tx store.Tx) error { return tx.RevokeUserSessions(t.Context(), ada.ID, at(40*time.Minute)) })
	wantEqual(t, "ListUserSessions(Ada) after RevokeUserSessions", list(ada, t0), []string{})
	wantEqual(t, "ListUserSessions(Bob) after revoking Ada's", list(bob, t0), []string{bobs.ID})
	got, _ = getByToken("second")
	wantEqual(t, "RevokedAt of a session revoked earlier", got.RevokedAt, ptr(at(10*time.Minute)))
	got, _ = getByToken("live")
	wantEqual(t, "RevokedAt after RevokeUserSessions", got.RevokedAt, ptr(at(40*time.Minute)))
}

func testSettings(t *testing.T, s store.Store) {
	get := func(key string) (string, error) {
		var v string
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			v, err = tx.GetSetting(t.Context(), key)
			return err
		})
		return v, err
	}
	_, err := get("installation_id")
	wantCode(t, `GetSetting("installation_id") before PutSetting`, err, signet.ENOTFOUND)

	steps := []struct {
		value string
	}{{"first"}, {"second"}, {""}}
	for _, st := range steps {
		write(t, s, func(tx store.Tx) error { return tx.PutSetting(t.Context(), "installation_id", st.value) })
		v, err := get("installation_id")
		if err != nil || v != st.value {
			t.Errorf("GetSetting after PutSetting(%q) = %q, %v; want %q, nil", st.value, v, err, st.value)
		}
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteSetting(t.Context(), "installation_id") })
	_, err = get("installation_id")
	wantCode(t, `GetSetting("installation_id") after DeleteSetting`, err, signet.ENOTFOUND)
	write(t, s, func(tx store.Tx) error { return tx.DeleteSetting(t.Context(), "never_set") })
}

func testPermissionDomains(t *testing.T, s store.Store) {
	metrics := &signet.PermissionDomain{Name: "metrics", Description: "Metrics", CreatedAt: t0}
	tables := &signet.PermissionDomain{Name: "tables", Description: "Tables", CreatedAt: at(time.Hour)}
	collections := &signet.PermissionDomain{Name: "collections", CreatedAt: t0}
	write(t, s, func(tx store.Tx) error {
		for _, d := range []*signet.PermissionDomain{tables, metrics, collections} {
			if err := tx.CreatePermissionDomain(t.Context(), d); err != nil {
				return err
			}
		}
		return nil
	})
	err := writeErr(t, s, func(tx store.Tx) error {
		return tx.CreatePermissionDomain(t.Context(), &signet.PermissionDomain{Name: "metrics", CreatedAt: t0})
	})
	wantCode(t, `CreatePermissionDomain("metrics") again`, err, signet.ECONFLICT)

	read(t, s, func(tx store.Tx) error {
		got, err := tx.ListPermissionDomains(t.Context())
		wantEqual(t, "ListPermissionDomains", got, []*signet.PermissionDomain{collections, metrics, tables})
		return err
	})
}

func testRollback(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	ws := workspace("Main")
	errBoom := errors.New("boom")
	err := s.Write(t.Context(), func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.CreateUser(ctx, sa); err != nil {
			return err
		}
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		if err := tx.AppendAuditEvent(ctx, event("service_account.create")); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "k", "v"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write(fn failing) = %v; want the error of fn", err)
	}

	// A store error returned by fn is returned unchanged, too.
	err = s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateUser(t.Context(), serviceAccount("other")); err != nil {
			return err
		}
		_, err := tx.GetUser(t.Context(), "usr_missing")
		return err
	})
	wantCode(t, "Write(fn returning ENOTFOUND)", err, signet.ENOTFOUND)

	read(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		_, err := tx.GetUser(ctx, sa.ID)
		wantCode(t, "GetUser(rolled back)", err, signet.ENOTFOUND)
		_, err = tx.GetWorkspace(ctx, ws.ID)
		wantCode(t, "GetWorkspace(rolled back)", err, signet.ENOTFOUND)
		_, err = tx.GetSetting(ctx, "k")
		wantCode(t, "GetSetting(rolled back)", err, signet.ENOTFOUND)
		n, err := tx.CountUsers(ctx, "")
		wantEqual(t, "CountUsers after rollbacks", n, 0)
		return err
	})
	if events := allEvents(t, s); len(events) != 0 {
		t.Errorf("len(ListAuditEvents) after rollback = %d; want 0", len(events))
	}

	// The chain continues from the last committed event, not a rolled-back one.
	create(t, s, event("a"))
	_ = s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.AppendAuditEvent(t.Context(), event("rolled back")); err != nil {
			return err
		}
		return errBoom
	})
	create(t, s, event("b"))
	checkChain(t, allEvents(t, s))
}

func testCanceledContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, serviceAccount("etl-bot"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write(canceled context) = %v; want context.Canceled", err)
	}
	err = s.Read(ctx, func(tx store.Tx) error {
		_, err := tx.CountUsers(ctx, "")
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Read(canceled context) = %v; want context.Canceled", err)
	}
	read(t, s, func(tx store.Tx) error {
		n, err := tx.CountUsers(t.Context(), "")
		wantEqual(t, "CountUsers after a canceled Write", n, 0)
		return err
	})
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v; want nil", err)
	}
}

// testConcurrentWrites runs writers (and readers) from several goroutines;
// every write lands, and the audit events form one valid chain.
func testConcurrentWrites(t *testing.T, s store.Store) {
	const writers, perWriter = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				err := s.Write(t.Context(), func(tx store.Tx) error {
					ctx := t.Context()
					sa := serviceAccount(fmt.Sprintf("bot-%d-%d", w, i))
					if err := tx.CreateUser(ctx, sa); err != nil {
						return err
					}
					e := event("service_account.create")
					e.TargetID = sa.ID
					return tx.AppendAuditEvent(ctx, e)
				})
				if err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range perWriter {
				err := s.Read(t.Context(), func(tx store.Tx) error {
					_, _, err := tx.ListAuditEvents(t.Context(), signet.AuditFilter{})
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Write or Read = %v; want nil", err)
	}

	events := allEvents(t, s)
	if len(events) != writers*perWriter {
		t.Fatalf("len(ListAuditEvents) = %d; want %d", len(events), writers*perWriter)
	}
	checkChain(t, events)
	read(t, s, func(tx store.Tx) error {
		n, err := tx.CountUsers(t.Context(), signet.KindServiceAccount)
		wantEqual(t, "CountUsers after concurrent writes", n, writers*perWriter)
		return err
	})
}
