package web

import (
	"net/http"
	"strings"

	signet "github.com/signetdev/signet"
)

// Destructive actions (revoke a key; delete a user, service account,
// group, role, workspace, webhook, audience, public key or identity
// provider; rotate the token signing key; remove a role or a member; end
// a session) are links to a confirmation page that names the consequence
// and holds the POST button. With JavaScript, app.js shows the same
// question in an in-page dialog instead (data-confirm on the link) and
// posts from there; without it, the link leads here.

// confirmView is the data of a confirmation page.
type confirmView struct {
	base
	Heading     string // the question: "Delete the group “ops”?"
	Consequence string // what happens, in a sentence or two
	Action      string // where the POST goes
	Button      string // the POST button's label
	Cancel      string // where Cancel leads
	Back        string // a "back" field to post, when the action takes one
	// Name, when set, must be typed to confirm (confirm_name); Err is the
	// error beside it after a wrong one.
	Name string
	Err  formError
}

func (s *server) confirmRoutes(auth func(string, handler)) {
	auth("GET /settings/api-keys/{id}/revoke", s.confirmRevokeKey)
	auth("GET /settings/users/{id}/delete", s.confirmDeleteUser)
	auth("GET /settings/users/{id}/grants/{grant}/delete", s.confirmRemoveUserGrant)
	auth("GET /settings/groups/{id}/delete", s.confirmDeleteGroup)
	auth("GET /settings/groups/{id}/members/{user}/delete", s.confirmRemoveMember)
	auth("GET /settings/groups/{id}/grants/{grant}/delete", s.confirmRemoveGroupGrant)
	auth("GET /settings/roles/{id}/delete", s.confirmDeleteRole)
	auth("GET /settings/workspaces/{id}/delete", s.confirmDeleteWorkspace)
	auth("GET /settings/webhooks/{id}/delete", s.confirmDeleteWebhook)
	auth("GET /settings/account/sessions/{id}/revoke", s.confirmEndSession)
	auth("GET /settings/audiences/{id}/delete", s.confirmDeleteAudience)
	auth("GET /settings/signing-keys/rotate", s.confirmRotateSigningKeys)
	auth("GET /settings/users/{id}/public-keys/{key}/delete", s.confirmDeleteClientKey)
	auth("GET /settings/identity-providers/{id}/delete", s.confirmDeleteProvider)
}

func (s *server) renderConfirm(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, v *confirmView) error {
	v.base = c.base(v.Heading, "", r)
	s.render(w, r, status, "confirm.html", v)
	return nil
}

func (s *server) confirmRevokeKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	k, err := s.svc.GetAPIKey(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := backTo(r.URL.Query().Get("back"))
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Revoke the API key “" + k.Name + "”?",
		Consequence: "Anything using it stops working at once. A revoked key cannot be enabled again.",
		Action:      "/settings/api-keys/" + k.ID + "/revoke", Button: "Revoke key", Cancel: back, Back: back})
}

// activeKeys counts the active API keys of user id that the viewer sees.
func (s *server) activeKeys(r *http.Request, c *reqCtx, id string) (int, error) {
	keys, _, err := s.svc.ListAPIKeys(r.Context(), c.actor, signet.APIKeyFilter{OwnerID: id, Status: signet.KeyStatusActive,
		Page: signet.Page{Limit: signet.MaxPageSize}})
	if signet.ErrorCode(err) == signet.EFORBIDDEN {
		return 0, nil
	}
	return len(keys), err
}

// deleteUserConfirm is the question of deleting user u: a service account
// with active keys asks for its name to be typed.
func (s *server) deleteUserConfirm(r *http.Request, c *reqCtx, u *signet.User) (*confirmView, error) {
	v := &confirmView{Action: "/settings/users/" + u.ID + "/delete", Cancel: "/settings/users/" + u.ID}
	if u.IsServiceAccount() {
		n, err := s.activeKeys(r, c, u.ID)
		if err != nil {
			return nil, err
		}
		v.Heading, v.Button = "Delete the service account “"+u.Name+"”?", "Delete service account"
		v.Consequence = "Its API keys are revoked, and it leaves every group. This cannot be undone."
		if n > 0 {
			v.Name = u.Name
			v.Consequence = "It has active API keys: anything using them stops working at once. " + v.Consequence
		}
	} else {
		v.Heading, v.Button = "Delete the user “"+u.Name+"”?", "Delete user"
		v.Consequence = "Their sessions end and their API keys are revoked, and they leave every group. This cannot be undone."
	}
	return v, nil
}

func (s *server) confirmDeleteUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetUser(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.deleteUserConfirm(r, c, d.User)
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, v)
}

// checkTypedName refuses the deletion of a service account with active
// keys unless its name was typed (confirm_name), rendering the
// confirmation page again; it reports whether to go on.
func (s *server) checkTypedName(w http.ResponseWriter, r *http.Request, c *reqCtx, id string) (bool, error) {
	d, err := s.svc.GetUser(r.Context(), c.actor, id)
	if err != nil {
		return false, err
	}
	v, err := s.deleteUserConfirm(r, c, d.User)
	if err != nil {
		return false, err
	}
	if v.Name == "" || strings.TrimSpace(r.PostFormValue("confirm_name")) == v.Name {
		return true, nil
	}
	msg := "Type the name of the service account, " + v.Name + ", to delete it."
	if r.PostFormValue("confirm_name") != "" {
		msg = "The name typed is not " + v.Name + ": nothing was deleted."
	}
	v.Err = formError{Input: "confirm_name", Message: msg}
	return false, s.renderConfirm(w, r, c, http.StatusUnprocessableEntity, v)
}

// grantName names a grant for a question: "Viewer (organisation-wide)".
func (s *server) grantName(r *http.Request, c *reqCtx, grants []*signet.Grant, id string) (string, error) {
	ch, err := s.loadChoices(r.Context(), c)
	if err != nil {
		return "", err
	}
	for _, g := range grants {
		if g.ID == id {
			return grantLabel(ch.names(), g), nil
		}
	}
	return "", signet.Errorf(signet.ENOTFOUND, "grant %s not found", id)
}

func (s *server) confirmRemoveUserGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetUser(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	label, err := s.grantName(r, c, d.Grants, r.PathValue("grant"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Remove the role " + label + " from " + d.User.Name + "?",
		Consequence: d.User.Name + " loses the permissions of this role at once, unless a group still grants them.",
		Action:      "/settings/users/" + d.User.ID + "/grants/" + r.PathValue("grant") + "/delete", Button: "Remove role",
		Cancel: "/settings/users/" + d.User.ID})
}

func (s *server) confirmDeleteGroup(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetGroup(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Delete the group “" + d.Group.Name + "”?",
		Consequence: "Its members lose the roles it grants. This cannot be undone.",
		Action:      "/settings/groups/" + d.Group.ID + "/delete", Button: "Delete group", Cancel: "/settings/groups/" + d.Group.ID})
}

func (s *server) confirmRemoveMember(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetGroup(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, m := range d.Members {
		if m.ID == r.PathValue("user") {
			return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
				Heading:     "Remove " + m.Name + " from " + d.Group.Name + "?",
				Consequence: m.Name + " loses the roles the group grants at once.",
				Action:      "/settings/groups/" + d.Group.ID + "/members/" + m.ID + "/delete", Button: "Remove member",
				Cancel: "/settings/groups/" + d.Group.ID})
		}
	}
	return signet.Errorf(signet.ENOTFOUND, "%s is not a member of %s", r.PathValue("user"), d.Group.Name)
}

func (s *server) confirmRemoveGroupGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetGroup(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	label, err := s.grantName(r, c, d.Grants, r.PathValue("grant"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Remove the role " + label + " from " + d.Group.Name + "?",
		Consequence: "Every member of " + d.Group.Name + " loses the permissions of this role at once, unless granted otherwise.",
		Action:      "/settings/groups/" + d.Group.ID + "/grants/" + r.PathValue("grant") + "/delete", Button: "Remove role",
		Cancel: "/settings/groups/" + d.Group.ID})
}

func (s *server) confirmDeleteRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetRole(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Delete the role “" + d.Role.Name + "”?",
		Consequence: "A role still granted cannot be deleted: remove its grants first. This cannot be undone.",
		Action:      "/settings/roles/" + d.Role.ID + "/delete", Button: "Delete role", Cancel: "/settings/roles/" + d.Role.ID})
}

func (s *server) confirmDeleteWorkspace(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	ws, err := s.svc.GetWorkspace(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Delete the workspace “" + ws.Name + "”?",
		Consequence: "Every grant in it is removed: whoever held a role there loses it. This cannot be undone.",
		Action:      "/settings/workspaces/" + ws.ID + "/delete", Button: "Delete workspace", Cancel: "/settings/workspaces"})
}

func (s *server) confirmDeleteWebhook(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	e, err := s.svc.GetWebhookEndpoint(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderConfirm(w, r, c, http.StatusOK, &confirmView{
		Heading:     "Delete the webhook " + e.URL + "?",
		Consequence: "Its delivery log goes with it and pending deliveries are dropped. This cannot be undone.",
		Action:      "/settings/webhooks/" + e.ID + "/delete", Button: "Delete webhook", Cancel: "/settings/webhooks/" + e.ID})
}

func (s *server) confirmEndSession(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	list, err := s.svc.ListSessions(r.Context(), c.actor)
	if err != nil {
		return err
	}
	for _, se := range list {
		if se.ID != r.PathValue("id") {
			continue
		}
		v := &confirmView{Heading: "End this session?", Button: "End session", Cancel: "/settings/account",
			Action:      "/settings/account/sessions/" + se.ID + "/revoke",
			Consequence: "The browser signed in from " + se.IP + " is signed out at once."}
		if se.ID == c.info.Session.ID {
			v.Heading, v.Button, v.Consequence = "Sign out?", "Sign out", "This browser is signed out."
		}
		return s.renderConfirm(w, r, c, http.StatusOK, v)
	}
	return signet.Errorf(signet.ENOTFOUND, "session %s not found", r.PathValue("id"))
}
