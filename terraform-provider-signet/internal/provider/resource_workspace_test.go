package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/signetdev/signet/client"
)

func workspaceConfig(name, desc string) string {
	return fmt.Sprintf(`
resource "signet_workspace" "w" {
  name        = %q
  description = %q
}
`, name, desc)
}

// TestAccWorkspace: create, update in place, import by id and by name,
// drift, recreation after a deletion outside, destroy.
func TestAccWorkspace(t *testing.T) {
	api := acc(t)
	const addr = "signet_workspace.w"
	name := uniqueName("tf-ws")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkGone(func(id string) error { _, err := api.GetWorkspace(t.Context(), id); return err }, addr),
		Steps: []resource.TestStep{
			{
				Config: workspaceConfig(name, "staging"),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "is_default", "false"),
				),
			},
			{
				Config:           workspaceConfig(name+"-renamed", "production"),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttrPtr(addr, "id", &id),
			},
			replaceStep(workspaceConfig(name+"-renamed", "production"), addr, &id),
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateId: name + "-renamed"},
			{
				PreConfig: func() {
					if _, err := api.UpdateWorkspace(t.Context(), id, client.WorkspaceUpdate{Name: client.String(name + "-ui")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           workspaceConfig(name+"-renamed", "production"),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(addr, "name", name+"-renamed"),
			},
			{
				PreConfig: func() {
					if err := api.DeleteWorkspace(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           workspaceConfig(name+"-renamed", "production"),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}
