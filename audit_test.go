package signet_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
)

func sampleEvent() signet.AuditEvent {
	return signet.AuditEvent{
		ID: "aud_01", Seq: 7,
		Time:    time.Date(2026, 3, 4, 5, 6, 7, 891011, time.FixedZone("CET", 3600)),
		ActorID: "usr_1", ActorKind: "user", ActorName: "ada", KeyID: "key_1", SessionID: "ses_1",
		Action: "grant.create", TargetType: "grant", TargetID: "grant_1", TargetName: "View@Default & <ops> é",
		WorkspaceID: "ws_1", Outcome: signet.OutcomeSuccess, IP: "192.0.2.1", UserAgent: "curl/8",
		RequestID: "req_1",
		Details:   map[string]any{"role": "View", "b": []any{1, "x"}, "a": map[string]any{"z": true, "y": nil}},
		PrevHash:  "ignored", Hash: "ignored",
	}
}

// TestAuditChainHashIsStable pins the canonical encoding documented on
// ChainHash: stored chains, and verifiers written outside Signet, depend
// on it, so a change must be a new version ("signet-audit-v2"), never an
// edit of v1.
func TestAuditChainHashIsStable(t *testing.T) {
	e := sampleEvent()
	const prev = "1111111111111111111111111111111111111111111111111111111111111111"

	// The documented encoding, built here independently. It is
	// encoding/json's: "&", "<" and ">" are escaped (\u0026, \u003c,
	// \u003e), other non-ASCII text is plain UTF-8, which a verifier in
	// another language must reproduce.
	canon := `["signet-audit-v1","` + prev + `","7","aud_01","2026-03-04T04:06:07.000891011Z",` +
		`"usr_1","user","ada","key_1","ses_1","grant.create","grant","grant_1","View@Default \u0026 \u003cops\u003e é","ws_1",` +
		`"success","192.0.2.1","curl/8","req_1",{"a":{"y":null,"z":true},"b":[1,"x"],"role":"View"}]`
	if !json.Valid([]byte(canon)) {
		t.Fatal("the test's canonical encoding is not JSON")
	}
	sum := sha256.Sum256([]byte(canon))
	want := hex.EncodeToString(sum[:])
	if got := e.ChainHash(prev); got != want {
		t.Errorf("ChainHash = %s; want %s, the SHA-256 of %s", got, want, canon)
	}
	// The same, pinned, in case the encoding above and ChainHash change together.
	const golden = "faa7e80575326b356e79851561ac6f228c56f852428bf5a95e6ebe30f87ecbe1"
	if got := e.ChainHash(prev); got != golden {
		t.Errorf("ChainHash = %s; want the pinned %s", got, golden)
	}

	// Equal events hash equal whatever the time zone or Details' map order;
	// empty Details are null, like nil ones; the stored hashes are not input.
	same := sampleEvent()
	same.Time = e.Time.UTC()
	same.Details = map[string]any{"a": map[string]any{"y": nil, "z": true}, "role": "View", "b": []any{1, "x"}}
	same.PrevHash, same.Hash = "", "other"
	if got, want := same.ChainHash(prev), e.ChainHash(prev); got != want {
		t.Errorf("an equal event hashes to %s; want %s", got, want)
	}
	noDetails, emptyDetails := sampleEvent(), sampleEvent()
	noDetails.Details, emptyDetails.Details = nil, map[string]any{}
	if noDetails.ChainHash(prev) != emptyDetails.ChainHash(prev) {
		t.Error("nil and empty Details hash differently; both are null")
	}
}

// TestAuditChainHashCoversEveryField: changing any field that the chain
// records, or the previous hash, changes the hash.
func TestAuditChainHashCoversEveryField(t *testing.T) {
	const prev = signet.AuditGenesisHash
	base := sampleEvent()
	h := base.ChainHash(prev)
	edits := map[string]func(e *signet.AuditEvent){
		"ID":          func(e *signet.AuditEvent) { e.ID += "x" },
		"Seq":         func(e *signet.AuditEvent) { e.Seq++ },
		"Time":        func(e *signet.AuditEvent) { e.Time = e.Time.Add(time.Nanosecond) },
		"ActorID":     func(e *signet.AuditEvent) { e.ActorID += "x" },
		"ActorKind":   func(e *signet.AuditEvent) { e.ActorKind += "x" },
		"ActorName":   func(e *signet.AuditEvent) { e.ActorName += "x" },
		"KeyID":       func(e *signet.AuditEvent) { e.KeyID += "x" },
		"SessionID":   func(e *signet.AuditEvent) { e.SessionID += "x" },
		"Action":      func(e *signet.AuditEvent) { e.Action += "x" },
		"TargetType":  func(e *signet.AuditEvent) { e.TargetType += "x" },
		"TargetID":    func(e *signet.AuditEvent) { e.TargetID += "x" },
		"TargetName":  func(e *signet.AuditEvent) { e.TargetName += "x" },
		"WorkspaceID": func(e *signet.AuditEvent) { e.WorkspaceID += "x" },
		"Outcome":     func(e *signet.AuditEvent) { e.Outcome = signet.OutcomeDenied },
		"IP":          func(e *signet.AuditEvent) { e.IP += "x" },
		"UserAgent":   func(e *signet.AuditEvent) { e.UserAgent += "x" },
		"RequestID":   func(e *signet.AuditEvent) { e.RequestID += "x" },
		"Details":     func(e *signet.AuditEvent) { e.Details = map[string]any{"role": "Admin"} },
		"no Details":  func(e *signet.AuditEvent) { e.Details = nil },
		// A field's value moved into its neighbour must not hash the same.
		"shifted": func(e *signet.AuditEvent) { e.ActorName, e.KeyID = e.ActorName+e.KeyID, "" },
	}
	for name, edit := range edits {
		e := sampleEvent()
		edit(&e)
		if e.ChainHash(prev) == h {
			t.Errorf("editing %s leaves the hash unchanged", name)
		}
	}
	if base.ChainHash(strings.Repeat("2", 64)) == h {
		t.Error("the previous hash does not enter the hash")
	}
}

func TestAuditChainChecker(t *testing.T) {
	// chain links n events starting after (seq, prev).
	chain := func(seq int64, prev string, n int) []signet.AuditEvent {
		var es []signet.AuditEvent
		for range n {
			seq++
			e := signet.AuditEvent{ID: "aud_" + string(rune('a'+seq)), Seq: seq, Time: time.Unix(seq, 0), Action: "x", PrevHash: prev}
			e.Hash = e.ChainHash(prev)
			prev = e.Hash
			es = append(es, e)
		}
		return es
	}
	tests := []struct {
		name        string
		start       *signet.AuditEvent // nil: the genesis; else start after this event
		events      func([]signet.AuditEvent) []signet.AuditEvent
		wantProblem string // "" when every event verifies
		wantAt      int64
	}{
		{name: "intact", events: func(es []signet.AuditEvent) []signet.AuditEvent { return es }},
		{name: "empty", events: func([]signet.AuditEvent) []signet.AuditEvent { return nil }},
		{name: "edited", events: func(es []signet.AuditEvent) []signet.AuditEvent { es[2].Action = "y"; return es },
			wantProblem: signet.AuditHashMismatch, wantAt: 3},
		{name: "deleted", events: func(es []signet.AuditEvent) []signet.AuditEvent { return append(es[:1], es[2:]...) },
			wantProblem: signet.AuditSeqGap, wantAt: 3},
		{name: "reordered", events: func(es []signet.AuditEvent) []signet.AuditEvent { es[1], es[2] = es[2], es[1]; return es },
			wantProblem: signet.AuditSeqGap, wantAt: 3},
		{name: "relinked", events: func(es []signet.AuditEvent) []signet.AuditEvent {
			es[3].PrevHash = es[1].Hash
			es[3].Hash = es[3].ChainHash(es[3].PrevHash)
			return es
		}, wantProblem: signet.AuditPrevLinkBroken, wantAt: 4},
		{name: "first does not start at the genesis", events: func(es []signet.AuditEvent) []signet.AuditEvent { return es[1:] },
			wantProblem: signet.AuditSeqGap, wantAt: 2},
	}
	for _, tt := range tests {
		var c signet.AuditChainChecker
		es := tt.events(chain(0, signet.AuditGenesisHash, 5))
		var brk *signet.AuditBreak
		for i := range es {
			if brk = c.Check(&es[i]); brk != nil {
				break
			}
		}
		switch {
		case tt.wantProblem == "" && brk != nil:
			t.Errorf("%s: break %+v; want none", tt.name, brk)
		case tt.wantProblem != "" && (brk == nil || brk.Problem != tt.wantProblem || brk.Seq != tt.wantAt):
			t.Errorf("%s: break %+v; want %s at seq %d", tt.name, brk, tt.wantProblem, tt.wantAt)
		case tt.wantProblem == "" && c.Checked != int64(len(es)):
			t.Errorf("%s: Checked = %d; want %d", tt.name, c.Checked, len(es))
		}
	}

	// After pruning, the chain verifies from the checkpoint; the head is
	// the last event that verified, and a break leaves it there.
	es := chain(0, signet.AuditGenesisHash, 6)
	var c signet.AuditChainChecker
	if seq, h := c.Head(); seq != 0 || h != signet.AuditGenesisHash {
		t.Errorf("zero checker Head = %d, %s; want 0 and the genesis", seq, h)
	}
	c.Start(es[2].Seq, es[2].Hash)
	for i := 3; i < 5; i++ {
		if brk := c.Check(&es[i]); brk != nil {
			t.Fatalf("after the checkpoint: %+v", brk)
		}
	}
	bad := es[5]
	bad.Hash = strings.Repeat("0", 64)
	if brk := c.Check(&bad); brk == nil || brk.Problem != signet.AuditHashMismatch {
		t.Errorf("forged hash: break %+v; want %s", brk, signet.AuditHashMismatch)
	}
	if seq, h := c.Head(); seq != es[4].Seq || h != es[4].Hash || c.Checked != 2 {
		t.Errorf("Head = %d, %s, Checked %d; want %d, %s, 2", seq, h, c.Checked, es[4].Seq, es[4].Hash)
	}
}
