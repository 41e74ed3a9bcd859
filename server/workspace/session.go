package workspace

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
)

// Sign-in of the web app: a session cookie made by POST /api/session, limited per user name and
// per client address. Checking credentials on each request is server/httpx's Auth.

const (
	// Login attempts: at most MaxLoginFailures failures per user name and per client address in
	// loginWindow; more are answered 429 until the window has passed.
	MaxLoginFailures = 5
	loginWindow      = 15 * time.Minute
)

// loginLimiter counts recent login failures per key ("user:NAME", "addr:IP"). It is per process:
// behind several processes an attacker gets that many times the attempts, still a small number.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{failures: map[string][]time.Time{}} }

// blocked reports whether any key has too many recent failures, and until when.
func (l *loginLimiter) blocked(now time.Time, keys ...string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		recent := l.recent(now, k)
		if len(recent) >= MaxLoginFailures {
			wait = max(wait, recent[0].Add(loginWindow).Sub(now))
		}
	}
	return wait, wait > 0
}

func (l *loginLimiter) recent(now time.Time, k string) []time.Time {
	list := l.failures[k]
	i := 0
	for i < len(list) && now.Sub(list[i]) > loginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, k)
	} else {
		l.failures[k] = list
	}
	return list
}

func (l *loginLimiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.failures[k] = append(l.recent(now, k), now)
	}
}

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleLogin: POST /api/session.
func (s *Service) handleLogin(c *gin.Context) {
	if o := c.GetHeader("Origin"); o != "" && o != httpx.BaseURL(c) {
		_ = c.Error(httpx.NewError(http.StatusForbidden, "cross-origin request refused (CSRF protection)"))
		return
	}
	var b loginBody
	if err := httpx.DecodeBody(c, &b); err != nil {
		_ = c.Error(err)
		return
	}
	now := time.Now()
	keys := []string{"user:" + strings.ToLower(b.Username), "addr:" + c.ClientIP()}
	if wait, blocked := s.limiter.blocked(now, keys...); blocked {
		s.log.Warn("login rate-limited", "request_id", httpx.RequestID(c), "user", b.Username, "addr", c.ClientIP())
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		_ = c.Error(httpx.NewError(http.StatusTooManyRequests, "too many failed sign-ins; wait and try again"))
		return
	}
	tok, p, expires, err := s.edit.Login(c.Request.Context(), b.Username, b.Password)
	if errors.Is(err, edit.ErrUnauthorized) {
		s.limiter.fail(now, keys...)
		s.log.Warn("login failed", "request_id", httpx.RequestID(c), "user", b.Username, "addr", c.ClientIP())
		// One answer for an unknown user, a wrong password and a disabled user.
		_ = c.Error(httpx.NewError(http.StatusUnauthorized, "unknown user or wrong password"))
		return
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.log.Info("login", "request_id", httpx.RequestID(c), "user", p.Name, "addr", c.ClientIP())
	http.SetCookie(c.Writer, &http.Cookie{
		Name: httpx.SessionCookie, Value: tok, Path: "/", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(httpx.BaseURL(c), "https:"),
	})
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, p)
}

// handleSession: GET /api/session answers who is signed in, or 401.
func (s *Service) handleSession(c *gin.Context) {
	p, err := s.auth.Principal(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if p == nil {
		_ = c.Error(httpx.NewError(http.StatusUnauthorized, "not signed in"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, p)
}

// handleLogout: DELETE /api/session revokes the session and clears the cookie.
func (s *Service) handleLogout(c *gin.Context) {
	ck, err := c.Cookie(httpx.SessionCookie)
	if err != nil || ck == "" {
		c.Status(http.StatusNoContent)
		return
	}
	if !httpx.SameOrigin(c) {
		_ = c.Error(httpx.NewError(http.StatusForbidden, "cross-origin request refused (CSRF protection)"))
		return
	}
	if err := s.edit.Logout(c.Request.Context(), ck); err != nil {
		_ = c.Error(err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: httpx.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(httpx.BaseURL(c), "https:")})
	c.Status(http.StatusNoContent)
}
