package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/units"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

// unitRoutes serve the register of administrative units: the provinces the installation holds
// (what the web map shows and where it opens), the units valid on a day, and where a feature lay
// on a day (?as_of=yyyy-mm-dd: the district before 1 July 2025, the commune or ward after).
func (s *Server) unitRoutes(api gin.IRouter) {
	api.GET("/provinces", s.handleProvinces)
	api.GET("/units", s.handleUnits)
	api.GET("/layers/:layer/features/:fid/units", s.handleFeatureUnits)
}

// handleProvinces is kept by the response cache under the register's version, per day: every
// page asks for it with the catalog, and building it counts each province's units (17–23 ms of
// PostgreSQL for the 34 provinces of the synthetic national dataset).
func (s *Server) handleProvinces(c *gin.Context) {
	_, day, ok := dayParams(c, "as_of")
	if !ok {
		return
	}
	asOf := day.Format("2006-01-02")
	s.resp.Serve(c, []string{respcache.UnitsVersion}, "provinces|"+asOf, func(ctx context.Context) (respcache.Built, error) {
		out, err := s.units.Provinces(ctx, day)
		if err != nil {
			return respcache.Built{}, err
		}
		return jsonAnswer("provinces", gin.H{"as_of": asOf, "provinces": out})
	})
}

func (s *Server) handleUnits(c *gin.Context) {
	p, day, ok := dayParams(c, "as_of", "level", "province")
	if !ok {
		return
	}
	out, err := s.units.Units(c.Request.Context(), day, p["level"], p["province"])
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"as_of": day.Format("2006-01-02"), "units": out})
}

func (s *Server) handleFeatureUnits(c *gin.Context) {
	l, ok := httpx.PathLayer(c, s.reads.Catalog())
	if !ok {
		return
	}
	_, day, ok := dayParams(c, "as_of")
	if !ok {
		return
	}
	out, err := s.units.FeatureUnits(c.Request.Context(), l, c.Param("fid"), day)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// dayParams reads a units request's parameters (allowed) and its as_of day; on bad input it has
// answered with the error.
func dayParams(c *gin.Context, allowed ...string) (map[string]string, time.Time, bool) {
	p, err := analysisParams(c, allowed...)
	if err != nil {
		_ = c.Error(err)
		return nil, time.Time{}, false
	}
	day, err := units.Day(p["as_of"])
	if err != nil {
		_ = c.Error(err)
		return nil, time.Time{}, false
	}
	return p, day, true
}
