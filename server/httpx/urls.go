package httpx

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

const trustedProxyKey = "trusted_proxy"

// TrustProxies marks requests whose peer is one of the trusted proxies (nil: loopback only, a
// reverse proxy on the same host): only theirs may set the public scheme and host. Anyone else
// could otherwise make the server write links to a host of their choosing into answers that a
// shared cache then hands to others.
func TrustProxies(trusted []netip.Prefix) gin.HandlerFunc {
	trusted = effectiveProxies(trusted)
	return func(c *gin.Context) {
		if ap, err := netip.ParseAddrPort(c.Request.RemoteAddr); err == nil {
			ip := ap.Addr().Unmap()
			for _, p := range trusted {
				if p.Contains(ip) {
					c.Set(trustedProxyKey, true)
					break
				}
			}
		}
		c.Next()
	}
}

func effectiveProxies(trusted []netip.Prefix) []netip.Prefix {
	if trusted == nil {
		return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return trusted
}

// UseTrustedProxies makes the engine's own idea of the client's address (gin's ClientIP, which
// the sign-in limits and the log use) follow the same trusted proxies as the public URLs: one
// trust decision for the whole server. Gin's default believes X-Forwarded-For from any peer,
// which would let anyone choose the address its sign-in attempts are counted under.
func UseTrustedProxies(e *gin.Engine, trusted []netip.Prefix) error {
	list := []string{}
	for _, p := range effectiveProxies(trusted) {
		list = append(list, p.String())
	}
	if len(list) == 0 {
		return e.SetTrustedProxies(nil)
	}
	return e.SetTrustedProxies(list)
}

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR prefixes
// (CLUSTERMAP_TRUSTED_PROXIES). "none" trusts no one; an empty string means the default (nil:
// loopback only).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	out := []netip.Prefix{}
	if s == "none" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR prefix", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// BaseURL is the scheme and host the client used, honouring X-Forwarded-Proto and
// X-Forwarded-Host from a trusted reverse proxy, so that links and TileJSON URLs work behind one.
//
// The answer then depends on those headers, so it says so (Vary): a shared cache must not hand
// one client's links, built from its forwarded host, to another.
func BaseURL(c *gin.Context) string {
	const vary = "X-Forwarded-Host, X-Forwarded-Proto"
	if h := c.Writer.Header(); !slices.Contains(h.Values("Vary"), vary) { // links call this per link
		h.Add("Vary", vary)
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	host := c.Request.Host
	if !c.GetBool(trustedProxyKey) {
		return scheme + "://" + host
	}
	if p := firstValue(c.GetHeader("X-Forwarded-Proto")); p == "http" || p == "https" {
		scheme = p
	}
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

// PageURL is the current request URL with some query parameters replaced.
func PageURL(c *gin.Context, set map[string]string) string {
	q := c.Request.URL.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u := BaseURL(c) + c.Request.URL.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
