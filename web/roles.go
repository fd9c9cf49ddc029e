package web

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

type rolesView struct {
	base
	Roles []*service.RoleDetail
}

func (s *server) rolesPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	roles, err := allOf(func(p signet.Page) ([]*service.RoleDetail, string, error) {
		return s.svc.ListRoles(r.Context(), c.actor, p)
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "roles.html", rolesView{base: c.base("Roles", "roles", r), Roles: roles})
	return nil
}

type roleView struct {
	base
	New         bool
	ID          string
	BuiltIn     bool
	Name        string
	Description string
	Base        string
	Permissions []string
	Effective   []string
	Catalogue   []string
	Bases       []string
	Err         formError // beside its input, when it has one
}

var roleBases = []string{signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage}

func (s *server) roleForm(r *http.Request, c *reqCtx, v *roleView) error {
	cat, _, err := s.svc.ListPermissions(r.Context(), c.actor)
	if err != nil {
		return err
	}
	v.Catalogue, v.Bases = cat.Permissions(), roleBases
	return nil
}

func (s *server) newRolePage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v := &roleView{base: c.base("New role", "roles", r), New: true, Base: signet.BaseView}
	if err := s.roleForm(r, c, v); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "role.html", v)
	return nil
}

func (s *server) rolePage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	d, err := s.svc.GetRole(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &roleView{base: c.base("Role "+d.Role.Name, "roles", r), ID: d.Role.ID, BuiltIn: d.Role.BuiltIn, Name: d.Role.Name,
		Description: d.Role.Description, Base: d.Role.Base, Permissions: d.Role.Permissions, Effective: d.Effective}
	if err := s.roleForm(r, c, v); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "role.html", v)
	return nil
}

func (s *server) roleFailed(w http.ResponseWriter, r *http.Request, c *reqCtx, v *roleView, err error) error {
	if ferr := s.roleForm(r, c, v); ferr != nil {
		return err
	}
	v.Err = s.formError(r, err, nameInputs)
	v.Error = v.Err.General()
	s.render(w, r, statusFor(err), "role.html", v)
	return nil
}

func (s *server) createRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	in := service.RoleInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Base: r.PostFormValue("base"), Permissions: r.PostForm["permission"]}
	d, err := s.svc.CreateRole(r.Context(), c.actor, in)
	if err != nil {
		return s.roleFailed(w, r, c, &roleView{base: c.base("New role", "roles", r), New: true, Name: in.Name,
			Description: in.Description, Base: in.Base, Permissions: in.Permissions}, err)
	}
	redirect(w, r, "/settings/roles/"+d.Role.ID, "created")
	return nil
}

func (s *server) updateRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	name, desc, base := r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("base")
	perms := r.PostForm["permission"]
	if perms == nil {
		perms = []string{}
	}
	_, err := s.svc.UpdateRole(r.Context(), c.actor, id, service.RoleUpdate{Name: &name, Description: &desc, Base: &base, Permissions: &perms})
	if err != nil {
		return s.roleFailed(w, r, c, &roleView{base: c.base("Role "+name, "roles", r), ID: id, Name: name,
			Description: desc, Base: base, Permissions: perms}, err)
	}
	redirect(w, r, "/settings/roles/"+id, "saved")
	return nil
}

func (s *server) deleteRole(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.DeleteRole(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/settings/roles", "deleted")
	return nil
}
