package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	signet "github.com/signetdev/signet"
)

// mapErr turns an error from database/sql into a *signet.Error whose
// message is safe to show to callers; the driver error stays in Err for the
// operator's log. Errors that already are *signet.Error, and context
// cancellation and deadlines, pass through unchanged. Call sites that know
// what a constraint means (which name is taken, which record is missing)
// check the class themselves first and give a precise message; this is the
// fallback.
func mapErr(d *dialect, op string, err error) error {
	if err == nil {
		return nil
	}
	var se *signet.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch d.classify(err) {
	case errUnique:
		return &signet.Error{Code: signet.ECONFLICT, Message: "the record already exists", Op: op, Err: err}
	case errForeignKey:
		return &signet.Error{Code: signet.ENOTFOUND, Message: "a referenced record does not exist", Op: op, Err: err}
	case errCheck:
		return &signet.Error{Code: signet.EINVALID, Message: "a value is not allowed", Op: op, Err: err}
	case errRetry:
		return &signet.Error{Code: signet.EUNAVAILABLE, Message: "the database is busy; try again", Op: op, Err: err}
	case errUnavailable:
		return unavailable(op, err)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &signet.Error{Code: signet.ENOTFOUND, Message: "not found", Op: op, Err: err}
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return unavailable(op, err)
	}
	return signet.Internal(op, err)
}

func unavailable(op string, err error) *signet.Error {
	return &signet.Error{Code: signet.EUNAVAILABLE, Message: "the database is unavailable", Op: op, Err: err}
}

// is reports whether err, anywhere in its chain, is a driver error of class c.
func (d *dialect) is(err error, c errClass) bool {
	return err != nil && d.classify(err) == c
}

func notFound(op, format string, args ...any) error {
	e := signet.Errorf(signet.ENOTFOUND, format, args...)
	e.Op = op
	return e
}

func conflict(op string, cause error, format string, args ...any) error {
	e := signet.Errorf(signet.ECONFLICT, format, args...)
	e.Op = op
	e.Err = cause
	return e
}

func invalid(op, format string, args ...any) error {
	e := signet.Errorf(signet.EINVALID, format, args...)
	e.Op = op
	return e
}
