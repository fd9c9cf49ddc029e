// Package provider is the Terraform / OpenTofu provider for Signet, built
// with terraform-plugin-framework on Signet's Go SDK (package client).
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

// Address is the provider's source address in a registry.
const Address = "registry.opentofu.org/signetdev/signet"

// Environment variables the provider reads when its configuration leaves
// an attribute out.
const (
	EnvURL    = "SIGNET_URL"
	EnvAPIKey = "SIGNET_API_KEY"
)

type signetProvider struct {
	version string
}

// New returns a factory of the provider, as providerserver.Serve and the
// acceptance tests take it.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &signetProvider{version: version} }
}

type providerModel struct {
	URL    types.String `tfsdk:"url"`
	APIKey types.String `tfsdk:"api_key"`
}

func (p *signetProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "signet"
	resp.Version = p.version
}

func (p *signetProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages non-human access in [Signet](https://github.com/signetdev/signet): service accounts, API keys, groups, roles, grants, workspaces and webhooks.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: "Signet's base URL, e.g. `https://signet.example.com`. Default: the `SIGNET_URL` environment variable.",
				Optional:            true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "An API key (a service account's with the permissions the configuration needs, e.g. the Admin role). Default: the `SIGNET_API_KEY` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
		},
	}
}

func (p *signetProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.URL.IsUnknown() || cfg.APIKey.IsUnknown() {
		resp.Diagnostics.AddError("Signet's URL or API key is not known yet",
			"The provider's url and api_key must be known when planning: set them from variables or the "+EnvURL+" and "+EnvAPIKey+" environment variables, not from another resource's attributes.")
		return
	}
	url, key := os.Getenv(EnvURL), os.Getenv(EnvAPIKey)
	if !cfg.URL.IsNull() {
		url = cfg.URL.ValueString()
	}
	if !cfg.APIKey.IsNull() {
		key = cfg.APIKey.ValueString()
	}
	if url == "" {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Missing Signet URL",
			"Set the provider's url attribute or the "+EnvURL+" environment variable to Signet's base URL, e.g. https://signet.example.com.")
	}
	if key == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Signet API key",
			"Set the provider's api_key attribute or the "+EnvAPIKey+" environment variable to an API key.")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := client.New(url, client.WithAPIKey(key), client.WithUserAgent("terraform-provider-signet/"+p.version))
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid Signet URL", err.Error())
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
}

func (p *signetProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newServiceAccountResource,
		newAPIKeyResource,
		newGroupResource,
		newGroupMemberResource,
		newRoleResource,
		newGrantResource,
		newWorkspaceResource,
		newWebhookResource,
	}
}

func (p *signetProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newUserDataSource,
		newGroupDataSource,
		newRoleDataSource,
		newWorkspaceDataSource,
	}
}
