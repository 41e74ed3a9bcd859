package httpx

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// Throttles of the public endpoints that do real work for anyone (the boundary check): a rate
// per client address and a bound on the requests of the route computed at once. The server-wide
// LimitInFlight keeps the whole service alive; these keep one costly route from taking all of it.

// Throttle limits a route per client: perSecond on average, up to burst at once. Requests of a
// signed-in user are not counted (they are accountable, and the workspace's own checks come from
// them); everyone else is counted under the address ClientIP believes, so the trusted-proxy
// setting decides it as it does for sign-in.
type Throttle struct {
	perSecond rate.Limit
	burst     int
	mu        sync.Mutex
	clients   *simplelru.LRU[string, *rate.Limiter]
}

// NewThrottle remembers at most maxClients addresses; past that the least recently seen one is
// forgotten (its next request starts with a full bucket): memory stays bounded whatever the
// number of addresses an attacker rotates through.
func NewThrottle(perSecond float64, burst, maxClients int) *Throttle {
	clients, _ := simplelru.NewLRU[string, *rate.Limiter](maxClients, nil)
	return &Throttle{perSecond: rate.Limit(perSecond), burst: burst, clients: clients}
}

// allow takes one request of client from its bucket, or says how long until one is free.
func (t *Throttle) allow(client string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	l, ok := t.clients.Get(client)
	if !ok {
		l = rate.NewLimiter(t.perSecond, t.burst)
		t.clients.Add(client, l)
	}
	t.mu.Unlock()
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// Handler answers 429 with Retry-After past the client's rate.
func (t *Throttle) Handler() gin.HandlerFunc {
	return func(c *gin.Context) {
		if SignedIn(c) {
			c.Next()
			return
		}
		if wait, ok := t.allow(c.ClientIP(), time.Now()); !ok {
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			_ = c.Error(NewError(http.StatusTooManyRequests, "too many requests from this address; wait and try again"))
			c.Abort()
			return
		}
		c.Next()
	}
}

// Slots lets at most max costly requests run at once; a request that finds no slot within wait
// is answered 503 with Retry-After, so a few costly requests cannot hold every pooled connection
// while cheap ones wait. A handler takes its slot after it has refused bad input, so a request
// that will be refused anyway never waits for one.
type Slots struct {
	slots chan struct{}
	wait  time.Duration
	busy  string // the 503's message
}

// NewSlots makes max slots, each waited for at most wait; busy says what there are too many of.
func NewSlots(max int, wait time.Duration, busy string) *Slots {
	return &Slots{slots: make(chan struct{}, max), wait: wait, busy: busy}
}

// Named is the same slots, shared, with another 503 message: kinds of costly work that draw on
// one budget (sign-ins and boundary checks share the cores the public reads need).
func (s *Slots) Named(busy string) *Slots {
	return &Slots{slots: s.slots, wait: s.wait, busy: busy}
}

// Take waits for a slot. When it returns false the request has been answered (503) or its client
// has gone; otherwise release must be called when the work is done.
func (s *Slots) Take(c *gin.Context) (release func(), ok bool) {
	timer := time.NewTimer(s.wait)
	defer timer.Stop()
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, true
	case <-timer.C:
		c.Header("Retry-After", strconv.Itoa(retryAfterOverload))
		_ = c.Error(NewError(http.StatusServiceUnavailable, s.busy))
	case <-c.Request.Context().Done():
	}
	c.Abort()
	return nil, false
}
