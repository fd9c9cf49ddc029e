package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

type workspaceResource struct{ configured }

func newWorkspaceResource() resource.Resource { return &workspaceResource{} }

var _ resource.ResourceWithImportState = (*workspaceResource)(nil)

type workspaceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	IsDefault   types.Bool   `tfsdk:"is_default"`
}

func (r *workspaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (r *workspaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A workspace: the partition that grants apply in. Import by id (`ws_…`) or by name.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The workspace's id (`ws_…`)."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name.",
				Required:            true,
				Validators:          []validator.String{validName("workspace")},
			},
			"description": descriptionAttribute(),
			"is_default": schema.BoolAttribute{
				MarkdownDescription: "Whether this is the default workspace (only the one Signet creates).",
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func workspaceState(w *client.Workspace) *workspaceModel {
	return &workspaceModel{ID: types.StringValue(w.ID), Name: types.StringValue(w.Name), Description: types.StringValue(w.Description), IsDefault: types.BoolValue(w.IsDefault)}
}

func (r *workspaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.c.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: plan.Name.ValueString(), Description: plan.Description.ValueString()})
	if err != nil {
		apiError(&resp.Diagnostics, "create the workspace", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, workspaceState(w))...)
}

func (r *workspaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.c.GetWorkspace(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the workspace "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, workspaceState(w))...)
}

func (r *workspaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var up client.WorkspaceUpdate
	if !plan.Name.Equal(state.Name) {
		up.Name = client.String(plan.Name.ValueString())
	}
	if !plan.Description.Equal(state.Description) {
		up.Description = client.String(plan.Description.ValueString())
	}
	w, err := r.c.UpdateWorkspace(ctx, state.ID.ValueString(), up)
	if err != nil {
		apiError(&resp.Diagnostics, "update the workspace "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, workspaceState(w))...)
}

func (r *workspaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteWorkspace(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the workspace "+state.ID.ValueString(), err)
	}
}

func (r *workspaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := workspaceID(ctx, r.c, req.ID)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the workspace %q", req.ID), apiErrorDetail(err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

func workspaceID(ctx context.Context, c *client.Client, ref string) (string, error) {
	if looksLikeID(ref, "ws_") || ref == client.OrganisationWide {
		return ref, nil
	}
	w, err := findWorkspace(ctx, c, ref)
	return w.ID, err
}

func findWorkspace(ctx context.Context, c *client.Client, name string) (client.Workspace, error) {
	return findByName(ctx, "workspace", name, func(w client.Workspace) string { return w.Name },
		func(ctx context.Context, cursor string) (*client.Page[client.Workspace], error) {
			return c.ListWorkspaces(ctx, client.ListOptions{Cursor: cursor, Limit: 200})
		})
}
