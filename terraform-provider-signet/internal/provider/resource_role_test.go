package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/signetdev/signet/client"
)

func roleConfig(name, base, perms string) string {
	return fmt.Sprintf(`
resource "signet_role" "r" {
  name        = %q
  description = "deploys"
  base        = %q
  permissions = %s
}
`, name, base, perms)
}

// TestAccRole: create, update in place, import by id and by name, drift,
// recreation after a deletion outside, destroy.
func TestAccRole(t *testing.T) {
	api := acc(t)
	const addr = "signet_role.r"
	name := uniqueName("tf-role")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkGone(func(id string) error { _, err := api.GetRole(t.Context(), id); return err }, addr),
		Steps: []resource.TestStep{
			{
				Config: roleConfig(name, "view", `["audit:read"]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestCheckTypeSetElemAttr(addr, "permissions.*", "audit:read"),
					resource.TestCheckTypeSetElemAttr(addr, "effective_permissions.*", "audit:read"),
				),
			},
			{
				Config:           roleConfig(name+"-renamed", "edit", `[]`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "base", "edit"),
					resource.TestCheckResourceAttr(addr, "permissions.#", "0"),
				),
			},
			replaceStep(roleConfig(name+"-renamed", "edit", `[]`), addr, &id),
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateId: name + "-renamed"},
			{
				PreConfig: func() {
					perms := []string{"audit:read"}
					if _, err := api.UpdateRole(t.Context(), id, client.RoleUpdate{Base: client.String("none"), Permissions: &perms}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           roleConfig(name+"-renamed", "edit", `[]`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(addr, "base", "edit"),
			},
			{
				PreConfig: func() {
					if err := api.DeleteRole(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           roleConfig(name+"-renamed", "edit", `[]`),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}
