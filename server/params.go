package server

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clustermap/clustermap/geo"
)

// parseBBox reads "minlon,minlat,maxlon,maxlat" in WGS 84. minlon > maxlon is a box that crosses
// the antimeridian.
func parseBBox(s string) (*geo.BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, badRequest("bbox must be minlon,minlat,maxlon,maxlat")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badRequest(fmt.Sprintf("bbox: %q is not a number", p))
		}
		v[i] = f
	}
	b := &geo.BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	switch {
	case b.MinLon < -180 || b.MinLon > 180 || b.MaxLon < -180 || b.MaxLon > 180:
		return nil, badRequest("bbox: longitudes must be within [-180, 180]")
	case b.MinLat < -90 || b.MinLat > 90 || b.MaxLat < -90 || b.MaxLat > 90:
		return nil, badRequest("bbox: latitudes must be within [-90, 90]")
	case b.MinLat > b.MaxLat:
		return nil, badRequest("bbox: minlat is greater than maxlat")
	}
	return b, nil
}

// parseCount reads an integer parameter (limit, offset) of at least min, capped at max.
func parseCount(name, s string, min, max int64) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		n, err = max, nil
	}
	if err != nil || n < min {
		return 0, badRequest(fmt.Sprintf("%s must be an integer of at least %d", name, min))
	}
	return int(math.Min(float64(n), float64(max))), nil
}

// Bounds on what one request may ask for, so that its work is bounded before any query is built.
// limitQuery enforces the byte sizes on every route; parseQuery and parseList the counts.
const (
	// maxQueryBytes bounds the raw query string of /api and /tiles: their longest honest query
	// (every filter of a layer with a bbox and a property list) is well under 2 KiB.
	maxQueryBytes = 8 << 10
	// maxOGCQueryBytes leaves room for a CQL2 filter of the compiler's own limit (64 KiB of text)
	// percent-encoded, which can triple it.
	maxOGCQueryBytes = 3*(64<<10) + 8<<10
	// maxParams bounds the parameters of a query string (a layer has fewer than 40 fields).
	maxParams = 64
	// maxListValues bounds a comma-separated list such as properties=a,b,c.
	maxListValues = 100
)

// parseQuery parses a raw query string strictly: a malformed pair (such as one holding a
// semicolon) is a 400, never silently dropped, so no filter can be lost on the way.
func parseQuery(raw string) (url.Values, error) {
	if n := strings.Count(raw, "&") + 1; raw != "" && n > maxParams {
		return nil, badRequest(fmt.Sprintf("too many query parameters (%d); at most %d are accepted", n, maxParams))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("malformed query string: " + err.Error())
	}
	for k, vals := range q {
		for _, v := range append([]string{k}, vals...) {
			if !geo.ValidText(v) {
				return nil, badRequest(fmt.Sprintf("parameter %q: not valid UTF-8 text (or holds a NUL byte)", k))
			}
		}
	}
	return q, nil
}

// parseList reads "a,b,c", dropping repeated items (a repeated property name would only repeat
// work in the database) and refusing more than maxListValues items.
func parseList(name, s string) ([]string, error) {
	if n := strings.Count(s, ",") + 1; n > maxListValues {
		return nil, badRequest(fmt.Sprintf("%s: %d items; at most %d are accepted", name, n, maxListValues))
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// featureQuery turns /api feature parameters into a geo.FeatureQuery. Any parameter that is not
// bbox, limit, offset or properties must name a declared field: it is an equality filter.
func featureQuery(l *geo.Layer, q url.Values) (geo.FeatureQuery, error) {
	fq := geo.FeatureQuery{Layer: l, Limit: geo.DefaultLimit, Equals: map[string]string{}}
	for key, vals := range q {
		if len(vals) != 1 {
			return fq, badRequest(fmt.Sprintf("parameter %s is given %d times", key, len(vals)))
		}
		v := vals[0]
		var err error
		switch key {
		case "bbox":
			fq.BBox, err = parseBBox(v)
		case "limit":
			// Documented: a larger limit is served as the maximum, not refused.
			fq.Limit, err = parseCount("limit", v, 1, geo.MaxLimit)
		case "offset":
			fq.Offset, err = parseCount("offset", v, 0, math.MaxInt32)
		case "properties":
			fq.Properties, err = parseList("properties", v)
		default:
			if _, ok := l.Field(key); !ok {
				return fq, badRequest(fmt.Sprintf("unknown parameter %q: not a field of layer %s", key, l.ID))
			}
			fq.Equals[key] = v
		}
		if err != nil {
			return fq, err
		}
	}
	return fq, nil
}
