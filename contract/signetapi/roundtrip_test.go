package signetapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/contract/signetapi"
	"github.com/signetdev/signet/internal/signettest"
	"github.com/signetdev/signet/internal/testdb"
)

// TestRoundTrip drives a real Signet through the generated client: create
// a service account with a grant and a key, get it, find it in the list,
// use its key, and read an error in the document's error shape.
func TestRoundTrip(t *testing.T) { t.Parallel(); testdb.ForEach(t, testRoundTrip) }

func testRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := signettest.Start(t, signettest.Options{})
	admin := s.ServiceAccount(t, "contract-admin", signet.RoleAdminID, client.OrganisationWide).APIKey.Key
	c := newClient(t, s, admin)

	desc := "made by the generated client"
	idem := "c0ffee00-1234-4abc-8def-0123456789ab"
	body := signetapi.CreateServiceAccountJSONRequestBody{
		Name:        "contract-etl",
		Description: &desc,
		Grants:      &[]signetapi.GrantSpec{{RoleId: signet.RoleViewID, WorkspaceId: &s.DefaultWorkspace}},
		ApiKey:      &signetapi.CreateAPIKeyRequest{Name: "airflow"},
	}
	created, err := c.CreateServiceAccountWithResponse(ctx, &signetapi.CreateServiceAccountParams{IdempotencyKey: &idem}, body)
	if err != nil {
		t.Fatalf("CreateServiceAccount: %v", err)
	}
	if created.StatusCode() != http.StatusCreated || created.JSON201 == nil || created.JSON201.ApiKey == nil {
		t.Fatalf("CreateServiceAccount = %d; want 201 with the account and its key", created.StatusCode())
	}
	sa, key := created.JSON201.ServiceAccount, created.JSON201.ApiKey
	// Sent again with the same Idempotency-Key: the same account and key.
	again, err := c.CreateServiceAccountWithResponse(ctx, &signetapi.CreateServiceAccountParams{IdempotencyKey: &idem}, body)
	if err != nil || again.JSON201 == nil || again.JSON201.ServiceAccount.Id != sa.Id || again.JSON201.ApiKey == nil ||
		again.JSON201.ApiKey.Key != key.Key || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("CreateServiceAccount again with its Idempotency-Key: %v; want the first answer, replayed", err)
	}
	if !strings.HasPrefix(sa.Id, "sa_") || sa.Name != "contract-etl" || sa.Kind != "service_account" || sa.Status != "active" || sa.Description != desc {
		t.Errorf("created service account = %+v; want an active sa_… named contract-etl with the description", sa)
	}
	// The key is a secret: check its shape, never print it.
	if !strings.HasPrefix(key.Key, "sgn_sa_") || key.Name != "airflow" {
		t.Errorf("created key: name %q, prefix ok %v; want airflow and a key starting sgn_sa_", key.Name, strings.HasPrefix(key.Key, "sgn_sa_"))
	}

	got, err := c.GetServiceAccountWithResponse(ctx, sa.Id)
	if err != nil {
		t.Fatalf("GetServiceAccount: %v", err)
	}
	if got.StatusCode() != http.StatusOK || got.JSON200 == nil {
		t.Fatalf("GetServiceAccount(%s) = %d; want 200", sa.Id, got.StatusCode())
	}
	if d := got.JSON200; d.Id != sa.Id || d.Name != sa.Name || len(d.Grants) != 1 || d.Grants[0].RoleId != signet.RoleViewID {
		t.Errorf("GetServiceAccount(%s) = %+v; want it with its one View grant", sa.Id, d)
	}

	name := "contract-"
	list, err := c.ListServiceAccountsWithResponse(ctx, &signetapi.ListServiceAccountsParams{Name: &name})
	if err != nil {
		t.Fatalf("ListServiceAccounts: %v", err)
	}
	if list.StatusCode() != http.StatusOK || list.JSON200 == nil {
		t.Fatalf("ListServiceAccounts = %d; want 200", list.StatusCode())
	}
	var names []string
	for _, u := range list.JSON200.Data {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	if want := []string{"contract-admin", "contract-etl"}; !slices.Equal(names, want) {
		t.Errorf("ListServiceAccounts(name=%s) names = %v; want %v", name, names, want)
	}

	// The new key works, as its service account.
	me, err := newClient(t, s, key.Key).GetMeWithResponse(ctx)
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if me.StatusCode() != http.StatusOK || me.JSON200 == nil || me.JSON200.User.Id != sa.Id || me.JSON200.KeyId == nil || *me.JSON200.KeyId != key.Id {
		t.Errorf("GetMe with the new key = %d %+v; want 200 as %s with key %s", me.StatusCode(), me.JSON200, sa.Id, key.Id)
	}

	// Errors decode into the document's error shape.
	missing, err := c.GetServiceAccountWithResponse(ctx, "sa_nope")
	if err != nil {
		t.Fatalf("GetServiceAccount(sa_nope): %v", err)
	}
	if missing.StatusCode() != http.StatusNotFound || missing.JSON404 == nil || missing.JSON404.Error.Code != signetapi.ErrorErrorCodeNotFound ||
		missing.JSON404.Error.Message == "" {
		t.Errorf("GetServiceAccount(sa_nope) = %d %s; want 404 with code not_found", missing.StatusCode(), missing.Body)
	}
}

// newClient returns a generated client of s that sends key.
func newClient(t *testing.T, s *signettest.Server, key string) *signetapi.ClientWithResponses {
	t.Helper()
	c, err := signetapi.NewClientWithResponses(s.URL, signetapi.WithHTTPClient(s.HTTP.Client()),
		signetapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
