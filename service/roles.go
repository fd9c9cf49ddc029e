package service

import (
	"context"
	"regexp"
	"slices"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/id"
)

// CreateRole creates a custom role: a base plus extra permissions, each in
// the catalogue. Needs roles:write, and the role's expanded permissions
// must be covered by the actor's organisation-wide ones (no escalation).
// Returns EINVALID, ECONFLICT for a duplicate name, EFORBIDDEN.
func (s *Service) CreateRole(ctx context.Context, a *signet.Actor, in RoleInput) (*RoleDetail, error) {
	var out *RoleDetail
	err := s.mutate(ctx, a, "role.create", func(o *op) error {
		if err := o.authorise("roles:write", ""); err != nil {
			return err
		}
		name, err := validateName("role", in.Name)
		if err != nil {
			return err
		}
		desc, err := validateDescription(in.Description)
		if err != nil {
			return err
		}
		r := &signet.Role{ID: id.New(id.Role), Name: name, Description: desc, Base: in.Base, CreatedAt: o.now, UpdatedAt: o.now}
		o.target("role", r.ID, r.Name)
		if r.Permissions, err = o.validateRolePermissions(in.Base, in.Permissions); err != nil {
			return err
		}
		if err := o.checkRoleNoEscalation(r); err != nil {
			return err
		}
		if err := o.tx.CreateRole(ctx, r); err != nil {
			return withField("name", conflict(err, "a role named %q already exists", name))
		}
		o.detail("base", r.Base)
		o.detail("permissions", r.Permissions)
		out = o.roleDetail(r)
		return nil
	})
	return out, err
}

// validateRolePermissions checks a custom role's base and permissions and
// returns the permissions sorted without repeats.
func (o *op) validateRolePermissions(base string, perms []string) ([]string, error) {
	if !signet.ValidBase(base) {
		return nil, signet.Errorf(signet.EINVALID, "base must be one of %q, %q, %q or %q", signet.BaseNone, signet.BaseView, signet.BaseEdit, signet.BaseManage)
	}
	out := dedupe(perms)
	for _, p := range out {
		if !o.cat.Has(p) {
			return nil, signet.Errorf(signet.EINVALID, "unknown permission %q; choose one from the permission catalogue (GET /api/v1/permissions, signet roles permissions)", p)
		}
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// checkRoleNoEscalation: whoever defines a role must hold its permissions
// organisation-wide, since it can be granted anywhere, and editing a held
// role changes its holders' access at once.
func (o *op) checkRoleNoEscalation(r *signet.Role) error {
	gained := signet.Access{Org: o.cat.RolePermissions(r)}
	return o.checkNoEscalation(&gained, "defining role "+quote(r.Name))
}

func (o *op) roleDetail(r *signet.Role) *RoleDetail {
	return &RoleDetail{Role: r, Effective: o.cat.RolePermissions(r).List()}
}

// ListRoles lists roles with their effective permissions. Needs
// roles:read. Returns EINVALID, EFORBIDDEN.
func (s *Service) ListRoles(ctx context.Context, a *signet.Actor, p signet.Page) ([]*RoleDetail, string, error) {
	var out []*RoleDetail
	var next string
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("roles:read", ""); err != nil {
			return err
		}
		p, err := validatePage(p)
		if err != nil {
			return err
		}
		roles, n, err := o.tx.ListRoles(ctx, p)
		if err != nil {
			return err
		}
		for _, r := range roles {
			out = append(out, o.roleDetail(r))
		}
		next = n
		return nil
	})
	return out, next, err
}

// GetRole returns a role with its effective permissions. Needs roles:read.
// Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) GetRole(ctx context.Context, a *signet.Actor, roleID string) (*RoleDetail, error) {
	var out *RoleDetail
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("roles:read", ""); err != nil {
			return err
		}
		r, err := o.tx.GetRole(ctx, roleID)
		if err != nil {
			return notFound(err, "role %q not found", roleID)
		}
		out = o.roleDetail(r)
		return nil
	})
	return out, err
}

// UpdateRole changes a custom role; it takes effect at once for everyone
// holding it. Needs roles:write; the role's permissions before and after
// the change must be covered by the actor's organisation-wide ones. Built-in roles cannot be changed.
// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (s *Service) UpdateRole(ctx context.Context, a *signet.Actor, roleID string, up RoleUpdate) (*RoleDetail, error) {
	var out *RoleDetail
	err := s.mutate(ctx, a, "role.update", func(o *op) error {
		r, err := o.tx.GetRole(ctx, roleID)
		if err != nil {
			return notFound(err, "role %q not found", roleID)
		}
		o.target("role", r.ID, r.Name)
		if err := o.authorise("roles:write", ""); err != nil {
			return err
		}
		if r.BuiltIn {
			return signet.Errorf(signet.ECONFLICT, "built-in role %q cannot be changed; create a custom role instead", r.Name)
		}
		// What the role gives now is taken from its holders by an edit:
		// bounded like giving it (checked below, once something changes).
		before := signet.Access{Org: o.cat.RolePermissions(r)}
		if up.Name != nil {
			name, err := validateName("role", *up.Name)
			if err != nil {
				return err
			}
			if name != r.Name {
				o.change("name", r.Name, name)
				r.Name = name
			}
		}
		if up.Description != nil {
			desc, err := validateDescription(*up.Description)
			if err != nil {
				return err
			}
			if desc != r.Description {
				o.change("description", r.Description, desc)
				r.Description = desc
			}
		}
		base, perms := r.Base, r.Permissions
		if up.Base != nil {
			base = *up.Base
		}
		if up.Permissions != nil {
			perms = *up.Permissions
		}
		perms, err = o.validateRolePermissions(base, perms)
		if err != nil {
			return err
		}
		if base != r.Base {
			o.change("base", r.Base, base)
			r.Base = base
		}
		if !slices.Equal(perms, r.Permissions) && !(len(perms) == 0 && len(r.Permissions) == 0) {
			o.change("permissions", r.Permissions, perms)
			r.Permissions = perms
		}
		out = o.roleDetail(r)
		if o.event.Details == nil {
			o.noEvent = true // nothing changed
			return nil
		}
		if err := o.checkTakesWithin(&before, "changing role "+quote(r.Name)); err != nil {
			return err
		}
		if err := o.checkRoleNoEscalation(r); err != nil {
			return err
		}
		r.UpdatedAt = o.now
		return withField("name", conflict(o.tx.UpdateRole(ctx, r), "a role named %q already exists", r.Name))
	})
	return out, err
}

// DeleteRole deletes a custom role that no grant uses. Needs roles:write.
// Returns ENOTFOUND, ECONFLICT for a built-in or granted role, EFORBIDDEN.
func (s *Service) DeleteRole(ctx context.Context, a *signet.Actor, roleID string) error {
	return s.mutate(ctx, a, "role.delete", func(o *op) error {
		r, err := o.tx.GetRole(ctx, roleID)
		if err != nil {
			return notFound(err, "role %q not found", roleID)
		}
		o.target("role", r.ID, r.Name)
		if err := o.authorise("roles:write", ""); err != nil {
			return err
		}
		if r.BuiltIn {
			return signet.Errorf(signet.ECONFLICT, "built-in role %q cannot be deleted; delete a custom role instead", r.Name)
		}
		err = o.tx.DeleteRole(ctx, r.ID)
		return conflict(err, "role %q is still granted; delete its grants first", r.Name)
	})
}

// ListPermissions returns the permission catalogue and the registered
// domains. Needs roles:read (it is what role editors choose from).
func (s *Service) ListPermissions(ctx context.Context, a *signet.Actor) (*signet.Catalogue, []*signet.PermissionDomain, error) {
	var cat *signet.Catalogue
	var domains []*signet.PermissionDomain
	err := s.view(ctx, a, func(o *op) error {
		if err := o.authorise("roles:read", ""); err != nil {
			return err
		}
		var err error
		domains, err = o.tx.ListPermissionDomains(ctx)
		cat = o.cat
		return err
	})
	return cat, domains, err
}

// domainName is the shape of an operator-registered permission domain.
var domainName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// signetDomains are the domains of Signet's own permissions, which
// operators cannot register.
var signetDomains = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range signet.SignetPermissions {
		d, _, _ := signet.SplitPermission(p)
		m[d] = true
	}
	return m
}()

// RegisterPermissionDomain registers a domain for a service Signet
// protects; it gets the actions read, write and execute. Needs
// settings:write. Returns EINVALID, ECONFLICT, EFORBIDDEN.
func (s *Service) RegisterPermissionDomain(ctx context.Context, a *signet.Actor, name, description string) (*signet.PermissionDomain, error) {
	var out *signet.PermissionDomain
	err := s.mutate(ctx, a, "permission_domain.create", func(o *op) error {
		if err := o.authorise("settings:write", ""); err != nil {
			return err
		}
		o.target("permission_domain", name, name)
		if !domainName.MatchString(name) {
			return signet.Errorf(signet.EINVALID, "domain name %q must be 2 to 40 characters of lowercase letters, digits and underscores, starting with a letter", name)
		}
		if signetDomains[name] {
			return signet.Errorf(signet.EINVALID, "%q is one of Signet's own permission domains", name)
		}
		desc, err := validateDescription(description)
		if err != nil {
			return err
		}
		d := &signet.PermissionDomain{Name: name, Description: desc, CreatedAt: o.now}
		if err := o.tx.CreatePermissionDomain(ctx, d); err != nil {
			return conflict(err, "permission domain %q is already registered", name)
		}
		o.detail("description", desc)
		out = d
		return nil
	})
	return out, err
}
