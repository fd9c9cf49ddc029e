package signet_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/signetdev/signet"

// TestImports keeps the packages that other programs import small: what a
// program gets by importing one of them is the standard library and the
// listed Signet packages, never a database driver, the service or anything
// from outside. Each allowed Signet package is itself in this table, so the
// rule holds for everything they bring in too. Test files are not checked:
// tests may use anything.
func TestImports(t *testing.T) {
	rules := []struct {
		dir   string   // relative to the module root
		allow []string // Signet packages it may import, besides the standard library
		// external lists modules outside Signet it may import (any of
		// their packages), each a dependency the README justifies.
		external []string
		reason   string
	}{
		// The domain layer every other layer builds on (README "Layout").
		{dir: ".", reason: "the root package is the domain: standard library only"},
		// Imported by anyone who parses or makes keys.
		{dir: "apikey", reason: "the key format is standard library only"},
		// The SDK speaks the REST API's JSON with types of its own. It does
		// not import the root package either (which would add no module):
		// its types are the wire format, so the domain types can change
		// without changing the SDK's API.
		{dir: "client", reason: "the Go SDK is standard library only"},
		// The middleware for services behind Signet: the SDK, the root
		// package for the one rule it shares with forward-auth
		// (signet.EdgeWorkspace), and go-jose to verify access tokens
		// offline (JWS and JWK Sets are not code to write again).
		{dir: "signetauth", allow: []string{module, module + "/client"},
			external: []string{"github.com/go-jose/go-jose/v4"},
			reason:   "the middleware is the standard library plus the SDK, the root package and go-jose"},
	}
	guarded := map[string]bool{}
	for _, r := range rules {
		guarded[importPath(r.dir)] = true
	}
	for _, r := range rules {
		for _, a := range r.allow {
			if !guarded[a] {
				t.Errorf("%s may import %s, which is not guarded itself", r.dir, a)
			}
		}
		files, err := filepath.Glob(filepath.Join(r.dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			// Every file, whatever its build constraints.
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				external := slices.ContainsFunc(r.external, func(m string) bool {
					return path == m || strings.HasPrefix(path, m+"/")
				})
				if !isStandard(path) && !slices.Contains(r.allow, path) && !external {
					t.Errorf("%s imports %s; %s", f, path, r.reason)
				}
			}
		}
		if checked == 0 {
			t.Errorf("%s: no Go files found to check", r.dir)
		}
	}
}

func importPath(dir string) string {
	if dir == "." {
		return module
	}
	return module + "/" + filepath.ToSlash(dir)
}

// isStandard reports whether path names a standard-library package: its
// first element has no dot, as the go command reserves such paths for the
// standard library. "C" (cgo) is not one.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return path != "C" && !strings.Contains(first, ".")
}
