package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// allEvents returns every audit event, oldest first, walking the pages of
// ListAuditEvents.
func allEvents(tb testing.TB, s store.Store) []*signet.AuditEvent {
	tb.Helper()
	events := walk(tb, s, 7, func(tx store.Tx, p signet.Page) ([]*signet.AuditEvent, string, error) {
		return tx.ListAuditEvents(tb.Context(), signet.AuditFilter{Page: p})
	})
	slices.Reverse(events)
	return events
}

// checkChain checks that events, oldest first, form one unbroken chain
// from the genesis hash, and that every hash is recomputable from what is
// stored.
func checkChain(tb testing.TB, events []*signet.AuditEvent) {
	tb.Helper()
	prev := signet.AuditGenesisHash
	for i, e := range events {
		if want := int64(i + 1); e.Seq != want {
			tb.Fatalf("event %d: Seq = %d; want %d", i, e.Seq, want)
		}
		if e.PrevHash != prev {
			tb.Fatalf("event %d: PrevHash = %s; want %s", e.Seq, e.PrevHash, prev)
		}
		if want := e.ChainHash(prev); e.Hash != want {
			tb.Fatalf("event %d: Hash = %s; want ChainHash = %s", e.Seq, e.Hash, want)
		}
		prev = e.Hash
	}
}

func testAuditChain(t *testing.T, s store.Store) {
	first := event("service_account.create")
	first.Time = t0.Add(123 * time.Nanosecond) // finer than storage keeps
	first.KeyID, first.SessionID, first.WorkspaceID = "key_abc", "ses_def", "ws_gone"
	first.Details = map[string]any{
		"name":   "etl-bot",
		"roles":  []string{"role_view"},
		"count":  3,
		"big":    int64(1) << 60,
		"nested": struct{ Z, A string }{"z", "a"},
	}
	second := event("api_key.revoke")
	second.Outcome = signet.OutcomeDenied
	third := event("settings.update")
	third.ID = "" // storage assigns one
	create(t, s, first)
	create(t, s, second, third)

	wantEqual(t, "first.Seq", first.Seq, int64(1))
	wantEqual(t, "first.PrevHash", first.PrevHash, signet.AuditGenesisHash)
	wantEqual(t, "second.PrevHash", second.PrevHash, first.Hash)
	wantEqual(t, "third.PrevHash", third.PrevHash, second.Hash)
	wantEqual(t, "third.Seq", third.Seq, int64(3))
	if third.ID == "" {
		t.Errorf("AppendAuditEvent left ID empty; want one assigned")
	}

	events := allEvents(t, s)
	if len(events) != 3 {
		t.Fatalf("len(ListAuditEvents) = %d; want 3", len(events))
	}
	checkChain(t, events)

	// The caller's event holds what was stored and hashed.
	for _, want := range []*signet.AuditEvent{first, second, third} {
		var got *signet.AuditEvent
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetAuditEvent(t.Context(), want.ID)
			return err
		})
		wantEqual(t, fmt.Sprintf("GetAuditEvent(%q).Hash", want.ID), got.Hash, want.Hash)
		wantEqual(t, fmt.Sprintf("GetAuditEvent(%q).Time", want.ID), got.Time, want.Time)
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		wantEqual(t, fmt.Sprintf("GetAuditEvent(%q) as JSON", want.ID), string(gotJSON), string(wantJSON))
	}
	wantEqual(t, "stored time", events[0].Time, t0)
	details, _ := json.Marshal(events[0].Details)
	wantEqual(t, "stored details", string(details),
		`{"big":1152921504606846976,"count":3,"name":"etl-bot","nested":{"A":"a","Z":"z"},"roles":["role_view"]}`)
	if events[1].Details != nil {
		t.Errorf("Details of an event without details = %v; want nil", events[1].Details)
	}

	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetAuditEvent(t.Context(), "evt_missing")
		return err
	})
	wantCode(t, `GetAuditEvent("evt_missing")`, err, signet.ENOTFOUND)
}

func testListAuditEvents(t *testing.T, s store.Store) {
	var all []*signet.AuditEvent
	var records []any
	for i := range 12 {
		e := event([]string{"user.create", "api_key.create", "api_key.revoke"}[i%3])
		e.Time = at(time.Duration(i) * time.Minute)
		e.ActorID = []string{"usr_a", "usr_b"}[i%2]
		e.KeyID = []string{"", "key_1", "key_2", "key_1"}[i%4]
		e.TargetType, e.TargetID = "api_key", []string{"key_x", "key_y"}[i%2]
		e.WorkspaceID = []string{"", "ws_1", "ws_2"}[i%3]
		e.Outcome = []string{signet.OutcomeSuccess, signet.OutcomeDenied, signet.OutcomeSuccess, signet.OutcomeError}[i%4]
		all = append(all, e)
		records = append(records, e)
	}
	create(t, s, records...)

	// pick returns the events whose index passes keep, newest first.
	pick := func(keep func(i int, e *signet.AuditEvent) bool) []int64 {
		var seqs []int64
		for i, e := range all {
			if keep(i, e) {
				seqs = append(seqs, e.Seq)
			}
		}
		slices.Reverse(seqs)
		return seqs
	}
	since, until := at(3*time.Minute), at(7*time.Minute)
	tests := []struct {
		name string
		f    signet.AuditFilter
		want []int64
	}{
		{"all", signet.AuditFilter{}, pick(func(int, *signet.AuditEvent) bool { return true })},
		{"actor", signet.AuditFilter{ActorID: "usr_a"}, pick(func(_ int, e *signet.AuditEvent) bool { return e.ActorID == "usr_a" })},
		{"key", signet.AuditFilter{KeyID: "key_1"}, pick(func(_ int, e *signet.AuditEvent) bool { return e.KeyID == "key_1" })},
		{"action", signet.AuditFilter{Action: "api_key.revoke"}, pick(func(_ int, e *signet.AuditEvent) bool { return e.Action == "api_key.revoke" })},
		{"target", signet.AuditFilter{TargetType: "api_key", TargetID: "key_y"}, pick(func(_ int, e *signet.AuditEvent) bool { return e.TargetID == "key_y" })},
		{"workspace", signet.AuditFilter{WorkspaceID: "ws_2"}, pick(func(_ int, e *signet.AuditEvent) bool { return e.WorkspaceID == "ws_2" })},
		{"outcome", signet.AuditFilter{Outcome: signet.OutcomeDenied}, pick(func(_ int, e *signet.AuditEvent) bool { return e.Outcome == signet.OutcomeDenied })},
		{"since (inclusive)", signet.AuditFilter{Since: &since}, pick(func(i int, _ *signet.AuditEvent) bool { return i >= 3 })},
		{"until (exclusive)", signet.AuditFilter{Until: &until}, pick(func(i int, _ *signet.AuditEvent) bool { return i < 7 })},
		{"window and actor", signet.AuditFilter{Since: &since, Until: &until, ActorID: "usr_b"},
			pick(func(i int, e *signet.AuditEvent) bool { return i >= 3 && i < 7 && e.ActorID == "usr_b" })},
		{"nothing", signet.AuditFilter{ActorID: "usr_nobody"}, nil},
	}
	for _, tc := range tests {
		for _, limit := range []int{2, 5, 50} {
			got := walk(t, s, limit, func(tx store.Tx, p signet.Page) ([]*signet.AuditEvent, string, error) {
				f := tc.f
				f.Page = p
				return tx.ListAuditEvents(t.Context(), f)
			})
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			wantEqual(t, fmt.Sprintf("ListAuditEvents(%s, limit %d) seqs", tc.name, limit), seqs, tc.want)
		}
	}

	for _, cursor := range []string{"!!", "bm90LWEtbnVtYmVy" /* "not-a-number" */} {
		err := readErr(t, s, func(tx store.Tx) error {
			_, _, err := tx.ListAuditEvents(t.Context(), signet.AuditFilter{Page: signet.Page{Cursor: cursor}})
			return err
		})
		wantCode(t, fmt.Sprintf("ListAuditEvents(cursor %q)", cursor), err, signet.EBADREQUEST)
	}
}
