package httpapi

import (
	"net/http"
	"strings"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/internal/id"
	"github.com/signetdev/signet/service"
)

// --- health ---

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, client.Status{Status: "ok"})
	return nil
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			return &signet.Error{Code: signet.EUNAVAILABLE, Message: "not ready", Op: "readyz", Err: err}
		}
	}
	writeJSON(w, http.StatusOK, client.Status{Status: "ok"})
	return nil
}

// --- setup ---

func (s *server) setup(w http.ResponseWriter, r *http.Request) error {
	var in client.SetupRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.CompleteSetup(r.Context(), in.Token, service.CreateHumanInput{Name: in.Name, Email: in.Email, Password: in.Password})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userJSON(u))
	return nil
}

// login exchanges an email and password for an expiring personal key
// (signet login). Like the setup route it needs no credential: the
// password is the credential, throttled like every password.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var in client.LoginRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	var ttl time.Duration
	if in.ExpiresIn != "" {
		d, err := time.ParseDuration(in.ExpiresIn)
		if err != nil {
			return badRequest("field \"expires_in\" must be a duration such as \"720h\"")
		}
		if d <= 0 {
			return signet.Errorf(signet.EINVALID, "field \"expires_in\" must be a positive duration")
		}
		ttl = d
	}
	created, err := s.svc.LoginKey(r.Context(), service.LoginKeyInput{Login: in.Email, Password: in.Password,
		DeviceID: in.DeviceID, KeyName: in.KeyName, ExpiresIn: ttl})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdKeyJSON(created, s.now()))
	return nil
}

// --- me and personal keys ---

func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	m, err := s.svc.Me(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meJSON(m))
	return nil
}

func (s *server) listPersonalKeys(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	return s.writeKeys(w, r, signet.APIKeyFilter{OwnerID: a.UserID, Page: pg})
}

func (s *server) createPersonalKey(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	return s.createKey(w, r, a.UserID)
}

func (s *server) revokePersonalKey(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	var in client.RevokeAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	k, err := s.svc.GetAPIKey(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if k.OwnerID != a.UserID {
		return signet.Errorf(signet.ENOTFOUND, "API key %q not found among yours", k.ID)
	}
	k, err = s.svc.RevokeAPIKey(r.Context(), a, k.ID, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keyJSON(k, s.now()))
	return nil
}

// verifyKey is Bigeye's key check: 204 when the request carries a valid
// API key (the route's authentication already refused anything else).
func (s *server) verifyKey(w http.ResponseWriter, r *http.Request) error {
	if actor(r).KeyID == "" {
		return signet.Errorf(signet.EUNAUTHENTICATED, "this endpoint verifies API keys; the request used another kind of credential")
	}
	noContent(w)
	return nil
}

// --- service accounts ---

// serviceAccountID returns the {id} of a service-account route. An id that
// cannot be a service account's is answered 404 here, so that a human's id
// does not reach a service-account operation.
func serviceAccountID(r *http.Request) (string, error) {
	v := r.PathValue("id")
	if !strings.HasPrefix(v, id.ServiceAccount) {
		return "", signet.Errorf(signet.ENOTFOUND, "service account %q not found", v)
	}
	return v, nil
}

func (s *server) createServiceAccount(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateServiceAccountRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	svcIn := service.CreateServiceAccountInput{
		Name:        in.Name,
		Description: in.Description,
		Grants:      grantSpecs(in.Grants),
		GroupIDs:    in.GroupIDs,
	}
	if in.APIKey != nil {
		k, err := keyInput(in.APIKey, "api_key.expires_in")
		if err != nil {
			return err
		}
		svcIn.Key = &k
	}
	res, err := s.svc.CreateServiceAccount(r.Context(), actor(r), svcIn)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, client.CreateServiceAccountResponse{
		ServiceAccount: userJSON(res.User),
		APIKey:         createdKeyJSON(res.Key, s.now()),
	})
	return nil
}

func (s *server) listServiceAccounts(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, signet.KindServiceAccount)
	if err != nil {
		return err
	}
	return s.writeUsers(w, r, f)
}

func (s *server) getServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	d, err := s.svc.GetUser(r.Context(), actor(r), saID)
	if err != nil {
		return err
	}
	if !d.User.IsServiceAccount() {
		return signet.Errorf(signet.ENOTFOUND, "service account %q not found", saID)
	}
	writeJSON(w, http.StatusOK, userDetailJSON(d))
	return nil
}

func (s *server) updateServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.update(w, r, saID)
}

func (s *server) deleteServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteUser(r.Context(), actor(r), saID); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *server) disableServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.setStatus(w, r, saID, signet.StatusDisabled)
}

func (s *server) enableServiceAccount(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.setStatus(w, r, saID, signet.StatusActive)
}

func (s *server) setServiceAccountGroups(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	var in client.SetGroupsRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	if in.GroupIDs == nil {
		return signet.Errorf(signet.EINVALID, "field \"group_ids\" is required (an empty list removes every membership)")
	}
	d, err := s.svc.SetUserGroups(r.Context(), actor(r), saID, in.GroupIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDetailJSON(d))
	return nil
}

func (s *server) listServiceAccountKeys(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	// Look the account up first so that an unknown id is a 404, not an
	// empty list.
	d, err := s.svc.GetUser(r.Context(), actor(r), saID)
	if err != nil {
		return err
	}
	if !d.User.IsServiceAccount() {
		return signet.Errorf(signet.ENOTFOUND, "service account %q not found", saID)
	}
	return s.writeKeys(w, r, signet.APIKeyFilter{OwnerID: saID, Kind: signet.KeyKindServiceAccount, Page: pg})
}

func (s *server) createServiceAccountKey(w http.ResponseWriter, r *http.Request) error {
	saID, err := serviceAccountID(r)
	if err != nil {
		return err
	}
	return s.createKey(w, r, saID)
}

// --- API keys ---

func (s *server) createKey(w http.ResponseWriter, r *http.Request, ownerID string) error {
	var in client.CreateAPIKeyRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, err := keyInput(&in, "expires_in")
	if err != nil {
		return err
	}
	created, err := s.svc.CreateAPIKey(r.Context(), actor(r), ownerID, k)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdKeyJSON(created, s.now()))
	return nil
}

func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.APIKeyFilter{OwnerID: q.Get("owner_id"), NameContains: q.Get("name"), Page: pg}
	if f.Status, err = oneOf(q, "status", signet.KeyStatusActive, signet.KeyStatusRevoked, signet.KeyStatusExpired); err != nil {
		return err
	}
	if f.Kind, err = oneOf(q, "kind", signet.KeyKindServiceAccount, signet.KeyKindPersonal); err != nil {
		return err
	}
	if f.Kind == "" {
		f.Kind = signet.KeyKindServiceAccount
	}
	return s.writeKeys(w, r, f)
}

func (s *server) writeKeys(w http.ResponseWriter, r *http.Request, f signet.APIKeyFilter) error {
	now := s.now()
	f.Now = now
	keys, next, err := s.svc.ListAPIKeys(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(keys, next, func(k *signet.APIKey) client.APIKey { return keyJSON(k, now) }))
	return nil
}

func (s *server) getAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.svc.GetAPIKey(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keyJSON(k, s.now()))
	return nil
}

func (s *server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in client.RevokeAPIKeyRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	k, err := s.svc.RevokeAPIKey(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keyJSON(k, s.now()))
	return nil
}

// --- users ---

// userFilter reads the filters of a user list; kind is fixed by the
// service-account route and read from ?kind= on the users route.
func userFilter(r *http.Request, kind string) (signet.UserFilter, error) {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return signet.UserFilter{}, err
	}
	f := signet.UserFilter{Kind: kind, NameContains: q.Get("name"), Page: pg}
	if f.Status, err = oneOf(q, "status", signet.StatusActive, signet.StatusDisabled); err != nil {
		return f, err
	}
	if kind == "" {
		k, err := oneOf(q, "kind", signet.KindHuman, signet.KindServiceAccount, "all")
		if err != nil {
			return f, err
		}
		switch k {
		case "":
			f.Kind = signet.KindHuman
		case "all":
			f.Kind = ""
		default:
			f.Kind = k
		}
	}
	return f, nil
}

func (s *server) writeUsers(w http.ResponseWriter, r *http.Request, f signet.UserFilter) error {
	users, next, err := s.svc.ListUsers(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(users, next, userJSON))
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateUserRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.CreateHuman(r.Context(), actor(r), service.CreateHumanInput{
		Name: in.Name, Email: in.Email, Password: in.Password,
		Grants: grantSpecs(in.Grants), GroupIDs: in.GroupIDs,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userJSON(u))
	return nil
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, "")
	if err != nil {
		return err
	}
	return s.writeUsers(w, r, f)
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetUser(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDetailJSON(d))
	return nil
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, r.PathValue("id"))
}

func (s *server) update(w http.ResponseWriter, r *http.Request, userID string) error {
	var in client.UserUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	u, err := s.svc.UpdateUser(r.Context(), actor(r), userID, service.UserUpdate{
		Name: in.Name, Email: in.Email, Description: in.Description, Password: in.Password,
		CurrentPassword: in.CurrentPassword,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON(u))
	return nil
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteUser(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *server) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, r.PathValue("id"), signet.StatusDisabled)
}

func (s *server) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, r.PathValue("id"), signet.StatusActive)
}

func (s *server) setStatus(w http.ResponseWriter, r *http.Request, userID, status string) error {
	u, err := s.svc.SetUserStatus(r.Context(), actor(r), userID, status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON(u))
	return nil
}

// --- groups ---

func (s *server) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateGroupRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.CreateGroup(r.Context(), actor(r), service.GroupInput{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, groupJSON(g))
	return nil
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	gs, next, err := s.svc.ListGroups(r.Context(), actor(r), pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(gs, next, groupJSON))
	return nil
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetGroup(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupDetailJSON(d))
	return nil
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	var in client.GroupUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.UpdateGroup(r.Context(), actor(r), r.PathValue("id"), service.GroupUpdate{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupJSON(g))
	return nil
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteGroup(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *server) addGroupMember(w http.ResponseWriter, r *http.Request) error {
	var in client.AddGroupMemberRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	if in.UserID == "" {
		return signet.Errorf(signet.EINVALID, "field \"user_id\" is required")
	}
	groupID := r.PathValue("id")
	if err := s.svc.AddGroupMember(r.Context(), actor(r), groupID, in.UserID); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, client.GroupMember{GroupID: groupID, UserID: in.UserID})
	return nil
}

func (s *server) removeGroupMember(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RemoveGroupMember(r.Context(), actor(r), r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// --- roles and permissions ---

func (s *server) createRole(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateRoleRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	d, err := s.svc.CreateRole(r.Context(), actor(r), service.RoleInput{
		Name: in.Name, Description: in.Description, Base: in.Base, Permissions: in.Permissions,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, roleJSON(d))
	return nil
}

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	rs, next, err := s.svc.ListRoles(r.Context(), actor(r), pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(rs, next, roleJSON))
	return nil
}

func (s *server) getRole(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetRole(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, roleJSON(d))
	return nil
}

func (s *server) updateRole(w http.ResponseWriter, r *http.Request) error {
	var in client.RoleUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	d, err := s.svc.UpdateRole(r.Context(), actor(r), r.PathValue("id"), service.RoleUpdate{
		Name: in.Name, Description: in.Description, Base: in.Base, Permissions: in.Permissions,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, roleJSON(d))
	return nil
}

func (s *server) deleteRole(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteRole(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *server) listPermissions(w http.ResponseWriter, r *http.Request) error {
	cat, domains, err := s.svc.ListPermissions(r.Context(), actor(r))
	if err != nil {
		return err
	}
	bases := map[string][]string{}
	for _, b := range []string{signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage} {
		bases[b] = nonNil(cat.BasePermissions(b))
	}
	writeJSON(w, http.StatusOK, client.Permissions{
		Permissions: nonNil(cat.Permissions()),
		Domains:     mapSlice(domains, domainJSON),
		Bases:       bases,
	})
	return nil
}

func (s *server) registerPermissionDomain(w http.ResponseWriter, r *http.Request) error {
	var in client.RegisterPermissionDomainRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	d, err := s.svc.RegisterPermissionDomain(r.Context(), actor(r), in.Name, in.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, domainJSON(d))
	return nil
}

// --- grants ---

func (s *server) createGrant(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateGrantRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := s.svc.CreateGrant(r.Context(), actor(r), service.GrantInput{
		SubjectType: in.SubjectType, SubjectID: in.SubjectID, RoleID: in.RoleID, WorkspaceID: in.WorkspaceID,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, grantJSON(g))
	return nil
}

func (s *server) listGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.GrantFilter{SubjectID: q.Get("subject_id"), RoleID: q.Get("role_id"), Page: pg}
	if f.SubjectType, err = oneOf(q, "subject_type", signet.SubjectGroup, signet.SubjectUser); err != nil {
		return err
	}
	if f.WorkspaceID, err = workspaceID(r); err != nil {
		return err
	}
	gs, next, err := s.svc.ListGrants(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(gs, next, grantJSON))
	return nil
}

func (s *server) deleteGrant(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteGrant(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// --- workspaces ---

func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateWorkspaceRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	ws, err := s.svc.CreateWorkspace(r.Context(), actor(r), service.WorkspaceInput{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, workspaceJSON(ws))
	return nil
}

func (s *server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r.URL.Query())
	if err != nil {
		return err
	}
	wss, next, err := s.svc.ListWorkspaces(r.Context(), actor(r), pg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(wss, next, workspaceJSON))
	return nil
}

func (s *server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.svc.GetWorkspace(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workspaceJSON(ws))
	return nil
}

func (s *server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in client.WorkspaceUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	ws, err := s.svc.UpdateWorkspace(r.Context(), actor(r), r.PathValue("id"), service.WorkspaceUpdate{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workspaceJSON(ws))
	return nil
}

func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteWorkspace(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// --- audit ---

func (s *server) listAuditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := page(q)
	if err != nil {
		return err
	}
	f := signet.AuditFilter{
		ActorID: q.Get("actor_id"), KeyID: q.Get("key_id"), Action: q.Get("action"),
		TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Query: q.Get("q"), Page: pg,
	}
	if f.Outcome, err = oneOf(q, "outcome", signet.OutcomeSuccess, signet.OutcomeDenied, signet.OutcomeError); err != nil {
		return err
	}
	if f.WorkspaceID, err = workspaceID(r); err != nil {
		return err
	}
	if f.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	evs, next, err := s.svc.ListAuditEvents(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageJSON(evs, next, auditEventJSON))
	return nil
}

func (s *server) getAuditEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.svc.GetAuditEvent(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, auditEventJSON(e))
	return nil
}
