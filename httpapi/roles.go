package httpapi

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
	"github.com/signetdev/signet/service"
)

func (s *server) createRole(w http.ResponseWriter, r *http.Request) error {
	var in client.CreateRoleRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	d, err := s.svc.CreateRole(r.Context(), actor(r), service.RoleInput{
		Name: in.Name, Description: in.Description, Base: in.Base, Permissions: in.Permissions,
	})
	return replyCreated(w, d, err, func(d *service.RoleDetail) string { return locationOf("/api/v1/roles/")(d.Role.ID) }, roleJSON)
}

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) error {
	return listPage(w, r, s.svc.ListRoles, roleJSON)
}

func (s *server) getRole(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetRole(r.Context(), actor(r), r.PathValue("id"))
	return reply(w, http.StatusOK, d, err, roleJSON)
}

func (s *server) updateRole(w http.ResponseWriter, r *http.Request) error {
	var in client.RoleUpdate
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	d, err := s.svc.UpdateRole(r.Context(), actor(r), r.PathValue("id"), service.RoleUpdate{
		Name: in.Name, Description: in.Description, Base: in.Base, Permissions: in.Permissions,
	})
	return reply(w, http.StatusOK, d, err, roleJSON)
}

func (s *server) deleteRole(w http.ResponseWriter, r *http.Request) error {
	return replyNoContent(w, s.svc.DeleteRole(r.Context(), actor(r), r.PathValue("id")))
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
	// A domain has no URL of its own: the catalogue lists it.
	return replyCreated(w, d, err, func(*signet.PermissionDomain) string { return "/api/v1/permissions" }, domainJSON)
}
