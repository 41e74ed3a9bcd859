package workspace

import (
	"errors"
	"fmt"
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

// Bounds of sign-in, each a number the README's security section repeats.
const (
	// MaxLoginFailures failures per user name and per client address in loginWindow; more are
	// answered 429 until the window has passed. An attempt counts from the moment it is let in
	// (before its password is hashed), so parallel guesses cannot outrun the count.
	MaxLoginFailures = 5
	loginWindow      = 15 * time.Minute
	// MaxLoginBody bounds a sign-in's body, and MaxUserName a user name (the database's own
	// limit, users.name): checked before anything is hashed, kept or logged.
	MaxLoginBody = 4 << 10
	MaxUserName  = 63
	// A sign-in that finds no costly-work slot (CostlyInFlight) within hashWait gets 503 +
	// Retry-After; argon2id takes 19 MiB and ~30 ms of a core.
	hashWait = time.Second
	// maxLimiterKeys bounds the limiter's memory: past it, addresses and names it does not know
	// yet are refused (429) until old entries expire, rather than growing without end.
	maxLimiterKeys = 20000
)

// loginLimiter counts recent sign-in attempts per key ("user:NAME", "addr:IP"): failures, and
// attempts still being checked. It is per process: behind several processes an attacker gets that
// many times the attempts, still a small number.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	inFlight map[string]int
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{failures: map[string][]time.Time{}, inFlight: map[string]int{}}
}

// recent drops key's failures older than the window and returns the rest.
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

// used is key's recent failures and attempts in flight, and when the oldest failure expires.
func (l *loginLimiter) used(now time.Time, k string) (int, time.Duration) {
	recent := l.recent(now, k)
	var wait time.Duration
	if len(recent) > 0 {
		wait = recent[0].Add(loginWindow).Sub(now)
	}
	return len(recent) + l.inFlight[k], wait
}

// admit lets one attempt of user from addr in, or says how long to wait. The address is limited
// as it is; the user name too, except for an address with no failure of its own: five wrong
// passwords from elsewhere must not lock the department out of its own account. The attempt
// holds its place until done reports how it ended.
func (l *loginLimiter) admit(now time.Time, user, addr string) (done func(failed bool), wait time.Duration, ok bool) {
	uk, ak := "user:"+user, "addr:"+addr
	l.mu.Lock()
	defer l.mu.Unlock()
	byAddr, waitAddr := l.used(now, ak)
	byUser, waitUser := l.used(now, uk)
	switch {
	case byAddr >= MaxLoginFailures:
		return nil, waitAddr, false
	case byUser >= MaxLoginFailures && byAddr > 0:
		return nil, waitUser, false
	case len(l.failures)+len(l.inFlight) >= maxLimiterKeys && (l.failures[ak] == nil || l.failures[uk] == nil):
		return nil, loginWindow, false
	}
	l.inFlight[uk]++
	l.inFlight[ak]++
	return func(failed bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range []string{uk, ak} {
			if l.inFlight[k]--; l.inFlight[k] <= 0 {
				delete(l.inFlight, k)
			}
			if failed {
				l.failures[k] = append(l.recent(time.Now(), k), time.Now())
			}
		}
	}, 0, true
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
	if err := httpx.DecodeBodyMax(c, &b, MaxLoginBody); err != nil {
		_ = c.Error(err)
		return
	}
	if len(b.Username) > MaxUserName {
		_ = c.Error(httpx.BadRequest(fmt.Sprintf("a user name has at most %d characters", MaxUserName)))
		return
	}
	user, addr := strings.ToLower(b.Username), c.ClientIP()
	done, wait, ok := s.limiter.admit(time.Now(), user, addr)
	if !ok {
		s.log.Warn("login rate-limited", "request_id", httpx.RequestID(c), "user", user, "addr", addr)
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		_ = c.Error(httpx.NewError(http.StatusTooManyRequests, "too many failed sign-ins; wait and try again"))
		return
	}
	failed := false
	defer func() { done(failed) }()
	release, ok := s.hashing.Take(c)
	if !ok {
		return
	}
	defer release()
	tok, p, expires, err := s.edit.Login(c.Request.Context(), b.Username, b.Password)
	if errors.Is(err, edit.ErrUnauthorized) {
		failed = true
		s.log.Warn("login failed", "request_id", httpx.RequestID(c), "user", user, "addr", addr)
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
	httpx.DropSessionCookie(c)
	c.Status(http.StatusNoContent)
}
