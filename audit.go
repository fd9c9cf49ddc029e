package signet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditGenesisHash is the PrevHash of the first event in a chain.
const AuditGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ChainHash returns the hash of e given the previous event's hash: the hex
// SHA-256 of the canonical encoding, which is the JSON array
//
//	["signet-audit-v1", prev_hash, seq, id, time (RFC 3339, UTC, nanoseconds),
//	 actor_id, actor_kind, actor_name, key_id, session_id, action,
//	 target_type, target_id, target_name, workspace_id, outcome, ip,
//	 user_agent, request_id, details]
//
// where details is a JSON object with keys sorted (encoding/json sorts map
// keys), or null. Any edit, deletion or reordering of stored events changes
// a hash or breaks a prev_hash link.
func (e *AuditEvent) ChainHash(prev string) string {
	var details any
	if len(e.Details) > 0 {
		details = e.Details
	}
	canon := []any{
		"signet-audit-v1", prev, strconv.FormatInt(e.Seq, 10), e.ID,
		e.Time.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.ActorKind, e.ActorName, e.KeyID, e.SessionID, e.Action,
		e.TargetType, e.TargetID, e.TargetName, e.WorkspaceID, e.Outcome, e.IP,
		e.UserAgent, e.RequestID, details,
	}
	b, err := json.Marshal(canon)
	if err != nil {
		// Details come from the service layer as plain JSON values; a value
		// that cannot be encoded is a programming error.
		panic("signet: audit event not encodable: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditCheckpoint records where retention pruning cut the chain: the seq
// and hash of the last pruned event. The oldest remaining event must link
// to it, so the chain still verifies after pruning. Every prune also
// appends an "audit.prune" event naming the checkpoint, so the checkpoint
// itself is covered by the chain.
type AuditCheckpoint struct {
	Seq      int64
	Hash     string
	PrunedAt time.Time
}

// Problems a chain verification reports.
const (
	AuditHashMismatch      = "hash_mismatch"       // the stored hash is not the hash of the stored event
	AuditPrevLinkBroken    = "prev_link_broken"    // prev_hash does not name the previous event's hash
	AuditSeqGap            = "seq_gap"             // a seq is missing, repeated or out of order
	AuditCheckpointInvalid = "checkpoint_mismatch" // the checkpoint disagrees with the last audit.prune event
)

// AuditBreak describes the first event where a chain does not verify.
type AuditBreak struct {
	Seq     int64  // seq of the offending event
	ID      string // id of the offending event
	Problem string // one of the Audit… problem constants
	Message string // what was expected, for people
}

// AuditChainChecker verifies events fed to it oldest first. The zero value
// starts at the genesis; Start sets a checkpoint instead.
type AuditChainChecker struct {
	seq     int64
	prev    string
	started bool
	// Checked counts events that verified.
	Checked int64
}

// Start makes the checker expect the event after seq, linked to hash.
func (c *AuditChainChecker) Start(seq int64, hash string) {
	c.seq, c.prev, c.started = seq, hash, true
}

// Head returns the seq and hash of the last event that verified (or the
// starting point).
func (c *AuditChainChecker) Head() (int64, string) {
	if !c.started {
		return 0, AuditGenesisHash
	}
	return c.seq, c.prev
}

// Check verifies the next event and returns nil, or where and why the
// chain breaks. After a break the checker's state is unchanged.
func (c *AuditChainChecker) Check(e *AuditEvent) *AuditBreak {
	seq, prev := c.Head()
	switch {
	case e.Seq != seq+1:
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Problem: AuditSeqGap,
			Message: "expected seq " + strconv.FormatInt(seq+1, 10) + " after " + strconv.FormatInt(seq, 10) + ", found " + strconv.FormatInt(e.Seq, 10)}
	case e.PrevHash != prev:
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Problem: AuditPrevLinkBroken,
			Message: "prev_hash " + e.PrevHash + " does not match the hash of the previous event, " + prev}
	}
	if want := e.ChainHash(prev); e.Hash != want {
		return &AuditBreak{Seq: e.Seq, ID: e.ID, Problem: AuditHashMismatch,
			Message: "stored hash " + e.Hash + " is not the hash of the stored event, " + want}
	}
	c.seq, c.prev, c.started = e.Seq, e.Hash, true
	c.Checked++
	return nil
}

// AuditVerification is the result of verifying the stored chain.
type AuditVerification struct {
	// OK is true when every event verified; Break names the first one
	// that did not otherwise.
	OK    bool
	Break *AuditBreak
	// Checked is how many events verified.
	Checked int64
	// From is the checkpoint the chain starts at (nil: the genesis).
	From *AuditCheckpoint
	// HeadSeq and HeadHash are the last verified event. Recording them
	// outside Signet lets a later verification detect a truncated tail,
	// which a hash chain alone cannot.
	HeadSeq  int64
	HeadHash string
}

// KeyActivity is the number of successful and failed authentications of
// one API key in one hour (Hour is the start of the hour, UTC).
type KeyActivity struct {
	KeyID     string
	Hour      time.Time
	Successes int64
	Failures  int64
}
