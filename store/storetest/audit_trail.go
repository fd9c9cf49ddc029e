package storetest

import (
	"fmt"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

func testScanAuditEvents(t *testing.T, s store.Store) {
	var records []any
	for i := range 9 {
		e := event([]string{"user.create", "api_key.create", "api_key.revoke"}[i%3])
		e.Time = at(time.Duration(i) * time.Minute)
		e.ActorName = []string{"Ada Lovelace", "etl-BOT"}[i%2]
		e.TargetName = []string{"Nightly ETL", "", "Ölçer"}[i%3]
		records = append(records, e)
	}
	create(t, s, records...)
	scan := func(f signet.AuditFilter, batch int) []int64 {
		var seqs []int64
		var after int64
		for {
			var page []*signet.AuditEvent
			read(t, s, func(tx store.Tx) error {
				var err error
				page, err = tx.ScanAuditEvents(t.Context(), after, f, batch)
				return err
			})
			if len(page) == 0 {
				return seqs
			}
			for _, e := range page {
				seqs = append(seqs, e.Seq)
			}
			after = page[len(page)-1].Seq
		}
	}
	since, until := at(2*time.Minute), at(5*time.Minute)
	wantEqual(t, "ScanAuditEvents(all)", scan(signet.AuditFilter{}, 4), []int64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	wantEqual(t, "ScanAuditEvents(window)", scan(signet.AuditFilter{Since: &since, Until: &until}, 2), []int64{3, 4, 5})
	wantEqual(t, "ScanAuditEvents(action)", scan(signet.AuditFilter{Action: "api_key.revoke"}, 1), []int64{3, 6, 9})

	list := func(q string) []int64 {
		var seqs []int64
		for _, e := range walk(t, s, 4, func(tx store.Tx, p signet.Page) ([]*signet.AuditEvent, string, error) {
			return tx.ListAuditEvents(t.Context(), signet.AuditFilter{Query: q, Page: p})
		}) {
			seqs = append(seqs, e.Seq)
		}
		return seqs
	}
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"bot", []int64{8, 6, 4, 2}},              // actor name, case-insensitive
		{"nightly", []int64{7, 4, 1}},             // target name
		{"ÖLÇ", []int64{9, 6, 3}},                 // non-ASCII folds too
		{"E", []int64{9, 8, 7, 6, 5, 4, 3, 2, 1}}, // both
		{"%", nil}, // LIKE metacharacters are literal
		{"nobody", nil},
	} {
		wantEqual(t, fmt.Sprintf("ListAuditEvents(Query %q) seqs", tc.q), list(tc.q), tc.want)
	}

	var seq int64
	var hash string
	read(t, s, func(tx store.Tx) error {
		var err error
		seq, hash, err = tx.AuditHead(t.Context())
		return err
	})
	wantEqual(t, "AuditHead seq", seq, int64(9))
	wantEqual(t, "AuditHead hash", hash, records[8].(*signet.AuditEvent).Hash)
}

func testPruneAuditEvents(t *testing.T, s store.Store) {
	read(t, s, func(tx store.Tx) error {
		seq, hash, err := tx.AuditHead(t.Context())
		wantEqual(t, "AuditHead of an empty chain", fmt.Sprint(seq, hash), fmt.Sprint(0, signet.AuditGenesisHash))
		_, cerr := tx.GetAuditCheckpoint(t.Context())
		wantCode(t, "GetAuditCheckpoint before pruning", cerr, signet.ENOTFOUND)
		return err
	})
	var events []*signet.AuditEvent
	var records []any
	// Times are not strictly ordered by seq: event 3 is older than event 2.
	for i, m := range []int{0, 5, 3, 10, 12, 20} {
		e := event(fmt.Sprintf("test.%d", i))
		e.Time = at(time.Duration(m) * time.Minute)
		events = append(events, e)
		records = append(records, e)
	}
	create(t, s, records...)
	prune := func(before time.Time) (*signet.AuditCheckpoint, int64) {
		var cp *signet.AuditCheckpoint
		var n int64
		write(t, s, func(tx store.Tx) error {
			var err error
			cp, n, err = tx.PruneAuditEvents(t.Context(), before, at(time.Hour))
			return err
		})
		return cp, n
	}
	// Nothing is older than t0.
	if cp, n := prune(at(0)); cp != nil || n != 0 {
		t.Errorf("PruneAuditEvents(t0) = %v, %d; want nil, 0", cp, n)
	}
	// Before minute 4: events 1 (0m) is old, event 2 (5m) is not, so event 3
	// (3m) stays too: only a prefix of the chain is ever removed.
	cp, n := prune(at(4 * time.Minute))
	wantEqual(t, "PruneAuditEvents(4m) deleted", n, int64(1))
	wantEqual(t, "checkpoint", cp, &signet.AuditCheckpoint{Seq: 1, Hash: events[0].Hash, PrunedAt: at(time.Hour)})
	cp, n = prune(at(11 * time.Minute))
	wantEqual(t, "PruneAuditEvents(11m) deleted", n, int64(3))
	wantEqual(t, "checkpoint seq", cp.Seq, int64(4))
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetAuditCheckpoint(t.Context())
		wantEqual(t, "GetAuditCheckpoint", got, cp)
		return err
	})
	remaining := allEvents(t, s)
	wantEqual(t, "remaining seqs", []int64{remaining[0].Seq, remaining[1].Seq}, []int64{5, 6})
	wantEqual(t, "oldest remaining links to the checkpoint", remaining[0].PrevHash, cp.Hash)

	// Pruning everything: the chain continues from the checkpoint.
	cp, n = prune(at(time.Hour))
	wantEqual(t, "PruneAuditEvents(all) deleted", n, int64(2))
	next := event("after.prune")
	create(t, s, next)
	wantEqual(t, "seq after pruning everything", next.Seq, int64(7))
	wantEqual(t, "prev hash after pruning everything", next.PrevHash, cp.Hash)
	if cp, n := prune(at(0)); cp != nil || n != 0 {
		t.Errorf("PruneAuditEvents again = %v, %d; want nil, 0", cp, n)
	}
}

func testKeyActivity(t *testing.T, s store.Store) {
	h := t0.Truncate(time.Hour)
	write(t, s, func(tx store.Tx) error {
		return tx.RecordKeyActivity(t.Context(), []signet.KeyActivity{
			{KeyID: "key_a", Hour: h.Add(17 * time.Minute), Successes: 3, Failures: 1},
			{KeyID: "key_a", Hour: h.Add(time.Hour), Successes: 1},
			{KeyID: "key_b", Hour: h, Failures: 2},
		})
	})
	write(t, s, func(tx store.Tx) error {
		return tx.RecordKeyActivity(t.Context(), []signet.KeyActivity{{KeyID: "key_a", Hour: h, Successes: 2, Failures: 4}})
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.ListKeyActivity(t.Context(), "key_a", h.Add(-time.Hour))
		wantEqual(t, "ListKeyActivity(key_a)", got, []signet.KeyActivity{
			{KeyID: "key_a", Hour: h, Successes: 5, Failures: 5},
			{KeyID: "key_a", Hour: h.Add(time.Hour), Successes: 1},
		})
		got, _ = tx.ListKeyActivity(t.Context(), "key_a", h.Add(30*time.Minute))
		wantEqual(t, "ListKeyActivity(key_a, since the hour's middle)", len(got), 2)
		got, _ = tx.ListKeyActivity(t.Context(), "key_a", h.Add(90*time.Minute))
		wantEqual(t, "ListKeyActivity(key_a, later)", len(got), 1)
		got, _ = tx.ListKeyActivity(t.Context(), "key_none", h)
		wantEqual(t, "ListKeyActivity(unknown) length", len(got), 0)

		got, err = tx.ListKeysActivity(t.Context(), []string{"key_b", "key_none", "key_a"}, h.Add(-time.Hour))
		wantEqual(t, "ListKeysActivity(key_b, key_none, key_a)", got, []signet.KeyActivity{
			{KeyID: "key_a", Hour: h, Successes: 5, Failures: 5},
			{KeyID: "key_a", Hour: h.Add(time.Hour), Successes: 1},
			{KeyID: "key_b", Hour: h, Failures: 2},
		})
		got, _ = tx.ListKeysActivity(t.Context(), []string{"key_a", "key_b"}, h.Add(30*time.Minute))
		wantEqual(t, "ListKeysActivity(since the hour's middle) length", len(got), 3)
		got, _ = tx.ListKeysActivity(t.Context(), []string{"key_a", "key_b"}, h.Add(90*time.Minute))
		wantEqual(t, "ListKeysActivity(later)", got, []signet.KeyActivity{{KeyID: "key_a", Hour: h.Add(time.Hour), Successes: 1}})
		got, _ = tx.ListKeysActivity(t.Context(), []string{"key_b"}, h)
		wantEqual(t, "ListKeysActivity(key_b)", got, []signet.KeyActivity{{KeyID: "key_b", Hour: h, Failures: 2}})
		got, _ = tx.ListKeysActivity(t.Context(), nil, h)
		wantEqual(t, "ListKeysActivity(no ids) length", len(got), 0)
		return err
	})
}

func testAppendAuditEvents(t *testing.T, s store.Store) {
	first := event("one")
	create(t, s, first)
	batch := []*signet.AuditEvent{event("two"), event("three"), event("four")}
	batch[1].ID = ""
	write(t, s, func(tx store.Tx) error { return tx.AppendAuditEvents(t.Context(), batch) })
	write(t, s, func(tx store.Tx) error { return tx.AppendAuditEvents(t.Context(), nil) })
	wantEqual(t, "batch seqs", []int64{batch[0].Seq, batch[1].Seq, batch[2].Seq}, []int64{2, 3, 4})
	wantEqual(t, "batch links to the chain", batch[0].PrevHash, first.Hash)
	if batch[1].ID == "" {
		t.Errorf("AppendAuditEvents left an ID empty")
	}
	checkChain(t, allEvents(t, s))
	dup := event("dup")
	dup.ID = first.ID
	err := writeErr(t, s, func(tx store.Tx) error {
		return tx.AppendAuditEvents(t.Context(), []*signet.AuditEvent{event("ok"), dup})
	})
	wantCode(t, "AppendAuditEvents with a duplicate id", err, signet.ECONFLICT)
	wantEqual(t, "events after a failed batch", len(allEvents(t, s)), 4)
}
