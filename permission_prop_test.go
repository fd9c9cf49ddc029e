package signet_test

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
)

// The property tests below check the permission algebra against
// brute-force definitions over a small universe of workspaces and
// permissions, on randomly generated grants, accesses and scopes. Each
// iteration has its own seed, so a failure names the seed that reproduces
// it:
//
//	go test -run TestProp... -args -prop.seed=N
var (
	propN    = flag.Int("prop.n", 2000, "iterations of each permission property test")
	propSeed = flag.Int64("prop.seed", -1, "run the permission property tests with this seed only")
)

var (
	propDomains    = []string{"jobs", "metrics", "tables"}
	propWorkspaces = []string{"ws_a", "ws_b", "ws_c"}
)

// freshPerm and freshWS are never generated: they stand for every
// permission and workspace the generator did not name (domains registered
// later, workspaces made later), so that the All flag and "organisation-wide"
// show up in the brute force as they do in use.
const (
	freshPerm = "fresh:never"
	freshWS   = "ws_fresh"
)

// universe is what the brute force ranges over.
type universe struct {
	perms      []string // ends with freshPerm
	workspaces []string // "" (organisation level), then the generated ones, then freshWS
}

var propU = func() universe {
	perms := slices.Clone(signet.SignetPermissions)
	for _, d := range propDomains {
		for _, a := range signet.ContentActions {
			perms = append(perms, d+":"+a)
		}
	}
	// A permission outside every catalogue, and a literal "*": roles and
	// scopes are validated against the catalogue when written, but the
	// algebra must not depend on that (and "*" must stay a plain string,
	// never the All flag).
	perms = append(perms, "unregistered:read", "*", freshPerm)
	ws := append([]string{""}, propWorkspaces...)
	return universe{perms: perms, workspaces: append(ws, freshWS)}
}()

// table is the brute-force meaning of an Access: bit w*len(perms)+p is
// Can(perms[p], workspaces[w]).
type table []uint64

func (u universe) table(a *signet.Access) table {
	n := len(u.perms) * len(u.workspaces)
	t := make(table, (n+63)/64)
	for wi, w := range u.workspaces {
		for pi, p := range u.perms {
			if a.Can(p, w) {
				i := wi*len(u.perms) + pi
				t[i/64] |= 1 << (i % 64)
			}
		}
	}
	return t
}

// covers reports whether every cell set in o is set in t: the definition
// Access.Covers must agree with.
func (t table) covers(o table) bool {
	for i := range t {
		if o[i]&^t[i] != 0 {
			return false
		}
	}
	return true
}

// diff names the first cell set in o but not in t.
func (u universe) diff(t, o table) string {
	for wi, w := range u.workspaces {
		for pi, p := range u.perms {
			i := wi*len(u.perms) + pi
			if o[i/64]&(1<<(i%64)) != 0 && t[i/64]&(1<<(i%64)) == 0 {
				return fmt.Sprintf("%s in %q", p, w)
			}
		}
	}
	return "nothing"
}

// forEachSeed runs check once per seed, each with its own generator, and
// fails naming the seed.
func forEachSeed(t *testing.T, check func(r *rand.Rand) error) {
	t.Helper()
	t.Parallel() // CPU only, and nothing shared
	first, last := uint64(0), uint64(*propN)
	if *propSeed >= 0 {
		first, last = uint64(*propSeed), uint64(*propSeed)+1
	}
	for seed := first; seed < last; seed++ {
		if err := check(rand.New(rand.NewPCG(seed, 0x5167e7))); err != nil {
			t.Fatalf("seed %d (rerun with -args -prop.seed=%d): %v", seed, seed, err)
		}
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// genPerm returns a generated permission: never freshPerm.
func genPerm(r *rand.Rand) string { return propU.perms[r.IntN(len(propU.perms)-1)] }

func genCatalogue(r *rand.Rand) *signet.Catalogue {
	var ds []string
	for _, d := range propDomains {
		if r.IntN(2) == 0 {
			ds = append(ds, d)
		}
	}
	return signet.NewCatalogue(ds)
}

func genRole(r *rand.Rand) signet.Role {
	role := signet.Role{ID: fmt.Sprintf("role_%d", r.Uint32())}
	// Admin is rare, or most accesses would be everything.
	if r.IntN(20) == 0 {
		role.Base = signet.BaseAdmin
	} else {
		role.Base = pick(r, []string{signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage})
	}
	for range r.IntN(4) {
		role.Permissions = append(role.Permissions, genPerm(r))
	}
	return role
}

func genGrants(r *rand.Rand) []signet.GrantedRole {
	var gs []signet.GrantedRole
	for range r.IntN(6) {
		ws := "" // organisation-wide, one in five
		if r.IntN(5) != 0 {
			ws = pick(r, propWorkspaces)
		}
		role := genRole(r)
		gs = append(gs, signet.GrantedRole{Grant: signet.Grant{RoleID: role.ID, WorkspaceID: ws}, Role: role})
	}
	return gs
}

func genPermSet(r *rand.Rand) signet.PermSet {
	if r.IntN(12) == 0 {
		return signet.PermSet{All: true}
	}
	var s signet.PermSet
	for range r.IntN(6) {
		s.Add(genPerm(r))
	}
	return s
}

// genAccess returns either the access some generated grants give, or one
// built directly (which may hold shapes grants never give, such as All in
// one workspace or an empty workspace entry).
func genAccess(r *rand.Rand) signet.Access {
	if r.IntN(2) == 0 {
		return genCatalogue(r).ComputeAccess(genGrants(r))
	}
	a := signet.Access{Org: genPermSet(r)}
	if a.Org.All && r.IntN(2) == 0 {
		a.Org = signet.PermSet{}
	}
	for _, w := range propWorkspaces {
		if r.IntN(2) == 0 {
			if a.Workspaces == nil {
				a.Workspaces = map[string]signet.PermSet{}
			}
			a.Workspaces[w] = genPermSet(r)
		}
	}
	return a
}

// genScopes may return no scopes (no restriction), and may name freshPerm
// or a literal "*".
func genScopes(r *rand.Rand) []string {
	var s []string
	for range r.IntN(5) {
		switch r.IntN(12) {
		case 0:
			s = append(s, freshPerm)
		case 1:
			s = append(s, "*")
		default:
			s = append(s, genPerm(r))
		}
	}
	return s
}

// unionAccess is the least access covering a and b, built with
// PermSet.Union.
func unionAccess(a, b signet.Access) signet.Access {
	var u signet.Access
	u.Org.Union(a.Org)
	u.Org.Union(b.Org)
	for _, x := range []signet.Access{a, b} {
		for w, s := range x.Workspaces {
			if u.Workspaces == nil {
				u.Workspaces = map[string]signet.PermSet{}
			}
			ws := u.Workspaces[w] // zero, or a set u owns
			ws.Union(s)
			u.Workspaces[w] = ws
		}
	}
	return u
}

// roleGives is the README's definition of what a role holds ("Roles and
// permissions"), written independently of Catalogue.BasePermissions.
func roleGives(c *signet.Catalogue, role *signet.Role, p string) bool {
	if role.Base == signet.BaseAdmin || slices.Contains(role.Permissions, p) {
		return true
	}
	domain, action, _ := strings.Cut(p, ":")
	registered := slices.Contains(c.Domains(), domain)
	switch role.Base {
	case signet.BaseManage:
		if p == "grants:write" {
			return true
		}
		fallthrough
	case signet.BaseEdit:
		if registered && (action == "write" || action == "execute") {
			return true
		}
		fallthrough
	case signet.BaseView:
		return action == "read" && c.Has(p)
	}
	return false
}

// grantGives reports whether g gives p in workspace w ("" is the
// organisation level): organisation-wide grants and Admin count
// everywhere, a per-workspace grant only in its workspace.
func grantGives(c *signet.Catalogue, g *signet.GrantedRole, p, w string) bool {
	if !roleGives(c, &g.Role, p) {
		return false
	}
	return g.Grant.WorkspaceID == "" || g.Role.Base == signet.BaseAdmin || g.Grant.WorkspaceID == w
}

func describeGrants(gs []signet.GrantedRole) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "[%s+%v @%q] ", g.Role.Base, g.Role.Permissions, g.Grant.WorkspaceID)
	}
	return b.String()
}

// TestPropComputeAccessIsTheUnionOfGrants: ComputeAccess gives a permission
// in a workspace exactly when some grant gives it there or
// organisation-wide. The "only when" half is the safety property (the
// result never exceeds the union of the inputs); the "when" half says no
// grant is lost.
func TestPropComputeAccessIsTheUnionOfGrants(t *testing.T) {
	forEachSeed(t, func(r *rand.Rand) error {
		c := genCatalogue(r)
		grants := genGrants(r)
		a := c.ComputeAccess(grants)
		for _, w := range propU.workspaces {
			for _, p := range propU.perms {
				want := false
				for i := range grants {
					if grantGives(c, &grants[i], p, w) {
						want = true
						break
					}
				}
				if got := a.Can(p, w); got != want {
					return fmt.Errorf("domains %v, grants %s: Can(%q, %q) = %v; want %v", c.Domains(), describeGrants(grants), p, w, got, want)
				}
			}
		}
		return nil
	})
}

// TestPropNarrowNeverWidens: narrowing keeps exactly the permissions held
// that are in scopes (all of them with no scopes), so the narrowed access
// is covered by the original and holds nothing outside scopes; and the
// original is left as it was.
func TestPropNarrowNeverWidens(t *testing.T) {
	forEachSeed(t, func(r *rand.Rand) error {
		a := genAccess(r)
		scopes := genScopes(r)
		before := propU.table(&a)
		n := a.Narrow(scopes)
		if !a.Covers(&n) {
			return fmt.Errorf("access %s does not cover itself narrowed to %q: %s", describeAccess(&a), scopes, describeAccess(&n))
		}
		if len(scopes) > 0 && n.Org.All {
			return fmt.Errorf("narrowed to %q, the access holds every permission", scopes)
		}
		for _, w := range propU.workspaces {
			for _, p := range propU.perms {
				want := a.Can(p, w) && (len(scopes) == 0 || slices.Contains(scopes, p))
				if got := n.Can(p, w); got != want {
					return fmt.Errorf("%s narrowed to %q: Can(%q, %q) = %v; want %v", describeAccess(&a), scopes, p, w, got, want)
				}
			}
		}
		if after := propU.table(&a); !slices.Equal(before, after) {
			return fmt.Errorf("Narrow(%q) changed the access it narrowed", scopes)
		}
		return nil
	})
}

// TestPropCovers: a.Covers(b) holds exactly when every permission b has in
// every workspace (and at the organisation level) a has there too. Covers
// is then reflexive and transitive, which is checked too on a pool of
// generated accesses chosen so that many pairs are related.
func TestPropCovers(t *testing.T) {
	forEachSeed(t, func(r *rand.Rand) error {
		x, y := genAccess(r), genAccess(r)
		u := unionAccess(x, y)
		pool := []signet.Access{
			x, y, u,
			x.Narrow(genScopes(r)),
			u.Narrow(genScopes(r)),
			genCatalogue(r).ComputeAccess(genGrants(r)),
		}
		pool = append(pool, pool[4].Narrow(genScopes(r)))
		tables := make([]table, len(pool))
		for i := range pool {
			tables[i] = propU.table(&pool[i])
		}
		cov := make([][]bool, len(pool))
		for i := range pool {
			cov[i] = make([]bool, len(pool))
			for j := range pool {
				cov[i][j] = pool[i].Covers(&pool[j])
				if want := tables[i].covers(tables[j]); cov[i][j] != want {
					return fmt.Errorf("%s.Covers(%s) = %v; want %v (first held by the second only: %s)",
						describeAccess(&pool[i]), describeAccess(&pool[j]), cov[i][j], want, propU.diff(tables[i], tables[j]))
				}
			}
			if !cov[i][i] {
				return fmt.Errorf("%s does not cover itself", describeAccess(&pool[i]))
			}
		}
		for i := range pool {
			for j := range pool {
				for k := range pool {
					if cov[i][j] && cov[j][k] && !cov[i][k] {
						return fmt.Errorf("Covers is not transitive: %s ⊒ %s ⊒ %s", describeAccess(&pool[i]), describeAccess(&pool[j]), describeAccess(&pool[k]))
					}
				}
			}
		}
		if !u.Covers(&x) || !u.Covers(&y) {
			return fmt.Errorf("the union %s does not cover its operands %s, %s", describeAccess(&u), describeAccess(&x), describeAccess(&y))
		}
		return nil
	})
}

// TestPropUnionIsMonotone: for permission sets, s ∪ o holds exactly what
// s or o holds, covers both, leaves both alone, and grows with s. For
// grants, more grants (or more registered domains) never give less.
func TestPropUnionIsMonotone(t *testing.T) {
	forEachSeed(t, func(r *rand.Rand) error {
		s, o, extra := genPermSet(r), genPermSet(r), genPermSet(r)
		sList, oList := s.List(), o.List()
		var u signet.PermSet // a fresh set: Union into a copy of s would share s's map
		u.Union(s)
		u.Union(o)
		if !slices.Equal(s.List(), sList) || !slices.Equal(o.List(), oList) {
			return fmt.Errorf("Union changed an operand: %v, %v; were %v, %v", s.List(), o.List(), sList, oList)
		}
		if !u.Covers(s) || !u.Covers(o) {
			return fmt.Errorf("%v ∪ %v = %v does not cover both", sList, oList, u.List())
		}
		if u.All != (s.All || o.All) {
			return fmt.Errorf("%v ∪ %v: All = %v", sList, oList, u.All)
		}
		for _, p := range propU.perms {
			if got, want := u.Has(p), s.Has(p) || o.Has(p); got != want {
				return fmt.Errorf("(%v ∪ %v).Has(%q) = %v; want %v", sList, oList, p, got, want)
			}
		}
		// Monotone: s ⊆ s2 implies s ∪ o ⊆ s2 ∪ o.
		var s2, u2 signet.PermSet
		s2.Union(s)
		s2.Union(extra)
		u2.Union(s2)
		u2.Union(o)
		if !u2.Covers(u) {
			return fmt.Errorf("(%v ∪ %v) ∪ %v does not cover %v ∪ %v", sList, extra.List(), oList, sList, oList)
		}

		c := genCatalogue(r)
		g1, g2 := genGrants(r), genGrants(r)
		a1, a2 := c.ComputeAccess(g1), c.ComputeAccess(g2)
		both := c.ComputeAccess(append(slices.Clone(g1), g2...))
		if !both.Covers(&a1) || !both.Covers(&a2) {
			return fmt.Errorf("grants %s plus %s give less than one of them", describeGrants(g1), describeGrants(g2))
		}
		want := unionAccess(a1, a2)
		if tb, tw := propU.table(&both), propU.table(&want); !slices.Equal(tb, tw) {
			return fmt.Errorf("grants %s plus %s: the access is not the union of each one's", describeGrants(g1), describeGrants(g2))
		}
		// Registering a domain never takes a permission away.
		more := signet.NewCatalogue(append(slices.Clone(c.Domains()), "zz"))
		wider := more.ComputeAccess(g1)
		if !wider.Covers(&a1) {
			return fmt.Errorf("grants %s: registering a domain took permissions away", describeGrants(g1))
		}
		return nil
	})
}

func describeAccess(a *signet.Access) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{org %s", describeSet(a.Org))
	for _, w := range slices.Sorted(maps.Keys(a.Workspaces)) {
		fmt.Fprintf(&b, ", %s %s", w, describeSet(a.Workspaces[w]))
	}
	b.WriteString("}")
	return b.String()
}

// describeSet tells All from a literal "*", which List does not.
func describeSet(s signet.PermSet) string {
	if s.All {
		return "ALL"
	}
	return fmt.Sprint(s.List())
}
