package httpx

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// LimitQuery answers a query string longer than its route family allows with 414 before anything
// parses it: paths under prefix (/ogc, which takes CQL2 filters) may send up to prefixLimit bytes,
// everything else only MaxQueryBytes of short parameter lists.
func LimitQuery(prefix string, prefixLimit int) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := MaxQueryBytes
		if strings.HasPrefix(c.Request.URL.Path, prefix) {
			limit = prefixLimit
		}
		if n := len(c.Request.URL.RawQuery); n > limit {
			_ = c.Error(NewError(http.StatusRequestURITooLong,
				fmt.Sprintf("query string of %d bytes; at most %d are accepted here", n, limit)))
			c.Abort()
			return
		}
		c.Next()
	}
}

// retryAfterOverload is the Retry-After (seconds) of a 503 for overload: long enough for the
// requests ahead to finish, short enough for a map client to retry its tiles unnoticed.
const retryAfterOverload = 1

// LimitInFlight caps the requests answered at once. Beyond the cap a request is answered 503 with
// Retry-After at once, instead of queueing for a pooled connection until its statement timeout
// while holding memory and a file descriptor. /healthz is exempt: it is one cheap query with its
// own 2 s limit, and a load balancer must be able to tell a busy instance (503 on requests, 200
// on health) from a dead one.
func LimitInFlight(max int, m *Metrics) gin.HandlerFunc {
	if max <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	slots := make(chan struct{}, max)
	return func(c *gin.Context) {
		if c.Request.URL.Path == "/healthz" {
			c.Next()
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			m.rejected.Inc()
			c.Header("Retry-After", strconv.Itoa(retryAfterOverload))
			_ = c.Error(NewError(http.StatusServiceUnavailable, "the server is busy; retry shortly"))
			c.Abort()
			return
		}
		m.inFlight.Inc()
		defer func() {
			m.inFlight.Dec()
			<-slots
		}()
		c.Next()
	}
}

// contentSecurityPolicy is sent with every HTML page (the web app and the OGC pages). Scripts
// come only from the server itself: index.html loads every script by src and holds none inline.
// Styles allow 'unsafe-inline' because Leaflet positions tiles and markers with style attributes
// and the OGC pages carry one <style> block; style injection cannot run code. Images: the
// server's own, data: URIs (Leaflet's icons) and the OpenStreetMap basemap.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// SetHTMLSecurityHeaders marks an HTML answer: no framing (clickjacking), no sniffing, and no
// full URL (with its query) in the Referer sent to other sites.
func SetHTMLSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}
