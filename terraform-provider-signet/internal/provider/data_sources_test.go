package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccDataSources looks up what Signet creates on an empty database:
// the Admins group, the Admin role, the Default workspace, and the
// administrator by email.
func TestAccDataSources(t *testing.T) {
	acc(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		Steps: []resource.TestStep{{
			Config: `
data "signet_group" "admins" {
  name = "Admins"
}

data "signet_role" "admin" {
  name = "Admin"
}

data "signet_workspace" "default" {
  name = "Default"
}

data "signet_user" "admin" {
  name = "` + signetServer.email + `"
}
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchResourceAttr("data.signet_group.admins", "id", regexp.MustCompile(`^grp_`)),
				resource.TestCheckResourceAttr("data.signet_role.admin", "id", "role_admin"),
				resource.TestCheckResourceAttr("data.signet_role.admin", "built_in", "true"),
				resource.TestCheckResourceAttr("data.signet_workspace.default", "is_default", "true"),
				resource.TestMatchResourceAttr("data.signet_user.admin", "id", regexp.MustCompile(`^usr_`)),
				resource.TestCheckResourceAttr("data.signet_user.admin", "kind", "human"),
			),
		}},
	})
}

// TestAccDataSourceNotFound: a name nothing has is a clear error.
func TestAccDataSourceNotFound(t *testing.T) {
	acc(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		Steps: []resource.TestStep{{
			Config:      `data "signet_group" "g" { name = "no such group" }`,
			ExpectError: messageRegexp(`no group is named "no such group"`),
		}},
	})
}
