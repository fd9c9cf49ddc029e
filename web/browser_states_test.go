package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/service"
)

// The pages and states of the settings UI that the whole-UI browser
// checks visit: the width checks (browser_widths_test.go) and axe
// (browser_axe_test.go). A state is a URL, opened in a signed-in (or
// signed-out) tab, plus the clicks and typing that reach it (an open
// menu, a form refused with its error).
//
// To add states from another file, without editing this one:
//
//	func init() {
//		registerUIStates(func(f *uiFixture) []uiState {
//			return []uiState{{Name: "users-sorted", Path: "/settings/users?sort=name"}}
//		})
//	}

// uiState is one page in one state.
type uiState struct {
	// Name identifies the state in failures, screenshots and the lists of
	// states that must pass (widthsMustPass) or known violations (axeKnown).
	Name string
	// Path is opened first (on the fixture's server).
	Path string
	// Env is "" for the populated world, "empty" for a fresh one (empty
	// states).
	Env string
	// As is the tab the state is seen in: "" the administrator, "viewer"
	// a user holding View organisation-wide (populated world only), "anon"
	// signed out.
	As string
	// Steps, if set, lead from Path to the state; width is the window's,
	// for names that must differ between runs.
	Steps func(width int64) []chromedp.Action[chromedp.Void]
	// Inside is the selector of the elements that must lie inside the
	// window horizontally (or in a keyboard-focusable scroll container);
	// "" means rowActions.
	Inside string
}

// rowActions are the controls of table rows that must stay reachable at
// every width: those marked data-row-action or in a td.actions cell, and
// those of the last column, where the tables keep their actions.
const rowActions = `[data-row-action], td.actions a, td.actions button, td.actions select, ` +
	`tbody td:last-child a, tbody td:last-child button, tbody td:last-child select`

// uiFixture is the world the states are seen in: a populated server, an
// empty one, and a Chromium with one tab per (world, user).
type uiFixture struct {
	full, empty *env
	browser     context.Context // the first tab; the others share its browser

	SA         *signet.User // a service account, with a key
	SAKey      *signet.APIKey
	Bob        *signet.User // a human holding View organisation-wide
	Group      *signet.Group
	Webhook    *signet.WebhookEndpoint
	Delivery   *signet.WebhookDelivery
	AuditEvent string
	Audience   *signet.Audience
	ClientKey  *signet.ClientKey // on SA
	Provider   *signet.OIDCProvider

	tabs map[string]context.Context
}

var uiStateFuncs = []func(f *uiFixture) []uiState{baseUIStates}

// registerUIStates adds states, made from the fixture, to every check.
func registerUIStates(fn func(f *uiFixture) []uiState) { uiStateFuncs = append(uiStateFuncs, fn) }

// states returns every registered state.
func (f *uiFixture) states() []uiState {
	var out []uiState
	for _, fn := range uiStateFuncs {
		out = append(out, fn(f)...)
	}
	return out
}

// newUIFixture builds both worlds and the browser. It skips on backends
// other than SQLite: pages look the same on every backend.
func newUIFixture(t *testing.T) *uiFixture {
	t.Helper()
	if testdb.Backend(t) != testdb.SQLite {
		t.Skip("the whole-UI browser checks run on SQLite only: pages look the same on every backend")
	}
	chromiumPath(t)
	f := &uiFixture{full: newEnv(t), empty: newEnv(t), tabs: map[string]context.Context{}}
	e := f.full
	admin, err := e.svc.AuthenticatePassword(e.ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := e.svc.ActorForUser(admin)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %s: %v", what, err)
		}
	}
	f.Bob = e.human("Bob", "bob@example.com", service.GrantSpec{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide})
	sa, err := e.svc.CreateServiceAccount(e.ctx, a, service.CreateServiceAccountInput{Name: "nightly-etl", Description: "Loads the warehouse every night",
		Grants: []service.GrantSpec{{RoleID: signet.RoleViewID, WorkspaceID: signet.OrganisationWide}},
		Key:    &service.CreateKeyInput{Name: "airflow", Description: "Airflow prod"}})
	must("service account", err)
	f.SA, f.SAKey = sa.User, sa.Key.Key
	_, err = e.svc.CreateAPIKey(e.ctx, a, admin.ID, service.CreateKeyInput{Name: "laptop", Description: "Ada's laptop"})
	must("personal key", err)
	f.Group, err = e.svc.CreateGroup(e.ctx, a, service.GroupInput{Name: "ETL", Description: "Pipelines"})
	must("group", err)
	must("group member", e.svc.AddGroupMember(e.ctx, a, f.Group.ID, f.SA.ID))
	_, err = e.svc.CreateWorkspace(e.ctx, a, service.WorkspaceInput{Name: "Staging", Description: "Pre-production"})
	must("workspace", err)
	rc := newReceiver(t)
	ep, err := e.svc.CreateWebhookEndpoint(e.ctx, a, service.WebhookEndpointInput{URL: rc.srv.URL + "/hook", Description: "SIEM feed", EventTypes: []string{"api_key.*", "user.disable"}})
	must("webhook", err)
	f.Webhook = ep.Endpoint
	f.Delivery, err = e.svc.SendTestWebhook(e.ctx, a, f.Webhook.ID)
	must("test delivery", err)
	e.dispatch(t)
	f.Audience, err = e.svc.CreateAudience(e.ctx, a, service.AudienceInput{Identifier: "https://billing.internal", Description: "Billing API",
		ServiceAccountID: f.SA.ID, TokenLifetime: 5 * time.Minute})
	must("audience", err)
	_, err = e.svc.CreateAudience(e.ctx, a, service.AudienceInput{Identifier: "reports"})
	must("audience", err)
	pub, _ := publicPEM(t)
	f.ClientKey, err = e.svc.CreateClientKey(e.ctx, a, f.SA.ID, service.ClientKeyInput{Name: "ci-signer", PublicKey: pub})
	must("client key", err)
	f.Provider, err = e.svc.CreateOIDCProvider(e.ctx, a, service.OIDCProviderInput{Name: "Corp IdP", Issuer: "https://login.corp.example",
		ClientID: "signet-ui", ClientSecret: "fixture-client-secret", JITCreate: true, AllowedDomains: []string{"example.com"},
		GroupsClaim: "groups", GroupMappings: []signet.GroupMapping{{Value: "etl", GroupID: f.Group.ID}}})
	must("identity provider", err)
	for range 2 { // one signing key, one retired
		_, err = e.svc.RotateSigningKeys(e.ctx, a, service.TokenOptions{}, true)
		must("signing keys", err)
	}
	events, _, err := e.svc.ListAuditEvents(e.ctx, signet.SystemActor, signet.AuditFilter{})
	must("audit events", err)
	if len(events) == 0 {
		t.Fatal("fixture: no audit event")
	}
	f.AuditEvent = events[0].ID
	f.browser = newChrome(t)
	return f
}

// tab returns the tab of s's world and user, signing in on first use.
func (f *uiFixture) tab(t *testing.T, s uiState) (context.Context, string) {
	t.Helper()
	e := f.full
	if s.Env == "empty" {
		e = f.empty
	}
	key := s.Env + "/" + s.As
	if ctx, ok := f.tabs[key]; ok {
		return ctx, e.srv.URL
	}
	ctx := f.browser
	if len(f.tabs) > 0 {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(f.browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("a new tab: %v", err)
		}
	}
	switch s.As {
	case "":
		signIn(t, ctx, e.srv.URL, adminEmail, adminPassword)
	case "viewer":
		signIn(t, ctx, e.srv.URL, "bob@example.com", adminPassword)
	case "anon":
	default:
		t.Fatalf("state %s: unknown user %q", s.Name, s.As)
	}
	if s.As != "anon" {
		step(t, ctx, "signed in", chromedp.WaitReady(chromedp.CSS("header.top nav")))
	}
	f.tabs[key] = ctx
	return ctx, e.srv.URL
}

// open shows s at width in its tab and returns the tab.
func (f *uiFixture) open(t *testing.T, s uiState, width int64) context.Context {
	t.Helper()
	ctx, base := f.tab(t, s)
	step(t, ctx, fmt.Sprintf("%s at %dpx", s.Name, width),
		chromedp.EmulateViewport(width, 900),
		chromedp.Navigate(base+s.Path),
		chromedp.WaitReady(chromedp.CSS("main")),
	)
	if s.Steps != nil {
		step(t, ctx, fmt.Sprintf("%s at %dpx: its steps", s.Name, width), s.Steps(width)...)
	}
	return ctx
}

// baseUIStates are the pages and states of the UI as it is.
func baseUIStates(f *uiFixture) []uiState {
	type A = chromedp.Action[chromedp.Void]
	return []uiState{
		{Name: "login", Path: "/login", Env: "empty", As: "anon"},
		{Name: "login-error", Path: "/login", Env: "empty", As: "anon", Steps: func(int64) []A {
			return []A{chromedp.SendKeys(chromedp.ID("email"), adminEmail), chromedp.SendKeys(chromedp.ID("password"), "not the password"),
				chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.error"))}
		}},
		{Name: "setup-done", Path: "/setup", Env: "empty", As: "anon"},

		{Name: "users", Path: "/settings/users"},
		{Name: "users-create-menu", Path: "/settings/users", Steps: func(int64) []A {
			return []A{chromedp.Click(chromedp.CSS("#create-menu summary")), chromedp.WaitVisible(chromedp.ID("create-sa-item"))}
		}},
		{Name: "users-create-sa", Path: "/settings/users?create=service_account"},
		{Name: "users-create-sa-error", Path: "/settings/users?create=service_account", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("sa-name")), chromedp.SendKeys(chromedp.ID("sa-name"), "   "),
				chromedp.Click(chromedp.ID("create-sa-submit")), chromedp.WaitVisible(chromedp.CSS(`#sa-name[aria-invalid="true"]`))}
		}},
		{Name: "users-create-user", Path: "/settings/users?create=user"},
		{Name: "user-service-account", Path: "/settings/users/" + f.SA.ID},
		{Name: "user-human", Path: "/settings/users/" + f.Bob.ID},
		{Name: "user-create-key", Path: "/settings/users/" + f.SA.ID + "?dialog=create-key"},
		{Name: "show-key-once", Path: "/settings/api-keys?dialog=create-personal-key", Steps: func(w int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("pk-name")), chromedp.SendKeys(chromedp.ID("pk-name"), fmt.Sprintf("ci-%d", w)),
				chromedp.Submit(chromedp.ID("pk-name")), chromedp.WaitVisible(chromedp.ID("show-key"))}
		}},

		{Name: "api-keys", Path: "/settings/api-keys"},
		{Name: "api-keys-create-personal", Path: "/settings/api-keys?dialog=create-personal-key"},
		{Name: "api-keys-create-sa-key", Path: "/settings/api-keys?dialog=create-service-account-key"},
		{Name: "key-networks", Path: "/settings/api-keys/" + f.SAKey.ID + "/networks"},

		{Name: "groups", Path: "/settings/groups"},
		{Name: "groups-create", Path: "/settings/groups?dialog=create-group"},
		{Name: "group", Path: "/settings/groups/" + f.Group.ID},
		{Name: "roles", Path: "/settings/roles"},
		{Name: "role", Path: "/settings/roles/" + signet.RoleViewID},
		{Name: "role-new", Path: "/settings/roles/new"},
		{Name: "workspaces", Path: "/settings/workspaces"},
		{Name: "workspaces-create", Path: "/settings/workspaces?dialog=create-workspace"},

		{Name: "key-policy", Path: "/settings/key-policy"},
		{Name: "key-policy-error", Path: "/settings/key-policy", Steps: func(int64) []A {
			return []A{chromedp.SendKeys(chromedp.ID("kp-max-sa"), "-5d"), chromedp.Click(chromedp.ID("save-key-policy")), chromedp.WaitVisible(chromedp.CSS(`#key-policy-error, #kp-max-sa[aria-invalid="true"]`))}
		}},
		{Name: "webhooks", Path: "/settings/webhooks"},
		{Name: "webhooks-create", Path: "/settings/webhooks?dialog=create-webhook"},
		{Name: "webhooks-create-error", Path: "/settings/webhooks?dialog=create-webhook", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("wh-url")), chromedp.SendKeys(chromedp.ID("wh-url"), "ftp://receiver.example.com/hook"),
				chromedp.Click(chromedp.ID("create-webhook-submit")), chromedp.WaitVisible(chromedp.CSS(`#create-webhook-error, #wh-url[aria-invalid="true"]`))}
		}},
		{Name: "webhook", Path: "/settings/webhooks/" + f.Webhook.ID},
		{Name: "webhook-delivery", Path: "/settings/webhooks/" + f.Webhook.ID + "/deliveries/" + f.Delivery.ID},
		{Name: "audiences", Path: "/settings/audiences"},
		{Name: "audiences-create", Path: "/settings/audiences?dialog=create-audience"},
		{Name: "audiences-create-error", Path: "/settings/audiences?dialog=create-audience", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("create-audience-identifier")), chromedp.SendKeys(chromedp.ID("create-audience-identifier"), "billing service"),
				chromedp.SendKeys(chromedp.ID("create-audience-lifetime"), "forever"),
				chromedp.Click(chromedp.ID("create-audience-submit")), chromedp.WaitVisible(chromedp.CSS(`#create-audience-lifetime[aria-invalid="true"]`))}
		}},
		{Name: "audiences-edit", Path: "/settings/audiences?dialog=edit-" + f.Audience.ID},
		{Name: "audiences-rotate-dialog", Path: "/settings/audiences", Steps: func(int64) []A {
			return []A{chromedp.Click(chromedp.ID("rotate-signing-key")), chromedp.WaitVisible(chromedp.ID("confirm-ok"))}
		}},
		{Name: "audiences-rotate-confirm", Path: "/settings/signing-keys/rotate"},
		{Name: "audience-delete-confirm", Path: "/settings/audiences/" + f.Audience.ID + "/delete"},
		{Name: "user-add-public-key", Path: "/settings/users/" + f.SA.ID + "?dialog=add-public-key"},
		{Name: "user-add-public-key-error", Path: "/settings/users/" + f.SA.ID + "?dialog=add-public-key", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("pk-name")), chromedp.SendKeys(chromedp.ID("pk-name"), "laptop"),
				chromedp.SetValue(chromedp.ID("pk-key"), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"),
				chromedp.Click(chromedp.ID("add-public-key-submit")), chromedp.WaitVisible(chromedp.CSS(`#pk-key[aria-invalid="true"]`))}
		}},
		{Name: "public-key-delete-confirm", Path: "/settings/users/" + f.SA.ID + "/public-keys/" + f.ClientKey.ID + "/delete"},
		{Name: "identity-providers", Path: "/settings/identity-providers"},
		{Name: "identity-providers-create", Path: "/settings/identity-providers?dialog=create-provider"},
		{Name: "identity-providers-create-error", Path: "/settings/identity-providers?dialog=create-provider", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("create-provider-name")), chromedp.SendKeys(chromedp.ID("create-provider-name"), "Okta"),
				chromedp.SendKeys(chromedp.ID("create-provider-issuer"), "http://login.corp.example"),
				chromedp.SendKeys(chromedp.ID("create-provider-client-id"), "signet"), chromedp.SendKeys(chromedp.ID("create-provider-client-secret"), "s"),
				chromedp.Click(chromedp.ID("create-provider-submit")), chromedp.WaitVisible(chromedp.CSS(`#create-provider-issuer[aria-invalid="true"]`))}
		}},
		{Name: "identity-providers-mapping-error", Path: "/settings/identity-providers?dialog=create-provider", Steps: func(int64) []A {
			return []A{chromedp.WaitVisible(chromedp.ID("create-provider-name")), chromedp.SendKeys(chromedp.ID("create-provider-name"), "Okta"),
				chromedp.SendKeys(chromedp.ID("create-provider-issuer"), "https://login.okta.example"),
				chromedp.SendKeys(chromedp.ID("create-provider-client-id"), "signet"), chromedp.SendKeys(chromedp.ID("create-provider-client-secret"), "s"),
				chromedp.SendKeys(chromedp.CSS(`#create-provider [data-mapping-row] input[name=mapping_value]`), "ops"),
				chromedp.Click(chromedp.ID("create-provider-submit")), chromedp.WaitVisible(chromedp.ID("create-provider-mappings-error"))}
		}},
		{Name: "identity-providers-edit", Path: "/settings/identity-providers?dialog=edit-" + f.Provider.ID},
		{Name: "identity-providers-delete-dialog", Path: "/settings/identity-providers", Steps: func(int64) []A {
			return []A{chromedp.Click(chromedp.ID("delete-provider-" + f.Provider.ID)), chromedp.WaitVisible(chromedp.ID("confirm-ok"))}
		}},
		{Name: "identity-provider-delete-confirm", Path: "/settings/identity-providers/" + f.Provider.ID + "/delete"},
		{Name: "password-login-error", Path: "/settings/identity-providers", Steps: func(int64) []A {
			return []A{chromedp.Click(chromedp.ID("pl-off")), chromedp.Click(chromedp.ID("save-password-login")),
				chromedp.WaitVisible(chromedp.CSS(`#pl-break-glass[aria-invalid="true"]`))}
		}},

		{Name: "audit", Path: "/settings/audit"},
		{Name: "audit-bad-filter", Path: "/settings/audit?since=yesterday"},
		{Name: "audit-event", Path: "/settings/audit/" + f.AuditEvent},
		{Name: "account", Path: "/settings/account"},
		{Name: "not-found", Path: "/nope"},

		{Name: "viewer-users", Path: "/settings/users", As: "viewer"},
		{Name: "viewer-api-keys", Path: "/settings/api-keys", As: "viewer"},
		{Name: "viewer-audiences", Path: "/settings/audiences", As: "viewer"},
		{Name: "viewer-identity-providers", Path: "/settings/identity-providers", As: "viewer"},
		{Name: "viewer-service-account", Path: "/settings/users/" + f.SA.ID, As: "viewer"},

		{Name: "empty-users", Path: "/settings/users", Env: "empty"},
		{Name: "empty-api-keys", Path: "/settings/api-keys", Env: "empty"},
		{Name: "empty-webhooks", Path: "/settings/webhooks", Env: "empty"},
		{Name: "empty-audiences", Path: "/settings/audiences", Env: "empty"},
		{Name: "empty-identity-providers", Path: "/settings/identity-providers", Env: "empty"},
		{Name: "empty-workspaces", Path: "/settings/workspaces", Env: "empty"},
		{Name: "empty-audit", Path: "/settings/audit?outcome=failure", Env: "empty"},
	}
}
