package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// ownerChoice is one choice of a service account's Owner select: a
// person or a group, as "user:ID" or "group:ID".
type ownerChoice struct{ Value, Label string }

// ownerChoices lists who may own the service account sa, as far as the
// viewer may list people and groups, and its current owner in any case
// (so that saving the form does not drop an owner the list lacks).
func (s *server) ownerChoices(ctx context.Context, c *reqCtx, groups []*signet.Group, sa *signet.User) ([]ownerChoice, error) {
	var out []ownerChoice
	if c.me.Can("users:read") {
		humans, err := allOf(func(p signet.Page) ([]*signet.User, string, error) {
			return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Kind: signet.KindHuman, Page: p})
		})
		if err != nil {
			return nil, err
		}
		for _, u := range humans {
			out = append(out, ownerChoice{Value: service.OwnerTypeUser + ":" + u.ID, Label: u.Name + " (" + u.Email + ")"})
		}
	} else {
		out = append(out, ownerChoice{Value: service.OwnerTypeUser + ":" + c.me.User.ID, Label: c.me.User.Name})
	}
	for _, g := range groups {
		out = append(out, ownerChoice{Value: service.OwnerTypeGroup + ":" + g.ID, Label: "Group " + g.Name})
	}
	if sa.OwnerID != "" {
		cur := sa.OwnerType + ":" + sa.OwnerID
		if !slices.ContainsFunc(out, func(o ownerChoice) bool { return o.Value == cur }) {
			out = append(out, ownerChoice{Value: cur, Label: sa.OwnerType + " " + sa.OwnerID})
		}
	}
	return out, nil
}

// labelLines writes labels for the Labels text area: one name=value a
// line, sorted by name.
func labelLines(labels map[string]string) string {
	return strings.Join(signet.FormatLabels(labels), "\n")
}

// parseLabelLines reads the Labels text area: one name=value a line,
// blank lines ignored.
func parseLabelLines(text string) (map[string]string, error) {
	var list []string
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			list = append(list, line)
		}
	}
	labels, err := signet.ParseLabels("labels", list)
	if labels == nil && err == nil {
		labels = map[string]string{}
	}
	return labels, err
}

// setLabelsAndOwner saves a service account's labels and owner from its
// edit page.
func (s *server) setLabelsAndOwner(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	labels, err := parseLabelLines(r.PostFormValue("labels"))
	if err != nil {
		return s.editFailed(w, r, c, "labels", err)
	}
	ownerType, ownerID, _ := strings.Cut(r.PostFormValue("owner"), ":")
	up := service.UserUpdate{Labels: &labels, OwnerType: &ownerType, OwnerID: &ownerID}
	if _, err := s.svc.UpdateUser(r.Context(), c.actor, id, up); err != nil {
		return s.editFailed(w, r, c, "labels", err)
	}
	redirect(w, r, "/settings/users/"+id, "saved")
	return nil
}
