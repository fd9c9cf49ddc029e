package signet

import "time"

// IdempotencyRecord is what Signet remembers of a request sent with an
// Idempotency-Key, so that a retry of it gets the first answer instead of
// doing the work again (service.BeginIdempotent).
type IdempotencyRecord struct {
	// Scope is the caller the key belongs to: keys of different callers
	// never meet.
	Scope string
	// KeyHash is the SHA-256 of the Idempotency-Key; the key itself is
	// never stored (it seals Response).
	KeyHash [32]byte
	// RequestHash is the SHA-256 of the request (method, path, body): a
	// retry must be the same request.
	RequestHash [32]byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// Response is the first request's answer, sealed; nil while that
	// request runs.
	Response []byte
}
