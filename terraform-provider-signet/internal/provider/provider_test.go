package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

// These tests run always: no server, no terraform binary.

// TestSchemas checks every schema as the framework would when serving it.
func TestSchemas(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	var presp fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &presp)
	if presp.Diagnostics.HasError() {
		t.Fatalf("provider schema: %v", presp.Diagnostics)
	}
	names := map[string]bool{}
	for _, f := range p.Resources(ctx) {
		r := f()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "signet"}, &m)
		names[m.TypeName] = true
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		if s.Diagnostics.HasError() {
			t.Errorf("%s: %v", m.TypeName, s.Diagnostics)
		}
		if d := s.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("%s: %v", m.TypeName, d)
		}
		if _, ok := r.(resource.ResourceWithImportState); !ok {
			t.Errorf("%s cannot be imported", m.TypeName)
		}
	}
	for _, want := range []string{"signet_service_account", "signet_api_key", "signet_group", "signet_group_member", "signet_role", "signet_grant", "signet_workspace", "signet_webhook"} {
		if !names[want] {
			t.Errorf("no resource %s", want)
		}
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var m datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "signet"}, &m)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		if s.Diagnostics.HasError() {
			t.Errorf("data source %s: %v", m.TypeName, s.Diagnostics)
		}
		if d := s.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("data source %s: %v", m.TypeName, d)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"etl-pipeline", ""},
		{"", "service account name is required"},
		{"   ", "service account name is required"},
		{strings.Repeat("x", 101), "service account name is too long: 101 characters; the limit is 100"},
		{"SA_admin", `looks like an id: names may not begin with "sa_" or another id prefix`},
		{"sgn_x", `names may not begin with "sgn_"`},
		{"two  spaces", `has spaces Signet would remove or merge`},
	} {
		err := checkName("service account", tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("checkName(%q) = %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("checkName(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckLifetimeAndGrace(t *testing.T) {
	for _, ok := range []string{"30d", "12h", "P30D", "1d12h"} {
		if err := checkLifetime("expires_in", ok); err != nil {
			t.Errorf("checkLifetime(%q) = %v", ok, err)
		}
	}
	if err := checkLifetime("expires_in", "0"); err == nil || err.Error() != `field "expires_in" must be a duration longer than zero, such as 30d or PT12H` {
		t.Errorf("checkLifetime(0) = %v", err)
	}
	if err := checkLifetime("expires_in", "P1M"); err == nil || !strings.HasPrefix(err.Error(), `field "expires_in": "P1M" is not a valid duration (years and months`) {
		t.Errorf("checkLifetime(P1M) = %v", err)
	}
	if err := checkGrace("rotation_grace", "0"); err != nil {
		t.Errorf("checkGrace(0) = %v", err)
	}
	if err := checkGrace("rotation_grace", "-1h"); err == nil {
		t.Error("checkGrace(-1h) accepted")
	}
}

func TestCheckNetworksAndLabels(t *testing.T) {
	if err := checkNetworks("allowed_networks", []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.1"}); err != nil {
		t.Error(err)
	}
	err := checkNetworks("allowed_networks", []string{"10.0.0.0/8", "10.1.0.0/8"})
	if err == nil || !strings.Contains(err.Error(), `allowed_networks[1]: "10.1.0.0/8" is the network 10.0.0.0/8 again`) {
		t.Errorf("a repeated network: %v", err)
	}
	if err := checkLabels("labels", map[string]string{"team": "data"}); err != nil {
		t.Error(err)
	}
	if err := checkLabels("labels", map[string]string{"Team": "data"}); err == nil || !strings.HasPrefix(err.Error(), `labels: label name "Team" is not allowed`) {
		t.Errorf("an upper-case label: %v", err)
	}
	if err := checkBase("admin"); err == nil {
		t.Error("checkBase(admin) accepted")
	}
}

// TestNetworksValue: allowed_networks keeps the configuration's spelling
// of the networks Signet stores normalised, so that plans stay empty.
func TestNetworksValue(t *testing.T) {
	prior := types.SetValueMust(types.StringType, []attrValue{types.StringValue("10.1.2.3/8"), types.StringValue("192.0.2.1")})
	if got := networksValue([]string{"10.0.0.0/8", "192.0.2.1/32"}, prior); !got.Equal(prior) {
		t.Errorf("same networks: %v, want the prior %v", got, prior)
	}
	got := networksValue([]string{"203.0.113.0/24"}, prior)
	want := types.SetValueMust(types.StringType, []attrValue{types.StringValue("203.0.113.0/24")})
	if !got.Equal(want) {
		t.Errorf("changed outside: %v, want %v", got, want)
	}
}

// TestAPIErrorDetail: diagnostics carry the API's message, code and
// request id.
func TestAPIErrorDetail(t *testing.T) {
	got := apiErrorDetail(&client.Error{Status: 422, Code: "invalid", Message: "base must be one of …", RequestID: "req_123"})
	want := "base must be one of …\n\nHTTP 422, code invalid, request id req_123"
	if got != want {
		t.Errorf("apiErrorDetail = %q, want %q", got, want)
	}
}
