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
