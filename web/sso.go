package web

import (
	"net/http"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// Single sign-on beside the password sign-in (auth.go): the login page
// offers a "Sign in with …" link per enabled provider to GET
// /login/sso/{id}, which starts the flow in service.BeginSSO, sets the cookie that binds the sign-in to
// this browser and sends the browser to the provider; the provider sends
// it back to /login/sso/callback, where service.CompleteSSO makes the
// session, by the same rules and with the same cookie as password
// sign-in.
//
// Starting is a link, not a form: the UI's Content-Security-Policy allows
// forms to post to Signet only (form-action 'self'), and browsers apply
// that to the redirect to the provider too. A GET start is safe: the state
// is bound to the browser that starts, so nobody can make another
// browser complete a sign-in they began (login CSRF); a link only makes a
// browser sign in as whoever it already is at the provider.

// ssoCookie binds a sign-in in progress to the browser. SameSite=Lax, not
// Strict: it must come along on the provider's top-level redirect back.
const ssoCookie = "signet_sso"

// ssoCallbackPath is Signet's redirect URI, to register at the provider.
const ssoCallbackPath = "/login/sso/callback"

// callbackURL is the redirect URI: the public URL's, or this request's
// scheme and host when none is configured.
func (s *server) callbackURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL + ssoCallbackPath
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host + ssoCallbackPath
}

// loginOptions fills in what the login page offers besides the password.
func (s *server) loginOptions(r *http.Request, v *loginView) {
	providers, err := s.svc.LoginProviders(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "listing identity providers failed", "error", err.Error())
	}
	v.Providers = providers
	v.PasswordOff = s.svc.PasswordLoginOff(r.Context())
}

// startSSO begins a sign-in with one provider.
func (s *server) startSSO(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	next := safeNext(r.URL.Query().Get("next"))
	start, err := s.svc.BeginSSO(r.Context(), r.PathValue("id"), s.callbackURL(r), next)
	if err != nil {
		return s.renderLoginError(w, r, c, err)
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: start.BrowserToken, Path: ssoCallbackPath, HttpOnly: true,
		Secure: s.secureReq(r), SameSite: http.SameSiteLaxMode, Expires: start.ExpiresAt})
	http.Redirect(w, r, start.AuthURL, http.StatusSeeOther)
	return nil
}

// ssoCallback completes a sign-in when the provider sends the browser
// back.
func (s *server) ssoCallback(w http.ResponseWriter, r *http.Request, c *reqCtx) error {
	q := r.URL.Query()
	in := service.SSOCallback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"),
		ErrorDescription: q.Get("error_description"), RedirectURL: s.callbackURL(r)}
	if ck, err := r.Cookie(ssoCookie); err == nil {
		in.BrowserToken = ck.Value
	}
	// The binding cookie is single-use, like the state.
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: ssoCallbackPath, HttpOnly: true,
		Secure: s.secureReq(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
	ses, err := s.svc.CompleteSSO(r.Context(), in)
	if err != nil {
		return s.renderLoginError(w, r, c, err)
	}
	s.setSession(w, r, ses.Token, ses.Session.ExpiresAt)
	http.Redirect(w, r, safeNext(ses.Next), http.StatusSeeOther)
	return nil
}

// renderLoginError shows the login page again with err.
func (s *server) renderLoginError(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) error {
	if code := signet.ErrorCode(err); code != signet.EUNAUTHENTICATED && code != signet.ENOTFOUND && code != signet.EUNAVAILABLE {
		return err
	}
	v := loginView{base: c.base("Sign in", "", r)}
	s.loginOptions(r, &v)
	v.Error = s.message(r, err)
	s.render(w, r, statusFor(err), "login.html", v)
	return nil
}
