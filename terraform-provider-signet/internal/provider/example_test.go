package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccExample applies examples/pipeline/main.tf (versions.tf, which
// names the provider's registry address, is left out: the test serves
// the provider in-process), then rotates its key by changing a variable:
// the secret file holds the working secret each time.
func TestAccExample(t *testing.T) {
	acc(t)
	main, err := os.ReadFile(filepath.Join("..", "..", "examples", "pipeline", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pipeline.key")
	vars := func(generation string) config.Variables {
		return config.Variables{
			"pipeline":       config.StringVariable(uniqueName("tf-example")),
			"key_generation": config.StringVariable(generation),
			"secret_file":    config.StringVariable(file),
			// The test reaches Signet from 127.0.0.1.
			"allowed_networks": config.ListVariable(config.StringVariable("127.0.0.0/8")),
		}
	}
	v1 := vars("1")
	v2 := vars("2")
	v2["pipeline"] = v1["pipeline"]
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		Steps: []resource.TestStep{
			{
				Config:          string(main),
				ConfigVariables: v1,
				Check: resource.ComposeAggregateTestCheckFunc(
					capture("signet_api_key.pipeline", "id", &firstID),
					checkSecretWorks("signet_api_key.pipeline"),
					checkSecretFile("signet_api_key.pipeline", file),
				),
			},
			{
				Config:           string(main),
				ConfigVariables:  v2,
				ConfigPlanChecks: expect("signet_api_key.pipeline", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr("signet_api_key.pipeline", "rotated_from", &firstID),
					checkSecretWorks("signet_api_key.pipeline"),
					checkSecretFile("signet_api_key.pipeline", file),
				),
			},
		},
	})
}

// checkSecretFile checks that file holds the secret of the key addr, and
// only its owner may read it.
func checkSecretFile(addr, file string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		secret, err := stateAttr(s, addr, "secret")
		if err != nil {
			return err
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if string(b) != secret {
			return fmt.Errorf("%s does not hold the key's current secret", file)
		}
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		if fi.Mode().Perm() != 0o600 {
			return fmt.Errorf("%s has mode %v, want 0600", file, fi.Mode().Perm())
		}
		return nil
	}
}
