package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	signet "github.com/signetdev/signet"
)

// Plan-time validation. Each check is Signet's own rule (the exported
// validators of package signet) or, where that rule lives inside the
// server, the same rule with the same message, so that a plan fails with
// the words an apply would get from the API.

// idPrefixes are the prefixes of Signet's ids, in the order of
// internal/id.Prefixes (which another module may not import); names may
// not begin with one (the server's rule, service.validateName).
// TestAccPlanValidation compares the message, which lists them, with the
// API's.
var idPrefixes = []string{"usr_", "sa_", "key_", "ws_", "role_", "grp_", "grant_", "evt_", "ses_", "wh_", "whd_", "aud_", "ck_", "sig_", "at_", "idp_", "sgn_"}

// checkName is the part of Signet's name rule that needs no database:
// required, at most signet.MaxNameLen characters, not beginning with an
// id prefix. what names the thing, e.g. "service account". The server
// also normalises spaces and refuses invisible characters and names that
// look like another's; those errors come at apply time.
func checkName(what, name string) error {
	n := strings.Join(strings.Fields(name), " ")
	switch {
	case n == "":
		return fmt.Errorf("%s name is required", what)
	case utf8.RuneCountInString(n) > signet.MaxNameLen:
		return fmt.Errorf("%s name is too long: %d characters; the limit is %d", what, utf8.RuneCountInString(n), signet.MaxNameLen)
	}
	for _, p := range idPrefixes {
		if strings.HasPrefix(strings.ToLower(n), p) {
			return fmt.Errorf("%s name %s looks like an id: names may not begin with %q or another id prefix (%s); choose another name",
				what, strconv.Quote(n), p, strings.Join(idPrefixes, ", "))
		}
	}
	if n != name {
		return fmt.Errorf("%s name %s has spaces Signet would remove or merge (it stores %s); write it as %s so that plans stay clean",
			what, strconv.Quote(name), strconv.Quote(n), strconv.Quote(n))
	}
	return nil
}

// checkDescription is Signet's length limit on descriptions.
func checkDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > signet.MaxDescriptionLen {
		return fmt.Errorf("description is too long: %d characters; the limit is %d", n, signet.MaxDescriptionLen)
	}
	return nil
}

// checkLifetime is the API's rule for a key's expires_in: a duration in
// signet.ParseDuration's syntax, longer than zero.
func checkLifetime(field, v string) error {
	d, err := signet.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("field %q: %s", field, signet.ErrorMessage(err))
	}
	if d <= 0 {
		return fmt.Errorf("field %q must be a duration longer than zero, such as 30d or PT12H", field)
	}
	return nil
}

// checkGrace is the API's rule for a rotation's grace: a duration, zero
// allowed (the old key stops at once). The key policy's maximum is
// checked by the server.
func checkGrace(field, v string) error {
	if _, err := signet.ParseDuration(v); err != nil {
		return fmt.Errorf("field %q: %s", field, signet.ErrorMessage(err))
	}
	return nil
}

// checkNetworks is signet.ParseAllowedNetworks.
func checkNetworks(field string, in []string) error {
	_, err := signet.ParseAllowedNetworks(field, in)
	if err != nil {
		return fmt.Errorf("%s", signet.ErrorMessage(err))
	}
	return nil
}

// checkLabels is signet.ValidateLabels.
func checkLabels(field string, labels map[string]string) error {
	if err := signet.ValidateLabels(field, labels); err != nil {
		return fmt.Errorf("%s", signet.ErrorMessage(err))
	}
	return nil
}

// checkBase is the API's rule for a custom role's base.
func checkBase(b string) error {
	if !signet.ValidBase(b) {
		return fmt.Errorf("base must be one of %q, %q, %q or %q", signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage)
	}
	return nil
}

// stringCheck adapts a check of one string to a schema validator.
type stringCheck struct {
	desc  string
	check func(string) error
}

func (v stringCheck) Description(context.Context) string         { return v.desc }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.desc }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", err.Error())
	}
}

func validName(what string) validator.String {
	return stringCheck{"a Signet " + what + " name", func(s string) error { return checkName(what, s) }}
}

func validDescription() validator.String {
	return stringCheck{"at most 1000 characters", checkDescription}
}

func validOneOf(field string, values ...string) validator.String {
	return stringCheck{"one of " + strings.Join(values, ", "), func(s string) error {
		for _, v := range values {
			if s == v {
				return nil
			}
		}
		q := make([]string, len(values))
		for i, v := range values {
			q[i] = strconv.Quote(v)
		}
		return fmt.Errorf("%s must be %s", field, strings.Join(q, " or "))
	}}
}

// setCheck adapts a check of a set of strings to a schema validator.
type setCheck struct {
	desc  string
	check func([]string) error
}

func (v setCheck) Description(context.Context) string         { return v.desc }
func (v setCheck) MarkdownDescription(context.Context) string { return v.desc }

func (v setCheck) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var in []types.String
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &in, false)...)
	list := make([]string, 0, len(in))
	for _, s := range in {
		if s.IsUnknown() {
			return // known at apply
		}
		list = append(list, s.ValueString())
	}
	if err := v.check(list); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", err.Error())
	}
}

// mapCheck adapts a check of a map of strings to a schema validator.
type mapCheck struct {
	desc  string
	check func(map[string]string) error
}

func (v mapCheck) Description(context.Context) string         { return v.desc }
func (v mapCheck) MarkdownDescription(context.Context) string { return v.desc }

func (v mapCheck) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var in map[string]types.String
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &in, false)...)
	m := make(map[string]string, len(in))
	for k, s := range in {
		if s.IsUnknown() {
			return
		}
		m[k] = s.ValueString()
	}
	if err := v.check(m); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", err.Error())
	}
}

func validLabels() validator.Map {
	return mapCheck{"Signet labels", func(m map[string]string) error { return checkLabels("labels", m) }}
}
