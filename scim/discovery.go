package scim

import (
	"net/http"
	"net/url"
)

// The discovery documents of RFC 7644 §4 and RFC 7643 §5–7: what Signet's
// SCIM service supports, the resource types it serves, and their schemas.
// They say only what the handlers do; keep them in step with users.go and
// groups.go.

const (
	schemaServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

type supported struct {
	Supported bool `json:"supported"`
}

type discoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

func serviceProviderConfig(*http.Request) (any, error) {
	type bulk struct {
		Supported      bool `json:"supported"`
		MaxOperations  int  `json:"maxOperations"`
		MaxPayloadSize int  `json:"maxPayloadSize"`
	}
	type filter struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	}
	type authScheme struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Description string `json:"description"`
		SpecURI     string `json:"specUri"`
		Primary     bool   `json:"primary"`
	}
	return struct {
		Schemas               []string      `json:"schemas"`
		Patch                 supported     `json:"patch"`
		Bulk                  bulk          `json:"bulk"`
		Filter                filter        `json:"filter"`
		ChangePassword        supported     `json:"changePassword"`
		Sort                  supported     `json:"sort"`
		ETag                  supported     `json:"etag"`
		AuthenticationSchemes []authScheme  `json:"authenticationSchemes"`
		Meta                  discoveryMeta `json:"meta"`
	}{
		Schemas: []string{schemaServiceProviderConfig},
		Patch:   supported{true},
		Bulk:    bulk{},
		Filter:  filter{Supported: true, MaxResults: maxCount},
		AuthenticationSchemes: []authScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "A Signet API key of a service account granted scim:write organisation-wide, sent as Authorization: Bearer <key>.",
			SpecURI:     "https://www.rfc-editor.org/rfc/rfc6750", Primary: true}},
		Meta: discoveryMeta{ResourceType: "ServiceProviderConfig", Location: Base + "/ServiceProviderConfig"},
	}, nil
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceType struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions,omitempty"`
	Meta             discoveryMeta     `json:"meta"`
}

var resourceTypes = []resourceType{
	{Schemas: []string{schemaResourceType}, ID: "User", Name: "User", Endpoint: "/Users",
		Description: "A person who signs in to Signet.", Schema: SchemaUser,
		SchemaExtensions: []schemaExtension{{Schema: SchemaSignetExt}},
		Meta:             discoveryMeta{ResourceType: "ResourceType", Location: Base + "/ResourceTypes/User"}},
	{Schemas: []string{schemaResourceType}, ID: "Group", Name: "Group", Endpoint: "/Groups",
		Description: "A Signet group: the identity provider sets its people; administrators grant it roles in Signet.", Schema: SchemaGroup,
		Meta: discoveryMeta{ResourceType: "ResourceType", Location: Base + "/ResourceTypes/Group"}},
}

func resourceTypeList(*http.Request) (any, error) {
	return listOf(resourceTypes), nil
}

func resourceTypeOne(r *http.Request) (any, error) {
	for _, rt := range resourceTypes {
		if rt.ID == r.PathValue("name") {
			return rt, nil
		}
	}
	return nil, scimErr(http.StatusNotFound, "", "there is no resource type "+r.PathValue("name")+" (Signet serves User and Group)")
}

// attribute is an attribute definition (RFC 7643 §7).
type attribute struct {
	Name           string      `json:"name"`
	Type           string      `json:"type"`
	MultiValued    bool        `json:"multiValued"`
	Description    string      `json:"description"`
	Required       bool        `json:"required"`
	CaseExact      bool        `json:"caseExact"`
	Mutability     string      `json:"mutability"`
	Returned       string      `json:"returned"`
	Uniqueness     string      `json:"uniqueness"`
	ReferenceTypes []string    `json:"referenceTypes,omitempty"`
	SubAttributes  []attribute `json:"subAttributes,omitempty"`
}

type schema struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Attributes  []attribute   `json:"attributes"`
	Meta        discoveryMeta `json:"meta"`
}

// attr is a single-valued, optional, read-write string returned by
// default, unique nowhere: the common case, changed by the options.
func attr(name, desc string, opts ...func(*attribute)) attribute {
	a := attribute{Name: name, Type: "string", Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func typed(t string) func(*attribute) { return func(a *attribute) { a.Type = t } }
func multi(a *attribute)              { a.MultiValued = true }
func required(a *attribute)           { a.Required = true }
func readOnly(a *attribute)           { a.Mutability = "readOnly" }
func uniqueServer(a *attribute)       { a.Uniqueness = "server" }
func refTo(types ...string) func(*attribute) {
	return func(a *attribute) { a.Type, a.ReferenceTypes = "reference", types }
}
func sub(subs ...attribute) func(*attribute) {
	return func(a *attribute) { a.Type, a.SubAttributes = "complex", subs }
}

var schemas = []schema{
	{ID: SchemaUser, Name: "User", Description: "A person who signs in to Signet.", Attributes: []attribute{
		attr("id", "Signet's id for the person.", readOnly, uniqueServer, func(a *attribute) { a.Returned, a.CaseExact = "always", true }),
		attr("externalId", "The identity provider's id for the person.", func(a *attribute) { a.CaseExact = true }),
		attr("userName", "The person's email address: how they sign in. Unique, compared case-insensitively.", required, uniqueServer),
		attr("name", "The person's name; Signet keeps one display name, made of these when displayName is absent.", sub(
			attr("formatted", "The full name."),
			attr("givenName", "The given name."),
			attr("familyName", "The family name."))),
		attr("displayName", "The name Signet shows."),
		attr("emails", "Email addresses; the primary one (or the only one) is the userName when userName is absent.", multi, sub(
			attr("value", "The address."),
			attr("type", "work, home or other."),
			attr("primary", "Whether this is the person's primary address.", typed("boolean")))),
		attr("active", "Whether the person may sign in. Setting it false ends their sessions and disables their personal keys at once.", typed("boolean")),
	}},
	{ID: SchemaGroup, Name: "Group", Description: "A Signet group. Members are people; service accounts in the group are managed in Signet and not listed. The Admins group is read-only here.", Attributes: []attribute{
		attr("id", "Signet's id for the group.", readOnly, uniqueServer, func(a *attribute) { a.Returned, a.CaseExact = "always", true }),
		attr("externalId", "The identity provider's id for the group.", func(a *attribute) { a.CaseExact = true }),
		attr("displayName", "The group's name. Unique, compared case-insensitively.", required, uniqueServer),
		attr("members", "The people in the group.", multi, sub(
			attr("value", "The person's id (a SCIM User id).", func(a *attribute) { a.Mutability = "immutable" }),
			attr("$ref", "The person's URI.", refTo("User"), func(a *attribute) { a.Mutability = "immutable" }),
			attr("display", "The person's name.", readOnly),
			attr("type", "Always User.", readOnly))),
	}},
	{ID: SchemaSignetExt, Name: "SignetUser", Description: "What Signet adds to a person.", Attributes: []attribute{
		attr("ownedServiceAccounts", "The service accounts the person owns: after a deactivation, what an administrator must give a new owner.", multi, readOnly, sub(
			attr("value", "The service account's id.", readOnly),
			attr("display", "The service account's name.", readOnly))),
	}},
}

func init() {
	for i := range schemas {
		schemas[i].Schemas = []string{schemaSchema}
		schemas[i].Meta = discoveryMeta{ResourceType: "Schema", Location: Base + "/Schemas/" + schemas[i].ID}
	}
}

func schemaList(*http.Request) (any, error) {
	return listOf(schemas), nil
}

func schemaOne(r *http.Request) (any, error) {
	urn, err := url.PathUnescape(r.PathValue("urn"))
	if err != nil {
		urn = r.PathValue("urn")
	}
	for _, s := range schemas {
		if s.ID == urn {
			return s, nil
		}
	}
	return nil, scimErr(http.StatusNotFound, "", "there is no schema "+urn)
}

func listOf[T any](items []T) map[string]any {
	return map[string]any{"schemas": []string{SchemaList}, "totalResults": len(items), "startIndex": 1,
		"itemsPerPage": len(items), "Resources": items}
}
