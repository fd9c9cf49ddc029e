package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

type grantResource struct{ configured }

func newGrantResource() resource.Resource { return &grantResource{} }

var _ resource.ResourceWithImportState = (*grantResource)(nil)

type grantModel struct {
	ID          types.String `tfsdk:"id"`
	SubjectType types.String `tfsdk:"subject_type"`
	SubjectID   types.String `tfsdk:"subject_id"`
	RoleID      types.String `tfsdk:"role_id"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
}

func (r *grantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_grant"
}

func (r *grantResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Gives a role to a user, a service account or a group, in one workspace or organisation-wide. A grant has no name and no field to change: every change replaces it. Import by id (`grant_…`).",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The grant's id (`grant_…`)."),
			"subject_type": schema.StringAttribute{
				MarkdownDescription: "`user` (a human or a service account) or `group`.",
				Required:            true, PlanModifiers: replace,
				Validators: []validator.String{validOneOf("subject_type", "user", "group")},
			},
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "The id of the user (`usr_…`), service account (`sa_…`) or group (`grp_…`).",
				Required:            true, PlanModifiers: replace,
			},
			"role_id": schema.StringAttribute{
				MarkdownDescription: "The role's id (`role_…`; built-in: `role_admin`, `role_manage`, `role_edit`, `role_view`).",
				Required:            true, PlanModifiers: replace,
			},
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The workspace's id (`ws_…`), or `*` for organisation-wide; left out, the default workspace.",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
		},
	}
}

func grantState(g *client.Grant) *grantModel {
	return &grantModel{
		ID:          types.StringValue(g.ID),
		SubjectType: types.StringValue(g.SubjectType),
		SubjectID:   types.StringValue(g.SubjectID),
		RoleID:      types.StringValue(g.RoleID),
		WorkspaceID: types.StringValue(g.WorkspaceID),
	}
}

func (r *grantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan grantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.c.CreateGrant(ctx, client.CreateGrantRequest{
		SubjectType: plan.SubjectType.ValueString(),
		SubjectID:   plan.SubjectID.ValueString(),
		RoleID:      plan.RoleID.ValueString(),
		WorkspaceID: plan.WorkspaceID.ValueString(),
	})
	if err != nil {
		apiError(&resp.Diagnostics, "create the grant", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, grantState(g))...)
}

// findGrant finds a grant by id among the grants of subject (or all
// grants, when subject is ""): Signet has no call to get one grant.
func findGrant(ctx context.Context, c *client.Client, id, subjectType, subjectID string) (*client.Grant, error) {
	for g, err := range client.All(ctx, func(ctx context.Context, cursor string) (*client.Page[client.Grant], error) {
		return c.ListGrants(ctx, client.ListGrantsOptions{SubjectType: subjectType, SubjectID: subjectID, ListOptions: client.ListOptions{Cursor: cursor, Limit: 200}})
	}) {
		if err != nil {
			return nil, err
		}
		if g.ID == id {
			return &g, nil
		}
	}
	return nil, nil
}

func (r *grantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state grantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := findGrant(ctx, r.c, state.ID.ValueString(), state.SubjectType.ValueString(), state.SubjectID.ValueString())
	if isNotFound(err) || (err == nil && g == nil) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the grant "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, grantState(g))...)
}

func (r *grantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Every attribute replaces the grant; nothing changes in place.
	var plan grantModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *grantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state grantModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteGrant(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the grant "+state.ID.ValueString(), err)
	}
}

func (r *grantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	g, err := findGrant(ctx, r.c, req.ID, "", "")
	if err == nil && g == nil {
		err = fmt.Errorf("no grant has the id %q (import a grant by its id, grant_…)", req.ID)
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the grant %q", req.ID), apiErrorDetail(err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, grantState(g))...)
}
