package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/signetdev/signet/client"
)

func serviceAccountConfig(name, desc string, disabled bool, labels string) string {
	return fmt.Sprintf(`
resource "signet_service_account" "sa" {
  name        = %q
  description = %q
  disabled    = %t
  labels      = %s
}
`, name, desc, disabled, labels)
}

// TestAccServiceAccount: create, update in place, import by id and by
// name, drift after a change in the UI, recreation after a deletion
// outside, destroy.
func TestAccServiceAccount(t *testing.T) {
	api := acc(t)
	const addr = "signet_service_account.sa"
	name := uniqueName("tf-sa")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkGone(func(id string) error { _, err := api.GetServiceAccount(t.Context(), id); return err }, addr),
		Steps: []resource.TestStep{
			{
				Config:           serviceAccountConfig(name, "deploys", false, `{ team = "data" }`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^sa_`)),
					resource.TestCheckResourceAttr(addr, "name", name),
					resource.TestCheckResourceAttr(addr, "labels.team", "data"),
					resource.TestCheckResourceAttr(addr, "disabled", "false"),
				),
			},
			{
				// Update in place: the same id.
				Config:           serviceAccountConfig(name+"-renamed", "deploys prod", true, `{ team = "data", env = "prod" }`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "name", name+"-renamed"),
					resource.TestCheckResourceAttr(addr, "labels.env", "prod"),
					resource.TestCheckResourceAttr(addr, "disabled", "true"),
					func(*terraform.State) error {
						sa, err := api.GetServiceAccount(t.Context(), id)
						if err != nil {
							return err
						}
						if sa.Status != client.StatusDisabled || sa.Description != "deploys prod" {
							return fmt.Errorf("Signet has %+v", sa.User)
						}
						return nil
					},
				),
			},
			replaceStep(serviceAccountConfig(name+"-renamed", "deploys prod", true, `{ team = "data", env = "prod" }`), addr, &id),
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateId: name + "-renamed"},
			{
				// Drift: changed in the UI, planned back.
				PreConfig: func() {
					if _, err := api.UpdateServiceAccount(t.Context(), id, client.UserUpdate{Description: client.String("changed in the UI")}); err != nil {
						t.Fatal(err)
					}
					if _, err := api.EnableServiceAccount(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           serviceAccountConfig(name+"-renamed", "deploys prod", true, `{ team = "data", env = "prod" }`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "description", "deploys prod"),
					resource.TestCheckResourceAttr(addr, "disabled", "true"),
				),
			},
			{
				// Deleted outside: planned as a new account, not an error.
				PreConfig: func() {
					if err := api.DeleteServiceAccount(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           serviceAccountConfig(name+"-renamed", "deploys prod", false, `{}`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
				Check: func(s *terraform.State) error {
					if newID, _ := stateAttr(s, addr, "id"); newID == id {
						return fmt.Errorf("the recreated account has the deleted one's id %s", id)
					}
					return nil
				},
			},
			{
				Config:           serviceAccountConfig(name+"-renamed", "deploys prod", false, `{}`),
				ConfigPlanChecks: noChanges(),
			},
		},
	})
}

// checkGone is a CheckDestroy: every resource of the type of addr in the
// state is gone from Signet (get answers 404).
func checkGone(get func(id string) error, addrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, addr := range addrs {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				continue
			}
			err := get(rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("%s (%s) still exists after destroy", addr, rs.Primary.ID)
			}
			if !isNotFound(err) {
				return err
			}
		}
		return nil
	}
}
