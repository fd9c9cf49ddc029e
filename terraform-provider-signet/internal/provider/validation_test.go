package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/signetdev/signet/client"
)

// TestAccPlanValidation: invalid names, durations, CIDRs and labels fail
// the plan, before anything is created, with the message the API gives
// for the same input (compared with the API's answer).
func TestAccPlanValidation(t *testing.T) {
	api := acc(t)
	sa, err := api.CreateServiceAccount(t.Context(), client.CreateServiceAccountRequest{Name: uniqueName("tf-validation")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.DeleteServiceAccount(ctxBackground(), sa.ServiceAccount.ID) })
	cases := []struct {
		name   string
		config string
		api    func() error // the same input sent to the API
	}{
		{
			"expires_in",
			fmt.Sprintf(`resource "signet_api_key" "k" {
  service_account_id = %q
  name               = "k"
  expires_in         = "30 days"
}`, sa.ServiceAccount.ID),
			func() error {
				_, err := api.CreateServiceAccountKey(t.Context(), sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "k", ExpiresIn: "30 days"})
				return err
			},
		},
		{
			"allowed_networks",
			fmt.Sprintf(`resource "signet_api_key" "k" {
  service_account_id = %q
  name               = "k"
  allowed_networks   = ["10.0.0.0/33"]
}`, sa.ServiceAccount.ID),
			func() error {
				_, err := api.CreateServiceAccountKey(t.Context(), sa.ServiceAccount.ID, client.CreateAPIKeyRequest{Name: "k", AllowedNetworks: []string{"10.0.0.0/33"}})
				return err
			},
		},
		{
			"name",
			`resource "signet_service_account" "sa" { name = "sa_lookalike" }`,
			func() error {
				_, err := api.CreateServiceAccount(t.Context(), client.CreateServiceAccountRequest{Name: "sa_lookalike"})
				return err
			},
		},
		{
			"labels",
			`resource "signet_service_account" "sa" {
  name   = "labelled"
  labels = { "Team" = "x" }
}`,
			func() error {
				_, err := api.CreateServiceAccount(t.Context(), client.CreateServiceAccountRequest{Name: uniqueName("labelled"), Labels: map[string]string{"Team": "x"}})
				return err
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e *client.Error
			if err := tc.api(); !errors.As(err, &e) || e.Code != client.CodeInvalid {
				t.Fatalf("the API accepted the input, or failed otherwise: %v", err)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: messageRegexp(e.Message),
				}},
			})
		})
	}
}

// messageRegexp matches msg in a diagnostic, which Terraform and OpenTofu
// wrap at any space.
func messageRegexp(msg string) *regexp.Regexp {
	words := strings.Fields(msg)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// TestAccAPIErrorDiagnostic: an error from the API names what failed, the
// API's message and code, and the request id.
func TestAccAPIErrorDiagnostic(t *testing.T) {
	acc(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		Steps: []resource.TestStep{{
			Config: `
resource "signet_role" "r" {
  name        = "` + uniqueName("tf-bad-role") + `"
  base        = "view"
  permissions = ["no_such:permission"]
}`,
			ExpectError: regexp.MustCompile(`(?s)Signet:\s+cannot\s+create\s+the\s+role.*unknown\s+permission.*code\s+invalid,\s+request\s+id\s+\S+`),
		}},
	})
}
