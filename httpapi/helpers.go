package httpapi

import (
	"context"
	"net/http"

	signet "github.com/signetdev/signet"
)

// reply ends a handler: it answers conv(v) with status, or returns err
// for the caller to render.
func reply[T, J any](w http.ResponseWriter, status int, v T, err error, conv func(T) J) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, conv(v))
	return nil
}

// replyNoContent ends a handler whose success has no body: 204, or err.
func replyNoContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// listPage answers one page of a list that has no filters: ?limit= and
// ?cursor= only.
func listPage[T, J any](w http.ResponseWriter, r *http.Request, list func(context.Context, *signet.Actor, signet.Page) ([]T, string, error), conv func(T) J) error {
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	items, next, err := list(r.Context(), actor(r), pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(items, next, conv))
	return nil
}
