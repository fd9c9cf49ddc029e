package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func grantConfig(name, role, workspace string) string {
	return fmt.Sprintf(`
resource "signet_service_account" "sa" {
  name = %q
}

resource "signet_workspace" "w" {
  name = "%[1]s-ws"
}

data "signet_role" "r" {
  name = %q
}

resource "signet_grant" "g" {
  subject_type = "user"
  subject_id   = signet_service_account.sa.id
  role_id      = data.signet_role.r.id
  workspace_id = %s
}
`, name, role, workspace)
}

// TestAccGrant: create (in a workspace, then organisation-wide), replace,
// import by id, recreation after a deletion outside, destroy. A grant has
// nothing to change in place and no name.
func TestAccGrant(t *testing.T) {
	api := acc(t)
	const addr = "signet_grant.g"
	name := uniqueName("tf-grant")
	var id, wsID string
	grantGone := func(id string) error {
		g, err := findGrant(t.Context(), api, id, "", "")
		if err == nil && g != nil {
			return nil
		}
		if err == nil {
			err = errNotFound
		}
		return err
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkGone(grantGone, addr),
		Steps: []resource.TestStep{
			{
				Config: grantConfig(name, "View", "signet_workspace.w.id"),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					capture("signet_workspace.w", "id", &wsID),
					resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^grant_`)),
					resource.TestCheckResourceAttrPtr(addr, "workspace_id", &wsID),
					resource.TestCheckResourceAttr(addr, "role_id", "role_view"),
				),
			},
			{
				Config:           grantConfig(name, "Edit", `"*"`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionReplace),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "workspace_id", "*"),
					resource.TestCheckResourceAttr(addr, "role_id", "role_edit"),
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{
				PreConfig: func() {
					if err := api.DeleteGrant(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           grantConfig(name, "Edit", `"*"`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
				Check: func(s *terraform.State) error {
					if v, _ := stateAttr(s, addr, "id"); v == id {
						return fmt.Errorf("the grant was not recreated")
					}
					return nil
				},
			},
		},
	})
}
