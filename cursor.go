package signet

import "encoding/base64"

// Cursors of every list, whatever answers it (storage, or a service that
// pages in memory), are one encoding: base64url (no padding) of the last
// item's sort key — an id, or an audit event's seq. Callers treat them as
// opaque and pass next_cursor back unchanged.

// EncodeCursor returns the cursor of the page after the item whose sort
// key is last.
func EncodeCursor(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

// DecodeCursor returns the sort key a cursor carries; "" for "". A cursor
// no list could have returned is refused with InvalidCursor, the same
// error on every list.
func DecodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	if len(cursor) > 4*MaxClientTokenLen/3+4 {
		return "", InvalidCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !ValidClientToken(string(b), 1) {
		return "", InvalidCursor()
	}
	return string(b), nil
}

// InvalidCursor is the error of a list given a cursor it did not return:
// EBADREQUEST naming the parameter, on every list alike.
func InvalidCursor() *Error {
	return Errorf(EBADREQUEST, "query parameter cursor is not a cursor this list returned; pass next_cursor from the previous page unchanged, or leave it out for the first page")
}
