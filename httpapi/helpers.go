package httpapi

import (
	"context"
	"net/http"
	"net/url"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
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

// replyCreated ends a handler that created something: 201 with conv(v)
// and a Location header naming the new resource's URL (loc(v), a path
// under /api/v1), or err.
func replyCreated[T, J any](w http.ResponseWriter, v T, err error, loc func(T) string, conv func(T) J) error {
	if err != nil {
		return err
	}
	w.Header().Set("Location", loc(v))
	writeJSON(w, http.StatusCreated, conv(v))
	return nil
}

// Locations of created resources.
func userLocation(u *signet.User) string {
	if u.IsServiceAccount() {
		return "/api/v1/service-accounts/" + url.PathEscape(u.ID)
	}
	return "/api/v1/users/" + url.PathEscape(u.ID)
}

func keyLocation(k *service.CreatedKey) string { return "/api/v1/api-keys/" + url.PathEscape(k.Key.ID) }

func locationOf(prefix string) func(id string) string {
	return func(id string) string { return prefix + url.PathEscape(id) }
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
