package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/signetdev/signet/client"
)

// configured holds the client the provider's Configure made; resources and
// data sources embed it.
type configured struct {
	c *client.Client
}

func (b *configured) configure(data any, diags *diag.Diagnostics) {
	if data == nil {
		return // ValidateResourceConfig and friends run before Configure
	}
	c, ok := data.(*client.Client)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *client.Client, got %T (a bug in the provider)", data))
		return
	}
	b.c = c
}

func (b *configured) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dsConfigured is configured for data sources, whose Configure has other
// argument types.
type dsConfigured struct{ configured }

func (b *dsConfigured) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// apiError adds a diagnostic for an error from Signet: what the provider
// was doing, then the API's message, code and request id (to find the
// request in Signet's log and audit trail).
func apiError(diags *diag.Diagnostics, doing string, err error) {
	diags.AddError("Signet: cannot "+doing, apiErrorDetail(err))
}

func apiErrorDetail(err error) string {
	var e *client.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(e.Message)
	fmt.Fprintf(&b, "\n\nHTTP %d, code %s", e.Status, e.Code)
	if e.Reason != "" {
		fmt.Fprintf(&b, ", reason %s", e.Reason)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request id %s", e.RequestID)
	}
	return b.String()
}

func isNotFound(err error) bool { return client.ErrorCode(err) == client.CodeNotFound }

// looksLikeID reports whether an import id is an id with prefix (such as
// "sa_") rather than a name. Names may not begin with an id prefix
// (Signet refuses them), so the two cannot be confused.
func looksLikeID(s, prefix string) bool { return strings.HasPrefix(s, prefix) }

// findByName walks every page of a list and returns the one item whose
// name is name; an error says when there is none or more than one.
func findByName[T any](ctx context.Context, what, name string, nameOf func(T) string,
	list func(ctx context.Context, cursor string) (*client.Page[T], error)) (T, error) {
	var found []T
	for v, err := range client.All(ctx, list) {
		if err != nil {
			var zero T
			return zero, err
		}
		if nameOf(v) == name {
			found = append(found, v)
		}
	}
	var zero T
	switch len(found) {
	case 0:
		return zero, fmt.Errorf("no %s is named %q", what, name)
	case 1:
		return found[0], nil
	}
	return zero, fmt.Errorf("%d %ss are named %q; use the id", len(found), what, name)
}

// stringsOf returns the elements of a set or list of strings (nil when it
// is null or unknown).
func stringsOf(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// labelsOf returns a map attribute's elements; nil when null.
func labelsOf(ctx context.Context, v types.Map, diags *diag.Diagnostics) map[string]string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// mapValue is the state of a map attribute from the server's m: an empty
// map rather than null when m is empty (Signet leaves empty maps out of
// its answers), so that it matches the attribute's default of {} after an
// import too.
func mapValue(m map[string]string) types.Map {
	el := make(map[string]attr.Value, len(m))
	for k, v := range m {
		el[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, el)
}

// setValue is the state of a set attribute from the server's list: an
// empty set rather than null when the list is empty.
func setValue(list []string) types.Set {
	el := make([]attr.Value, 0, len(list))
	for _, s := range list {
		el = append(el, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, el)
}

// sameStrings reports whether a and b hold the same strings, in any order.
func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func timeValue(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// idAttribute is the computed id of a resource, kept from the state in
// plans.
func idAttribute(desc string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: desc,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// descriptionAttribute is an optional description, "" when left out (so
// that one set in the UI shows as a change to undo).
func descriptionAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Description, at most 1000 characters. Default `\"\"`.",
		Optional:            true, Computed: true,
		Default:    stringdefault.StaticString(""),
		Validators: []validator.String{validDescription()},
	}
}

// cutLast slices s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
