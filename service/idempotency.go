package service

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// Idempotency keys (the Idempotency-Key request header): a caller that
// does not know whether its request was carried out — the connection
// broke after the server committed — sends it again with the same key and
// gets the first answer, a new API key's secret included, instead of a
// second service account or key.
//
// The rules, with Stripe's semantics:
//   - A key belongs to its caller (the user and the API key that
//     authenticated the request): callers never see each other's.
//   - For IdempotencyWindow after the first request, the same key with the
//     same request (method, path, body) replays the first answer; with a
//     different request it is refused (EINVALID, reason
//     idempotency_key_reused); while the first request runs, refused
//     (ECONFLICT, reason idempotency_in_progress).
//   - Answers of 5xx are not kept: the request may be sent again with the
//     same key and runs again.
//   - The answer is stored sealed (AES-256-GCM) under a key derived from
//     the Idempotency-Key, which Signet keeps only as a hash: the database
//     alone holds no secret an answer carried. Hence the key's minimum
//     length: it must be hard to guess.

// IdempotencyWindow is how long Signet remembers a request sent with an
// Idempotency-Key.
const IdempotencyWindow = 24 * time.Hour

// Idempotency-Key bounds: a random UUID is 36 characters.
const (
	minIdempotencyKey = 16
	maxIdempotencyKey = 255
)

// Reasons of the errors of BeginIdempotent.
const (
	ReasonIdempotencyKeyReused    = "idempotency_key_reused"
	ReasonIdempotencyInProgress   = "idempotency_in_progress"
	ReasonIdempotencyKeyMalformed = "idempotency_key_malformed"
)

const (
	idempotencySealInfo = "signet idempotency-key response v1"
	idempotencySaltSize = 16
	// idempotencyStaleAfter is how long a request without a recorded
	// answer is taken to be running; after it, its server is taken to have
	// stopped before recording the answer.
	idempotencyStaleAfter          = time.Minute
	errIdempotencyUnreadableFormat = "the answer remembered for this Idempotency-Key cannot be read with it"
)

// statusClientClosedRequest is the status of a request whose client went
// away (httpedge.StatusClientClosedRequest).
const statusClientClosedRequest = 499

// IdempotentResponse is an answer kept for replay.
type IdempotentResponse struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body"`
}

// IdempotentCall is a request that runs under an Idempotency-Key: end it
// with CompleteIdempotent.
type IdempotentCall struct {
	key     string
	scope   string
	keyHash [32]byte
	reqHash [32]byte
}

// BeginIdempotent starts a request that came with an Idempotency-Key. It
// returns the first answer to replay when the same request was made with
// the key before, or a call to run the request under and complete with
// CompleteIdempotent. request is what identifies the request (method,
// path and body).
func (s *Service) BeginIdempotent(ctx context.Context, actor *signet.Actor, key string, request []byte) (*IdempotentCall, *IdempotentResponse, error) {
	if err := validIdempotencyKey(key); err != nil {
		return nil, nil, err
	}
	if actor == nil {
		return nil, nil, signet.Errorf(signet.EUNAUTHENTICATED, "an Idempotency-Key needs an authenticated request")
	}
	c := &IdempotentCall{key: key, scope: actor.UserID + "/" + actor.KeyID, reqHash: sha256.Sum256(request)}
	c.keyHash = sha256.Sum256([]byte(key))
	now := s.now()
	var replay *IdempotentResponse
	err := s.store.Write(ctx, func(tx store.Tx) error {
		replay = nil
		r, err := tx.GetIdempotencyRecord(ctx, c.scope, c.keyHash)
		switch {
		case signet.ErrorCode(err) == signet.ENOTFOUND:
		case err != nil:
			return err
		case !now.Before(r.ExpiresAt):
			// Expired: forgotten, as if it were not there.
			if err := tx.DeleteIdempotencyRecord(ctx, c.scope, c.keyHash); err != nil {
				return err
			}
		case r.RequestHash != c.reqHash:
			return &signet.Error{Code: signet.EINVALID, Reason: ReasonIdempotencyKeyReused,
				Message: fmt.Sprintf("this Idempotency-Key was used at %s for a different request (method, path or body): send a new key with a new request", r.CreatedAt.Format(time.RFC3339))}
		case r.Response == nil && now.Sub(r.CreatedAt) < idempotencyStaleAfter:
			return &signet.Error{Code: signet.ECONFLICT, Reason: ReasonIdempotencyInProgress,
				Message: "a request with this Idempotency-Key is still running: retry in a moment"}
		case r.Response == nil:
			return &signet.Error{Code: signet.ECONFLICT, Reason: ReasonIdempotencyInProgress,
				Message: fmt.Sprintf("the request sent with this Idempotency-Key at %s did not finish (the server stopped): whether it took effect is unknown; look for its result before sending it again with a new key", r.CreatedAt.Format(time.RFC3339))}
		default:
			replay, err = c.open(r.Response)
			return err
		}
		return tx.CreateIdempotencyRecord(ctx, &signet.IdempotencyRecord{
			Scope: c.scope, KeyHash: c.keyHash, RequestHash: c.reqHash,
			CreatedAt: now, ExpiresAt: now.Add(IdempotencyWindow),
		}, now)
	})
	if se := (*signet.Error)(nil); errors.As(err, &se) && se.Code == signet.ECONFLICT && se.Reason == "" {
		// Another request with the key was recorded between our read and
		// our insert: it is running.
		return nil, nil, &signet.Error{Code: signet.ECONFLICT, Reason: ReasonIdempotencyInProgress,
			Message: "a request with this Idempotency-Key is still running: retry in a moment"}
	}
	if err != nil {
		return nil, nil, err
	}
	if replay != nil {
		return nil, replay, nil
	}
	return c, nil, nil
}

// CompleteIdempotent records the answer of a call begun with
// BeginIdempotent, for replay. Answers that say nothing of the outcome —
// 5xx, and 499 (the client went away) — are not kept: the record is
// dropped, so that the request can run again. Use a context that outlives
// the request: the answer must be recorded even if the client went away,
// which is when it is needed.
func (s *Service) CompleteIdempotent(ctx context.Context, c *IdempotentCall, resp *IdempotentResponse) error {
	if resp.Status >= 500 || resp.Status == statusClientClosedRequest {
		return s.store.Write(ctx, func(tx store.Tx) error { return tx.DeleteIdempotencyRecord(ctx, c.scope, c.keyHash) })
	}
	sealed, err := c.seal(resp)
	if err != nil {
		return signet.Internal("service.CompleteIdempotent", err)
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.CompleteIdempotencyRecord(ctx, c.scope, c.keyHash, sealed) })
}

func validIdempotencyKey(key string) error {
	if len(key) < minIdempotencyKey || len(key) > maxIdempotencyKey {
		return &signet.Error{Code: signet.EBADREQUEST, Reason: ReasonIdempotencyKeyMalformed,
			Message: fmt.Sprintf("Idempotency-Key must be %d to %d characters (a random UUID is a good key); it has %d", minIdempotencyKey, maxIdempotencyKey, len(key))}
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return &signet.Error{Code: signet.EBADREQUEST, Reason: ReasonIdempotencyKeyMalformed,
				Message: "Idempotency-Key must be visible ASCII characters without spaces (a random UUID is a good key)"}
		}
	}
	return nil
}

// aead returns the cipher sealing the answers of c, keyed by the
// Idempotency-Key with salt.
func (c *IdempotentCall) aead(salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, []byte(c.key), salt, idempotencySealInfo+"\x00"+c.scope, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns salt || nonce || AES-GCM(answer), authenticated with the
// key and request hashes, so that a sealed answer cannot be moved to
// another record.
func (c *IdempotentCall) seal(resp *IdempotentResponse) ([]byte, error) {
	plain, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, idempotencySaltSize)
	rand.Read(salt)
	aead, err := c.aead(salt)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := append(salt, nonce...)
	return aead.Seal(out, nonce, plain, c.additionalData()), nil
}

func (c *IdempotentCall) open(sealed []byte) (*IdempotentResponse, error) {
	const op = "service.BeginIdempotent"
	if len(sealed) < idempotencySaltSize {
		return nil, signet.Internal(op, errors.New(errIdempotencyUnreadableFormat))
	}
	aead, err := c.aead(sealed[:idempotencySaltSize])
	if err != nil {
		return nil, signet.Internal(op, err)
	}
	rest := sealed[idempotencySaltSize:]
	if len(rest) < aead.NonceSize() {
		return nil, signet.Internal(op, errors.New(errIdempotencyUnreadableFormat))
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], c.additionalData())
	if err != nil {
		return nil, signet.Internal(op, fmt.Errorf("%s: %w", errIdempotencyUnreadableFormat, err))
	}
	var resp IdempotentResponse
	if err := json.Unmarshal(plain, &resp); err != nil {
		return nil, signet.Internal(op, err)
	}
	return &resp, nil
}

func (c *IdempotentCall) additionalData() []byte {
	return append(append([]byte(nil), c.keyHash[:]...), c.reqHash[:]...)
}
