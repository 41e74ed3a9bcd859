package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/edit"
)

// Who is asking: a session cookie for the web app, a Bearer token for scripts and GIS clients.
// Every request that carries credentials has them looked up in the database, so a revoked session
// or a disabled user stops at the next request. Every surface that writes (/api's workspace,
// /ogc's Part 4) asks Auth, so the rules of credentials and CSRF are stated once.

// SessionCookie carries the web app's session.
const SessionCookie = "clustermap_session"

const (
	principalKey = "clustermap.principal"
	authViaKey   = "clustermap.auth_via"
)

// Authenticator looks credentials up (geo/edit's store does).
type Authenticator interface {
	SessionUser(ctx context.Context, session string) (*edit.Principal, error)
	TokenUser(ctx context.Context, token string) (*edit.Principal, error)
}

// Auth authenticates requests against an Authenticator.
type Auth struct {
	users Authenticator
	log   *slog.Logger
}

// NewAuth authenticates with users, logging refusals to log.
func NewAuth(users Authenticator, log *slog.Logger) *Auth {
	if log == nil {
		log = slog.Default()
	}
	return &Auth{users: users, log: log}
}

// HasCredentials reports whether the request carries credentials of the workspace, a session or a
// token, checked or not. Whether they are valid is SignedIn's question.
func HasCredentials(c *gin.Context) bool {
	if c.GetHeader("Authorization") != "" {
		return true
	}
	ck, err := c.Cookie(SessionCookie)
	return err == nil && ck != ""
}

// SignedIn reports whether the request's credentials were checked and are valid (Authenticate
// checks them before anything reads). Only then does a request skip the shared cache and the
// replicas: a made-up cookie or header is refused, not a way round them.
func SignedIn(c *gin.Context) bool {
	_, ok := c.Get(principalKey)
	return ok
}

// Authenticate checks, before any handler or cache answers, the credentials of every request
// that applies says carry them: a valid one is remembered for the request (SignedIn), an invalid
// one is a 401 (and its cookie is dropped). Requests it does not apply to (the web app's pages,
// signing in and out) go on as if they carried none.
func (a *Auth) Authenticate(applies func(*gin.Context) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if HasCredentials(c) && applies(c) {
			if _, err := a.Principal(c); err != nil {
				_ = c.Error(err)
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

// Principal authenticates the request (Bearer token, else session cookie), once per request; nil
// when it carries no credentials. Bad credentials are an error (401), not anonymity.
func (a *Auth) Principal(c *gin.Context) (*edit.Principal, error) {
	if p, ok := c.Get(principalKey); ok {
		return p.(*edit.Principal), nil
	}
	var p *edit.Principal
	var err error
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, NewError(http.StatusUnauthorized, "Authorization must be a Bearer token")
		}
		p, err = a.users.TokenUser(c.Request.Context(), strings.TrimSpace(tok))
		c.Set(authViaKey, "token")
	} else if ck, cerr := c.Cookie(SessionCookie); cerr == nil && ck != "" {
		p, err = a.users.SessionUser(c.Request.Context(), ck)
		c.Set(authViaKey, "cookie")
	} else {
		return nil, nil
	}
	if errors.Is(err, edit.ErrUnauthorized) {
		// The browser drops a session that no longer is, so its next request is anonymous.
		if c.GetString(authViaKey) == "cookie" {
			DropSessionCookie(c)
		} else {
			c.Header("WWW-Authenticate", `Bearer realm="clustermap", error="invalid_token"`)
		}
		return nil, NewError(http.StatusUnauthorized, "the credentials are not valid (expired, revoked or disabled)")
	}
	if err != nil {
		return nil, err
	}
	c.Set(principalKey, p)
	return p, nil
}

// Reader is the actor of a read: anonymous when there are no credentials. On false the error is
// recorded for the error writer.
func (a *Auth) Reader(c *gin.Context) (edit.Actor, bool) {
	p, err := a.Principal(c)
	if err != nil {
		_ = c.Error(err)
		return edit.Actor{}, false
	}
	return edit.ActorOf(p, RequestID(c), ""), true
}

// Writer authenticates a write: anonymous is 401, and a cookie-authenticated write must come
// from the service's own origin (CSRF: SameSite=Strict already keeps the cookie off cross-site
// requests; the Origin check also covers same-site other origins and old browsers). On false the
// error is recorded for the error writer.
func (a *Auth) Writer(c *gin.Context) (*edit.Principal, bool) {
	p, err := a.Principal(c)
	if err != nil {
		_ = c.Error(err)
		return nil, false
	}
	if p == nil {
		c.Header("WWW-Authenticate", `Bearer realm="clustermap"`)
		_ = c.Error(NewError(http.StatusUnauthorized, "sign in (session) or send Authorization: Bearer TOKEN to change data"))
		return nil, false
	}
	if c.GetString(authViaKey) == "cookie" && !SameOrigin(c) {
		a.log.Warn("cross-origin write refused", "request_id", RequestID(c), "user", p.Name, "origin", c.GetHeader("Origin"))
		_ = c.Error(NewError(http.StatusForbidden, "cross-origin request refused (CSRF protection)"))
		return nil, false
	}
	return p, true
}

// DropSessionCookie tells the browser to forget the session cookie.
func DropSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(BaseURL(c), "https:")})
}

// SameOrigin reports whether the browser says the request comes from this site's own pages.
func SameOrigin(c *gin.Context) bool {
	if o := c.GetHeader("Origin"); o != "" {
		return o == BaseURL(c)
	}
	return c.GetHeader("Sec-Fetch-Site") == "same-origin"
}
