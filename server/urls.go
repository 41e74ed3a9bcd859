package server

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// baseURL is the scheme and host the client used, honouring X-Forwarded-Proto and
// X-Forwarded-Host from a reverse proxy, so that links and TileJSON URLs work behind one.
//
// The answer then depends on those headers, so it says so (Vary): a shared cache must not hand
// one client's links, built from its forwarded host, to another.
func baseURL(c *gin.Context) string {
	const vary = "X-Forwarded-Host, X-Forwarded-Proto"
	if h := c.Writer.Header(); !slices.Contains(h.Values("Vary"), vary) { // links call this per link
		h.Add("Vary", vary)
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	if p := firstValue(c.GetHeader("X-Forwarded-Proto")); p == "http" || p == "https" {
		scheme = p
	}
	host := c.Request.Host
	if h := firstValue(c.GetHeader("X-Forwarded-Host")); h != "" && validHost(h) {
		host = h
	}
	return scheme + "://" + host
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// validHost rejects header values that would turn links into something other than a host.
func validHost(h string) bool {
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.User == nil
}

// pageURL is the current request URL with some query parameters replaced.
func pageURL(c *gin.Context, set map[string]string) string {
	q := c.Request.URL.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u := baseURL(c) + c.Request.URL.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
