package signet

import (
	"errors"
	"fmt"
	"time"
)

// Error codes form a closed set. Each maps to exactly one HTTP status in
// httpapi, and to a one-line message in the CLI.
const (
	EBADREQUEST      = "bad_request"            // the request itself is malformed (JSON, types, unknown fields or query parameters)
	EMETHOD          = "method_not_allowed"     // the path exists, but not with this method
	ETOOLARGE        = "payload_too_large"      // the request body is larger than the server takes
	EMEDIATYPE       = "unsupported_media_type" // the request body is not JSON (Content-Type)
	EINVALID         = "invalid"                // well-formed but semantically invalid input
	EUNAUTHENTICATED = "unauthenticated"        // no credential, or one that does not verify
	EFORBIDDEN       = "forbidden"              // authenticated, but not allowed
	ENOTFOUND        = "not_found"              // the target does not exist (or is hidden from the actor)
	ECONFLICT        = "conflict"               // uniqueness or state conflict
	ERATELIMITED     = "rate_limited"           // too many attempts
	EUNAVAILABLE     = "unavailable"            // a dependency (the database) is unreachable
	EINTERNAL        = "internal"               // a bug or unexpected failure; details only in the log
)

// ErrorCodes is the closed set of error codes, in the order of the table
// above. httpedge maps each to one HTTP status; the OpenAPI document lists
// them (both tested).
var ErrorCodes = []string{EBADREQUEST, EMETHOD, ETOOLARGE, EMEDIATYPE, EINVALID, EUNAUTHENTICATED,
	EFORBIDDEN, ENOTFOUND, ECONFLICT, ERATELIMITED, EUNAVAILABLE, EINTERNAL}

// Error is Signet's one error type. Code is machine-readable, Message is
// safe to show to the caller, Op names where it happened (for the operator's
// log) and Err is the wrapped cause, never shown to callers.
type Error struct {
	Code    string
	Message string
	Op      string
	// Reason is an optional sub-code for callers, e.g. "revoked" on an
	// EUNAUTHENTICATED error from key verification.
	Reason string
	// RetryAfter, on an ERATELIMITED error, is how long the caller should
	// wait before trying again; 0 when unknown.
	RetryAfter time.Duration
	// Field, when set, names the input the error concerns, as the REST
	// API spells it ("name", "email", "expires_in", "allowed_networks",
	// "url", "labels", "password", …), so that a form can show the message
	// beside that input. Optional: set by the service's validation helpers
	// for the fields forms show; "" means the request as a whole.
	Field string
	Err   error
}

func (e *Error) Error() string {
	var s string
	if e.Op != "" {
		s = e.Op + ": "
	}
	if e.Message != "" {
		s += e.Message
	} else {
		s += e.Code
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted, caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf is Errorf for an error about one input, field (see
// Error.Field).
func FieldErrorf(field, code, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error; callers see only "Internal error."
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Op: op, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err. Internal errors, and
// errors that are not *Error, yield "Internal error." so that no detail of
// a failure leaks to callers.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Message != "" {
			return e.Message
		}
		return e.Code
	}
	return "Internal error."
}

// ErrorReason returns the Reason of the first *Error in err's chain.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorField returns the Field of the first *Error in err's chain ("" for
// none, and for internal errors).
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Field
	}
	return ""
}

// ErrorRetryAfter returns the RetryAfter of the first *Error in err's chain.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// RetryAfterSeconds is what an HTTP Retry-After header says for err: its
// RetryAfter in whole seconds, rounded up, or a minute when it names none.
func RetryAfterSeconds(err error) int64 {
	d := ErrorRetryAfter(err)
	if d <= 0 {
		return 60
	}
	return int64((d + time.Second - 1) / time.Second)
}
