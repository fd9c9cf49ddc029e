package main

import (
	"context"
	"io"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("workspaces", []string{"ws"}, "manage workspaces (alias: ws)", wsCreate, wsList, wsGet, wsUpdate, wsDelete)
}

// WORKSPACE arguments are a workspace id (ws_…) or its name.

// workspaceSaid is what a command that wrote w prints, unless err.
func workspaceSaid(w *client.Workspace, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(w, "%s workspace %s (%s).\n", verb, w.Name, w.ID), nil
}

var wsCreate = clientCmd[descFlag]{name: "create", args: "NAME [--description D]", summary: "create a workspace",
	min: 1, max: 1, flags: (*descFlag).define,
	run: func(ctx context.Context, x *cmdCall, o *descFlag) (*output, error) {
		w, err := x.cl.CreateWorkspace(ctx, client.CreateWorkspaceRequest{Name: x.args[0], Description: o.desc})
		return workspaceSaid(w, err, "Created")
	}}

var wsList = clientCmd[pageFlags]{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list workspaces", flags: (*pageFlags).define,
	run: func(ctx context.Context, x *cmdCall, p *pageFlags) (*output, error) {
		return listed(ctx, *p, x.cl.ListWorkspaces, []string{"ID", "NAME", "DEFAULT", "DESCRIPTION", "CREATED"},
			func(w client.Workspace) []string {
				return []string{w.ID, w.Name, yesNo(w.IsDefault), w.Description, fmtTime(w.CreatedAt)}
			})
	}}

var wsGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "WORKSPACE", summary: "show a workspace",
	min: 1, max: 1, first: workspaceArg,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		w, err := x.cl.GetWorkspace(ctx, x.id)
		return shown(w, err, func(out io.Writer) error {
			return fields(out,
				"ID", w.ID,
				"Name", w.Name,
				"Description", w.Description,
				"Default", yesNo(w.IsDefault),
				"Created", fmtTime(w.CreatedAt),
				"Updated", fmtTime(w.UpdatedAt),
			)
		})
	}}

var wsUpdate = clientCmd[renameFlags]{name: "update", args: "WORKSPACE [--name N] [--description D]",
	summary: "rename a workspace or change its description", min: 1, max: 1, first: workspaceArg, flags: (*renameFlags).define,
	run: func(ctx context.Context, x *cmdCall, o *renameFlags) (*output, error) {
		var up client.WorkspaceUpdate
		if up.Name, up.Description = o.changed(x); up == (client.WorkspaceUpdate{}) {
			return nil, usagef("workspaces update: nothing to change: give --name or --description")
		}
		w, err := x.cl.UpdateWorkspace(ctx, x.id, up)
		return workspaceSaid(w, err, "Updated")
	}}

var wsDelete = deleteCmd("WORKSPACE [--yes]", "delete a workspace and the grants in it", workspaceArg,
	"Delete workspace %s and every grant in it?", (*client.Client).DeleteWorkspace, "Deleted workspace %s.")
