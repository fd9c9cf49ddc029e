package httpedge

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forwardingHeaders are the headers that claim a client address.
var forwardingHeaders = []string{"X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Forwarded", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP", "X-Cluster-Client-IP"}

// TestOneClientAddressRule fails if code outside this package reads the
// TCP peer's address (RemoteAddr) or names a forwarding header: the client
// address is decided here, once, and read everywhere else from
// signet.RequestInfo.
func TestOneClientAddressRule(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == self || (path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// signetauth runs in the process of a service protected by
				// Signet, not in Signet: its default Config.ClientIP is that
				// server's TCP peer, passed to the check API as client_ip.
				if n.Sel.Name == "RemoteAddr" && filepath.ToSlash(rel) != "signetauth/signetauth.go" {
					t.Errorf("%s:%d reads RemoteAddr: use httpedge.ClientAddr (Peer or Client), or signet.RequestInfoFrom(ctx).IP", rel, fset.Position(n.Pos()).Line)
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				v, err := strconv.Unquote(n.Value)
				if err != nil {
					return true
				}
				for _, h := range forwardingHeaders {
					if strings.EqualFold(strings.TrimSpace(v), h) {
						t.Errorf("%s:%d names the %s header: the client address is decided by httpedge.ClientAddr only; read signet.RequestInfoFrom(ctx).IP", rel, fset.Position(n.Pos()).Line, h)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d Go files under %s; the walk is broken", checked, root)
	}
}
