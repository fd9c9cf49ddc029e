package web

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
)

// The Users list is sorted here, in the web layer, not in the store: its
// "Last active" column is derived (the later of a user's last sign-in and
// the last use of any of its keys), which only this page computes, and the
// page already reads every service-account key, group and grant to fill its
// columns. So it reads every user the filters select (bounded by allOf, at
// most 50 pages of signet.MaxPageSize), sorts them, and shows one page of
// usersPageSize, chosen by ?page=N.

// usersPageSize is how many users one page of the list shows.
const usersPageSize = signet.DefaultPageSize

// userSorts are the columns the Users list sorts by (?sort=), each with
// the order a first click on its header asks for.
var userSorts = []struct{ Key, Label, FirstOrder string }{
	{"name", "Name", "asc"},
	{"type", "Type", "asc"},
	{"status", "Status", "asc"},
	{"last_active", "Last active", "desc"},
}

// userSortOptions are the sorts as choices of the filter form, which
// offers them where the column headers are hidden (rows shown as cards).
func userSortOptions() []expiryOption {
	opts := make([]expiryOption, len(userSorts))
	for i, s := range userSorts {
		opts[i] = expiryOption{s.Key, s.Label}
	}
	return opts
}

// sortColumn is a sortable column header: its label, the link that sorts
// by it, and its aria-sort value when the list is sorted by it.
type sortColumn struct {
	Label    string
	URL      string
	AriaSort string // "ascending", "descending" or "" (not sorted by this column)
}

// userListQuery is what selects and orders the Users list: the filters,
// the sort, the page.
type userListQuery struct {
	Query, Kind, Status string
	Sort, Order         string // a key of userSorts; "asc" or "desc"
	Page                int    // 1-based
}

// parseUserListQuery reads the list's query parameters; unknown sorts and
// orders fall back to the default (name, ascending).
func parseUserListQuery(q url.Values) userListQuery {
	l := userListQuery{Query: q.Get("q"), Kind: q.Get("kind"), Status: q.Get("status"), Sort: "name", Order: "asc", Page: 1}
	for _, s := range userSorts {
		if s.Key == q.Get("sort") {
			l.Sort = s.Key
			l.Order = s.FirstOrder
		}
	}
	if o := q.Get("order"); o == "asc" || o == "desc" {
		l.Order = o
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		l.Page = n
	}
	return l
}

// Filtered reports whether a filter narrows the list.
func (l userListQuery) Filtered() bool { return l.Query != "" || l.Kind != "" || l.Status != "" }

// URL is the link to the list with l's filters, sort and page; the default
// sort and the first page are left out.
func (l userListQuery) URL() string {
	q := url.Values{}
	for k, v := range map[string]string{"q": l.Query, "kind": l.Kind, "status": l.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if l.Sort != "name" || l.Order != "asc" {
		q.Set("sort", l.Sort)
		q.Set("order", l.Order)
	}
	if l.Page > 1 {
		q.Set("page", strconv.Itoa(l.Page))
	}
	if len(q) == 0 {
		return "/settings/users"
	}
	return "/settings/users?" + q.Encode()
}

// columns are the sortable headers: a click on the sorted column reverses
// the order, on another sorts by it from the first page.
func (l userListQuery) columns() map[string]sortColumn {
	cols := map[string]sortColumn{}
	for _, s := range userSorts {
		n := l
		n.Page = 1
		n.Sort, n.Order = s.Key, s.FirstOrder
		c := sortColumn{Label: s.Label}
		if s.Key == l.Sort {
			c.AriaSort = map[string]string{"asc": "ascending", "desc": "descending"}[l.Order]
			n.Order = map[string]string{"asc": "desc", "desc": "asc"}[l.Order]
		}
		c.URL = n.URL()
		cols[s.Key] = c
	}
	return cols
}

// sortUserRows orders rows by l's column and order; ties go by name
// (ascending), then id, so that the order is stable from page to page. A
// user never active counts as least recently active.
func sortUserRows(rows []userRow, l userListQuery) {
	byName := func(a, b userRow) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.User.Name), strings.ToLower(b.User.Name)), strings.Compare(a.User.ID, b.User.ID))
	}
	key := byName
	switch l.Sort {
	case "type":
		key = func(a, b userRow) int { return strings.Compare(a.User.Kind, b.User.Kind) }
	case "status":
		key = func(a, b userRow) int { return strings.Compare(a.User.Status, b.User.Status) }
	case "last_active":
		key = func(a, b userRow) int { return compareTimes(a.LastActive, b.LastActive) }
	}
	slices.SortStableFunc(rows, func(a, b userRow) int {
		c := key(a, b)
		if l.Order == "desc" {
			c = -c
		}
		return cmp.Or(c, byName(a, b))
	})
}

// compareTimes orders nil before every time.
func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}
