package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

// --- signet_group ---

type groupResource struct{ configured }

func newGroupResource() resource.Resource { return &groupResource{} }

var _ resource.ResourceWithImportState = (*groupResource)(nil)

type groupModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

func (r *groupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (r *groupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group of users and service accounts; members come with `signet_group_member`, roles with `signet_grant`. Import by id (`grp_…`) or by name.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The group's id (`grp_…`)."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name.",
				Required:            true,
				Validators:          []validator.String{validName("group")},
			},
			"description": descriptionAttribute(),
		},
	}
}

func groupState(g *client.Group) *groupModel {
	return &groupModel{ID: types.StringValue(g.ID), Name: types.StringValue(g.Name), Description: types.StringValue(g.Description)}
}

func (r *groupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.c.CreateGroup(ctx, client.CreateGroupRequest{Name: plan.Name.ValueString(), Description: plan.Description.ValueString()})
	if err != nil {
		apiError(&resp.Diagnostics, "create the group", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, groupState(g))...)
}

func (r *groupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state groupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.c.GetGroup(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the group "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, groupState(&g.Group))...)
}

func (r *groupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state groupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var up client.GroupUpdate
	if !plan.Name.Equal(state.Name) {
		up.Name = client.String(plan.Name.ValueString())
	}
	if !plan.Description.Equal(state.Description) {
		up.Description = client.String(plan.Description.ValueString())
	}
	g, err := r.c.UpdateGroup(ctx, state.ID.ValueString(), up)
	if err != nil {
		apiError(&resp.Diagnostics, "update the group "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, groupState(g))...)
}

func (r *groupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state groupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteGroup(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the group "+state.ID.ValueString(), err)
	}
}

func (r *groupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := groupID(ctx, r.c, req.ID)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the group %q", req.ID), apiErrorDetail(err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// groupID returns ref when it is a group id, else the id of the group
// named ref.
func groupID(ctx context.Context, c *client.Client, ref string) (string, error) {
	if looksLikeID(ref, "grp_") {
		return ref, nil
	}
	g, err := findGroup(ctx, c, ref)
	return g.ID, err
}

func findGroup(ctx context.Context, c *client.Client, name string) (client.Group, error) {
	return findByName(ctx, "group", name, func(g client.Group) string { return g.Name },
		func(ctx context.Context, cursor string) (*client.Page[client.Group], error) {
			return c.ListGroups(ctx, client.ListOptions{Cursor: cursor, Limit: 200})
		})
}

// --- signet_group_member ---

type groupMemberResource struct{ configured }

func newGroupMemberResource() resource.Resource { return &groupMemberResource{} }

var _ resource.ResourceWithImportState = (*groupMemberResource)(nil)

type groupMemberModel struct {
	ID      types.String `tfsdk:"id"`
	GroupID types.String `tfsdk:"group_id"`
	UserID  types.String `tfsdk:"user_id"`
}

func (r *groupMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group_member"
}

func (r *groupMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One member of a group: a user or a service account. Import as `<group id or name>/<user id, service account id, or name>`.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("`<group_id>/<user_id>`."),
			"group_id": schema.StringAttribute{
				MarkdownDescription: "The group's id (`grp_…`).",
				Required:            true, PlanModifiers: replace,
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The member's id: a user (`usr_…`) or a service account (`sa_…`).",
				Required:            true, PlanModifiers: replace,
			},
		},
	}
}

func (r *groupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan groupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.AddGroupMember(ctx, plan.GroupID.ValueString(), plan.UserID.ValueString()); err != nil {
		apiError(&resp.Diagnostics, "add the member to the group", err)
		return
	}
	plan.ID = types.StringValue(plan.GroupID.ValueString() + "/" + plan.UserID.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *groupMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state groupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	groupID, userID, _ := cutLast(state.ID.ValueString(), "/")
	g, err := r.c.GetGroup(ctx, groupID)
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the group "+groupID, err)
		return
	}
	for _, m := range g.Members {
		if m.ID == userID {
			resp.Diagnostics.Append(resp.State.Set(ctx, groupMemberModel{
				ID: state.ID, GroupID: types.StringValue(groupID), UserID: types.StringValue(userID),
			})...)
			return
		}
	}
	resp.State.RemoveResource(ctx) // removed outside
}

func (r *groupMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Every attribute replaces the resource; nothing changes in place.
	var plan groupMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *groupMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state groupMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.RemoveGroupMember(ctx, state.GroupID.ValueString(), state.UserID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "remove the member from the group", err)
	}
}

func (r *groupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	fail := func(err error) {
		resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the group member %q", req.ID), apiErrorDetail(err))
	}
	group, user, ok := cutLast(req.ID, "/")
	if !ok {
		fail(fmt.Errorf("import a group member as <group id or name>/<user id, service account id, or name>"))
		return
	}
	groupID, err := groupID(ctx, r.c, group)
	if err != nil {
		fail(err)
		return
	}
	userID, err := userID(ctx, r.c, user)
	if err != nil {
		fail(err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, groupMemberModel{
		ID: types.StringValue(groupID + "/" + userID), GroupID: types.StringValue(groupID), UserID: types.StringValue(userID),
	})...)
}

// userID returns ref when it is a user or service account id, else the id
// of the user or service account whose name (or email) is ref.
func userID(ctx context.Context, c *client.Client, ref string) (string, error) {
	if looksLikeID(ref, "usr_") || looksLikeID(ref, "sa_") {
		return ref, nil
	}
	u, err := findUser(ctx, c, ref)
	return u.ID, err
}

func findUser(ctx context.Context, c *client.Client, ref string) (client.User, error) {
	return findByName(ctx, "user", ref, func(u client.User) string {
		if u.Email == ref {
			return ref
		}
		return u.Name
	}, func(ctx context.Context, cursor string) (*client.Page[client.User], error) {
		return c.ListUsers(ctx, client.ListUsersOptions{Kind: "all", Name: ref, ListOptions: client.ListOptions{Cursor: cursor, Limit: 200}})
	})
}
