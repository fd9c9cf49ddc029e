package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// choices are the roles, workspaces and groups forms offer, each loaded
// only when the viewer may read it.
type choices struct {
	Roles      []*service.RoleDetail
	Workspaces []*signet.Workspace
	Groups     []*signet.Group
}

func (s *server) loadChoices(ctx context.Context, c *reqCtx) (choices, error) {
	var ch choices
	var err error
	if c.me.Can("roles:read") {
		if ch.Roles, err = allOf(func(p signet.Page) ([]*service.RoleDetail, string, error) { return s.svc.ListRoles(ctx, c.actor, p) }); err != nil {
			return ch, err
		}
	}
	if ch.Workspaces, err = allOf(func(p signet.Page) ([]*signet.Workspace, string, error) { return s.svc.ListWorkspaces(ctx, c.actor, p) }); err != nil {
		return ch, err
	}
	if c.me.Can("groups:read") {
		if ch.Groups, err = allOf(func(p signet.Page) ([]*signet.Group, string, error) { return s.svc.ListGroups(ctx, c.actor, p) }); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

func (ch choices) names() names {
	n := names{}
	for _, r := range ch.Roles {
		n[r.Role.ID] = r.Role.Name
	}
	for _, w := range ch.Workspaces {
		n[w.ID] = w.Name
	}
	for _, g := range ch.Groups {
		n[g.ID] = g.Name
	}
	return n
}

// allOf collects every page of a service list (bounded, for the small
// lists forms choose from).
func allOf[T any](fetch func(p signet.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := signet.Page{Limit: signet.MaxPageSize}
	for range 50 {
		items, next, err := fetch(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" || len(items) == 0 {
			break
		}
		p.Cursor = next
	}
	return out, nil
}

// userRow is one line of the users table.
type userRow struct {
	User       *signet.User
	Groups     []string
	Roles      []string
	LastActive *time.Time
	Warning    service.NameWarning // shown beside the name
}

// saForm is what the create-service-account dialog holds, kept on error.
type saForm struct {
	Name, Description         string
	Grants                    []grantRow
	GroupIDs                  []string
	KeyName, KeyDesc, Expires string
	KeyNetworks               string
	Err                       formError
}

type grantRow struct{ RoleID, WorkspaceID string }

// humanForm is what the create-user dialog holds, kept on error (never the
// password).
type humanForm struct {
	Name, Email string
	Grants      []grantRow
	GroupIDs    []string
	Err         formError
}

// shownKey is a key just created, shown once in the response to the POST
// that created it.
type shownKey struct {
	Secret string
	Name   string
	Owner  string
	Hint   string
	Done   string // where Done leads
	// RotatedFrom is set when the key replaces another in a rotation,
	// which keeps working until PreviousUntil.
	RotatedFrom   string
	PreviousUntil *time.Time
}

type usersView struct {
	base
	Rows          []userRow
	Query         string
	Kind          string
	Status        string
	List          userListQuery         // filters, sort and page of Rows
	Columns       map[string]sortColumn // the sortable headers, by sort key
	SortOptions   []expiryOption        // the same sorts, for the filter form
	Total         int                   // users the filters select, on every page
	PrevURL       string                // "" on the first page
	NextURL       string                // "" on the last page
	ClearURL      string                // the list without its filters
	Choices       choices
	Open          string // the dialog to open on load: "service_account" or "user"
	SA            saForm
	Human         humanForm
	Key           *shownKey
	ExpiryOptions []expiryOption
}

type expiryOption struct{ Value, Label string }

var expiryOptions = []expiryOption{
	{"", "Never"}, {"168h", "7 days"}, {"720h", "30 days"}, {"2160h", "90 days"}, {"4320h", "180 days"}, {"8760h", "1 year"},
}

func (s *server) usersView(r *http.Request, c *reqCtx) (*usersView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	l := parseUserListQuery(q)
	v := &usersView{base: c.base("Users", "users", r), Query: l.Query, Kind: l.Kind, Status: l.Status,
		List: l, Columns: l.columns(), SortOptions: userSortOptions(), ExpiryOptions: expiryOptions}
	v.Open = q.Get("create")
	// One role row to start with; "Add a role" adds more (app.js), and
	// without JavaScript more roles are added on the edit page.
	v.SA.Grants = make([]grantRow, 1)
	v.Human.Grants = make([]grantRow, 1)
	users, err := allOf(func(p signet.Page) ([]*signet.User, string, error) {
		return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Kind: v.Kind, Status: v.Status, NameContains: v.Query, Page: p})
	})
	if err != nil {
		return nil, err
	}
	unfiltered := l
	unfiltered.Query, unfiltered.Kind, unfiltered.Status, unfiltered.Page = "", "", "", 1
	v.ClearURL = unfiltered.URL()
	ch, err := s.loadChoices(ctx, c)
	if err != nil {
		return nil, err
	}
	v.Choices = ch
	n := ch.names()
	// Memberships and grants, read the same way the Groups and Roles
	// pages read them, when the viewer may.
	groupsOf := map[string][]string{}
	for _, g := range ch.Groups {
		d, err := s.svc.GetGroup(ctx, c.actor, g.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range d.Members {
			groupsOf[m.ID] = append(groupsOf[m.ID], g.Name)
		}
	}
	rolesOf := map[string][]string{}
	if c.me.Can("grants:read") {
		grants, err := allOf(func(p signet.Page) ([]*signet.Grant, string, error) {
			return s.svc.ListGrants(ctx, c.actor, signet.GrantFilter{SubjectType: signet.SubjectUser, Page: p})
		})
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			rolesOf[g.SubjectID] = append(rolesOf[g.SubjectID], grantLabel(n, g))
		}
	}
	// A service account is active when its keys are used.
	lastUsed := map[string]*time.Time{}
	if c.me.Can("service_accounts:read") || c.me.Can("api_keys:read") {
		keys, err := allOf(func(p signet.Page) ([]*signet.APIKey, string, error) {
			return s.svc.ListAPIKeys(ctx, c.actor, signet.APIKeyFilter{Kind: signet.KeyKindServiceAccount, Page: p})
		})
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.LastUsedAt != nil && (lastUsed[k.OwnerID] == nil || k.LastUsedAt.After(*lastUsed[k.OwnerID])) {
				lastUsed[k.OwnerID] = k.LastUsedAt
			}
		}
	}
	rows := make([]userRow, 0, len(users))
	for _, u := range users {
		row := userRow{User: u, LastActive: u.LastActiveAt}
		if t := lastUsed[u.ID]; t != nil && (row.LastActive == nil || t.After(*row.LastActive)) {
			row.LastActive = t
		}
		rows = append(rows, row)
	}
	sortUserRows(rows, l)
	v.Total = len(rows)
	start := min((l.Page-1)*usersPageSize, len(rows))
	end := min(start+usersPageSize, len(rows))
	rows = rows[start:end]
	if l.Page > 1 {
		prev := l
		prev.Page = min(l.Page-1, max(1, (v.Total+usersPageSize-1)/usersPageSize))
		v.PrevURL = prev.URL()
	}
	if end < v.Total {
		next := l
		next.Page = l.Page + 1
		v.NextURL = next.URL()
	}
	shown := make([]*signet.User, len(rows))
	for i, row := range rows {
		shown[i] = row.User
	}
	warnings, err := s.svc.NameWarnings(ctx, c.actor, shown)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		id := rows[i].User.ID
		rows[i].Groups, rows[i].Roles, rows[i].Warning = groupsOf[id], rolesOf[id], warnings[id]
	}
	v.Rows = rows
	return v, nil
}

func grantLabel(n names, g *signet.Grant) string {
	where := "organisation-wide"
	if g.WorkspaceID != "" {
		where = n.of(g.WorkspaceID)
	}
	return n.of(g.RoleID) + " (" + where + ")"
}

func (s *server) usersPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.usersView(r, c)
	return s.renderView(w, r, "users.html", v, err)
}

// formGrants reads role/workspace pairs from a form's grant_role and
// grant_ws fields; rows without a role are ignored.
func formGrants(r *http.Request) ([]grantRow, []service.GrantSpec) {
	roles, wss := r.PostForm["grant_role"], r.PostForm["grant_ws"]
	var rows []grantRow
	var specs []service.GrantSpec
	for i, role := range roles {
		ws := ""
		if i < len(wss) {
			ws = wss[i]
		}
		rows = append(rows, grantRow{RoleID: role, WorkspaceID: ws})
		if role != "" {
			specs = append(specs, service.GrantSpec{RoleID: role, WorkspaceID: ws})
		}
	}
	for len(rows) < 1 {
		rows = append(rows, grantRow{})
	}
	return rows, specs
}

// keyInput reads the key fields of a form.
func keyInput(name, desc, expires string) (service.CreateKeyInput, error) {
	in := service.CreateKeyInput{Name: name, Description: desc}
	if expires != "" {
		d, err := signet.ParseDuration(expires)
		if err != nil || d <= 0 {
			return in, signet.FieldErrorf("expires_in", signet.EINVALID, "choose an expiry from the list")
		}
		in.ExpiresIn = d
	}
	return in, nil
}

func (s *server) createServiceAccount(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := saForm{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		KeyName: r.PostFormValue("key_name"), KeyDesc: r.PostFormValue("key_description"), Expires: r.PostFormValue("key_expires"),
		KeyNetworks: r.PostFormValue("key_allowed_networks"), GroupIDs: r.PostForm["group"]}
	var specs []service.GrantSpec
	f.Grants, specs = formGrants(r)
	in := service.CreateServiceAccountInput{Name: f.Name, Description: f.Description, Grants: specs, GroupIDs: f.GroupIDs}
	var err error
	if strings.TrimSpace(f.KeyName) != "" || f.KeyDesc != "" || strings.TrimSpace(f.KeyNetworks) != "" {
		var k service.CreateKeyInput
		if k, err = keyInput(f.KeyName, f.KeyDesc, f.Expires); err == nil {
			k.AllowedNetworks = formNetworks(f.KeyNetworks)
			in.Key = &k
		}
	}
	var out *service.CreatedServiceAccount
	if err == nil {
		out, err = s.svc.CreateServiceAccount(r.Context(), c.actor, in)
	}
	r.URL.RawQuery = ""
	v, verr := s.usersView(r, c)
	if verr != nil {
		return verr
	}
	if err != nil && !c.me.Can("service_accounts:write") {
		return err // no dialog to show it in
	}
	if err != nil {
		f.Err = s.formError(r, err, saInputs)
		v.SA, v.Open = f, "service_account"
		s.render(w, r, statusFor(err), "users.html", v)
		return nil
	}
	v.Notice = "Service account " + out.User.Name + " created."
	if out.Key != nil {
		v.Key = &shownKey{Secret: out.Key.Secret, Name: out.Key.Key.Name, Owner: out.User.Name, Hint: out.Key.Key.Hint, Done: "/settings/users"}
	}
	s.render(w, r, http.StatusCreated, "users.html", v)
	return nil
}

func (s *server) createHuman(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	f := humanForm{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), GroupIDs: r.PostForm["group"]}
	var specs []service.GrantSpec
	f.Grants, specs = formGrants(r)
	_, err := s.svc.CreateHuman(r.Context(), c.actor, service.CreateHumanInput{
		Name: f.Name, Email: f.Email, Password: r.PostFormValue("password"), Grants: specs, GroupIDs: f.GroupIDs})
	if err != nil && !c.me.Can("users:write") {
		return err // no dialog to show it in
	}
	if err != nil {
		r.URL.RawQuery = ""
		v, verr := s.usersView(r, c)
		if verr != nil {
			return verr
		}
		f.Err = s.formError(r, err, humanInputs)
		v.Human, v.Open = f, "user"
		s.render(w, r, statusFor(err), "users.html", v)
		return nil
	}
	redirect(w, r, "/settings/users", "created")
	return nil
}

// editView is the data of the edit page of a user or service account.
type editView struct {
	base
	Detail        *service.UserDetail
	NameWarning   service.NameWarning
	IsSA          bool
	Self          bool
	CanWrite      bool // may change the user's details, status
	CanCreateKey  bool
	CanRevokeKeys bool
	Grants        []grantView
	Keys          []keyView
	MemberOf      map[string]bool
	Choices       choices
	Key           *shownKey
	Open          string // dialog to open on load
	KeyForm       keyForm
	ExpiryOptions []expiryOption
	Forms         map[string]string // form name -> error shown beside it
	// Owners are the choices of a service account's owner; Labels its
	// labels as the text area shows them.
	Owners []ownerChoice
	Labels string
	// Usage charts the verifications of all the user's keys over the last
	// 30 days, and KeyCharts each key's when there are several (nil: no
	// keys).
	Usage     *chart
	KeyCharts []keyChart
	// Err is the error of the form that failed when it concerns one of
	// its inputs (else it is in Forms); Details is what the details form
	// holds: the user's, or what was typed when saving failed.
	Err     formError
	Details detailsForm
	// DeleteConfirm is the question the Delete button asks (confirm.go).
	DeleteConfirm *confirmView
	// ClientKeys are a service account's public keys (audiences.go), when
	// the viewer may read them; ClientKeyForm is the add dialog's.
	ClientKeys         []clientKeyView
	CanReadClientKeys  bool
	CanWriteClientKeys bool
	ClientKeyForm      clientKeyForm
}

type detailsForm struct{ Name, Email, Description string }

// editInputs maps each form of the edit page to its inputs.
var editInputs = map[string]inputs{
	"details":  {"name": "name", "email": "email", "description": "description"},
	"password": {"password": "new_password", "confirm_password": "confirm_password"},
	"labels":   {"labels": "labels", "owner_type": "owner", "owner_id": "owner"},
}

type grantView struct {
	ID    string
	Label string
}

type keyForm struct {
	Name, Description, Expires, Networks string
	Err                                  formError
}

func (s *server) editView(r *http.Request, c *reqCtx, id string) (*editView, error) {
	ctx := r.Context()
	d, err := s.svc.GetUser(ctx, c.actor, id)
	if err != nil {
		return nil, err
	}
	ch, err := s.loadChoices(ctx, c)
	if err != nil {
		return nil, err
	}
	title := d.User.Name
	v := &editView{base: c.base("Edit "+title, "users", r), Detail: d, IsSA: d.User.IsServiceAccount(), Self: d.User.ID == c.me.User.ID,
		Choices: ch, MemberOf: map[string]bool{}, ExpiryOptions: expiryOptions, Forms: map[string]string{}, Open: r.URL.Query().Get("dialog"),
		Details: detailsForm{Name: d.User.Name, Email: d.User.Email, Description: d.User.Description}}
	if v.IsSA {
		v.CanWrite = c.me.Can("service_accounts:write")
		v.CanCreateKey = c.me.Can("api_keys:write") || v.CanWrite
		v.CanRevokeKeys = v.CanCreateKey
	} else {
		v.CanWrite = c.me.Can("users:write")
		v.CanCreateKey = v.Self
		v.CanRevokeKeys = v.Self || c.me.Can("api_keys:write")
	}
	v.CanCreateKey = v.CanCreateKey && d.User.Status == signet.StatusActive
	if v.IsSA && v.CanWrite {
		v.Labels = labelLines(d.User.Labels)
		if v.Owners, err = s.ownerChoices(ctx, c, ch.Groups, d.User); err != nil {
			return nil, err
		}
	}
	if v.CanWrite && !v.Self {
		if v.DeleteConfirm, err = s.deleteUserConfirm(r, c, d.User); err != nil {
			return nil, err
		}
	}
	warnings, err := s.svc.NameWarnings(ctx, c.actor, []*signet.User{d.User})
	if err != nil {
		return nil, err
	}
	v.NameWarning = warnings[d.User.ID]
	n := ch.names()
	for _, g := range d.Groups {
		v.MemberOf[g.ID] = true
		n[g.ID] = g.Name
	}
	for _, g := range d.Grants {
		v.Grants = append(v.Grants, grantView{ID: g.ID, Label: grantLabel(n, g)})
	}
	keys, _, err := s.svc.ListAPIKeys(ctx, c.actor, signet.APIKeyFilter{OwnerID: d.User.ID, Page: signet.Page{Limit: signet.MaxPageSize}})
	if err != nil && signet.ErrorCode(err) != signet.EFORBIDDEN {
		return nil, err
	}
	users, err := s.userNames(ctx, c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, k := range keys {
		v.Keys = append(v.Keys, newKeyView(k, users, now))
	}
	if err := s.clientKeys(r, c, v, users); err != nil {
		return nil, err
	}
	if len(v.Keys) > 0 {
		activity, err := s.keyUsage(ctx, c, now, v.Keys)
		if err != nil {
			return nil, err
		}
		v.Usage = usageTotal(now, activity)
		if len(v.Keys) > 1 {
			for _, k := range v.Keys {
				v.KeyCharts = append(v.KeyCharts, keyChart{Key: k.Key, Chart: newChart(dailyUsage(now, activity[k.Key.ID]), chartW, chartH)})
			}
		}
	}
	return v, nil
}

// userNames maps user ids to names for "created by" and "owner" columns,
// as far as the viewer may list users.
func (s *server) userNames(ctx context.Context, c *reqCtx) (names, error) {
	n := names{c.me.User.ID: c.me.User.Name}
	if !c.me.Can("users:read") && !c.me.Can("service_accounts:read") {
		return n, nil
	}
	users, err := allOf(func(p signet.Page) ([]*signet.User, string, error) {
		return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Page: p})
	})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		n[u.ID] = u.Name
	}
	return n, nil
}

func (s *server) editUserPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.editView(r, c, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "edit_user.html", v)
	return nil
}

// editFailed re-renders the edit page with err beside the named form (or
// the input it concerns), and what was typed in it.
func (s *server) editFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, form string, err error) error {
	v, verr := s.editView(r, c, r.PathValue("id"))
	if verr != nil {
		return err // the user may be gone; the original error says more
	}
	if fe := s.formError(r, err, editInputs[form]); fe.Input != "" {
		v.Err = fe
	} else {
		v.Forms[form] = fe.Message
	}
	switch form {
	case "details":
		v.Details.Name, v.Details.Description = r.PostFormValue("name"), r.PostFormValue("description")
		if _, ok := r.PostForm["email"]; ok {
			v.Details.Email = r.PostFormValue("email")
		}
	case "labels":
		v.Labels = r.PostFormValue("labels")
	}
	s.render(w, r, statusFor(err), "edit_user.html", v)
	return nil
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	up := service.UserUpdate{}
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	up.Name, up.Description = &name, &desc
	if _, ok := r.PostForm["email"]; ok {
		email := r.PostFormValue("email")
		up.Email = &email
	}
	if _, err := s.svc.UpdateUser(r.Context(), c.actor, id, up); err != nil {
		return s.editFailed(w, r, c, "details", err)
	}
	redirect(w, r, "/settings/users/"+id, "saved")
	return nil
}

// setUserPassword sets another human's password (an administrator's
// reset); the service requires users:write and covering the user, and
// ends the user's sessions. One's own password is changed on the account
// page, with the current one.
func (s *server) setUserPassword(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	pw := r.PostFormValue("new_password")
	if pw != r.PostFormValue("confirm_password") {
		return s.editFailed(w, r, c, "password", signet.FieldErrorf("confirm_password", signet.EINVALID, "the new password and its confirmation differ; type the same password twice"))
	}
	if _, err := s.svc.UpdateUser(r.Context(), c.actor, id, service.UserUpdate{Password: &pw}); err != nil {
		return s.editFailed(w, r, c, "password", err)
	}
	redirect(w, r, "/settings/users/"+id, "password_set")
	return nil
}

func (s *server) setUserGroups(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if _, err := s.svc.SetUserGroups(r.Context(), c.actor, id, r.PostForm["group"]); err != nil {
		return s.editFailed(w, r, c, "groups", err)
	}
	redirect(w, r, "/settings/users/"+id, "saved")
	return nil
}

func (s *server) addUserGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	_, err := s.svc.CreateGrant(r.Context(), c.actor, service.GrantInput{SubjectType: signet.SubjectUser, SubjectID: id,
		RoleID: r.PostFormValue("role"), WorkspaceID: r.PostFormValue("workspace")})
	if err != nil {
		return s.editFailed(w, r, c, "grants", err)
	}
	redirect(w, r, "/settings/users/"+id, "added")
	return nil
}

func (s *server) deleteUserGrant(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.DeleteGrant(r.Context(), c.actor, r.PathValue("grant")); err != nil {
		return s.editFailed(w, r, c, "grants", err)
	}
	redirect(w, r, "/settings/users/"+id, "removed")
	return nil
}

func (s *server) createUserKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	f := keyForm{Name: r.PostFormValue("key_name"), Description: r.PostFormValue("key_description"), Expires: r.PostFormValue("key_expires"),
		Networks: r.PostFormValue("key_allowed_networks")}
	in, err := keyInput(f.Name, f.Description, f.Expires)
	in.AllowedNetworks = formNetworks(f.Networks)
	var out *service.CreatedKey
	if err == nil {
		out, err = s.svc.CreateAPIKey(r.Context(), c.actor, id, in)
	}
	r.URL.RawQuery = ""
	v, verr := s.editView(r, c, id)
	if verr != nil {
		return verr
	}
	if err != nil && !v.CanCreateKey {
		return err // no dialog to show it in
	}
	if err != nil {
		f.Err = s.formError(r, err, keyInputs)
		v.KeyForm, v.Open = f, "create-key"
		s.render(w, r, statusFor(err), "edit_user.html", v)
		return nil
	}
	v.Key = &shownKey{Secret: out.Secret, Name: out.Key.Name, Owner: v.Detail.User.Name, Hint: out.Key.Hint, Done: "/settings/users/" + id}
	s.render(w, r, http.StatusCreated, "edit_user.html", v)
	return nil
}

func (s *server) setUserStatus(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	status := r.PostFormValue("status")
	if _, err := s.svc.SetUserStatus(r.Context(), c.actor, id, status); err != nil {
		return s.editFailed(w, r, c, "status", err)
	}
	notice := "enabled"
	if status == signet.StatusDisabled {
		notice = "disabled"
	}
	redirect(w, r, "/settings/users/"+id, notice)
	return nil
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	// A service account with active keys is deleted only with its name
	// typed (confirm.go).
	if ok, err := s.checkTypedName(w, r, c, r.PathValue("id")); !ok {
		return err
	}
	if err := s.svc.DeleteUser(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return s.editFailed(w, r, c, "status", err)
	}
	redirect(w, r, "/settings/users", "deleted")
	return nil
}

// keyView is one key in a table.
type keyView struct {
	Key       *signet.APIKey
	Owner     string
	CreatedBy string
	Status    string
	// Marks and Usage are set by keyUsage on the pages that show them
	// (Usage nil: no sparkline).
	Marks keyMarks
	Usage *chart
}

func newKeyView(k *signet.APIKey, n names, now time.Time) keyView {
	by := n.of(k.CreatedBy)
	if k.CreatedBy == "" {
		by = "signet"
	}
	return keyView{Key: k, Owner: n.of(k.OwnerID), CreatedBy: by, Status: k.Status(now)}
}

// sortKeys orders keys newest first.
func sortKeys(ks []keyView) {
	slices.SortFunc(ks, func(a, b keyView) int { return b.Key.CreatedAt.Compare(a.Key.CreatedAt) })
}
