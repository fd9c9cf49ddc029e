package provider

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

type apiKeyResource struct{ configured }

func newAPIKeyResource() resource.Resource { return &apiKeyResource{} }

var (
	_ resource.ResourceWithConfigure   = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState = (*apiKeyResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*apiKeyResource)(nil)
)

type apiKeyModel struct {
	ID               types.String `tfsdk:"id"`
	ServiceAccountID types.String `tfsdk:"service_account_id"`
	Name             types.String `tfsdk:"name"`
	Description      types.String `tfsdk:"description"`
	ExpiresIn        types.String `tfsdk:"expires_in"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
	Scopes           types.Set    `tfsdk:"scopes"`
	AllowedNetworks  types.Set    `tfsdk:"allowed_networks"`
	Labels           types.Map    `tfsdk:"labels"`
	RotationTriggers types.Map    `tfsdk:"rotation_triggers"`
	RotationGrace    types.String `tfsdk:"rotation_grace"`
	Secret           types.String `tfsdk:"secret"`
	Hint             types.String `tfsdk:"hint"`
	CreatedAt        types.String `tfsdk:"created_at"`
	RotatedFrom      types.String `tfsdk:"rotated_from"`
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

// computedKeyAttribute is an attribute Signet sets, kept from the state
// in plans except when the key is rotated (ModifyPlan).
func computedKeyAttribute(desc string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: desc,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func (r *apiKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	emptySet := types.SetValueMust(types.StringType, nil)
	secret := computedKeyAttribute("The key string, to give to whatever uses the key. Signet shows it only when the key is created or rotated, so it is known only to the state of the apply that created it: an imported key has none.")
	secret.Sensitive = true
	resp.Schema = schema.Schema{
		MarkdownDescription: "An API key of a service account. The key string (`secret`) is known only at creation and rotation. " +
			"Changing `rotation_triggers` rotates the key through Signet's rotate call: the resource gets a new id and secret in the same apply, " +
			"and the old key keeps working for `rotation_grace`. Import by id (`key_…`) or as `<service account id or name>/<key name>`.",
		Attributes: map[string]schema.Attribute{
			"id": computedKeyAttribute("The key's id (`key_…`); a rotation changes it."),
			"service_account_id": schema.StringAttribute{
				MarkdownDescription: "The id of the service account that owns the key (`sa_…`). Changing it replaces the key.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The key's name.",
				Required:            true,
				Validators:          []validator.String{validName("API key")},
			},
			"description": descriptionAttribute(),
			"expires_in": schema.StringAttribute{
				MarkdownDescription: "Lifetime from creation, a duration such as `90d`, `12h` or `P30D`; left out, the key does not expire (unless the key policy requires it). Changing it replaces the key; a rotation keeps it.",
				Optional:            true,
				Validators:          []validator.String{stringCheck{"a duration longer than zero", func(s string) error { return checkLifetime("expires_in", s) }}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(
					func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
						// An imported key has no expires_in in its state:
						// writing the one it was made with replaces nothing.
						resp.RequiresReplace = !req.StateValue.IsNull()
					}, "Changing expires_in replaces the key.", "Changing `expires_in` replaces the key.")},
			},
			"expires_at": computedKeyAttribute("When the key expires (RFC 3339); null when it does not."),
			"scopes": schema.SetAttribute{
				MarkdownDescription: "Permissions the key is narrowed to (e.g. `service_accounts:read`); empty: all of its owner's. Changing them replaces the key.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default:       setdefault.StaticValue(emptySet),
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"allowed_networks": schema.SetAttribute{
				MarkdownDescription: "CIDRs (or addresses) the key is accepted from; empty: anywhere. At most 100.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default:    setdefault.StaticValue(emptySet),
				Validators: []validator.Set{setCheck{"networks in CIDR form", func(in []string) error { return checkNetworks("allowed_networks", in) }}},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "`key=value` labels of the key.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Default:    mapdefault.StaticValue(types.MapValueMust(types.StringType, nil)),
				Validators: []validator.Map{validLabels()},
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values; when any changes, the key is rotated in place (Signet's rotate call): new id and `secret`, same name, scopes, networks and expiry rule. Setting them on a key that had none rotates nothing.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"rotation_grace": schema.StringAttribute{
				MarkdownDescription: "How long the old key keeps working after a rotation, a duration such as `1h` or `0` (at once); left out, the key policy's default (1 day unless set).",
				Optional:            true,
				Validators:          []validator.String{stringCheck{"a duration", func(s string) error { return checkGrace("rotation_grace", s) }}},
			},
			"secret":       secret,
			"hint":         computedKeyAttribute("The last characters of the key string, to recognise it."),
			"created_at":   computedKeyAttribute("When the key was created (RFC 3339)."),
			"rotated_from": computedKeyAttribute("The key this one replaced in its latest rotation; \"\" when none."),
		},
	}
}

// ModifyPlan plans a rotation: when rotation_triggers change, everything
// the new key brings is known only after the apply.
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // create or destroy
	}
	var plan, state apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !rotates(plan, state) {
		return
	}
	for _, a := range []string{"id", "secret", "hint", "created_at", "expires_at", "rotated_from"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(a), types.StringUnknown())...)
	}
}

// rotates reports whether going from state to plan rotates the key.
func rotates(plan, state apiKeyModel) bool {
	return !state.RotationTriggers.IsNull() && !plan.RotationTriggers.Equal(state.RotationTriggers)
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	k, err := r.c.CreateServiceAccountKey(ctx, plan.ServiceAccountID.ValueString(), client.CreateAPIKeyRequest{
		Name:            plan.Name.ValueString(),
		Description:     plan.Description.ValueString(),
		ExpiresIn:       plan.ExpiresIn.ValueString(),
		Scopes:          stringsOf(ctx, plan.Scopes, &resp.Diagnostics),
		AllowedNetworks: stringsOf(ctx, plan.AllowedNetworks, &resp.Diagnostics),
		Labels:          labelsOf(ctx, plan.Labels, &resp.Diagnostics),
	})
	if err != nil {
		apiError(&resp.Diagnostics, "create the API key", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, apiKeyState(&k.APIKey, k.Key, plan))...)
}

// apiKeyState is the state of k, with the secret and what Signet does not
// return taken from prior.
func apiKeyState(k *client.APIKey, secret string, prior apiKeyModel) *apiKeyModel {
	s := &apiKeyModel{
		ID:               types.StringValue(k.ID),
		ServiceAccountID: types.StringValue(k.OwnerID),
		Name:             types.StringValue(k.Name),
		Description:      types.StringValue(k.Description),
		ExpiresIn:        prior.ExpiresIn,
		ExpiresAt:        timeValue(k.ExpiresAt),
		Scopes:           setValue(k.Scopes),
		AllowedNetworks:  networksValue(k.AllowedNetworks, prior.AllowedNetworks),
		Labels:           mapValue(k.Labels),
		RotationTriggers: prior.RotationTriggers,
		RotationGrace:    prior.RotationGrace,
		Secret:           prior.Secret,
		Hint:             types.StringValue(k.Hint),
		CreatedAt:        timeValue(&k.CreatedAt),
		RotatedFrom:      types.StringValue(k.RotatedFrom),
	}
	if secret != "" {
		s.Secret = types.StringValue(secret)
	}
	if s.Secret.IsUnknown() {
		s.Secret = types.StringNull()
	}
	return s
}

// networksValue is the state of allowed_networks: the prior value when it
// names the same networks as Signet's normalised list (10.1.2.3/8 and
// 10.0.0.0/8, 192.0.2.1 and 192.0.2.1/32), else Signet's list.
func networksValue(server []string, prior types.Set) types.Set {
	if !prior.IsNull() && !prior.IsUnknown() {
		var in []string
		for _, v := range prior.Elements() {
			if s, ok := v.(types.String); ok {
				in = append(in, s.ValueString())
			}
		}
		if ps, err := signet.ParseAllowedNetworks("allowed_networks", in); err == nil {
			if sameStrings(formatPrefixes(ps), server) {
				return prior
			}
		}
	}
	return setValue(server)
}

func formatPrefixes(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	k, err := r.c.GetAPIKey(ctx, state.ID.ValueString())
	if isNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		apiError(&resp.Diagnostics, "read the API key "+state.ID.ValueString(), err)
		return
	}
	if k.Status == client.KeyStatusRevoked || k.Status == client.KeyStatusExpired {
		// Revoked or expired outside: it cannot come back, so plan a new
		// key in its place.
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, apiKeyState(k, "", state))...)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if rotates(plan, state) {
		res, err := r.c.RotateAPIKey(ctx, id, client.RotateAPIKeyRequest{Grace: plan.RotationGrace.ValueString()})
		if err != nil {
			apiError(&resp.Diagnostics, "rotate the API key "+id, err)
			return
		}
		// The new key is saved at once: were the update below to fail,
		// its secret would otherwise be lost.
		id = res.APIKey.ID
		plan.Secret = types.StringValue(res.APIKey.Key)
		rotated := apiKeyState(&res.APIKey.APIKey, res.APIKey.Key, state)
		rotated.RotationTriggers, rotated.RotationGrace = plan.RotationTriggers, plan.RotationGrace
		resp.Diagnostics.Append(resp.State.Set(ctx, rotated)...)
	}
	var up client.UpdateAPIKeyRequest
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
	if !plan.AllowedNetworks.Equal(state.AllowedNetworks) {
		nets := stringsOf(ctx, plan.AllowedNetworks, &resp.Diagnostics)
		if nets == nil {
			nets = []string{}
		}
		up.AllowedNetworks, changed = &nets, true
	}
	if changed {
		if _, err := r.c.UpdateAPIKey(ctx, id, up); err != nil {
			apiError(&resp.Diagnostics, "update the API key "+id, err)
			return
		}
	}
	k, err := r.c.GetAPIKey(ctx, id)
	if err != nil {
		apiError(&resp.Diagnostics, "read the API key "+id, err)
		return
	}
	if !rotates(plan, state) {
		plan.Secret = state.Secret
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, apiKeyState(k, "", plan))...)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := r.c.RevokeAPIKey(ctx, state.ID.ValueString(), "removed from the Terraform configuration"); err != nil && !isNotFound(err) {
		apiError(&resp.Diagnostics, "revoke the API key "+state.ID.ValueString(), err)
	}
}

// ImportState takes a key id, or "<service account id or name>/<key
// name>" for the account's active key of that name.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !looksLikeID(id, "key_") {
		k, err := r.findKey(ctx, id)
		if err != nil {
			resp.Diagnostics.AddError(fmt.Sprintf("Signet: cannot import the API key %q", id), apiErrorDetail(err))
			return
		}
		id = k.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

func (r *apiKeyResource) findKey(ctx context.Context, ref string) (client.APIKey, error) {
	owner, name, ok := cutLast(ref, "/")
	if !ok {
		return client.APIKey{}, fmt.Errorf("import an API key by its id (key_…) or as <service account id or name>/<key name>")
	}
	if !looksLikeID(owner, "sa_") {
		sa, err := findServiceAccount(ctx, r.c, owner)
		if err != nil {
			return client.APIKey{}, err
		}
		owner = sa.ID
	}
	return findByName(ctx, "active API key", name, func(k client.APIKey) string { return k.Name },
		func(ctx context.Context, cursor string) (*client.Page[client.APIKey], error) {
			return r.c.ListAPIKeys(ctx, client.ListAPIKeysOptions{OwnerID: owner, Status: client.KeyStatusActive, Name: name, ListOptions: client.ListOptions{Cursor: cursor, Limit: 200}})
		})
}
