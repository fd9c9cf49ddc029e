package storetest

import (
	"slices"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/store"
)

// testListUsersByLabels checks the label filter of ListUsers: every label
// asked for must match, by name and exact value; label names may carry
// the punctuation signet.ValidLabelName allows.
func testListUsersByLabels(t *testing.T, s store.Store) {
	etl, web, bare := serviceAccount("etl-bot"), serviceAccount("web-bot"), serviceAccount("bare-bot")
	etl.Labels = map[string]string{"team": "data", "env": "prod", "app.example.com/tier": "batch"}
	web.Labels = map[string]string{"team": "web", "env": "prod"}
	create(t, s, etl, web, bare)
	names := func(labels map[string]string) []string {
		users := walk(t, s, 2, func(tx store.Tx, p signet.Page) ([]*signet.User, string, error) {
			return tx.ListUsers(t.Context(), signet.UserFilter{Kind: signet.KindServiceAccount, Labels: labels, Page: p})
		})
		var out []string
		for _, u := range users {
			out = append(out, u.Name)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"none", nil, []string{"bare-bot", "etl-bot", "web-bot"}},
		{"env=prod", map[string]string{"env": "prod"}, []string{"etl-bot", "web-bot"}},
		{"env=prod team=data", map[string]string{"env": "prod", "team": "data"}, []string{"etl-bot"}},
		{"punctuated name", map[string]string{"app.example.com/tier": "batch"}, []string{"etl-bot"}},
		{"value differs", map[string]string{"team": "Data"}, nil},
		{"unknown label", map[string]string{"owner": "x"}, nil},
	}
	for _, tc := range tests {
		wantEqual(t, "ListUsers(labels "+tc.name+")", names(tc.labels), tc.want)
	}
}
