package ogc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/export"
	"github.com/clustermap/clustermap/server/httpx"
)

// Exports: /items?f=gpkg|shp|kml|csv|xlsx (and f=json with crs=) write the features the same
// parameters select (bbox, datetime, CQL2 filter, limit and offset; without a limit, every
// feature up to the maximum) as a file, in WGS 84 or VN-2000 (crs=EPSG:9218, …). GDAL is a
// process per export: at most maxExports run at once (more get 503 + Retry-After), each within
// exportTimeout, on at most geo.MaxLimit features.
const (
	maxExports    = 2
	exportTimeout = 60 * time.Second
)

// withoutParam is params without one key.
func withoutParam(params url.Values, key string) url.Values {
	out := url.Values{}
	for k, v := range params {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func (s *Service) writeExport(c *gin.Context, l *geo.Layer, req *itemsRequest) {
	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		c.Header("Retry-After", "5")
		_ = c.Error(httpx.NewError(http.StatusServiceUnavailable, "other exports are being written; try again in a few seconds"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), exportTimeout)
	defer cancel()
	q := req.query
	if !req.limited {
		q.Limit = geo.MaxLimit
	}
	page, err := s.store.Features(ctx, q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	lang := c.DefaultQuery("lang", "vi")
	if lang != "vi" && lang != "en" {
		_ = c.Error(httpx.BadRequest("lang must be vi or en"))
		return
	}
	var columns []export.Column
	for _, f := range l.Fields {
		title := f.Title.VI
		if lang == "en" {
			title = f.Title.EN
		}
		columns = append(columns, export.Column{Property: f.Name, Header: title})
	}
	b, err := export.Write(ctx, export.Request{
		GeoJSON: httpx.FeatureCollection(page, []httpx.Link{}, nil),
		Layer:   l.ID, Format: *req.export, CRS: req.crs, Columns: columns,
		WKTHeader: "WKT",
	})
	if err != nil {
		if errors.Is(err, export.ErrTool) {
			s.log.Error("export failed", "request_id", httpx.RequestID(c), "layer", l.ID, "format", req.export.Name, "err", err)
			_ = c.Error(fmt.Errorf("export %s as %s: %w", l.ID, req.export.Name, err))
			return
		}
		_ = c.Error(httpx.BadRequest(err.Error()))
		return
	}
	// How many features the file holds of how many matched (a file has no numberMatched of its
	// own); the CRS of its coordinates (OGC API – Features Part 2).
	c.Header("OGC-NumberMatched", strconv.FormatInt(page.Matched, 10))
	c.Header("OGC-NumberReturned", strconv.Itoa(len(page.Features)))
	c.Header("Content-Crs", "<"+req.crs.URI()+">")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, l.ID, req.export.Ext))
	c.Data(http.StatusOK, req.export.MediaType, b)
}
