package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/geo/units"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

// analysisRoutes registers the planning endpoints (eligibility, linkage, summaries, sites) on /api.
func (s *Server) analysisRoutes(api *gin.RouterGroup) {
	api.GET("/clusters/:id/eligibility", s.handleClusterEligibility)
	api.GET("/districts/:code/eligibility", s.handleDistrictEligibility)
	api.GET("/analysis/linkage", s.cachedAnswer("linkage", linkageRequest))
	api.GET("/summary", s.cachedAnswer("summary", summaryRequest))
	api.GET("/regions/:slug/summary", s.cachedAnswer("region", regionRequest))
	api.GET("/sites", s.cachedAnswer("sites", sitesRequest))
	api.GET("/stuck", s.handleStuck)
}

// handleStuck: GET /api/stuck[?province=CODE][&as_of=yyyy-mm-dd] lists the clusters whose next
// step is overdue. Not cached: an event recorded moves the answer without changing a layer.
func (s *Server) handleStuck(c *gin.Context) {
	p, err := analysisParams(c, "province", "as_of")
	if err != nil {
		_ = c.Error(err)
		return
	}
	day, err := units.Day(p["as_of"])
	if err != nil {
		_ = c.Error(err)
		return
	}
	out, err := s.planner.Stuck(c.Request.Context(), day, p["province"])
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// answerFunc parses a request into a cache key and the computation of its answer; the key holds
// every validated parameter, so two requests with one key have one answer.
type answerFunc func(c *gin.Context, planner *planning.Planner) (key string, answer func(context.Context) (any, error), err error)

// cachedAnswer serves the province-wide answers (linkage, summaries, sites), which read every
// cluster and zone, through the response cache: keyed by the versions of the layers the analyses
// read, of the analysis tables (respcache.AnalysisVersion) and of the register of units whose
// names the summaries give (respcache.UnitsVersion), so no answer outlives its data. Eligibility
// answers read one row and are never cached.
func (s *Server) cachedAnswer(name string, parse answerFunc) gin.HandlerFunc {
	deps := append(slices.Clone(s.planner.LayersRead()), respcache.AnalysisVersion, respcache.UnitsVersion)
	return func(c *gin.Context) {
		key, answer, err := parse(c, s.planner)
		if err != nil {
			_ = c.Error(err)
			return
		}
		s.resp.Serve(c, deps, name+"?"+key, func(ctx context.Context) (respcache.Built, error) {
			v, err := answer(ctx)
			if err != nil {
				return respcache.Built{}, err
			}
			return jsonAnswer(name, v)
		})
	}
}

const analysisJSONType = "application/json; charset=utf-8"

// analysisParams reads a query string strictly: only the listed parameters, each at most once.
func analysisParams(c *gin.Context, allowed ...string) (map[string]string, error) {
	q, err := httpx.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(q))
	for key, vals := range q {
		if !slices.Contains(allowed, key) {
			return nil, httpx.BadRequest(fmt.Sprintf("unknown parameter %q (allowed: %s)", key, strings.Join(allowed, ", ")))
		}
		if len(vals) != 1 {
			return nil, httpx.BadRequest(fmt.Sprintf("parameter %s is given %d times", key, len(vals)))
		}
		out[key] = strings.TrimSpace(vals[0])
	}
	return out, nil
}

// parseNumber reads an optional decimal parameter within [lo, hi]; absent or empty gives nil.
func parseNumber(p map[string]string, name string, lo, hi float64) (*float64, error) {
	s, ok := p[name]
	if !ok || s == "" {
		return nil, nil
	}
	v, err := geo.ParseDecimal(s)
	if err != nil || v < lo || v > hi {
		return nil, httpx.BadRequest(fmt.Sprintf("%s must be a number from %g to %g", name, lo, hi))
	}
	return &v, nil
}

// parseRadius reads radius_km, default planning.DefaultRadiusKM.
func parseRadius(p map[string]string) (float64, error) {
	r, err := parseNumber(p, "radius_km", planning.MinRadiusKM, planning.MaxRadiusKM)
	if err != nil || r == nil {
		return planning.DefaultRadiusKM, err
	}
	return *r, nil
}

// maxAddHa bounds a proposed expansion: far above any cluster, it only keeps nonsense out.
const maxAddHa = 10000

func (s *Server) handleClusterEligibility(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		_ = c.Error(httpx.BadRequest(fmt.Sprintf("cluster id %q is not an integer", c.Param("id"))))
		return
	}
	p, err := analysisParams(c, "add_ha")
	if err != nil {
		_ = c.Error(err)
		return
	}
	add, err := parseNumber(p, "add_ha", 0, maxAddHa)
	if err != nil || (add != nil && *add <= 0) {
		err = httpx.BadRequest(fmt.Sprintf("add_ha must be a number above 0 and at most %d (omit it to ask whether any expansion fits)", maxAddHa))
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	answer, err := s.planner.ClusterEligibility(c.Request.Context(), id, add)
	if errors.Is(err, geo.ErrNotFound) {
		err = httpx.NotFound(fmt.Sprintf("no cluster with id %d", id))
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, answer)
}

func (s *Server) handleDistrictEligibility(c *gin.Context) {
	if _, err := analysisParams(c); err != nil {
		_ = c.Error(err)
		return
	}
	answer, err := s.planner.DistrictEligibility(c.Request.Context(), c.Param("code"))
	if errors.Is(err, geo.ErrNotFound) {
		err = httpx.NotFound(fmt.Sprintf("no district with code %q", c.Param("code")))
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, answer)
}

func linkageRequest(c *gin.Context, planner *planning.Planner) (string, func(context.Context) (any, error), error) {
	p, err := analysisParams(c, "radius_km", "province")
	if err != nil {
		return "", nil, err
	}
	radius, err := parseRadius(p)
	if err != nil {
		return "", nil, err
	}
	province := p["province"]
	if _, given := c.GetQuery("province"); given && province == "" {
		return "", nil, httpx.BadRequest(`province "" is not a province code (2–3 digits)`)
	} else if err := geo.CheckProvince(province); err != nil {
		return "", nil, err
	}
	key := strconv.FormatFloat(radius, 'g', -1, 64) + "|" + province
	return key, func(ctx context.Context) (any, error) { return planner.Linkage(ctx, radius, province) }, nil
}

func summaryOptions(c *gin.Context) (planning.SummaryOptions, string, error) {
	p, err := analysisParams(c, "radius_km", "kind", "province")
	if err != nil {
		return planning.SummaryOptions{}, "", err
	}
	radius, err := parseRadius(p)
	opt := planning.SummaryOptions{RadiusKM: radius, Kind: p["kind"], Province: p["province"]}
	return opt, strconv.FormatFloat(radius, 'g', -1, 64) + "|" + opt.Kind + "|" + opt.Province, err
}

func summaryRequest(c *gin.Context, planner *planning.Planner) (string, func(context.Context) (any, error), error) {
	opt, key, err := summaryOptions(c)
	return key, func(ctx context.Context) (any, error) { return planner.Summary(ctx, opt) }, err
}

func regionRequest(c *gin.Context, planner *planning.Planner) (string, func(context.Context) (any, error), error) {
	opt, key, err := summaryOptions(c)
	slug := c.Param("slug")
	return slug + "|" + key, func(ctx context.Context) (any, error) {
		answer, err := planner.RegionSummary(ctx, slug, opt)
		if errors.Is(err, geo.ErrNotFound) {
			err = httpx.NotFound(fmt.Sprintf("no region %q", slug))
		}
		return answer, err
	}, err
}

// Site-finder result limits.
// weightParams are the query parameters of the site weights, in planning.SiteWeights order.
var weightParams = []string{"w_free", "w_crop", "w_highway", "w_border", "w_stage"}

const (
	defaultSitesLimit = 100
	maxSitesLimit     = 1000
)

func siteQuery(c *gin.Context) (planning.SiteQuery, error) {
	allowed := append([]string{"industry", "min_free_ha", "crop", "max_highway_km", "highway", "include_unknown_free", "radius_km", "kind", "province", "limit"}, weightParams...)
	q := planning.SiteQuery{Weights: planning.DefaultSiteWeights, Limit: defaultSitesLimit}
	p, err := analysisParams(c, allowed...)
	if err != nil {
		return q, err
	}
	q.Industry, q.Crop, q.Kind, q.Province = p["industry"], p["crop"], p["kind"], p["province"]
	if h := p["highway"]; h != "" {
		// "QL19", "ql 19", "highway 19", "Quốc lộ 19": the road's ref.
		terms, _ := geo.SearchTerms(h)
		if len(terms) < 2 {
			return q, httpx.BadRequest(fmt.Sprintf("highway %q is not a national highway's number (QL19, highway 19)", h))
		}
		q.Highway = terms[1]
	}
	switch v := p["include_unknown_free"]; v {
	case "", "false":
	case "true":
		q.IncludeUnknownFree = true
	default:
		return q, httpx.BadRequest(fmt.Sprintf("include_unknown_free is %q; it takes true or false", v))
	}
	if q.RadiusKM, err = parseRadius(p); err != nil {
		return q, err
	}
	if q.MinFreeHa, err = parseNumber(p, "min_free_ha", 0, 1e6); err != nil {
		return q, err
	}
	if q.MaxHighwayKM, err = parseNumber(p, "max_highway_km", 0, planning.MaxRadiusKM); err != nil {
		return q, err
	}
	weights := []*float64{&q.Weights.Free, &q.Weights.Crop, &q.Weights.Highway, &q.Weights.Border, &q.Weights.Stage}
	for i, name := range weightParams {
		w, err := parseNumber(p, name, 0, planning.MaxSiteWeight)
		if err != nil {
			return q, err
		}
		if w != nil {
			*weights[i] = *w
		}
	}
	if v, ok := p["limit"]; ok {
		if q.Limit, err = httpx.ParseCount("limit", v, 1, maxSitesLimit); err != nil {
			return q, err
		}
	}
	return q, nil
}

func sitesRequest(c *gin.Context, planner *planning.Planner) (string, func(context.Context) (any, error), error) {
	q, err := siteQuery(c)
	if err != nil {
		return "", nil, err
	}
	key, err := json.Marshal(q)
	return string(key), func(ctx context.Context) (any, error) {
		sites, err := planner.Sites(ctx, q)
		if err != nil {
			return nil, err
		}
		return sitesAnswer{Filters: map[string]any{"industry": nullString(q.Industry), "min_free_ha": q.MinFreeHa, "crop": nullString(q.Crop),
			"max_highway_km": q.MaxHighwayKM, "highway": nullString(q.Highway), "include_unknown_free": q.IncludeUnknownFree, "radius_km": q.RadiusKM, "kind": nullString(q.Kind), "province": nullString(q.Province), "limit": q.Limit}, Sites: sites}, nil
	}, err
}

// sitesAnswer is the site finder's answer with the request's filters echoed under their
// parameter names, which only the HTTP side knows.
type sitesAnswer struct {
	Filters map[string]any `json:"filters"`
	*planning.Sites
}

// nullString is nil for an empty string, so an absent filter echoes as null.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
