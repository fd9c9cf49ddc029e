package web

import (
	"net/http"
	"strings"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

type keysView struct {
	base
	Personal        []keyView
	ShowSA          bool
	SAKeys          []keyView
	Accounts        []*signet.User // service accounts keys can be created for
	Owner           string         // filters
	Status          string
	Query           string
	NonCompliant    bool // only keys that break the key policy
	Next, Cursor    string
	Key             *shownKey
	Open            string
	PersonalForm    keyForm
	SAForm          keyForm
	SAFormOwner     string
	ExpiryOptions   []expiryOption
	CanCreateSAKeys bool
	// Expiring is the banner of keys expiring soon (nil: none).
	Expiring *expiringBanner
	// ExpiringWithin and UnusedFor filter the service-account keys
	// (?expiring_within=7d, ?unused_for=90d), with their choices.
	ExpiringWithin, UnusedFor    string
	WithinOptions, UnusedOptions []expiryOption
}

func (s *server) keysView(r *http.Request, c *reqCtx) (*keysView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &keysView{base: c.base("API keys", "keys", r), Owner: q.Get("owner"), Status: q.Get("status"), Query: q.Get("q"),
		Cursor: q.Get("cursor"), ExpiryOptions: expiryOptions, Open: q.Get("dialog"), NonCompliant: q.Get("noncompliant") == "1",
		ExpiringWithin: q.Get("expiring_within"), UnusedFor: q.Get("unused_for")}
	n, err := s.userNames(ctx, c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	saFilter := signet.APIKeyFilter{Kind: signet.KeyKindServiceAccount, OwnerID: v.Owner, Status: v.Status, NameContains: v.Query,
		NonCompliant: v.NonCompliant, Page: signet.Page{Cursor: v.Cursor}}
	if err := lifecycleFilter(&saFilter, v.ExpiringWithin, v.UnusedFor, now); err != nil {
		return nil, err
	}
	v.WithinOptions = withChoice(expiringWithinOptions, v.ExpiringWithin)
	v.UnusedOptions = withChoice(unusedForOptions, v.UnusedFor)
	notice, err := s.svc.ExpiringKeys(ctx, c.actor)
	if err != nil {
		return nil, err
	}
	v.Expiring = newExpiringBanner(notice, n, now)
	mine, err := allOf(func(p signet.Page) ([]*signet.APIKey, string, error) {
		return s.svc.ListAPIKeys(ctx, c.actor, signet.APIKeyFilter{OwnerID: c.me.User.ID, Page: p})
	})
	if err != nil {
		return nil, err
	}
	for _, k := range mine {
		v.Personal = append(v.Personal, newKeyView(k, n, now))
	}
	sortKeys(v.Personal)
	v.ShowSA = c.me.Can("api_keys:read") || c.me.Can("service_accounts:read")
	v.CanCreateSAKeys = c.me.Can("api_keys:write") || c.me.Can("service_accounts:write")
	if v.ShowSA {
		keys, next, err := s.svc.ListAPIKeys(ctx, c.actor, saFilter)
		if err != nil {
			return nil, err
		}
		v.Next = next
		for _, k := range keys {
			v.SAKeys = append(v.SAKeys, newKeyView(k, n, now))
		}
		if c.me.Can("service_accounts:read") {
			v.Accounts, err = allOf(func(p signet.Page) ([]*signet.User, string, error) {
				return s.svc.ListUsers(ctx, c.actor, signet.UserFilter{Kind: signet.KindServiceAccount, Page: p})
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if _, err := s.keyUsage(ctx, c, now, v.Personal, v.SAKeys); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *server) keysPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v, err := s.keysView(r, c)
	return s.renderView(w, r, "keys.html", v, err)
}

func (s *server) createPersonalKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.createKeyFromPage(w, r, c, c.me.User.ID, "personal")
}

func (s *server) createSAKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.createKeyFromPage(w, r, c, r.PostFormValue("owner"), "service-account")
}

// createKeyFromPage creates a key from one of the API keys page's dialogs
// and renders the page with the key shown once, or the dialog with its
// error.
func (s *server) createKeyFromPage(w http.ResponseWriter, r *http.Request, c *reqCtx, owner, dialog string) error {
	f := keyForm{Name: r.PostFormValue("key_name"), Description: r.PostFormValue("key_description"), Expires: r.PostFormValue("key_expires"),
		Networks: r.PostFormValue("key_allowed_networks")}
	in, err := keyInput(f.Name, f.Description, f.Expires)
	in.AllowedNetworks = formNetworks(f.Networks)
	var out *service.CreatedKey
	if err == nil {
		if owner == "" {
			err = signet.FieldErrorf("owner", signet.EINVALID, "choose a service account")
		} else {
			out, err = s.svc.CreateAPIKey(r.Context(), c.actor, owner, in)
		}
	}
	r.URL.RawQuery = ""
	v, verr := s.keysView(r, c)
	if verr != nil {
		return verr
	}
	if err != nil && dialog != "personal" && !(v.CanCreateSAKeys && len(v.Accounts) > 0) {
		return err // no dialog to show it in
	}
	if err != nil {
		f.Err = s.formError(r, err, keyInputs)
		if signet.ErrorField(err) == "owner" {
			f.Err.Input = "owner"
		}
		v.Open = "create-" + dialog + "-key"
		if dialog == "personal" {
			v.PersonalForm = f
		} else {
			v.SAForm, v.SAFormOwner = f, owner
		}
		s.render(w, r, statusFor(err), "keys.html", v)
		return nil
	}
	ownerName := c.me.User.Name
	for _, a := range v.Accounts {
		if a.ID == owner {
			ownerName = a.Name
		}
	}
	v.Key = &shownKey{Secret: out.Secret, Name: out.Key.Name, Owner: ownerName, Hint: out.Key.Hint, Done: "/settings/api-keys"}
	s.render(w, r, http.StatusCreated, "keys.html", v)
	return nil
}

func (s *server) revokeKey(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if _, err := s.svc.RevokeAPIKey(r.Context(), c.actor, r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		return err
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/settings/") {
		back = "/settings/api-keys"
	}
	redirect(w, r, back, "revoked")
	return nil
}

// Filtered reports whether a filter narrows the service-account keys.
func (v *keysView) Filtered() bool {
	return v.Owner != "" || v.Status != "" || v.Query != "" || v.NonCompliant || v.ExpiringWithin != "" || v.UnusedFor != "" || v.Cursor != ""
}
