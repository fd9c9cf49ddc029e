package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

type webhookResource struct{ configured }

func newWebhookResource() resource.Resource { return &webhookResource{} }

var _ resource.ResourceWithImportState = (*webhookResource)(nil)

type webhookModel struct {
	ID          types.String `tfsdk:"id"`
	URL         types.String `tfsdk:"url"`
	Description types.String `tfsdk:"description"`
	EventTypes  types.Set    `tfsdk:"event_types"`
	Enabled     types.Bool   `tfsdk:"enabled"`
	Secret      types.String `tfsdk:"secret"`
}

func (r *webhookResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_webhook"
}

func (r *webhookResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A webhook endpoint that receives signed deliveries of audit events. The signing secret is known only at creation. Import by id (`wh_…`) or by URL.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The endpoint's id (`wh_…`)."),
			"url": schema.StringAttribute{
				MarkdownDescription: "The http(s) URL that receives the deliveries.",
				Required:            true,
			},
			"description": descriptionAttribute(),
			"event_types": schema.SetAttribute{
				MarkdownDescription: "Subscriptions: `*`, a domain such as `api_key.*`, or event types such as `api_key.revoke`.",
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.Set{setCheck{"webhook event types", func(in []string) error {
					if _, err := signet.ValidateWebhookEventTypes(in); err != nil {
						return fmt.Errorf("%s", signet.ErrorMessage(err))
					}
					return nil
				}}},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether deliveries are sent. Default `true`.",
				Optional:            true, Computed: true,
				Default: booldefault.StaticBool(true),
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The signing secret (`whsec_…`), known only to the state of the apply that created the endpoint.",
				Computed:            true, Sensitive: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func webhookState(w *client.WebhookEndpoint, secret types.String) *webhookModel {
	if secret.IsUnknown() {
		secret = types.StringNull()
	}
	return &webhookModel{
		ID:          types.StringValue(w.ID),
		URL:         types.StringValue(w.URL),
		Description: types.StringValue(w.Description),
		EventTypes:  setValue(w.EventTypes),
		Enabled:     types.BoolValue(w.Enabled),
		Secret:      secret,
	}
}

func (r *webhookResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan webhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.c.CreateWebhook(ctx, client.CreateWebhookRequest{
		URL:         plan.URL.ValueString(),
		Description: plan.Description.ValueString(),
		EventTypes:  stringsOf(ctx, plan.EventTypes, &resp.Diagnostics),
		Enabled:     client.Bool(plan.Enabled.ValueBool()),
	})
	if err != nil {
		apiError(&resp.Diagnostics, "create the webhook", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, webhookState(&w.WebhookEndpoint, types.StringValue(w.Secret)))...)
}

func (r *webhookResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state webhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.c.GetWebhook(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the webhook "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, webhookState(w, state.Secret))...)
}

func (r *webhookResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state webhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var up client.WebhookUpdate
	if !plan.URL.Equal(state.URL) {
		up.URL = client.String(plan.URL.ValueString())
	}
	if !plan.Description.Equal(state.Description) {
		up.Description = client.String(plan.Description.ValueString())
	}
	if !plan.EventTypes.Equal(state.EventTypes) {
		types := stringsOf(ctx, plan.EventTypes, &resp.Diagnostics)
		up.EventTypes = &types
	}
	if !plan.Enabled.Equal(state.Enabled) {
		up.Enabled = client.Bool(plan.Enabled.ValueBool())
	}
	w, err := r.c.UpdateWebhook(ctx, state.ID.ValueString(), up)
	if err != nil {
		apiError(&resp.Diagnostics, "update the webhook "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, webhookState(w, state.Secret))...)
}

func (r *webhookResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state webhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.DeleteWebhook(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "delete the webhook "+state.ID.ValueString(), err)
	}
}

func (r *webhookResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !looksLikeID(id, "wh_") {
		w, err := findByName(ctx, "webhook", id, func(w client.WebhookEndpoint) string { return w.URL },
			func(ctx context.Context, cursor string) (*client.Page[client.WebhookEndpoint], error) {
				return r.c.ListWebhooks(ctx, client.ListOptions{Cursor: cursor, Limit: 200})
			})
		if err != nil {
			resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the webhook %q", id), apiErrorDetail(err))
			return
		}
		id = w.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
