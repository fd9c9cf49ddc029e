// Command terraform-provider-signet is the Terraform / OpenTofu provider
// for Signet: service accounts, API keys, groups, roles, grants,
// workspaces and webhooks declared in configuration (README, "Terraform /
// OpenTofu provider").
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/signetdev/signet/terraform-provider-signet/internal/provider"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	debug := flag.Bool("debug", false, "run the provider for a debugger: it prints TF_REATTACH_PROVIDERS to set")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: provider.Address,
		Debug:   *debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
