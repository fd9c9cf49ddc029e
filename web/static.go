package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Static files (web/static) are read, hashed and compressed once, at
// start-up, and served from memory:
//
//   - at a hashed URL, /static/app.<hash>.css, which pages link to
//     through the template function static ("app.css"): its content never
//     changes, so browsers keep it for a year without asking again
//     (Cache-Control: immutable);
//   - at the plain URL, /static/app.css, for anything that still links to
//     it: revalidated on each use (no-cache) with a strong ETag, the
//     content hash, so an unchanged file costs a 304 and no body.
//
// A client that accepts gzip gets the precompressed form of a file that
// compresses (CSS, JavaScript, SVG), with Vary: Accept-Encoding. Only
// static files are compressed, never pages: a page carries a CSRF token
// and, once, a new secret, and compressing those beside text an attacker
// can influence leaks them (BREACH).
//
// /favicon.ico answers the SVG icon (browsers follow its Content-Type);
// pages link to the hashed /static/favicon.<hash>.svg.

// asset is one static file as served. Immutable after loadStatic.
type asset struct {
	name   string // "app.css"
	hashed string // "app.0123456789ab.css"
	ctype  string
	etag   string // strong, of the identity encoding
	body   []byte
	gz     []byte // nil when gzip does not make it smaller
}

// staticAssets holds every file of web/static, by plain and by hashed
// name. Immutable after package initialisation; loadStatic panics on an
// unreadable embedded file, which fails the boot (and every test).
var staticAssets = loadStatic(staticFS, "static")

type assetTable struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

func loadStatic(fsys fs.FS, dir string) assetTable {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	t := assetTable{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		a := newAsset(p, body)
		t.byName[a.name], t.byHashed[a.hashed] = a, a
		return nil
	})
	if err != nil {
		panic(fmt.Errorf("web: reading the static files: %w", err))
	}
	return t
}

// newAsset hashes and compresses one file.
func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:6])
	ext := path.Ext(name)
	a := &asset{name: name, hashed: strings.TrimSuffix(name, ext) + "." + h + ext, etag: `"` + h + `"`, body: body}
	a.ctype = mime.TypeByExtension(ext)
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	if compressible(a.ctype) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
	}
	return a
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "image/svg+xml") ||
		strings.Contains(ctype, "javascript") || strings.Contains(ctype, "json")
}

// staticURL is the template function static: the hashed URL of a file of
// web/static. An unknown name panics while a template runs, which
// render reports as a failed page (and every page test catches).
func staticURL(name string) string {
	a, ok := staticAssets.byName[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + a.hashed
}

func init() { funcs["static"] = staticURL }

// staticRoutes serves web/static under /static/ and the icon at
// /favicon.ico.
func staticRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{name...}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if a, ok := staticAssets.byHashed[name]; ok {
			serveAsset(w, r, a, "public, max-age=31536000, immutable")
		} else if a, ok := staticAssets.byName[name]; ok {
			serveAsset(w, r, a, "no-cache")
		} else {
			http.NotFound(w, r)
		}
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		serveAsset(w, r, staticAssets.byName["favicon.svg"], "public, max-age=86400")
	})
}

// serveAsset answers a (with If-None-Match, Range and HEAD handled by
// http.ServeContent), gzipped when the client accepts it.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", cacheControl)
	body, etag := a.body, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			// Each encoding is a representation of its own: its own
			// strong ETag.
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (listed, or through "*", without q=0).
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				q = 0
				fmt.Sscanf(strings.TrimSpace(v), "%g", &q)
			}
		}
		switch c := strings.ToLower(strings.TrimSpace(coding)); c {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
