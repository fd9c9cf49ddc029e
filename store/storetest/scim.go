package storetest

import (
	"slices"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// testListUsersByOwnerAndExternalID covers the filters SCIM provisioning
// relies on: the service accounts a person or group owns (listed for
// reassignment when the person leaves), and people by the identity
// provider's id for them.
func testListUsersByOwnerAndExternalID(t *testing.T, s store.Store) {
	ctx := t.Context()
	grace, alan := human("Grace", "grace@example.com"), human("Alan", "alan@example.com")
	alan.ExternalID = "00u-shared"
	team := group("data")
	owned1, owned2, byGroup, other := serviceAccount("etl"), serviceAccount("loader"), serviceAccount("reports"), serviceAccount("ci")
	owned1.OwnerType, owned1.OwnerID = "user", grace.ID
	owned2.OwnerType, owned2.OwnerID = "user", grace.ID
	byGroup.OwnerType, byGroup.OwnerID = "group", team.ID
	other.OwnerType, other.OwnerID = "user", alan.ID
	create(t, s, grace, alan, team, owned1, owned2, byGroup, other)

	list := func(f signet.UserFilter) []string {
		t.Helper()
		return userIDs(walk(t, s, 1, func(tx store.Tx, p signet.Page) ([]*signet.User, string, error) {
			f.Page = p
			return tx.ListUsers(ctx, f)
		}))
	}
	tests := []struct {
		name   string
		filter signet.UserFilter
		want   []string
	}{
		{"owned by Grace", signet.UserFilter{OwnerType: "user", OwnerID: grace.ID}, sortedIDs(owned1, owned2)},
		{"owned by the group", signet.UserFilter{OwnerType: "group", OwnerID: team.ID}, []string{byGroup.ID}},
		{"a user id is not a group", signet.UserFilter{OwnerType: "group", OwnerID: grace.ID}, nil},
		{"external id", signet.UserFilter{ExternalID: "00u-shared"}, []string{alan.ID}},
		{"external id and kind", signet.UserFilter{ExternalID: grace.ExternalID, Kind: signet.KindHuman}, []string{grace.ID}},
		{"unknown external id", signet.UserFilter{ExternalID: "nobody"}, nil},
	}
	for _, tc := range tests {
		got := list(tc.filter)
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		slices.Sort(got)
		wantEqual(t, tc.name, got, tc.want)
	}

	// A deleted user is not found by its external id, and a change of
	// external id is stored.
	alan.ExternalID = "00u-new"
	alan.UpdatedAt = at(time.Second)
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, alan) })
	wantEqual(t, "by the changed external id", list(signet.UserFilter{ExternalID: "00u-new"}), []string{alan.ID})
	if got := list(signet.UserFilter{ExternalID: "00u-shared"}); len(got) != 0 {
		t.Errorf("the old external id still finds %v", got)
	}
	deleted := at(2 * time.Second)
	alan.Status, alan.DeletedAt = signet.StatusDeleted, &deleted
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, alan) })
	if got := list(signet.UserFilter{ExternalID: "00u-new"}); len(got) != 0 {
		t.Errorf("a deleted user is still found by external id: %v", got)
	}
}

// testGroupExternalID covers a group's external id through create, get,
// update and list.
func testGroupExternalID(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := group("eng")
	create(t, s, g)
	get := func() *signet.Group {
		var got *signet.Group
		read(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.GetGroup(ctx, g.ID)
			return err
		})
		return got
	}
	wantEqual(t, "GetGroup", get(), g)
	g.ExternalID, g.UpdatedAt = "", at(time.Second)
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(ctx, g) })
	wantEqual(t, "GetGroup after clearing the external id", get(), g)
	g.ExternalID, g.UpdatedAt = "8f0c-entra", at(2*time.Second)
	write(t, s, func(tx store.Tx) error { return tx.UpdateGroup(ctx, g) })
	all := walk(t, s, 10, func(tx store.Tx, p signet.Page) ([]*signet.Group, string, error) { return tx.ListGroups(ctx, p) })
	var found bool
	for _, x := range all {
		if x.ID == g.ID {
			found = true
			wantEqual(t, "ListGroups", x, g)
		}
	}
	if !found {
		t.Fatalf("ListGroups does not list %s", g.ID)
	}
}
