package server

import (
	"fmt"
	"math"
	"net/url"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// featureQuery turns /api feature parameters into a geo.FeatureQuery. Any parameter that is not
// bbox, limit, offset or properties must name a declared field: it is an equality filter.
func featureQuery(l *geo.Layer, q url.Values) (geo.FeatureQuery, error) {
	fq := geo.FeatureQuery{Layer: l, Limit: geo.DefaultLimit, Equals: map[string]string{}}
	for key, vals := range q {
		if len(vals) != 1 {
			return fq, httpx.BadRequest(fmt.Sprintf("parameter %s is given %d times", key, len(vals)))
		}
		v := vals[0]
		var err error
		switch key {
		case "bbox":
			fq.BBox, err = httpx.ParseBBox(v)
		case "limit":
			// Documented: a larger limit is served as the maximum, not refused.
			fq.Limit, err = httpx.ParseCount("limit", v, 1, geo.MaxLimit)
		case "offset":
			fq.Offset, err = httpx.ParseCount("offset", v, 0, math.MaxInt32)
		case "properties":
			fq.Properties, err = httpx.ParseList("properties", v)
		default:
			if _, ok := l.Field(key); !ok {
				return fq, httpx.BadRequest(fmt.Sprintf("unknown parameter %q: not a field of layer %s", key, l.ID))
			}
			fq.Equals[key] = v
		}
		if err != nil {
			return fq, err
		}
	}
	return fq, nil
}
