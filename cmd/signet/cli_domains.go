package main

import (
	"context"
	"io"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("domains", []string{"permission-domains"},
		"register permission domains for the services Signet protects (alias: permission-domains)",
		domainsCreate, domainsList)
}

// domainPermissions names the permissions a registered domain gets.
func domainPermissions(name string) string {
	perms := make([]string, len(signet.ContentActions))
	for i, a := range signet.ContentActions {
		perms[i] = name + ":" + a
	}
	return strings.Join(perms, ", ")
}

var domainsCreate = clientCmd[descFlag]{name: "create", aliases: []string{"register"}, args: "NAME [--description D]",
	summary: "register a permission domain (needs settings:write); it gets read, write and execute",
	min:     1, max: 1, flags: (*descFlag).define,
	run: func(ctx context.Context, x *cmdCall, o *descFlag) (*output, error) {
		d, err := x.cl.RegisterPermissionDomain(ctx, client.RegisterPermissionDomainRequest{Name: x.args[0], Description: o.desc})
		if err != nil {
			return nil, err
		}
		return say(d, "Registered permission domain %s: %s.\n", d.Name, domainPermissions(d.Name)), nil
	}}

var domainsList = clientCmd[noFlags]{name: "list", aliases: []string{"ls"}, summary: "list the registered permission domains",
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		p, err := x.cl.ListPermissions(ctx)
		if err != nil {
			return nil, err
		}
		return show(p.Domains, func(w io.Writer) error {
			t := newTable(w, "NAME", "PERMISSIONS", "DESCRIPTION", "CREATED")
			for _, d := range p.Domains {
				t.row(d.Name, domainPermissions(d.Name), d.Description, fmtTime(d.CreatedAt))
			}
			return t.flush()
		}), nil
	}}
