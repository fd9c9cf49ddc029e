package httpapi

import (
	"net/http"
	"strings"

	signet "github.com/signetdev/signet"
)

// Register adds every route of the REST API to mux, and the JSON answers
// for the requests under /api/ no route takes: 405 with Allow when the
// path is known but not the method, else 404. The API's few paths outside
// /api/ (/healthz, /readyz, /metrics) answer a wrong method with the same
// 405, not with what mux serves at "/" (the UI's pages). The mux routes
// each request once; behind the edge (httpedge) nothing else does.
func (a *API) Register(mux *http.ServeMux) {
	s := a.s
	allow := map[string][]string{} // path pattern -> its methods
	for _, rt := range routes {
		pattern := rt.pattern
		if rt.method != anyMethod {
			pattern = rt.method + " " + pattern
			allow[rt.pattern] = append(allow[rt.pattern], rt.method)
		}
		mux.Handle(pattern, s.endpoint(rt))
	}
	// A second mux, of paths only, tells a known path with a wrong method
	// from an unknown path; only requests no route took reach it.
	paths := http.NewServeMux()
	for p, methods := range allow {
		if slicesContainsAny(routes, p) {
			continue
		}
		allowed := strings.Join(methods, ", ")
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allowed)
			s.writeError(w, r, signet.Errorf(signet.EMETHOD, "method %s is not allowed here; allowed: %s", r.Method, allowed))
		})
		paths.Handle(p, h)
		if !strings.HasPrefix(p, "/api/") {
			// Outside /api/ nothing sends the request to paths: the
			// path alone goes on mux (these paths have no wildcards, so
			// it cannot conflict with another route's pattern).
			mux.Handle(p, h)
		}
	}
	a.unmatched = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := paths.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
		s.writeError(w, r, signet.Errorf(signet.ENOTFOUND, "no route for %s %s", r.Method, r.URL.Path))
	})
	mux.Handle("/api/", a.unmatched)
}

// slicesContainsAny reports whether path has a route taking any method,
// which answers every method itself.
func slicesContainsAny(rts []route, path string) bool {
	for _, rt := range rts {
		if rt.pattern == path && rt.method == anyMethod {
			return true
		}
	}
	return false
}
