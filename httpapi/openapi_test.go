package httpapi_test

import (
	"encoding/json"
	"github.com/signetdev/signet/internal/testdb"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/httpapi"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]schema          `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type schema struct {
	Properties map[string]schema `json:"properties"`
	Required   []string          `json:"required"`
	Ref        string            `json:"$ref"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi = %q; want 3.1.x", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes walks the route table: every API route must be
// documented, and the document must not describe a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range httpapi.Routes() {
		if rt.Page {
			continue
		}
		methods := []string{rt.Method}
		if rt.Method == "*" {
			// Any method: documented under every method OpenAPI 3.1 has.
			methods = openAPIMethods
		}
		for _, method := range methods {
			key := method + " " + openAPIPath(rt.Pattern)
			served[key] = true
			if !documented[key] {
				t.Errorf("route %s %s is not in openapi.json as %s", rt.Method, rt.Pattern, key)
			}
		}
	}
	for key := range documented {
		if !served[key] {
			t.Errorf("openapi.json documents %s, which is not a route", key)
		}
	}
	for _, name := range []string{"bearer", "apikey", "xApiKey", "basic"} {
		if _, ok := doc.Components.SecuritySchemes[name]; !ok {
			t.Errorf("security scheme %s is missing", name)
		}
	}
}

// openAPIMethods are the methods an OpenAPI 3.1 path item can describe.
var openAPIMethods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

// openAPIPath writes a ServeMux pattern's path in OpenAPI's terms: a
// wildcard for the rest of the path, {name...}, is the parameter {name}.
func openAPIPath(pattern string) string {
	return strings.ReplaceAll(pattern, "...}", "}")
}

// TestOpenAPIPaths checks that no path uses the router's syntax, which
// OpenAPI tools read as a parameter named "path...".
func TestOpenAPIPaths(t *testing.T) {
	t.Parallel()
	for path := range loadOpenAPI(t).Paths {
		if strings.Contains(path, "...") {
			t.Errorf("openapi.json path %s uses ServeMux syntax; write {name}", path)
		}
	}
	if got, want := openAPIPath("/api/v1/forward-auth/{path...}"), "/api/v1/forward-auth/{path}"; got != want {
		t.Errorf("openAPIPath(/api/v1/forward-auth/{path...}) = %s; want %s", got, want)
	}
}

// TestOpenAPINoGeneratedNames checks that no schema takes a name that code
// generators give their own types of an operation: oapi-codegen names the
// response wrapper of operation createServiceAccount
// CreateServiceAccountResponse, and a schema of that name made its client
// fail to compile. Operation ids are unique, as generators need.
func TestOpenAPINoGeneratedNames(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	seen := map[string]string{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" {
				t.Errorf("%s %s has no operationId (%v)", method, path, err)
				continue
			}
			where := method + " " + path
			if other, dup := seen[op.OperationID]; dup {
				t.Errorf("operationId %s is on both %s and %s", op.OperationID, other, where)
			}
			seen[op.OperationID] = where
			base := strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:]
			for _, suffix := range []string{"Response", "Params", "RequestBody", "JSONRequestBody", "JSONBody"} {
				if _, ok := doc.Components.Schemas[base+suffix]; ok {
					t.Errorf("schema %s has the name generators give the %s of operation %s", base+suffix, suffix, op.OperationID)
				}
			}
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref names a component.
func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					ref, _ := x.(string)
					parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
					var cur any = doc
					for _, p := range parts {
						m, ok := cur.(map[string]any)
						if !ok {
							cur = nil
							break
						}
						cur = m[p]
					}
					if !strings.HasPrefix(ref, "#/") || cur == nil {
						t.Errorf("$ref %q does not resolve", ref)
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

// TestOpenAPISchemasMatchWireTypes checks that each schema's properties
// are exactly the JSON fields of the client type it describes, and that
// every required property is one the server always sends or needs.
func TestOpenAPISchemasMatchWireTypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	types := map[string]reflect.Type{
		"Error":                           reflect.TypeFor[client.ErrorResponse](),
		"Status":                          reflect.TypeFor[client.Status](),
		"User":                            reflect.TypeFor[client.User](),
		"UserDetail":                      reflect.TypeFor[client.UserDetail](),
		"APIKey":                          reflect.TypeFor[client.APIKey](),
		"CreatedAPIKey":                   reflect.TypeFor[client.CreatedAPIKey](),
		"Workspace":                       reflect.TypeFor[client.Workspace](),
		"Role":                            reflect.TypeFor[client.Role](),
		"Group":                           reflect.TypeFor[client.Group](),
		"GroupDetail":                     reflect.TypeFor[client.GroupDetail](),
		"GroupMember":                     reflect.TypeFor[client.GroupMember](),
		"Grant":                           reflect.TypeFor[client.Grant](),
		"AuditEvent":                      reflect.TypeFor[client.AuditEvent](),
		"PermissionDomain":                reflect.TypeFor[client.PermissionDomain](),
		"Permissions":                     reflect.TypeFor[client.Permissions](),
		"WorkspacePermissions":            reflect.TypeFor[client.WorkspacePermissions](),
		"Me":                              reflect.TypeFor[client.Me](),
		"GrantSpec":                       reflect.TypeFor[client.GrantSpec](),
		"CreateAPIKeyRequest":             reflect.TypeFor[client.CreateAPIKeyRequest](),
		"CreateServiceAccountRequest":     reflect.TypeFor[client.CreateServiceAccountRequest](),
		"CreatedServiceAccount":           reflect.TypeFor[client.CreateServiceAccountResponse](),
		"CreateUserRequest":               reflect.TypeFor[client.CreateUserRequest](),
		"UserUpdate":                      reflect.TypeFor[client.UserUpdate](),
		"SetGroupsRequest":                reflect.TypeFor[client.SetGroupsRequest](),
		"RevokeAPIKeyRequest":             reflect.TypeFor[client.RevokeAPIKeyRequest](),
		"UpdateAPIKeyRequest":             reflect.TypeFor[client.UpdateAPIKeyRequest](),
		"RotateAPIKeyRequest":             reflect.TypeFor[client.RotateAPIKeyRequest](),
		"RotatedAPIKey":                   reflect.TypeFor[client.RotateAPIKeyResponse](),
		"DisableAPIKeyRequest":            reflect.TypeFor[client.DisableAPIKeyRequest](),
		"CreateWorkspaceRequest":          reflect.TypeFor[client.CreateWorkspaceRequest](),
		"WorkspaceUpdate":                 reflect.TypeFor[client.WorkspaceUpdate](),
		"CreateRoleRequest":               reflect.TypeFor[client.CreateRoleRequest](),
		"RoleUpdate":                      reflect.TypeFor[client.RoleUpdate](),
		"CreateGroupRequest":              reflect.TypeFor[client.CreateGroupRequest](),
		"GroupUpdate":                     reflect.TypeFor[client.GroupUpdate](),
		"AddGroupMemberRequest":           reflect.TypeFor[client.AddGroupMemberRequest](),
		"CreateGrantRequest":              reflect.TypeFor[client.CreateGrantRequest](),
		"RegisterPermissionDomainRequest": reflect.TypeFor[client.RegisterPermissionDomainRequest](),
		"SetupRequest":                    reflect.TypeFor[client.SetupRequest](),
		"LoginRequest":                    reflect.TypeFor[client.LoginRequest](),
		"UserPage":                        reflect.TypeFor[client.Page[client.User]](),
		"APIKeyPage":                      reflect.TypeFor[client.Page[client.APIKey]](),
		"GroupPage":                       reflect.TypeFor[client.Page[client.Group]](),
		"RolePage":                        reflect.TypeFor[client.Page[client.Role]](),
		"GrantPage":                       reflect.TypeFor[client.Page[client.Grant]](),
		"WorkspacePage":                   reflect.TypeFor[client.Page[client.Workspace]](),
		"AuditEventPage":                  reflect.TypeFor[client.Page[client.AuditEvent]](),
		"AuditChainStatus":                reflect.TypeFor[client.AuditChainStatus](),
		"AuditCheckpoint":                 reflect.TypeFor[client.AuditCheckpoint](),
		"AuditChainBreak":                 reflect.TypeFor[client.AuditChainBreak](),
		"KeyActivity":                     reflect.TypeFor[client.KeyActivity](),
		"KeyActivityHour":                 reflect.TypeFor[client.KeyActivityHour](),
		"CheckRequest":                    reflect.TypeFor[client.CheckRequest](),
		"Check":                           reflect.TypeFor[client.Check](),
		"CheckResult":                     reflect.TypeFor[client.CheckResult](),
		"Principal":                       reflect.TypeFor[client.Principal](),
		"CheckBatchResponse":              reflect.TypeFor[client.CheckBatchResponse](),
		"WebhookEndpoint":                 reflect.TypeFor[client.WebhookEndpoint](),
		"CreatedWebhookEndpoint":          reflect.TypeFor[client.CreatedWebhookEndpoint](),
		"WebhookEndpointPage":             reflect.TypeFor[client.Page[client.WebhookEndpoint]](),
		"WebhookDelivery":                 reflect.TypeFor[client.WebhookDelivery](),
		"WebhookDeliveryDetail":           reflect.TypeFor[client.WebhookDeliveryDetail](),
		"WebhookAttempt":                  reflect.TypeFor[client.WebhookAttempt](),
		"WebhookDeliveryPage":             reflect.TypeFor[client.Page[client.WebhookDelivery]](),
		"WebhookEventTypes":               reflect.TypeFor[client.WebhookEventTypes](),
		"CreateWebhookRequest":            reflect.TypeFor[client.CreateWebhookRequest](),
		"WebhookUpdate":                   reflect.TypeFor[client.WebhookUpdate](),
		"RotateWebhookSecretRequest":      reflect.TypeFor[client.RotateWebhookSecretRequest](),
		"SecretScanningMatch":             reflect.TypeFor[client.SecretScanningMatch](),
		"SecretScanningVerdict":           reflect.TypeFor[client.SecretScanningVerdict](),
		"Violation":                       reflect.TypeFor[client.Violation](),
		"KeyPolicySettings":               reflect.TypeFor[client.KeyPolicySettings](),
		"KeyPolicy":                       reflect.TypeFor[client.KeyPolicy](),
		"TokenRequest":                    reflect.TypeFor[tokenRequestForm](),
		"TokenParameters":                 reflect.TypeFor[tokenParametersForm](),
		"TokenResponse":                   reflect.TypeFor[client.TokenResponse](),
		"OAuthError":                      reflect.TypeFor[client.OAuthError](),
		"TokenActor":                      reflect.TypeFor[client.TokenActor](),
		"Introspection":                   reflect.TypeFor[client.Introspection](),
		"JWKSet":                          reflect.TypeFor[client.JWKSet](),
		"AuthorizationServerMetadata":     reflect.TypeFor[client.AuthorizationServerMetadata](),
		"Audience":                        reflect.TypeFor[client.Audience](),
		"AudiencePage":                    reflect.TypeFor[client.Page[client.Audience]](),
		"CreateAudienceRequest":           reflect.TypeFor[client.CreateAudienceRequest](),
		"AudienceUpdate":                  reflect.TypeFor[client.AudienceUpdate](),
		"ClientKey":                       reflect.TypeFor[client.ClientKey](),
		"ClientKeyList":                   reflect.TypeFor[client.ClientKeyList](),
		"CreateClientKeyRequest":          reflect.TypeFor[client.CreateClientKeyRequest](),
		"SigningKey":                      reflect.TypeFor[client.SigningKey](),
		"SigningKeyList":                  reflect.TypeFor[client.SigningKeyList](),
		"GroupMapping":                    reflect.TypeFor[client.GroupMapping](),
		"OIDCProvider":                    reflect.TypeFor[client.OIDCProvider](),
		"OIDCProviderPage":                reflect.TypeFor[client.Page[client.OIDCProvider]](),
		"CreateOIDCProviderRequest":       reflect.TypeFor[client.CreateOIDCProviderRequest](),
		"OIDCProviderUpdate":              reflect.TypeFor[client.OIDCProviderUpdate](),
		"PasswordLogin":                   reflect.TypeFor[client.PasswordLogin](),
	}
	for name, s := range doc.Components.Schemas {
		typ, ok := types[name]
		if !ok {
			t.Errorf("schema %s has no wire type in this test's table", name)
			continue
		}
		checkSchema(t, name, s, typ)
	}
	for name := range types {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("openapi.json has no schema %s", name)
		}
	}
	// The nested error object too.
	checkSchema(t, "Error.error", doc.Components.Schemas["Error"].Properties["error"], reflect.TypeFor[client.ErrorBody]())
}

func checkSchema(t *testing.T, name string, s schema, typ reflect.Type) {
	t.Helper()
	fields := jsonFields(typ)
	var props []string
	for p := range s.Properties {
		props = append(props, p)
	}
	slices.Sort(props)
	var want []string
	for f := range fields {
		want = append(want, f)
	}
	slices.Sort(want)
	if !slices.Equal(props, want) {
		t.Errorf("schema %s properties = %v; want the JSON fields of %v: %v", name, props, typ, want)
	}
	for _, r := range s.Required {
		if omitempty, ok := fields[r]; !ok || omitempty {
			t.Errorf("schema %s requires %q, which %v omits when empty (or lacks)", name, r, typ)
		}
	}
}

// jsonFields returns the JSON field names of a struct type, flattening
// embedded structs, each with whether it is omitempty.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = strings.Contains(opts, "omitempty")
	}
	return out
}

// TestOpenAPIServed checks the document is served as it is embedded.
func TestOpenAPIServed(t *testing.T) { t.Parallel(); testdb.ForEach(t, testOpenAPIServed) }

func testOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/api/v1/openapi.json", "", "-auth")
	if r.status != http.StatusOK || string(r.body) != string(httpapi.OpenAPI()) || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/v1/openapi.json = %d %s (%d bytes); want 200 application/json with the embedded document", r.status, r.header.Get("Content-Type"), len(r.body))
	}
}

// TestOpenAPIErrorCodes holds the Error schema's code enum to the root
// package's closed set of error codes.
func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum
	if !slices.Equal(got, signet.ErrorCodes) {
		t.Errorf("openapi.json Error.code enum = %v; want signet.ErrorCodes %v", got, signet.ErrorCodes)
	}
}

// TestOpenAPIQueryParameters holds each route's declared query parameters
// (the ones it takes; any other is refused) to those the document lists.
func TestOpenAPIQueryParameters(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]openAPIParam `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range httpapi.Routes() {
		if rt.Page {
			continue
		}
		method := strings.ToLower(rt.Method)
		if method == "*" {
			method = "get"
		}
		item := doc.Paths[openAPIPath(rt.Pattern)]
		raw, ok := item[method]
		if !ok {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		// Parameters of the path item apply to each of its operations.
		var op, common struct {
			Parameters []openAPIParam `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatalf("%s %s: %v", rt.Method, rt.Pattern, err)
		}
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &common.Parameters); err != nil {
				t.Fatalf("%s: path parameters: %v", rt.Pattern, err)
			}
		}
		var documented []string
		for _, p := range append(common.Parameters, op.Parameters...) {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "query" {
				documented = append(documented, p.Name)
			}
		}
		declared := slices.Clone(rt.Query)
		slices.Sort(documented)
		slices.Sort(declared)
		if !slices.Equal(documented, declared) {
			t.Errorf("%s %s: the document lists query parameters %v; the route takes %v", rt.Method, rt.Pattern, documented, declared)
		}
	}
}

type openAPIParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// TestOpenAPICreatedLocation: every 201 the document describes declares
// the Location header the handlers send.
func TestOpenAPICreatedLocation(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" {
				continue
			}
			var op struct {
				Responses map[string]struct {
					Headers map[string]json.RawMessage `json:"headers"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if r, ok := op.Responses["201"]; ok {
				n++
				if _, ok := r.Headers["Location"]; !ok {
					t.Errorf("%s %s: 201 without a Location header", method, path)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no 201 responses found")
	}
}

// TestOpenAPIIdempotencyKey: exactly the routes that honour an
// Idempotency-Key document it.
func TestOpenAPIIdempotencyKey(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range httpapi.Routes() {
		if rt.Page || rt.Method == "*" {
			continue
		}
		var op struct {
			Parameters []struct {
				Ref string `json:"$ref"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(doc.Paths[openAPIPath(rt.Pattern)][strings.ToLower(rt.Method)], &op); err != nil {
			t.Fatalf("%s %s: %v", rt.Method, rt.Pattern, err)
		}
		documented := false
		for _, p := range op.Parameters {
			documented = documented || p.Ref == "#/components/parameters/Idempotency-Key"
		}
		if documented != rt.Idempotent {
			t.Errorf("%s %s: Idempotency-Key documented %v; the route honours it: %v", rt.Method, rt.Pattern, documented, rt.Idempotent)
		}
	}
}

// The OAuth endpoints take forms, whose fields the SDK sends as url.Values;
// these are their names, as the issuer reads them (httpapi/oauth.go).
type oauthClientAuthForm struct {
	ClientID            string `json:"client_id,omitempty"`
	ClientSecret        string `json:"client_secret,omitempty"`
	ClientAssertionType string `json:"client_assertion_type,omitempty"`
	ClientAssertion     string `json:"client_assertion,omitempty"`
}

type tokenRequestForm struct {
	GrantType string `json:"grant_type"`
	Scope     string `json:"scope,omitempty"`
	Audience  string `json:"audience,omitempty"`
	Resource  string `json:"resource,omitempty"`
	oauthClientAuthForm
	SubjectToken       string `json:"subject_token,omitempty"`
	SubjectTokenType   string `json:"subject_token_type,omitempty"`
	RequestedTokenType string `json:"requested_token_type,omitempty"`
}

type tokenParametersForm struct {
	Token         string `json:"token"`
	TokenTypeHint string `json:"token_type_hint,omitempty"`
	oauthClientAuthForm
}
