package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/confusable"
	"github.com/signetdev/signet/store"
)

func testUserRoundTrip(t *testing.T, s store.Store) {
	h := human("Ada Lovelace", "Ada@Example.com")
	h.LastActiveAt = ptr(at(time.Hour))
	sa := serviceAccount("etl-bot")
	create(t, s, h, sa)

	for _, want := range []*signet.User{h, sa} {
		var got *signet.User
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetUser(t.Context(), want.ID)
			return err
		})
		wantEqual(t, fmt.Sprintf("GetUser(%q)", want.ID), got, want)
	}

	err := readErr(t, s, func(tx store.Tx) error {
		_, err := tx.GetUser(t.Context(), "usr_missing")
		return err
	})
	wantCode(t, `GetUser("usr_missing")`, err, signet.ENOTFOUND)
}

func testUserLookups(t *testing.T, s store.Store) {
	h := human("Ada", "ada@example.com")
	sa := serviceAccount("ETL-Bot")
	namesake := human("etl-bot", "etl@example.com") // a human may share a service account's name
	create(t, s, h, sa, namesake)

	byEmail := []struct {
		email string
		want  *signet.User // nil: ENOTFOUND
	}{
		{"ada@example.com", h},
		{"ADA@Example.COM", h},
		{"bob@example.com", nil},
		{"", nil},
	}
	for _, tc := range byEmail {
		var got *signet.User
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetUserByEmail(t.Context(), tc.email)
			return err
		})
		call := fmt.Sprintf("GetUserByEmail(%q)", tc.email)
		if tc.want == nil {
			wantCode(t, call, err, signet.ENOTFOUND)
			continue
		}
		if err != nil {
			t.Errorf("%s = %v; want nil", call, err)
			continue
		}
		wantEqual(t, call, got.ID, tc.want.ID)
	}

	byName := []struct {
		name string
		want *signet.User
	}{
		{"ETL-Bot", sa},
		{"etl-bot", sa},
		{"Ada", nil}, // humans are not service accounts
		{"nobody", nil},
	}
	for _, tc := range byName {
		var got *signet.User
		err := readErr(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetServiceAccountByName(t.Context(), tc.name)
			return err
		})
		call := fmt.Sprintf("GetServiceAccountByName(%q)", tc.name)
		if tc.want == nil {
			wantCode(t, call, err, signet.ENOTFOUND)
			continue
		}
		if err != nil {
			t.Errorf("%s = %v; want nil", call, err)
			continue
		}
		wantEqual(t, call, got.ID, tc.want.ID)
	}
}

func testUserUniqueness(t *testing.T, s store.Store) {
	create(t, s, human("Ada", "ada@example.com"), serviceAccount("etl-bot"))

	tests := []struct {
		name string
		user *signet.User
		want string // error code; "" for success
	}{
		{"same email", human("Other", "ada@example.com"), signet.ECONFLICT},
		{"email differing in case", human("Other", "ADA@EXAMPLE.COM"), signet.ECONFLICT},
		{"same service-account name", serviceAccount("etl-bot"), signet.ECONFLICT},
		{"service-account name differing in case", serviceAccount("ETL-BOT"), signet.ECONFLICT},
		{"human sharing a human's name", human("Ada", "ada2@example.com"), ""},
		{"human sharing a service account's name", human("etl-bot", "etl@example.com"), ""},
		{"two humans without email", human("NoMail", ""), ""},
		{"another human without email", human("NoMail2", ""), ""},
		{"new service account", serviceAccount("etl-bot-2"), ""},
	}
	for _, tc := range tests {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateUser(t.Context(), tc.user) })
		wantCode(t, "CreateUser("+tc.name+")", err, tc.want)
		if tc.want == signet.ECONFLICT {
			if msg := signet.ErrorMessage(err); msg == "Internal error." {
				t.Errorf("ErrorMessage(CreateUser(%s)) = %q; want a message naming the field", tc.name, msg)
			}
		}
	}

	// A duplicate id is a conflict too.
	dup := serviceAccount("unique-name")
	create(t, s, dup)
	again := *dup
	again.Name = "another-unique-name"
	err := writeErr(t, s, func(tx store.Tx) error { return tx.CreateUser(t.Context(), &again) })
	wantCode(t, "CreateUser(duplicate id)", err, signet.ECONFLICT)
}

func deleteUser(t *testing.T, s store.Store, u *signet.User, when time.Time) {
	t.Helper()
	u.Status = signet.StatusDeleted
	u.DeletedAt = ptr(when)
	u.UpdatedAt = when
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), u) })
}

func testDeletedUserFreesNames(t *testing.T, s store.Store) {
	sa := serviceAccount("etl-bot")
	h := human("Ada", "ada@example.com")
	create(t, s, sa, h)
	deleteUser(t, s, sa, at(time.Minute))
	deleteUser(t, s, h, at(time.Minute))

	sa2 := serviceAccount("ETL-bot")
	h2 := human("Ada", "ADA@example.com")
	create(t, s, sa2, h2)

	read(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		got, err := tx.GetServiceAccountByName(ctx, "etl-bot")
		if err != nil {
			return err
		}
		wantEqual(t, `GetServiceAccountByName("etl-bot").ID`, got.ID, sa2.ID)
		if got, err = tx.GetUserByEmail(ctx, "ada@example.com"); err != nil {
			return err
		}
		wantEqual(t, `GetUserByEmail("ada@example.com").ID`, got.ID, h2.ID)
		// The deleted user is still there by id.
		if got, err = tx.GetUser(ctx, sa.ID); err != nil {
			return err
		}
		wantEqual(t, "GetUser(deleted)", got, sa)
		return nil
	})

	// A deleted user cannot be brought back while its name is taken.
	sa.Status, sa.DeletedAt = signet.StatusActive, nil
	err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), sa) })
	wantCode(t, "UpdateUser(undelete onto a taken name)", err, signet.ECONFLICT)
}

func testUpdateUser(t *testing.T, s store.Store) {
	a := human("Ada", "ada@example.com")
	b := human("Bob", "bob@example.com")
	sa := serviceAccount("etl-bot")
	other := serviceAccount("other-bot")
	create(t, s, a, b, sa, other)

	a.Name = "Ada L."
	a.Email = "ada.l@example.com"
	a.Description = "changed"
	a.PasswordHash = "$2a$10$new"
	a.Status = signet.StatusDisabled
	a.UpdatedAt = at(time.Hour)
	a.LastActiveAt = ptr(at(2 * time.Hour))
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), a) })
	var got *signet.User
	read(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.GetUser(t.Context(), a.ID)
		return err
	})
	wantEqual(t, "GetUser after UpdateUser", got, a)

	// Renaming a service account to its own name in another case is fine.
	sa.Name = "ETL-Bot"
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), sa) })

	tests := []struct {
		name   string
		mutate func() *signet.User
		want   string
	}{
		{"email taken", func() *signet.User { u := *b; u.Email = "ADA.L@example.com"; return &u }, signet.ECONFLICT},
		{"service-account name taken", func() *signet.User { u := *sa; u.Name = "OTHER-bot"; return &u }, signet.ECONFLICT},
		{"unknown user", func() *signet.User { return serviceAccount("ghost") }, signet.ENOTFOUND},
	}
	for _, tc := range tests {
		err := writeErr(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), tc.mutate()) })
		wantCode(t, "UpdateUser("+tc.name+")", err, tc.want)
	}
}

func testListUsers(t *testing.T, s store.Store) {
	ada := human("Ada Lovelace", "ada@example.com")
	bob := human("Bob", "bob@analytics.example")
	bob.Status = signet.StatusDisabled
	etl := serviceAccount("ETL_Loader")
	pct := serviceAccount("100%-bot")
	gone := serviceAccount("gone-bot")
	create(t, s, ada, bob, etl, pct, gone)
	deleteUser(t, s, gone, at(time.Minute))

	tests := []struct {
		name string
		f    signet.UserFilter
		want []*signet.User
	}{
		{"all", signet.UserFilter{}, []*signet.User{ada, bob, etl, pct}},
		{"humans", signet.UserFilter{Kind: signet.KindHuman}, []*signet.User{ada, bob}},
		{"service accounts", signet.UserFilter{Kind: signet.KindServiceAccount}, []*signet.User{etl, pct}},
		{"disabled", signet.UserFilter{Status: signet.StatusDisabled}, []*signet.User{bob}},
		{"active service accounts", signet.UserFilter{Kind: signet.KindServiceAccount, Status: signet.StatusActive}, []*signet.User{etl, pct}},
		{"name, any case", signet.UserFilter{NameContains: "LOVE"}, []*signet.User{ada}},
		{"email", signet.UserFilter{NameContains: "analytics"}, []*signet.User{bob}},
		{"underscore is literal", signet.UserFilter{NameContains: "l_l"}, []*signet.User{etl}},
		{"underscore is not a wildcard", signet.UserFilter{NameContains: "a_l"}, nil},
		{"percent is literal", signet.UserFilter{NameContains: "0%"}, []*signet.User{pct}},
		{"percent is not a wildcard", signet.UserFilter{NameContains: "a%e"}, nil},
		{"deleted users are never listed", signet.UserFilter{NameContains: "gone"}, nil},
		{"deleted status lists nothing", signet.UserFilter{Status: signet.StatusDeleted}, nil},
	}
	for _, tc := range tests {
		got := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.User, string, error) {
			f := tc.f
			f.Page = p
			return tx.ListUsers(t.Context(), f)
		})
		want := userIDs(tc.want)
		slices.Sort(want)
		wantEqual(t, "ListUsers("+tc.name+")", userIDs(got), want)
	}

	counts := []struct {
		kind string
		want int
	}{{"", 4}, {signet.KindHuman, 2}, {signet.KindServiceAccount, 2}}
	for _, tc := range counts {
		var n int
		read(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.CountUsers(t.Context(), tc.kind)
			return err
		})
		wantEqual(t, fmt.Sprintf("CountUsers(%q)", tc.kind), n, tc.want)
	}
}

// testPagination checks the paging rules shared by every list, on users.
func testPagination(t *testing.T, s store.Store) {
	var all []*signet.User
	var records []any
	for i := range 11 {
		u := serviceAccount(fmt.Sprintf("bot-%02d", i))
		all = append(all, u)
		records = append(records, u)
	}
	create(t, s, records...)
	want := userIDs(all)
	slices.Sort(want)

	for _, limit := range []int{1, 3, 5, 10, 11, 12} {
		got := walk(t, s, limit, func(tx store.Tx, p signet.Page) ([]*signet.User, string, error) {
			return tx.ListUsers(t.Context(), signet.UserFilter{Page: p})
		})
		wantEqual(t, fmt.Sprintf("ListUsers walked with limit %d", limit), userIDs(got), want)
	}

	// Limit 0 means the default page size; limits above the maximum are capped.
	read(t, s, func(tx store.Tx) error {
		got, next, err := tx.ListUsers(t.Context(), signet.UserFilter{})
		if err != nil {
			return err
		}
		wantEqual(t, "len(ListUsers(limit 0))", len(got), len(all))
		wantEqual(t, "next cursor of ListUsers(limit 0)", next, "")
		return nil
	})
	var many []any
	for i := range signet.MaxPageSize + 1 {
		many = append(many, workspace(fmt.Sprintf("ws-%03d", i)))
	}
	create(t, s, many...)
	read(t, s, func(tx store.Tx) error {
		got, next, err := tx.ListWorkspaces(t.Context(), signet.Page{Limit: 10 * signet.MaxPageSize})
		if err != nil {
			return err
		}
		wantEqual(t, "len(ListWorkspaces(limit above max))", len(got), signet.MaxPageSize)
		if next == "" {
			t.Errorf("next cursor of ListWorkspaces(limit above max) = %q; want a cursor", next)
		}
		return nil
	})

	for _, cursor := range []string{"!!!not base64!!!", "%%%"} {
		err := readErr(t, s, func(tx store.Tx) error {
			_, _, err := tx.ListUsers(t.Context(), signet.UserFilter{Page: signet.Page{Cursor: cursor}})
			return err
		})
		wantCode(t, fmt.Sprintf("ListUsers(cursor %q)", cursor), err, signet.EBADREQUEST)
	}
}

func testFindUsersBySkeleton(t *testing.T, s store.Store) {
	admin := serviceAccount("sa_admin")
	human := human("SA_Admin", "sa@example.com") // looks alike, another kind
	other := serviceAccount("etl")
	gone := serviceAccount("sa_admln")
	create(t, s, admin, human, other, gone)
	// Deleted users are not found: their names are free.
	gone.Status, gone.DeletedAt = signet.StatusDeleted, ptr(at(time.Hour))
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), gone) })

	find := func(kind string, names ...string) []string {
		var keys []string
		for _, n := range names {
			keys = append(keys, confusable.Skeleton(n))
		}
		var ids []string
		read(t, s, func(tx store.Tx) error {
			us, err := tx.FindUsersBySkeleton(t.Context(), kind, keys)
			for _, u := range us {
				ids = append(ids, u.ID)
			}
			return err
		})
		return ids
	}
	tests := []struct {
		name  string
		kind  string
		names []string
		want  []string
	}{
		{"Cyrillic а among service accounts", signet.KindServiceAccount, []string{"sa_\u0430dmin"}, []string{admin.ID}},
		{"any kind", "", []string{"sa_\u0430dmin"}, sortedIDs(admin, human)},
		{"several skeletons", signet.KindServiceAccount, []string{"sa_admin", "ETL"}, sortedIDs(admin, other)},
		{"nothing alike", "", []string{"nobody"}, nil},
		{"no skeletons", "", nil, nil},
	}
	for _, tc := range tests {
		wantEqual(t, "FindUsersBySkeleton("+tc.name+")", find(tc.kind, tc.names...), tc.want)
	}
	// A rename moves the user to its new name's skeleton.
	other.Name = "sa_adm1n"
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(t.Context(), other) })
	wantEqual(t, "FindUsersBySkeleton(after a rename)", find(signet.KindServiceAccount, "etl"), []string(nil))
}

func sortedIDs(us ...*signet.User) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	return ids
}
