package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

type serviceAccountResource struct{ configured }

func newServiceAccountResource() resource.Resource { return &serviceAccountResource{} }

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountResource)(nil)
)

type serviceAccountModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Disabled    types.Bool   `tfsdk:"disabled"`
	Labels      types.Map    `tfsdk:"labels"`
	OwnerType   types.String `tfsdk:"owner_type"`
	OwnerID     types.String `tfsdk:"owner_id"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

func (r *serviceAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service account: a non-human identity that holds API keys, group memberships and grants. Import by id (`sa_…`) or by name.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The service account's id (`sa_…`)."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name, at most 100 characters, not beginning with an id prefix such as `sa_`.",
				Required:            true,
				Validators:          []validator.String{validName("service account")},
			},
			"description": descriptionAttribute(),
			"disabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the account is disabled: its keys stop working at once. Default `false`.",
				Optional:            true, Computed: true,
				Default: booldefault.StaticBool(false),
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "`key=value` labels (at most 20; names `[a-z0-9][a-z0-9._/-]{0,62}`).",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default:    mapdefault.StaticValue(types.MapValueMust(types.StringType, nil)),
				Validators: []validator.Map{validLabels()},
			},
			"owner_type": schema.StringAttribute{
				MarkdownDescription: "Who is responsible for the account: `user` or `group`; with `owner_id`.",
				Optional:            true, Computed: true,
				Default: stringdefault.StaticString(""),
				Validators: []validator.String{stringCheck{"user or group", func(s string) error {
					// The API's rule and message (service.checkOwner).
					if s != "" && s != "user" && s != "group" {
						return fmt.Errorf("owner_type must be %q or %q (or, with owner_id, empty for no owner)", "user", "group")
					}
					return nil
				}}},
			},
			"owner_id": schema.StringAttribute{
				MarkdownDescription: "The id of the owning user (`usr_…`) or group (`grp_…`); with `owner_type`.",
				Optional:            true, Computed: true,
				Default: stringdefault.StaticString(""),
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the account was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *serviceAccountResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if m.OwnerType.IsUnknown() || m.OwnerID.IsUnknown() {
		return
	}
	if (m.OwnerType.ValueString() == "") != (m.OwnerID.ValueString() == "") {
		resp.Diagnostics.AddAttributeError(path.Root("owner_id"), "Invalid value",
			"give owner_type and owner_id together (both empty to remove the owner)")
	}
}

func (r *serviceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	res, err := r.c.CreateServiceAccount(ctx, client.CreateServiceAccountRequest{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Labels:      labelsOf(ctx, plan.Labels, &resp.Diagnostics),
		OwnerType:   plan.OwnerType.ValueString(),
		OwnerID:     plan.OwnerID.ValueString(),
	})
	if err != nil {
		apiError(&resp.Diagnostics, "create the service account", err)
		return
	}
	sa := &res.ServiceAccount
	// Saved at once, so that a failure below leaves the account in state
	// (tainted) rather than unknown to Terraform.
	plan.ID = types.StringValue(sa.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), sa.ID)...)
	if plan.Disabled.ValueBool() {
		if sa, err = r.c.DisableServiceAccount(ctx, sa.ID); err != nil {
			apiError(&resp.Diagnostics, "disable the service account", err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountState(sa, plan))...)
}

// serviceAccountState is the state of sa.
func serviceAccountState(sa *client.User, prior serviceAccountModel) *serviceAccountModel {
	return &serviceAccountModel{
		ID:          types.StringValue(sa.ID),
		Name:        types.StringValue(sa.Name),
		Description: types.StringValue(sa.Description),
		Disabled:    types.BoolValue(sa.Status == client.StatusDisabled),
		Labels:      mapValue(sa.Labels),
		OwnerType:   types.StringValue(sa.OwnerType),
		OwnerID:     types.StringValue(sa.OwnerID),
		CreatedAt:   timeValue(&sa.CreatedAt),
	}
}

func (r *serviceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := r.c.GetServiceAccount(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx) // deleted outside: plan a new one
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the service account "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountState(&sa.User, state))...)
}

func (r *serviceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	var up client.UserUpdate
	changed := false
	if !plan.Name.Equal(state.Name) {
		up.Name, changed = client.String(plan.Name.ValueString()), true
	}
	if !plan.Description.Equal(state.Description) {
		up.Description, changed = client.String(plan.Description.ValueString()), true
	}
	if !plan.Labels.Equal(state.Labels) {
		labels := labelsOf(ctx, plan.Labels, &resp.Diagnostics)
		if labels == nil {
			labels = map[string]string{}
		}
		up.Labels, changed = &labels, true
	}
	if !plan.OwnerType.Equal(state.OwnerType) || !plan.OwnerID.Equal(state.OwnerID) {
		up.OwnerType, up.OwnerID, changed = client.String(plan.OwnerType.ValueString()), client.String(plan.OwnerID.ValueString()), true
	}
	if changed {
		if _, err := r.c.UpdateServiceAccount(ctx, id, up); err != nil {
			apiError(&resp.Diagnostics, "update the service account "+id, err)
			return
		}
	}
	if !plan.Disabled.Equal(state.Disabled) {
		var err error
		if plan.Disabled.ValueBool() {
			_, err = r.c.DisableServiceAccount(ctx, id)
		} else {
			_, err = r.c.EnableServiceAccount(ctx, id)
		}
		if err != nil {
			apiError(&resp.Diagnostics, fmt.Sprintf("set disabled = %t on the service account %s", plan.Disabled.ValueBool(), id), err)
			return
		}
	}
	sa, err := r.c.GetServiceAccount(ctx, id)
	if err != nil {
		apiError(&resp.Diagnostics, "read the service account "+id, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountState(&sa.User, plan))...)
}

func (r *serviceAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteServiceAccount(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the service account "+state.ID.ValueString(), err)
	}
}

func (r *serviceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !looksLikeID(id, "sa_") {
		sa, err := findServiceAccount(ctx, r.c, id)
		if err != nil {
			resp.Diagnostics.AddError("Signet: cannot import the service account "+fmt.Sprintf("%q", id), apiErrorDetail(err))
			return
		}
		id = sa.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// findServiceAccount looks a service account up by name.
func findServiceAccount(ctx context.Context, c *client.Client, name string) (client.User, error) {
	return findByName(ctx, "service account", name, func(u client.User) string { return u.Name },
		func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
			return c.ListServiceAccounts(ctx, client.ListUsersOptions{Name: name, ListOptions: client.ListOptions{Cursor: cursor, Limit: 200}})
		})
}
