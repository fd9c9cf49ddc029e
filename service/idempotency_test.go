package service

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
)

func TestIdempotency(t *testing.T) { t.Parallel(); testdb.ForEach(t, testIdempotency) }

func testIdempotency(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const key = "4d3c5b1e-8f6a-4f0e-9a57-0c2b3d4e5f60"
	request := []byte("POST /api/v1/service-accounts/sa_1/api-keys\n{\"name\":\"prod\"}")
	secret := "sgn_sa_SECRET-THAT-MUST-NOT-BE-STORED-IN-CLEAR"
	answer := &IdempotentResponse{Status: 201, ContentType: "application/json", Location: "/api/v1/api-keys/key_1",
		Body: []byte(`{"key":"` + secret + `"}`)}
	reason := func(err error) string {
		var se *signet.Error
		if errors.As(err, &se) {
			return se.Code + "/" + se.Reason
		}
		return ""
	}

	call, replay, err := e.svc.BeginIdempotent(ctx, e.admin, key, request)
	if err != nil || call == nil || replay != nil {
		t.Fatalf("first BeginIdempotent = %v, %v, %v; want a call", call, replay, err)
	}
	// While the first request runs, a retry is refused.
	_, _, err = e.svc.BeginIdempotent(ctx, e.admin, key, request)
	if got := reason(err); got != "conflict/"+ReasonIdempotencyInProgress {
		t.Errorf("BeginIdempotent while running = %v (%s); want conflict/%s", err, got, ReasonIdempotencyInProgress)
	}
	if err := e.svc.CompleteIdempotent(ctx, call, answer); err != nil {
		t.Fatalf("CompleteIdempotent = %v", err)
	}

	// The database holds the answer sealed: not the secret.
	err = e.st.Read(ctx, func(tx store.Tx) error {
		var found bool
		for _, scope := range []string{e.admin.UserID + "/" + e.admin.KeyID} {
			r, err := tx.GetIdempotencyRecord(ctx, scope, call.keyHash)
			if err != nil {
				return err
			}
			found = true
			if bytes.Contains(r.Response, []byte("SECRET")) || bytes.Contains(r.Response, answer.Body) {
				t.Errorf("the stored answer holds the secret in clear")
			}
		}
		if !found {
			t.Errorf("no record stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		actor   *signet.Actor
		key     string
		request []byte
		advance time.Duration
		want    string // "replay", "call" or code/reason
	}{
		{"same key, same request: the first answer", e.admin, key, request, 0, "replay"},
		{"same key, another body", e.admin, key, append(bytes.Clone(request), ' '), 0, "invalid/" + ReasonIdempotencyKeyReused},
		{"another caller, same key: its own", &signet.Actor{UserID: "usr_other", KeyID: "key_other", Kind: signet.KindServiceAccount}, key, request, 0, "call"},
		{"too short", e.admin, "short", request, 0, "bad_request/" + ReasonIdempotencyKeyMalformed},
		{"too long", e.admin, strings.Repeat("k", 256), request, 0, "bad_request/" + ReasonIdempotencyKeyMalformed},
		{"a space", e.admin, "0123456789 abcdef", request, 0, "bad_request/" + ReasonIdempotencyKeyMalformed},
		{"not ASCII", e.admin, "0123456789abcdéf", request, 0, "bad_request/" + ReasonIdempotencyKeyMalformed},
		{"still remembered just before the window ends", e.admin, key, request, IdempotencyWindow - time.Second, "replay"},
		{"forgotten after the window: runs again", e.admin, key, request, time.Second, "call"},
	}
	for _, tc := range tests {
		e.advance(tc.advance)
		call, replay, err := e.svc.BeginIdempotent(ctx, tc.actor, tc.key, tc.request)
		var got string
		switch {
		case err != nil:
			got = reason(err)
		case replay != nil:
			got = "replay"
			if replay.Status != answer.Status || replay.Location != answer.Location || replay.ContentType != answer.ContentType || !bytes.Equal(replay.Body, answer.Body) {
				t.Errorf("%s: replay = %+v; want %+v", tc.name, replay, answer)
			}
		case call != nil:
			got = "call"
		}
		if got != tc.want {
			t.Errorf("%s: BeginIdempotent = %q (%v); want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestIdempotencyServerErrorsRunAgain: a 5xx answer is not kept, and a
// request whose server stopped before recording its answer is reported as
// such once it is stale.
func TestIdempotencyServerErrorsRunAgain(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testIdempotencyServerErrorsRunAgain)
}

func testIdempotencyServerErrorsRunAgain(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const key = "9b2f4c1d-0000-4000-8000-00000000abcd"
	req := []byte("POST /api/v1/groups\n{}")
	call, _, err := e.svc.BeginIdempotent(ctx, e.admin, key, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CompleteIdempotent(ctx, call, &IdempotentResponse{Status: 503, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	call, replay, err := e.svc.BeginIdempotent(ctx, e.admin, key, req)
	if err != nil || call == nil || replay != nil {
		t.Fatalf("BeginIdempotent after a 503 = %v, %v, %v; want a call (it runs again)", call, replay, err)
	}
	// Never completed (its server stopped): after a minute the message
	// says the outcome is unknown.
	e.advance(2 * time.Minute)
	_, _, err = e.svc.BeginIdempotent(ctx, e.admin, key, req)
	if signet.ErrorCode(err) != signet.ECONFLICT || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("BeginIdempotent of a stale request = %v; want a conflict saying its outcome is unknown", err)
	}
}
