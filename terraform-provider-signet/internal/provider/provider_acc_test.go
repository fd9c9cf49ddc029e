package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccProviderConfig: the provider block's attributes (which win over
// SIGNET_URL and SIGNET_API_KEY), and a key Signet refuses, reported with
// the API's code and request id.
func TestAccProviderConfig(t *testing.T) {
	acc(t)
	lookup := `
data "signet_workspace" "default" {
  name = "Default"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "signet" {
  url     = %q
  api_key = %q
}
`, signetServer.url, signetServer.key) + lookup,
				Check: resource.TestCheckResourceAttr("data.signet_workspace.default", "is_default", "true"),
			},
			{
				Config: `
provider "signet" {
  api_key = "not a key"
}
` + lookup,
				ExpectError: regexp.MustCompile(`(?s)cannot\s+find\s+the\s+workspace.*code\s+unauthenticated,.*request\s+id\s+\S+`),
			},
		},
	})
}
