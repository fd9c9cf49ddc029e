package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Data sources look one thing up by its name, for configurations that
// refer to what they do not manage ("the Admins group", "the Default
// workspace", a person by email).

func nameAttribute(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Required: true}
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
}

// --- signet_user ---

type userDataSource struct{ dsConfigured }

func newUserDataSource() datasource.DataSource { return &userDataSource{} }

type userDataModel struct {
	Name   types.String `tfsdk:"name"`
	ID     types.String `tfsdk:"id"`
	Email  types.String `tfsdk:"email"`
	Kind   types.String `tfsdk:"kind"`
	Status types.String `tfsdk:"status"`
}

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a user — a person or a service account — by name or email.",
		Attributes: map[string]schema.Attribute{
			"name":   nameAttribute("The user's name, or a person's email."),
			"id":     computedString("The user's id (`usr_…` or `sa_…`)."),
			"email":  computedString("The person's email; \"\" for a service account."),
			"kind":   computedString("`human` or `service_account`."),
			"status": computedString("`active` or `disabled`."),
		},
	}
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m userDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	u, err := findUser(ctx, d.c, m.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot find the user %q", m.Name.ValueString()), apiErrorDetail(err))
		return
	}
	m.ID, m.Email, m.Kind, m.Status = types.StringValue(u.ID), types.StringValue(u.Email), types.StringValue(u.Kind), types.StringValue(u.Status)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// --- signet_group ---

type groupDataSource struct{ dsConfigured }

func newGroupDataSource() datasource.DataSource { return &groupDataSource{} }

type groupDataModel struct {
	Name        types.String `tfsdk:"name"`
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
}

func (d *groupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (d *groupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a group by name, e.g. the built-in `Admins`.",
		Attributes: map[string]schema.Attribute{
			"name":        nameAttribute("The group's name."),
			"id":          computedString("The group's id (`grp_…`)."),
			"description": computedString("The group's description."),
		},
	}
}

func (d *groupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m groupDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := findGroup(ctx, d.c, m.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot find the group %q", m.Name.ValueString()), apiErrorDetail(err))
		return
	}
	m.ID, m.Description = types.StringValue(g.ID), types.StringValue(g.Description)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// --- signet_role ---

type roleDataSource struct{ dsConfigured }

func newRoleDataSource() datasource.DataSource { return &roleDataSource{} }

type roleDataModel struct {
	Name                 types.String `tfsdk:"name"`
	ID                   types.String `tfsdk:"id"`
	Description          types.String `tfsdk:"description"`
	Base                 types.String `tfsdk:"base"`
	BuiltIn              types.Bool   `tfsdk:"built_in"`
	EffectivePermissions types.Set    `tfsdk:"effective_permissions"`
}

func (d *roleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

func (d *roleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a role by name, built-in (`Admin`, `Manage`, `Edit`, `View`) or custom.",
		Attributes: map[string]schema.Attribute{
			"name":        nameAttribute("The role's name."),
			"id":          computedString("The role's id (`role_…`)."),
			"description": computedString("The role's description."),
			"base":        computedString("The role's base."),
			"built_in":    schema.BoolAttribute{MarkdownDescription: "Whether the role is built in.", Computed: true},
			"effective_permissions": schema.SetAttribute{
				MarkdownDescription: "The role's permissions; `[\"*\"]` for Admin.",
				ElementType:         types.StringType, Computed: true,
			},
		},
	}
}

func (d *roleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m roleDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r, err := findRole(ctx, d.c, m.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot find the role %q", m.Name.ValueString()), apiErrorDetail(err))
		return
	}
	m.ID, m.Description, m.Base, m.BuiltIn = types.StringValue(r.ID), types.StringValue(r.Description), types.StringValue(r.Base), types.BoolValue(r.BuiltIn)
	m.EffectivePermissions = setValue(r.EffectivePermissions)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// --- signet_workspace ---

type workspaceDataSource struct{ dsConfigured }

func newWorkspaceDataSource() datasource.DataSource { return &workspaceDataSource{} }

type workspaceDataModel struct {
	Name        types.String `tfsdk:"name"`
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	IsDefault   types.Bool   `tfsdk:"is_default"`
}

func (d *workspaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (d *workspaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a workspace by name, e.g. `Default`.",
		Attributes: map[string]schema.Attribute{
			"name":        nameAttribute("The workspace's name."),
			"id":          computedString("The workspace's id (`ws_…`)."),
			"description": computedString("The workspace's description."),
			"is_default":  schema.BoolAttribute{MarkdownDescription: "Whether it is the default workspace.", Computed: true},
		},
	}
}

func (d *workspaceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspaceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := findWorkspace(ctx, d.c, m.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot find the workspace %q", m.Name.ValueString()), apiErrorDetail(err))
		return
	}
	m.ID, m.Description, m.IsDefault = types.StringValue(w.ID), types.StringValue(w.Description), types.BoolValue(w.IsDefault)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
