package httpx

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
)

// ParseBBox reads "minlon,minlat,maxlon,maxlat" in WGS 84. minlon > maxlon is a box that crosses
// the antimeridian.
func ParseBBox(s string) (*geo.BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, BadRequest("bbox must be minlon,minlat,maxlon,maxlat")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, BadRequest(fmt.Sprintf("bbox: %q is not a number", p))
		}
		v[i] = f
	}
	b := &geo.BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	switch {
	case b.MinLon < -180 || b.MinLon > 180 || b.MaxLon < -180 || b.MaxLon > 180:
		return nil, BadRequest("bbox: longitudes must be within [-180, 180]")
	case b.MinLat < -90 || b.MinLat > 90 || b.MaxLat < -90 || b.MaxLat > 90:
		return nil, BadRequest("bbox: latitudes must be within [-90, 90]")
	case b.MinLat > b.MaxLat:
		return nil, BadRequest("bbox: minlat is greater than maxlat")
	}
	return b, nil
}

// ParseCount reads an integer parameter (limit, offset) of at least min, capped at max.
func ParseCount(name, s string, min, max int64) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		n, err = max, nil
	}
	if err != nil || n < min {
		return 0, BadRequest(fmt.Sprintf("%s must be an integer of at least %d", name, min))
	}
	return int(math.Min(float64(n), float64(max))), nil
}

// Bounds on what one request may ask for, so that its work is bounded before any query is built.
// LimitQuery enforces the byte size on every route (the OGC API sets its own); ParseQuery and
// ParseList the counts.
const (
	// MaxQueryBytes bounds the raw query string of /api and /tiles: their longest honest query
	// (every filter of a layer with a bbox and a property list) is well under 2 KiB.
	MaxQueryBytes = 8 << 10
	// MaxParams bounds the parameters of a query string (a layer has fewer than 40 fields).
	MaxParams = 64
	// MaxListValues bounds a comma-separated list such as properties=a,b,c.
	MaxListValues = 100
)

// ParseQuery parses a raw query string strictly: a malformed pair (such as one holding a
// semicolon) is a 400, never silently dropped, so no filter can be lost on the way.
func ParseQuery(raw string) (url.Values, error) {
	if n := strings.Count(raw, "&") + 1; raw != "" && n > MaxParams {
		return nil, BadRequest(fmt.Sprintf("too many query parameters (%d); at most %d are accepted", n, MaxParams))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, BadRequest("malformed query string: " + err.Error())
	}
	for k, vals := range q {
		for _, v := range append([]string{k}, vals...) {
			if !geo.ValidText(v) {
				return nil, BadRequest(fmt.Sprintf("parameter %q: not valid UTF-8 text (or holds a NUL byte)", k))
			}
		}
	}
	return q, nil
}

// ParseList reads "a,b,c", dropping repeated items (a repeated property name would only repeat
// work in the database) and refusing more than MaxListValues items.
func ParseList(name, s string) ([]string, error) {
	if n := strings.Count(s, ",") + 1; n > MaxListValues {
		return nil, BadRequest(fmt.Sprintf("%s: %d items; at most %d are accepted", name, n, MaxListValues))
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// PathLayer resolves the :layer path parameter against the catalog; an unknown layer is a 404.
func PathLayer(c *gin.Context, cat *geo.Catalog) (*geo.Layer, bool) {
	l, ok := cat.Layer(c.Param("layer"))
	if !ok {
		_ = c.Error(NotFound("unknown layer " + strconv.Quote(c.Param("layer"))))
	}
	return l, ok
}
