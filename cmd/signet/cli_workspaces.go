package main

import (
	"context"
	"fmt"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("workspaces", []string{"ws"}, "manage workspaces (alias: ws)", []subcommand{
		{name: "create", args: "NAME [--description D]", summary: "create a workspace", run: wsCreate},
		{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", summary: "list workspaces", run: wsList},
		{name: "get", aliases: []string{"show"}, args: "WORKSPACE", summary: "show a workspace", run: wsGet},
		{name: "update", args: "WORKSPACE [--name N] [--description D]", summary: "rename a workspace or change its description", run: wsUpdate},
		{name: "delete", aliases: []string{"rm"}, args: "WORKSPACE [--yes]", summary: "delete a workspace and the grants in it", run: wsDelete},
	})
}

// WORKSPACE arguments are a workspace id (ws_…) or its name.

func wsCmd(ctx context.Context, c *cliCmd, args []string, synopsis string) (*client.Client, string, error) {
	if err := c.parse(args, 1, 1, synopsis); err != nil {
		return nil, "", err
	}
	cl, err := c.client()
	if err != nil {
		return nil, "", err
	}
	if c.args[0] == "*" {
		return nil, "", usagef("%s: name one workspace", c.name)
	}
	id, err := newResolver(ctx, cl).workspace(c.args[0])
	return cl, id, err
}

func printWorkspaceResult(c *cliCmd, w *client.Workspace, verb string) error {
	if *c.json {
		return c.printJSON(w)
	}
	fmt.Fprintf(c.e.stdout, "%s workspace %s (%s).\n", verb, w.Name, w.ID)
	return nil
}

func wsCreate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "workspaces create")
	desc := c.fs.String("description", "", "description")
	if err := c.parse(args, 1, 1, "NAME [--description D]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	w, err := cl.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: c.args[0], Description: *desc})
	if err != nil {
		return wrapErr(err)
	}
	return printWorkspaceResult(c, w, "Created")
}

func wsList(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "workspaces list")
	pf := addPageFlags(c)
	if err := c.parse(args, 0, 0, "[flags]"); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	items, next, err := collect(ctx, pf, cl.ListWorkspaces)
	if err != nil {
		return err
	}
	return printList(c, items, next, []string{"ID", "NAME", "DEFAULT", "DESCRIPTION", "CREATED"},
		func(w client.Workspace) []string {
			return []string{w.ID, w.Name, yesNo(w.IsDefault), w.Description, fmtTime(w.CreatedAt)}
		})
}

func wsGet(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "workspaces get")
	cl, id, err := wsCmd(ctx, c, args, "WORKSPACE")
	if err != nil {
		return err
	}
	w, err := cl.GetWorkspace(ctx, id)
	if err != nil {
		return wrapErr(err)
	}
	if *c.json {
		return c.printJSON(w)
	}
	return fields(e.stdout,
		"ID", w.ID,
		"Name", w.Name,
		"Description", w.Description,
		"Default", yesNo(w.IsDefault),
		"Created", fmtTime(w.CreatedAt),
		"Updated", fmtTime(w.UpdatedAt),
	)
}

func wsUpdate(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "workspaces update")
	name := c.fs.String("name", "", "new name")
	desc := c.fs.String("description", "", "new description (may be empty)")
	cl, id, err := wsCmd(ctx, c, args, "WORKSPACE [--name N] [--description D]")
	if err != nil {
		return err
	}
	var up client.WorkspaceUpdate
	if c.set("name") {
		up.Name = name
	}
	if c.set("description") {
		up.Description = desc
	}
	if up == (client.WorkspaceUpdate{}) {
		return usagef("workspaces update: nothing to change: give --name or --description")
	}
	w, err := cl.UpdateWorkspace(ctx, id, up)
	if err != nil {
		return wrapErr(err)
	}
	return printWorkspaceResult(c, w, "Updated")
}

func wsDelete(ctx context.Context, e *env, args []string) error {
	c := newCmd(e, "workspaces delete")
	yes := c.fs.Bool("yes", false, "do not ask for confirmation")
	cl, id, err := wsCmd(ctx, c, args, "WORKSPACE [--yes]")
	if err != nil {
		return err
	}
	if err := deleteConfirmed(c, *yes, fmt.Sprintf("Delete workspace %s and every grant in it?", c.args[0]), func() error { return cl.DeleteWorkspace(ctx, id) }); err != nil {
		return err
	}
	return printDeleted(c, "workspace", id)
}
