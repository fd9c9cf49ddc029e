package web

import (
	"net/http"
	"strconv"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

type loginView struct {
	base
	Email string
	Next  string
	// Providers are the identity providers to sign in with (sso.go);
	// PasswordOff hides the password form behind the break-glass
	// disclosure.
	Providers   []service.LoginProvider
	PasswordOff bool
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	next := r.URL.Query().Get("next")
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if _, err := s.svc.LookupSession(r.Context(), ck.Value); err == nil {
			http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
			return nil
		}
	}
	if pending, err := s.svc.SetupPending(r.Context()); err == nil && pending {
		v := loginView{base: c.base("Sign in", "", r), Next: next}
		s.loginOptions(r, &v)
		v.Error = "No administrator exists yet. Open the one-time setup link printed in the server's log to create the first one."
		s.render(w, r, http.StatusOK, "login.html", v)
		return nil
	}
	v := loginView{base: c.base("Sign in", "", r), Next: next}
	s.loginOptions(r, &v)
	s.render(w, r, http.StatusOK, "login.html", v)
	return nil
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	email := r.PostFormValue("email")
	next := r.PostFormValue("next")
	ns, err := s.svc.Login(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		v := loginView{base: c.base("Sign in", "", r), Email: email, Next: next}
		s.loginOptions(r, &v)
		v.Error = s.message(r, err)
		if signet.ErrorCode(err) == signet.ERATELIMITED {
			w.Header().Set("Retry-After", strconv.FormatInt(signet.RetryAfterSeconds(err), 10))
		}
		s.render(w, r, statusFor(err), "login.html", v)
		return nil
	}
	s.setSession(w, r, ns.Token, ns.Session.ExpiresAt)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	if err := s.svc.Logout(r.Context(), c.actor); err != nil && signet.ErrorCode(err) != signet.ENOTFOUND {
		return err
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/login?notice=signed_out", http.StatusSeeOther)
	return nil
}

// setupView is the data of the first-administrator page.
type setupView struct {
	base
	Pending bool
	Done    bool
	Token   string
	Name    string
	Email   string
}

// setupPage serves the first-administrator page. The token comes from the
// one-time setup link (?token=…) printed in the server's log.
func (s *server) setupPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	pending, err := s.svc.SetupPending(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "setup.html", setupView{base: c.base("First administrator", "", r), Pending: pending, Token: r.URL.Query().Get("token")})
	return nil
}

// setupForm completes the setup from the page's form.
func (s *server) setupForm(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	v := setupView{base: c.base("First administrator", "", r), Pending: true,
		Token: r.PostFormValue("token"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
	_, err := s.svc.CompleteSetup(r.Context(), v.Token, service.CreateHumanInput{Name: v.Name, Email: v.Email, Password: r.PostFormValue("password")})
	if err != nil {
		v.Error = s.message(r, err)
		s.render(w, r, statusFor(err), "setup.html", v)
		return nil
	}
	s.render(w, r, http.StatusOK, "setup.html", setupView{base: c.base("First administrator", "", r), Done: true, Email: v.Email})
	return nil
}

type accountView struct {
	base
	Sessions []*signet.Session
	// Forms maps a form ("email", "password") to the error shown beside
	// it.
	Forms map[string]string
	// Email is what was typed in the email form when it failed.
	Email string
	// Errs maps a form to its error when the error concerns one input.
	Errs map[string]formError
}

// accountInputs maps each form of the account page to its inputs.
var accountInputs = map[string]inputs{
	"password": {"current_password": "current_password", "password": "new_password", "confirm_password": "confirm_password"},
	"email":    {"current_password": "current_password", "email": "email"},
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	return s.renderAccount(w, r, c, http.StatusOK, "", nil)
}

// renderAccount renders the account page, with err shown beside form.
func (s *server) renderAccount(w http.ResponseWriter, r *http.Request, c *reqCtx, status int, form string, err error) error {
	list, lerr := s.svc.ListSessions(r.Context(), c.actor)
	if lerr != nil {
		return lerr
	}
	v := accountView{base: c.base("Your account", "account", r), Sessions: list, Forms: map[string]string{}, Errs: map[string]formError{}}
	if err != nil {
		if fe := s.formError(r, err, accountInputs[form]); fe.Input != "" {
			v.Errs[form] = fe
		} else {
			v.Forms[form] = fe.Message
		}
		v.Email = r.PostFormValue("email")
	}
	s.render(w, r, status, "account.html", v)
	return nil
}

// changePassword changes the signed-in user's password; the service asks
// for the current one and ends the user's other sessions.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		return s.renderAccount(w, r, c, http.StatusUnprocessableEntity, "password",
			signet.FieldErrorf("confirm_password", signet.EINVALID, "the new password and its confirmation differ; type the same password twice"))
	}
	_, err := s.svc.UpdateUser(r.Context(), c.actor, c.actor.UserID, service.UserUpdate{Password: &next, CurrentPassword: &current})
	if err != nil {
		return s.renderAccount(w, r, c, statusFor(err), "password", err)
	}
	redirect(w, r, "/settings/account", "password_changed")
	return nil
}

// changeEmail changes the signed-in user's email (the login); the service
// asks for the current password and ends the user's other sessions.
func (s *server) changeEmail(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	email, current := r.PostFormValue("email"), r.PostFormValue("current_password")
	_, err := s.svc.UpdateUser(r.Context(), c.actor, c.actor.UserID, service.UserUpdate{Email: &email, CurrentPassword: &current})
	if err != nil {
		return s.renderAccount(w, r, c, statusFor(err), "email", err)
	}
	redirect(w, r, "/settings/account", "email_changed")
	return nil
}

func (s *server) revokeSession(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	id := r.PathValue("id")
	if err := s.svc.RevokeSession(r.Context(), c.actor, id); err != nil {
		return err
	}
	if id == c.info.Session.ID {
		s.clearSession(w, r)
		http.Redirect(w, r, "/login?notice=signed_out", http.StatusSeeOther)
		return nil
	}
	redirect(w, r, "/settings/account", "session_ended")
	return nil
}
