package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

type roleResource struct{ configured }

func newRoleResource() resource.Resource { return &roleResource{} }

var _ resource.ResourceWithImportState = (*roleResource)(nil)

type roleModel struct {
	ID                   types.String `tfsdk:"id"`
	Name                 types.String `tfsdk:"name"`
	Description          types.String `tfsdk:"description"`
	Base                 types.String `tfsdk:"base"`
	Permissions          types.Set    `tfsdk:"permissions"`
	EffectivePermissions types.Set    `tfsdk:"effective_permissions"`
}

func (r *roleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

func (r *roleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A custom role: a base (`none`, `view`, `edit` or `manage`) plus extra permissions. Import by id (`role_…`) or by name.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The role's id (`role_…`)."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name.",
				Required:            true,
				Validators:          []validator.String{validName("role")},
			},
			"description": descriptionAttribute(),
			"base": schema.StringAttribute{
				MarkdownDescription: "The built-in level the role starts from: `none`, `view`, `edit` or `manage`.",
				Required:            true,
				Validators:          []validator.String{stringCheck{"none, view, edit or manage", checkBase}},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "Extra permissions beyond the base, from the permission catalogue (e.g. `audit:read`).",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
			},
			"effective_permissions": schema.SetAttribute{
				MarkdownDescription: "The base's permissions and the extras.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func roleState(r *client.Role) *roleModel {
	return &roleModel{
		ID:                   types.StringValue(r.ID),
		Name:                 types.StringValue(r.Name),
		Description:          types.StringValue(r.Description),
		Base:                 types.StringValue(r.Base),
		Permissions:          setValue(r.Permissions),
		EffectivePermissions: setValue(r.EffectivePermissions),
	}
}

func (r *roleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan roleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.c.CreateRole(ctx, client.CreateRoleRequest{
		Name:        plan.Name.ValueString(),
		Description: plan.Description.ValueString(),
		Base:        plan.Base.ValueString(),
		Permissions: stringsOf(ctx, plan.Permissions, &resp.Diagnostics),
	})
	if err != nil {
		apiError(&resp.Diagnostics, "create the role", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleState(role))...)
}

func (r *roleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state roleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	role, err := r.c.GetRole(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the role "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleState(role))...)
}

func (r *roleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state roleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var up client.RoleUpdate
	if !plan.Name.Equal(state.Name) {
		up.Name = client.String(plan.Name.ValueString())
	}
	if !plan.Description.Equal(state.Description) {
		up.Description = client.String(plan.Description.ValueString())
	}
	if !plan.Base.Equal(state.Base) {
		up.Base = client.String(plan.Base.ValueString())
	}
	if !plan.Permissions.Equal(state.Permissions) {
		perms := stringsOf(ctx, plan.Permissions, &resp.Diagnostics)
		if perms == nil {
			perms = []string{}
		}
		up.Permissions = &perms
	}
	role, err := r.c.UpdateRole(ctx, state.ID.ValueString(), up)
	if err != nil {
		apiError(&resp.Diagnostics, "update the role "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, roleState(role))...)
}

func (r *roleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state roleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteRole(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the role "+state.ID.ValueString(), err)
	}
}

func (r *roleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !looksLikeID(id, "role_") {
		role, err := findRole(ctx, r.c, id)
		if err != nil {
			resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the role %q", id), apiErrorDetail(err))
			return
		}
		id = role.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

func findRole(ctx context.Context, c *client.Client, name string) (client.Role, error) {
	return findByName(ctx, "role", name, func(r client.Role) string { return r.Name },
		func(ctx context.Context, cursor string) (*client.Page[client.Role], error) {
			return c.ListRoles(ctx, client.ListOptions{Cursor: cursor, Limit: 200})
		})
}
